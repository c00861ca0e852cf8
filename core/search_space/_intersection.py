"""The intersection search space: the parameters every finished trial shares.

Samplers use it as their relative search space; :class:`IntersectionSearchSpace` keeps it
up to date from the trials finished since its last call instead of rescanning the study.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from parzen.distributions import BaseDistribution
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from collections.abc import Hashable

    from parzen.study import Study

_STATES = (TrialState.COMPLETE,)
_STATES_WITH_PRUNED = (TrialState.COMPLETE, TrialState.PRUNED)


def intersection_search_space(
    trials: Iterable[FrozenTrial], include_pruned: bool = False
) -> dict[str, BaseDistribution]:
    """The parameters every finished trial has, with the same distribution, sorted by name.

    Examples:
        >>> import parzen
        >>> from parzen.search_space import intersection_search_space
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        >>> list(intersection_search_space(study.trials))
        ['x']
    """
    states = _STATES_WITH_PRUNED if include_pruned else _STATES
    space: dict[str, BaseDistribution] | None = None
    for trial in trials:
        if trial.state not in states:
            continue
        if space is None:
            space = dict(trial.distributions)
            continue
        space = {
            name: dist for name, dist in space.items() if trial.distributions.get(name) == dist
        }
    return dict(sorted((space or {}).items()))


class IntersectionSearchSpace:
    """Incrementally maintained :func:`intersection_search_space` of a study.

    Each call looks only at trials that finished since the previous one.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> space = parzen.search_space.IntersectionSearchSpace()
        >>> study.optimize(lambda t: t.suggest_int("n", 0, 3), n_trials=2)
        >>> list(space.calculate(study))
        ['n']
    """

    def __init__(self, include_pruned: bool = False) -> None:
        self._include_pruned = include_pruned
        self._states = _STATES_WITH_PRUNED if include_pruned else _STATES
        self._space: dict[str, BaseDistribution] | None = None
        self._cursor = 0
        self._seen: set[int] = set()
        self._study_key: Hashable | None = None

    def calculate(self, study: Study) -> dict[str, BaseDistribution]:
        if self._study_key is not None and self._study_key != study.cache_key:
            raise ValueError(
                "IntersectionSearchSpace cannot be shared by several studies (or views of "
                "one): it reads each study incrementally. Create one per study."
            )
        self._study_key = study.cache_key
        new, self._cursor = study.get_finished_trials_since(self._cursor)
        for trial in new:
            if trial._trial_id in self._seen:
                continue
            self._seen.add(trial._trial_id)
            if trial.state not in self._states:
                continue
            if self._space is None:
                self._space = dict(trial.distributions)
            else:
                self._space = {
                    name: dist
                    for name, dist in self._space.items()
                    if trial.distributions.get(name) == dist
                }
        return dict(sorted((self._space or {}).items()))
