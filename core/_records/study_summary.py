"""FrozenStudy and StudySummary: read-only snapshots of a study, as storages list them.

Bottom-layer records: storages build them (``get_all_studies``) without knowing the Study
class; ``parzen.study`` re-exports both for ``get_all_study_summaries`` and the CLI.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from parzen._records.direction import StudyDirection

if TYPE_CHECKING:
    from parzen.trial import FrozenTrial


class _Directions:
    """The direction(s) of a study record, given as exactly one of two arguments."""

    _directions: list[StudyDirection]

    def _set_directions(
        self,
        owner: str,
        direction: StudyDirection | None,
        directions: Sequence[StudyDirection] | None,
    ) -> None:
        if (direction is None) == (directions is None):
            raise ValueError(f"Pass exactly one of direction and directions to {owner}.")
        self._directions = list(directions) if directions is not None else [direction]

    @property
    def direction(self) -> StudyDirection:
        if len(self._directions) > 1:
            raise RuntimeError("This study has several directions; use .directions.")
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        return list(self._directions)


class FrozenStudy(_Directions):
    """A snapshot of a study's identity, directions and attributes, as storages list them.

    Examples:
        >>> import parzen
        >>> storage = parzen.storages.InMemoryStorage()
        >>> _ = parzen.create_study(storage=storage, study_name="a")
        >>> [s.study_name for s in storage.get_all_studies()]
        ['a']
    """

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        self._set_directions("FrozenStudy", direction, directions)
        self.study_name = study_name
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self._study_id = study_id

    def __repr__(self) -> str:
        return f"FrozenStudy(study_name={self.study_name!r}, directions={self._directions})"


class StudySummary(_Directions):
    """What :func:`get_all_study_summaries` reports of one study.

    Examples:
        >>> import parzen
        >>> storage = parzen.storages.InMemoryStorage()
        >>> study = parzen.create_study(storage=storage, study_name="s")
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        >>> [(s.study_name, s.n_trials) for s in parzen.get_all_study_summaries(storage)]
        [('s', 2)]
    """

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        best_trial: FrozenTrial | None,
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        n_trials: int,
        datetime_start: datetime.datetime | None,
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        self._set_directions("StudySummary", direction, directions)
        self.study_name = study_name
        self.best_trial = best_trial
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self.n_trials = n_trials
        self.datetime_start = datetime_start
        self._study_id = study_id
