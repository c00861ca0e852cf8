"""StudyView: a study as a sampler sees it when only some of its trials count.

A sampler reads a study through a narrow interface (see :class:`~parzen.samplers.BaseSampler`,
"Reading the study"). A view overrides the trial reads of that interface so that a sampler
learns from a subset of the trials: :class:`~parzen.pruners.HyperbandPruner` shows each
sampler hook the trials of the current trial's bracket, and the LightGBM tuner shows each
step's sampler the trials of that step. Everything else (writes, directions, names) is the
study's own.
"""

from __future__ import annotations

import abc
from collections.abc import Container, Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, TrialState


class StudyView(abc.ABC):
    """The trial reads of ``study``, limited to the trials :meth:`_keeps` accepts.

    A subclass says which trials it keeps and names itself in per-study caches.
    """

    def __init__(self, study: Study) -> None:
        self._study = study

    @abc.abstractmethod
    def _keeps(self, trial: FrozenTrial) -> bool:
        """Whether ``trial`` is one of the view's trials."""

    @abc.abstractmethod
    def _view_key(self) -> tuple[Hashable, ...]:
        """What tells this view apart from other views of the same study in a cache key."""

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        trials = self._study.get_trials(deepcopy=deepcopy, states=states)
        return [t for t in trials if self._keeps(t)]

    def _get_trials(
        self,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
        use_cache: bool = False,
    ) -> list[FrozenTrial]:
        return self.get_trials(deepcopy=deepcopy, states=states)

    @property
    def trials(self) -> list[FrozenTrial]:
        return self.get_trials(deepcopy=True)

    def get_finished_trials_since(self, cursor: int) -> tuple[list[FrozenTrial], int]:
        trials, cursor = self._study.get_finished_trials_since(cursor)
        return [t for t in trials if self._keeps(t)], cursor

    def count_trials(self, states: Container[TrialState] | None = None) -> int:
        return len(self.get_trials(deepcopy=False, states=states))

    @property
    def cache_key(self) -> Hashable:
        return (self._study.cache_key, *self._view_key())

    def _sampler_view(self, trial: FrozenTrial) -> StudyView:
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)
