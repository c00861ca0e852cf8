"""Which study or trial an artifact belongs to, and the storage that records it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from parzen.study import Study
from parzen.trial import FrozenTrial, Trial

if TYPE_CHECKING:
    from parzen.storages import BaseStorage


class Target:
    """A study or a trial, by id, with the storage holding its system attributes."""

    def __init__(self, storage: BaseStorage, kind: Literal["study", "trial"], id_: int) -> None:
        self.storage = storage
        self.kind = kind
        self.id = id_

    def system_attrs(self) -> dict[str, Any]:
        if self.kind == "study":
            return self.storage.get_study_system_attrs(self.id)
        return self.storage.get_trial_system_attrs(self.id)

    def set_system_attr(self, key: str, value: str) -> None:
        if self.kind == "study":
            self.storage.set_study_system_attr(self.id, key, value)
        else:
            self.storage.set_trial_system_attr(self.id, key, value)

    def check_writable(self) -> None:
        """Raise UpdateFinishedTrialError for a finished trial, before any byte is uploaded."""
        if self.kind == "trial":
            state = self.storage.get_trial(self.id).state
            self.storage.check_trial_is_updatable(self.id, state)


def resolve(study_or_trial: Trial | FrozenTrial | Study, storage: BaseStorage | None) -> Target:
    if isinstance(study_or_trial, Trial):
        return Target(storage or study_or_trial.storage, "trial", study_or_trial._trial_id)
    if isinstance(study_or_trial, FrozenTrial):
        if storage is None:
            raise ValueError(
                "storage is required for FrozenTrial: a FrozenTrial is a snapshot that does not "
                "know its storage. Pass storage=study._storage (the study's storage), or pass "
                "the running Trial or the Study instead."
            )
        return Target(storage, "trial", study_or_trial._trial_id)
    if isinstance(study_or_trial, Study):
        return Target(storage or study_or_trial._storage, "study", study_or_trial._study_id)
    raise TypeError(
        "study_or_trial must be a Trial, a FrozenTrial or a Study, got "
        f"{type(study_or_trial).__name__}: {study_or_trial!r}."
    )
