"""A study's COMPLETE trials as arrays: numbers, objective values, feasibility.

Every plot and the study summary start from these columns instead of walking 100,000
trial objects each. They are extended with the trials that completed since the last build
(COMPLETE trials never change), so a busy study costs a pass over its new trials only.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
from collections.abc import Sequence

import numpy as np

from parzen._records.constraints import is_feasible
from parzen.trial import FrozenTrial

_NUMBER = operator.attrgetter("number")
_VALUES = operator.attrgetter("values")
_SYSTEM_ATTRS = operator.attrgetter("system_attrs")
_PARAMS = operator.attrgetter("params")


@dataclasses.dataclass(frozen=True)
class CompleteColumns:
    """The COMPLETE trials of a snapshot (sorted by number) and their columns.

    ``values[i, k]`` is objective ``k`` of ``trials[i]``; ``param_sets`` counts the trials
    per distinct set of parameter names (conditional search spaces have a few such sets).

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> columns = build_columns(study.trials, 1)
        >>> columns.numbers.tolist(), columns.values.shape, columns.common_params()
        ([0, 1, 2], (3, 1), ['x'])
    """

    trials: list[FrozenTrial]
    numbers: np.ndarray
    values: np.ndarray
    feasible: np.ndarray
    param_sets: dict[tuple[str, ...], int]

    def covers(self, complete: Sequence[FrozenTrial]) -> bool:
        """Whether these columns are those of ``complete`` (the same trials, by identity)."""
        return len(complete) == len(self.trials) and (
            not complete or _extends(complete, self.trials)
        )

    def common_params(self) -> list[str]:
        """Names of the parameters every trial has, sorted."""
        common: set[str] | None = None
        for names in self.param_sets:
            common = set(names) if common is None else common & set(names)
        return sorted(common or ())

    def all_params(self) -> list[str]:
        """Names of the parameters some trial has, sorted."""
        return sorted({name for names in self.param_sets for name in names})


def build_columns(
    complete: Sequence[FrozenTrial],
    n_objectives: int,
    previous: CompleteColumns | None = None,
) -> CompleteColumns:
    """The columns of ``complete`` (COMPLETE trials sorted by number).

    When ``complete`` extends ``previous.trials`` (new trials only after the old ones), only
    the new trials are read.
    """
    start = 0
    if previous is not None and _extends(complete, previous.trials):
        start = len(previous.trials)
    new = complete[start:]
    n = len(new)
    numbers = np.fromiter(map(_NUMBER, new), dtype=np.int64, count=n)
    flat = itertools.chain.from_iterable(map(_VALUES, new))
    values = np.fromiter(flat, dtype=float, count=n * n_objectives).reshape(n, n_objectives)
    # Most trials have no system attributes at all, so no constraints: skip the parsing.
    feasible = np.fromiter(
        (not attrs or is_feasible(t) for t, attrs in zip(new, map(_SYSTEM_ATTRS, new))),
        dtype=bool,
        count=n,
    )
    param_sets = dict(previous.param_sets) if start and previous is not None else {}
    for key in map(tuple, map(_PARAMS, new)):
        param_sets[key] = param_sets.get(key, 0) + 1
    if start and previous is not None:
        numbers = np.concatenate([previous.numbers, numbers])
        values = np.concatenate([previous.values, values])
        feasible = np.concatenate([previous.feasible, feasible])
    return CompleteColumns(list(complete), numbers, values, feasible, param_sets)


def _extends(complete: Sequence[FrozenTrial], old: list[FrozenTrial]) -> bool:
    n = len(old)
    # Trials are sorted by number, so a trial slotted in before the old ones shifts the one
    # at the old end.
    return 0 < n <= len(complete) and complete[n - 1] is old[-1] and complete[0] is old[0]
