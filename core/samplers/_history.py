"""A columnar, incrementally updated record of a study's finished trials.

Model-based samplers need the parameters and values of every finished trial on every
suggestion. Rebuilding that from ``FrozenTrial`` objects each time costs ``O(n)`` Python work
per suggestion; :class:`TrialHistory` instead reads only the trials that finished since its
last call and appends them to numpy columns, so a
sampler's per-suggestion cost is the vectorized numpy work on those columns. It reads the study
through :meth:`Study.get_finished_trials_since <parzen.study.Study.get_finished_trials_since>`
(part of the interface in :class:`~parzen.samplers.BaseSampler`'s docstring), so a view of
the study (a Hyperband bracket) gets a history of its own trials; key histories by
``study.cache_key``.

Only COMPLETE and PRUNED trials become rows (a FAILed trial says nothing about its
parameters); every finished trial is counted, though, so that ``n_finished`` can be compared
with the number of trials a storage holds.

Examples:
    >>> import parzen
    >>> from parzen.samplers._history import TrialHistory
    >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    >>> history = TrialHistory(study)
    >>> history.sync(study)
    3
    >>> history.param_column("x").shape
    (3,)
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from parzen._records.constraints import get_constraints
from parzen.distributions import BaseDistribution
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

__all__ = ["TrialHistory"]

_ROW_STATES = (TrialState.COMPLETE, TrialState.PRUNED)
_INITIAL_CAPACITY = 64


class _ParamColumn:
    """One parameter's internal values (NaN where a trial lacks it) and distributions."""

    __slots__ = (
        "count",
        "dist_index",
        "distributions",
        "seen",
        "sorted_rows",
        "sorted_upto",
        "sorted_values",
        "values",
    )

    def __init__(self, capacity: int) -> None:
        self.values = np.full(capacity, np.nan)
        self.dist_index = np.full(capacity, -1, dtype=np.int32)
        self.distributions: list[BaseDistribution] = []
        # Rows with a value, sorted by value; covers rows [0, sorted_upto).
        self.sorted_rows = np.empty(0, dtype=np.int64)
        self.sorted_values = np.empty(0)
        self.sorted_upto = 0
        # Per row kind (False: COMPLETE rows, True: all rows): how many rows have this
        # parameter, and which distributions (indices) they used.
        self.count = {False: 0, True: 0}
        self.seen: dict[bool, set[int]] = {False: set(), True: set()}

    def grow(self, capacity: int) -> None:
        old = len(self.values)
        self.values = np.concatenate([self.values, np.full(capacity - old, np.nan)])
        self.dist_index = np.concatenate(
            [self.dist_index, np.full(capacity - old, -1, dtype=np.int32)]
        )

    def index_of(self, distribution: BaseDistribution) -> int:
        # Few distinct distributions per parameter (usually one): a linear scan is cheapest.
        for i, known in enumerate(self.distributions):
            if known is distribution or known == distribution:
                return i
        self.distributions.append(distribution)
        return len(self.distributions) - 1


class TrialHistory:
    """Finished COMPLETE and PRUNED trials of one study as numpy columns.

    Rows are in the order the trials were first seen (roughly, the order they finished);
    :meth:`order_by_number` gives the rows sorted by trial number. Each column is a view of
    the first ``n`` rows; callers must not write to it.

    Args:
        study: The study to follow (only its number of objectives is read here; pass the
            study, or the same view of it, to every :meth:`sync`).

    Examples:
        >>> import parzen
        >>> from parzen.samplers._history import TrialHistory
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> history = TrialHistory(study)
        >>> study.optimize(lambda t: t.suggest_int("k", 0, 9), n_trials=4)
        >>> history.sync(study), history.n, sorted(history.intersection_search_space())
        (4, 4, ['k'])
    """

    def __init__(self, study: Study) -> None:
        self.n_objectives = len(study.directions)
        self._lock = threading.RLock()
        self._cursor = 0
        self._seen: set[int] = set()
        self._capacity = _INITIAL_CAPACITY
        self._n = 0
        self._number = np.empty(self._capacity, dtype=np.int64)
        self._trial_id = np.empty(self._capacity, dtype=np.int64)
        self._state = np.empty(self._capacity, dtype=np.int8)
        self._values = np.full((self._capacity, self.n_objectives), np.nan)
        self._last_step = np.full(self._capacity, np.nan)
        self._last_intermediate = np.full(self._capacity, np.nan)
        self._violation = np.full(self._capacity, np.nan)
        self._param_set_id = np.empty(self._capacity, dtype=np.int32)
        self._params: dict[str, _ParamColumn] = {}
        self._param_sets: list[frozenset[str]] = []
        self._param_set_index: dict[frozenset[str], int] = {}
        self._order: np.ndarray = np.empty(0, dtype=np.int64)
        self._order_needs_sort = False
        self._max_number = -1
        # Distinct parameter sets (ids into _param_sets) of COMPLETE rows and of all rows.
        self._set_ids_seen: dict[bool, list[int]] = {False: [], True: []}
        self._groups_cache: dict[bool, tuple[int, list[frozenset[str]]]] = {}
        self._n_complete = 0
        self.has_constraints = False
        # Samplers hang state derived from the history here (keyed by whatever they like), so
        # that it lives and dies with the history.
        self.derived: dict[object, object] = {}

    # -- updating -------------------------------------------------------------------------------

    def sync(self, study: Study) -> int:
        """Read the trials of ``study`` that finished since the last call; return how many
        rows were added."""
        with self._lock:
            trials, self._cursor = study.get_finished_trials_since(self._cursor)
            added = 0
            for trial in trials:
                if trial._trial_id in self._seen or not trial.state.is_finished():
                    continue
                self._seen.add(trial._trial_id)
                if trial.state in _ROW_STATES:
                    self._append(trial)
                    added += 1
            return added

    def _append(self, trial: FrozenTrial) -> None:
        row = self._n
        if row == self._capacity:
            self._grow()
        self._number[row] = trial.number
        self._trial_id[row] = trial._trial_id
        self._state[row] = int(trial.state)
        values = trial.values
        if values is not None and len(values) == self.n_objectives:
            self._values[row] = values
        else:
            self._values[row] = np.nan
        if trial.intermediate_values:
            step = max(trial.intermediate_values)
            self._last_step[row] = step
            self._last_intermediate[row] = trial.intermediate_values[step]
        else:
            self._last_step[row] = np.nan
            self._last_intermediate[row] = np.nan
        self._violation[row] = _violation(trial)
        if not math.isnan(self._violation[row]):
            self.has_constraints = True

        complete = trial.state == TrialState.COMPLETE
        names = frozenset(trial.distributions)
        set_id = self._param_set_index.get(names)
        if set_id is None:
            set_id = len(self._param_sets)
            self._param_sets.append(names)
            self._param_set_index[names] = set_id
        self._param_set_id[row] = set_id
        for include_pruned in (False, True):
            if trial.state == TrialState.PRUNED and not include_pruned:
                continue
            seen_ids = self._set_ids_seen[include_pruned]
            if set_id not in seen_ids:
                seen_ids.append(set_id)
        for name, distribution in trial.distributions.items():
            column = self._params.get(name)
            if column is None:
                column = self._params[name] = _ParamColumn(self._capacity)
            column.values[row] = distribution.to_internal_repr(trial.params[name])
            index = column.index_of(distribution)
            column.dist_index[row] = index
            column.count[True] += 1
            column.seen[True].add(index)
            if complete:
                column.count[False] += 1
                column.seen[False].add(index)
        if complete:
            self._n_complete += 1

        if trial.number > self._max_number:
            self._max_number = trial.number
        else:
            self._order_needs_sort = True
        self._n = row + 1

    def _grow(self) -> None:
        capacity = self._capacity * 2

        def grow(a: np.ndarray, fill: float | int) -> np.ndarray:
            extra = np.full((capacity - len(a), *a.shape[1:]), fill, dtype=a.dtype)
            return np.concatenate([a, extra])

        self._number = grow(self._number, 0)
        self._trial_id = grow(self._trial_id, 0)
        self._state = grow(self._state, 0)
        self._values = grow(self._values, np.nan)
        self._last_step = grow(self._last_step, np.nan)
        self._last_intermediate = grow(self._last_intermediate, np.nan)
        self._violation = grow(self._violation, np.nan)
        self._param_set_id = grow(self._param_set_id, 0)
        for column in self._params.values():
            column.grow(capacity)
        self._capacity = capacity

    # -- reading ----------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of rows (COMPLETE and PRUNED trials)."""
        return self._n

    @property
    def n_finished(self) -> int:
        """Number of finished trials seen, FAIL included."""
        return len(self._seen)

    @property
    def number(self) -> np.ndarray:
        """Trial numbers, shape ``(n,)``."""
        return self._number[: self._n]

    @property
    def trial_id(self) -> np.ndarray:
        """Storage trial ids, shape ``(n,)``."""
        return self._trial_id[: self._n]

    @property
    def state(self) -> np.ndarray:
        """``TrialState`` values as int8, shape ``(n,)``."""
        return self._state[: self._n]

    @property
    def values(self) -> np.ndarray:
        """Objective values, shape ``(n, n_objectives)``; NaN where a trial has none."""
        return self._values[: self._n]

    @property
    def last_step(self) -> np.ndarray:
        """Largest reported step, shape ``(n,)``; NaN where nothing was reported."""
        return self._last_step[: self._n]

    @property
    def last_intermediate(self) -> np.ndarray:
        """Intermediate value at ``last_step``, shape ``(n,)``; NaN where none."""
        return self._last_intermediate[: self._n]

    @property
    def violation(self) -> np.ndarray:
        """Sum of positive constraint values, shape ``(n,)``; NaN without constraints."""
        return self._violation[: self._n]

    @property
    def param_names(self) -> list[str]:
        """Names of every parameter seen, in first-seen order."""
        return list(self._params)

    @property
    def param_sets(self) -> list[frozenset[str]]:
        """Distinct sets of parameter names; ``param_set_id`` indexes into this list."""
        return list(self._param_sets)

    @property
    def param_set_id(self) -> np.ndarray:
        """Index into :attr:`param_sets` of each row's parameter names, shape ``(n,)``."""
        return self._param_set_id[: self._n]

    def param_column(self, name: str) -> np.ndarray:
        """Internal values of ``name``, shape ``(n,)``; NaN where a trial lacks it."""
        column = self._params.get(name)
        if column is None:
            return np.full(self._n, np.nan)
        return column.values[: self._n]

    def sorted_rows(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows that have ``name`` sorted by its internal value (ties by row), and the values."""
        with self._lock:
            column = self._params.get(name)
            if column is None:
                return np.empty(0, dtype=np.int64), np.empty(0)
            if column.sorted_upto < self._n:
                # Merge the few new rows into the sorted ones instead of sorting all again.
                new = np.arange(column.sorted_upto, self._n)
                new = new[~np.isnan(column.values[new])]
                new = new[np.argsort(column.values[new], kind="stable")]
                new_values = column.values[new]
                at = np.searchsorted(column.sorted_values, new_values, side="right")
                column.sorted_rows = np.insert(column.sorted_rows, at, new)
                column.sorted_values = np.insert(column.sorted_values, at, new_values)
                column.sorted_upto = self._n
            return column.sorted_rows, column.sorted_values

    def param_distributions(self, name: str) -> tuple[list[BaseDistribution], np.ndarray]:
        """Distinct distributions of ``name`` and each row's index into them (-1: absent)."""
        column = self._params.get(name)
        if column is None:
            return [], np.full(self._n, -1, dtype=np.int32)
        return list(column.distributions), column.dist_index[: self._n]

    def n_rows_with(self, name: str) -> int:
        """Number of rows that have the parameter ``name``."""
        column = self._params.get(name)
        return 0 if column is None else column.count[True]

    def intersection_search_space(
        self, *, include_pruned: bool = True
    ) -> dict[str, BaseDistribution]:
        """Parameters that every (COMPLETE, or COMPLETE and PRUNED) row has, with one
        distribution, sorted by name."""
        n_rows = self._n if include_pruned else self._n_complete
        space = {}
        if n_rows:
            for name, column in self._params.items():
                seen = column.seen[include_pruned]
                if column.count[include_pruned] == n_rows and len(seen) == 1:
                    space[name] = column.distributions[next(iter(seen))]
        return dict(sorted(space.items()))

    def order_by_number(self) -> np.ndarray:
        """Row indices sorted by trial number."""
        with self._lock:
            if self._order_needs_sort:
                self._order = np.argsort(self.number, kind="stable")
                self._order_needs_sort = False
            elif len(self._order) < self._n:
                # Rows arrived in number order (the common case): extend, don't re-sort.
                self._order = np.concatenate(
                    [self._order, np.arange(len(self._order), self._n, dtype=np.int64)]
                )
            return self._order

    def group_decomposition(self, *, include_pruned: bool = True) -> list[frozenset[str]]:
        """The partition of the parameter names into groups such that every row's parameter
        set is a union of groups, with groups as large as possible (the "group decomposed"
        search space)."""
        with self._lock:
            set_ids = self._set_ids_seen[include_pruned]
            cached = self._groups_cache.get(include_pruned)
            if cached is not None and cached[0] == len(set_ids):
                return list(cached[1])
            groups: list[frozenset[str]] = []
            for set_id in set_ids:
                names = self._param_sets[set_id]
                refined: list[frozenset[str]] = []
                for group in groups:
                    refined.extend(part for part in (group & names, group - names) if part)
                rest = names.difference(*groups)
                if rest:
                    refined.append(rest)
                groups = refined
            self._groups_cache[include_pruned] = (len(set_ids), groups)
            return list(groups)

    def rows_with(self, names: Sequence[str]) -> np.ndarray:
        """Boolean mask of the rows that have every parameter in ``names``."""
        mask = np.ones(self._n, dtype=bool)
        for name in names:
            mask &= ~np.isnan(self.param_column(name))
        return mask


def _violation(trial: FrozenTrial) -> float:
    constraints = get_constraints(trial)
    if constraints is None:
        return math.nan
    return float(sum(max(c, 0.0) for c in constraints))
