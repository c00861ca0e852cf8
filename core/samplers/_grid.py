"""GridSampler: every combination of given candidate values, coordinated through the storage."""

from __future__ import annotations

import contextlib
import math
import threading
import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen import logging as parzen_logging
from parzen.distributions import BaseDistribution, CategoricalDistribution
from parzen.samplers._base import BaseSampler
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

GridValueType = str | float | int | bool | None

_logger = parzen_logging.get_logger(__name__)

_GRID_ID_KEY = "grid_id"
_SEARCH_SPACE_KEY = "search_space"
_FIXED_PARAMS_KEY = "fixed_params"
# How often a trial re-picks after finding its grid point claimed by a concurrent trial.
_MAX_CLAIM_ATTEMPTS = 8


class GridSampler(BaseSampler):
    """Evaluates every combination of a user-given grid, each once.

    The grid is the Cartesian product of the candidate values of each parameter. Each trial
    takes one grid point that no finished or running trial holds, chosen at random (``seed``
    fixes the order). Workers that share a storage coordinate through it: a trial records its
    grid point in the system attributes ``"grid_id"`` and ``"search_space"`` and gives the point
    up if a concurrent trial claimed the same one, so no point is evaluated twice while another
    is still waiting. (A trial that a worker starts in the instant the last point is taken has
    nothing new left and repeats a point.)

    The study stops (:meth:`~parzen.study.Study.stop`) as soon as every grid point is finished
    or being evaluated. Optimizing a study whose grid is exhausted evaluates grid points again
    (with a warning), as Optuna does. In an ask-and-tell loop, :meth:`is_exhausted` says when
    to stop (``tell`` does not raise there, unlike Optuna's).

    A grid value is used as given, even if the distribution the objective asks for does not
    contain it (a warning says so); only a categorical parameter needs its grid values among its
    choices. Enqueued trials (:meth:`~parzen.study.Study.enqueue_trial`) may fix some grid
    parameters: the trial takes a grid point that agrees with them, and a trial that fixes
    every grid parameter to grid values counts as that grid point.

    Args:
        search_space: parameter name -> the list of its candidate values (``None``, ``bool``,
            ``int``, ``float`` or ``str``: they are stored as JSON). Duplicate values are
            evaluated once.
        seed: a seed for the order in which the grid points are visited.

    Raises:
        TypeError: ``search_space`` is not a mapping, or a candidate list is not a list.
        ValueError: a candidate list is empty or holds a value that cannot be stored.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -100, 100)
        ...     y = trial.suggest_int("y", -100, 100)
        ...     return x**2 + y**2
        >>> search_space = {"x": [-50, 0, 50], "y": [-99, 0, 99]}
        >>> study = parzen.create_study(sampler=parzen.samplers.GridSampler(search_space))
        >>> study.optimize(objective)
        >>> len(study.trials)
        9
    """

    def __init__(
        self, search_space: Mapping[str, Sequence[GridValueType]], seed: int | None = None
    ) -> None:
        if not isinstance(search_space, Mapping):
            raise TypeError(
                "GridSampler: search_space must be a dict of parameter name -> list of values, "
                f"got {search_space!r} ({type(search_space).__name__}). "
                'Pass e.g. {"x": [0.1, 1.0], "kind": ["a", "b"]}.'
            )
        self._search_space: dict[str, list[GridValueType]] = {
            name: _validated_candidates(name, search_space[name]) for name in sorted(search_space)
        }
        self._param_names = list(self._search_space)
        self._shape = [len(values) for values in self._search_space.values()]
        self._n_grids = math.prod(self._shape)
        self._index_of_value = [
            _first_index_by_value(values) for values in self._search_space.values()
        ]
        self._seed = seed
        self._rng = np.random.RandomState(seed)
        self._lock = threading.Lock()
        self._caches: dict[Hashable, _VisitedCache] = {}
        # grid ids this process assigned, for trials whose cached frozen copy predates it.
        self._assigned: dict[int, int] = {}

    def __repr__(self) -> str:
        return f"GridSampler(search_space={self._search_space!r}, seed={self._seed!r})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        # The caches refer to storages; a copy rebuilds them from its own reads.
        state["_caches"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        self._rng.seed()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    # -- grid bookkeeping -------------------------------------------------------------------

    def _grid_point(self, grid_id: int) -> dict[str, GridValueType]:
        point: dict[str, GridValueType] = {}
        for name, size in zip(reversed(self._param_names), reversed(self._shape)):
            grid_id, index = divmod(grid_id, size)
            point[name] = self._search_space[name][index]
        return point

    def _grid_id_of_params(self, params: Mapping[str, Any]) -> int | None:
        """The grid point that ``params`` sets every grid parameter to, if there is one."""
        grid_id = 0
        for name, size, index_of_value in zip(
            self._param_names, self._shape, self._index_of_value
        ):
            if name not in params:
                return None
            index = _lookup(index_of_value, params[name])
            if index is None:
                return None
            grid_id = grid_id * size + index
        return grid_id

    def _grid_id_of_trial(self, trial: FrozenTrial) -> int | None:
        system_attrs = trial.system_attrs
        grid_id = system_attrs.get(_GRID_ID_KEY)
        if _SEARCH_SPACE_KEY in system_attrs:
            if not self._same_search_space(system_attrs[_SEARCH_SPACE_KEY]):
                # A point of another grid (study.sampler was replaced): as in Optuna, it
                # neither visits nor holds a point of this one.
                return None
            if grid_id is not None:
                return int(grid_id)
        if trial.state == TrialState.WAITING:
            return self._grid_id_of_params(system_attrs.get(_FIXED_PARAMS_KEY) or {})
        return self._grid_id_of_params(trial.params)

    def _same_search_space(self, search_space: Any) -> bool:
        # Storages may return the keys of a JSON object in another order.
        if not isinstance(search_space, Mapping) or sorted(search_space) != self._param_names:
            return False
        return all(
            _same_values(search_space[name], values) for name, values in self._search_space.items()
        )

    def _visited(self, study: Study) -> set[int]:
        """Grid ids of the study's finished trials, read incrementally."""
        cache = self._caches.get(study.cache_key)
        if cache is None:
            cache = self._caches[study.cache_key] = _VisitedCache()
        trials, cache.cursor = study.get_finished_trials_since(cache.cursor)
        for trial in trials:
            if trial._trial_id in cache.seen:
                continue
            cache.seen.add(trial._trial_id)
            grid_id = self._grid_id_of_trial(trial)
            if grid_id is not None:
                cache.visited.add(grid_id)
        return cache.visited

    def _claims(
        self,
        study: Study,
        exclude_trial_id: int,
        states: tuple[TrialState, ...] = (TrialState.RUNNING, TrialState.WAITING),
    ) -> set[int]:
        """Grid ids held by running trials (and by enqueued trials waiting to run)."""
        claimed = set()
        for trial in study.get_trials(deepcopy=False, states=states):
            if trial._trial_id == exclude_trial_id:
                continue
            grid_id = self._grid_id_of_trial(trial)
            if grid_id is not None:
                claimed.add(grid_id)
        return claimed

    # -- the trial's grid point -------------------------------------------------------------

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        if trial.system_attrs.get(_GRID_ID_KEY) is not None:
            # A trial re-run from a template already holds its grid point.
            return
        fixed_params = trial.system_attrs.get(_FIXED_PARAMS_KEY) or {}
        if self._enqueued_without_grid_params(trial):
            return  # sample_independent refuses it, as Optuna does
        with self._lock:
            allowed = self._allowed_indices(fixed_params)
            if allowed is None:
                # A fixed value lies off the grid: the trial matches no grid point.
                return
            self._claim(study, trial, allowed)

    def _enqueued_without_grid_params(self, trial: FrozenTrial) -> bool:
        enqueued = trial.system_attrs.get(_FIXED_PARAMS_KEY)
        names = self._param_names
        return enqueued is not None and bool(names) and not any(n in enqueued for n in names)

    def _allowed_indices(self, fixed_params: Mapping[str, Any]) -> list[list[int]] | None:
        allowed = []
        for name, size, index_of_value in zip(
            self._param_names, self._shape, self._index_of_value
        ):
            if name not in fixed_params:
                allowed.append(list(range(size)))
                continue
            value = fixed_params[name]
            if _lookup(index_of_value, value) is None:
                return None
            values = self._search_space[name]
            allowed.append([i for i in range(size) if _same_grid_value(values[i], value)])
        return allowed

    def _claim(self, study: Study, trial: FrozenTrial, allowed: list[list[int]]) -> None:
        # Salting later picks with the trial number keeps workers that share a seed from
        # colliding on the same point over and over.
        rng = self._rng
        visited = self._visited(study)
        for attempt in range(_MAX_CLAIM_ATTEMPTS):
            claimed = self._claims(study, trial._trial_id)
            grid_id = self._pick(allowed, visited | claimed, rng)
            duplicate = grid_id is None
            if grid_id is None:
                grid_id = self._pick_duplicate(allowed, visited, rng)
            self._assigned[trial._trial_id] = grid_id
            study.set_trial_system_attr(
                trial,
                _SEARCH_SPACE_KEY,
                {name: list(values) for name, values in self._search_space.items()},
            )
            study.set_trial_system_attr(trial, _GRID_ID_KEY, grid_id)
            if duplicate:
                return
            # Whichever of two trials that took the same point writes last sees the other, so
            # at least one of them moves on: no point is evaluated twice concurrently.
            if grid_id not in self._claims(study, trial._trial_id):
                return
            visited = self._visited(study)
            rng = np.random.RandomState([trial.number, attempt, int(rng.randint(2**31))])

    def _pick(
        self, allowed: list[list[int]], taken: set[int], rng: np.random.RandomState
    ) -> int | None:
        """A random grid id in the sub-grid ``allowed`` that is not ``taken``, if any."""
        n_allowed = math.prod(len(indices) for indices in allowed)
        if n_allowed > 4 * len(taken):
            # Most points are free: drawing until one is free takes under two draws on average
            # and never lists the whole grid.
            while True:
                grid_id = self._random_grid_id(allowed, rng)
                if grid_id not in taken:
                    return grid_id
        free = [grid_id for grid_id in self._grid_ids(allowed) if grid_id not in taken]
        if not free:
            return None
        return free[int(rng.randint(len(free)))]

    def _pick_duplicate(
        self, allowed: list[list[int]], visited: set[int], rng: np.random.RandomState
    ) -> int:
        unfinished = [grid_id for grid_id in self._grid_ids(allowed) if grid_id not in visited]
        if unfinished:
            _logger.warning(
                "GridSampler: every grid point is finished or being evaluated; this trial "
                "evaluates a point that a running trial holds."
            )
            return unfinished[int(rng.randint(len(unfinished)))]
        _logger.warning(
            "GridSampler is re-evaluating a configuration because the grid has been exhausted. "
            "This happens when optimizing a study whose grid is complete, or by a race between "
            "distributed workers."
        )
        return self._random_grid_id(allowed, rng)

    def _random_grid_id(self, allowed: list[list[int]], rng: np.random.RandomState) -> int:
        grid_id = 0
        for size, indices in zip(self._shape, allowed):
            grid_id = grid_id * size + indices[int(rng.randint(len(indices)))]
        return grid_id

    def _grid_ids(self, allowed: list[list[int]]) -> list[int]:
        ids = [0]
        for size, indices in zip(self._shape, allowed):
            ids = [grid_id * size + index for grid_id in ids for index in indices]
        return ids

    def _trial_grid_id(self, study: Study, trial: FrozenTrial) -> int | None:
        grid_id = trial.system_attrs.get(_GRID_ID_KEY)
        if grid_id is None:
            grid_id = self._assigned.get(trial._trial_id)
        if grid_id is None:
            grid_id = study.get_trial_system_attrs(trial).get(_GRID_ID_KEY)
        return None if grid_id is None else int(grid_id)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name not in self._search_space:
            raise ValueError(
                f"GridSampler: the objective asks for parameter {param_name!r}, which is not in "
                f"the grid (the grid has {self._param_names!r}). Add {param_name!r} with its "
                "candidate values to the search_space of GridSampler, or enqueue the trial "
                "with a value for it."
            )
        if self._enqueued_without_grid_params(trial):
            fixed_params = trial.system_attrs.get(_FIXED_PARAMS_KEY)
            example = {self._param_names[0]: self._search_space[self._param_names[0]][0]}
            raise ValueError(
                f"GridSampler: trial {trial.number} was enqueued with {fixed_params!r}, which "
                f"fixes none of the grid's parameters {self._param_names}, so it has no grid "
                f"point. Enqueue a grid point (or part of one), e.g. study.enqueue_trial("
                f"{example!r}), or do not enqueue the trial: the sampler picks the next point."
            )
        grid_id = self._trial_grid_id(study, trial)
        if grid_id is None:
            fixed_params = trial.system_attrs.get(_FIXED_PARAMS_KEY) or {}
            off_grid = {
                name: value
                for name, value in fixed_params.items()
                if name in self._search_space
                and _lookup(self._index_of_value[self._param_names.index(name)], value) is None
            }
            raise ValueError(
                f"GridSampler: trial {trial.number} was enqueued with {off_grid!r}, values that "
                f"are not in the grid {self._search_space!r}, so no grid point gives a value "
                f"for {param_name!r}. Enqueue grid values, or give every grid parameter a value."
            )
        value = self._grid_point(grid_id)[param_name]
        try:
            internal = param_distribution.to_internal_repr(value)
        except ValueError as e:
            expected = (
                f"one of the choices {list(param_distribution.choices)!r}"
                if isinstance(param_distribution, CategoricalDistribution)
                else f"a number for {param_distribution!r}"
            )
            raise ValueError(
                f"GridSampler: the grid value {value!r} of {param_name!r} cannot be used: the "
                f"objective asks for {expected}. Put values of that kind in the grid of "
                f"{param_name!r}."
            ) from e
        if not param_distribution._contains(internal):
            warnings.warn(
                f"The grid value {value!r} of parameter {param_name!r} is out of the range of "
                f"the distribution {param_distribution!r}; the value is used as given.",
                stacklevel=2,
            )
        return value

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            # The point this process gave the trial comes first: ``trial`` may be a snapshot
            # taken before its grid id was stored, and its params alone cannot tell apart the
            # copies of a repeated grid value.
            own = self._assigned.pop(trial._trial_id, None)
            if own is None:
                own = self._grid_id_of_trial(trial)
            if own is None:
                own = self._trial_grid_id(study, trial)
            done = set(self._visited(study))
            # Waiting trials do not count: stopping now would leave them unrun.
            done |= self._claims(study, trial._trial_id, states=(TrialState.RUNNING,))
            if own is not None:
                done.add(own)
        if len(done) >= self._n_grids:
            # Every point is finished or held by a running trial that will finish it.
            _stop_study(study)

    def is_exhausted(self, study: Study) -> bool:
        """Whether every grid point has been evaluated by a finished trial of ``study``."""
        with self._lock:
            return len(self._visited(study)) >= self._n_grids


class _VisitedCache:
    __slots__ = ("cursor", "seen", "visited")

    def __init__(self) -> None:
        self.cursor = 0
        self.seen: set[int] = set()
        self.visited: set[int] = set()


def _stop_study(study: Study) -> None:
    """Stop ``study.optimize``; a no-op when trials come from ask-and-tell.

    Optuna raises from ``tell`` in that case; parzen lets ask-and-tell loops finish the trial
    and decide for themselves when to stop.
    """
    with contextlib.suppress(RuntimeError):
        study.stop()


def _validated_candidates(name: Any, values: Any) -> list[GridValueType]:
    if not isinstance(name, str):
        raise TypeError(
            f"GridSampler: parameter names must be strings, got {name!r} ({type(name).__name__})."
        )
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, range)):
        raise TypeError(
            f"GridSampler: the candidates of {name!r} must be a list of values, got {values!r} "
            f"({type(values).__name__}). Write e.g. {{{name!r}: [{values!r}]}}."
        )
    if len(values) == 0:
        raise ValueError(
            f"GridSampler: the candidates of {name!r} are an empty list, so the grid has no "
            f"point. Give {name!r} at least one value, or leave it out of the search space."
        )
    candidates: list[GridValueType] = []
    for value in values:
        if isinstance(value, np.generic):
            value = value.item()
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise ValueError(
                f"GridSampler: the candidates of {name!r} must be None, bool, int, float or str "
                f"(grid points are stored as JSON), got {value!r} ({type(value).__name__}). "
                "Use a key, e.g. a name, and map it to the object in the objective."
            )
        candidates.append(value)  # a repeated value is its own grid point, as in Optuna
    return candidates


def _same_value(a: Any, b: Any) -> bool:
    # True == 1 in Python, but the grid keeps them apart, as categorical choices do.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _is_nan(a) or _is_nan(b):
        return _is_nan(a) and _is_nan(b)
    return bool(a == b)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _same_values(a: Any, b: Sequence[Any]) -> bool:
    if not isinstance(a, (list, tuple)) or len(a) != len(b):
        return False
    return all(_same_value(x, y) for x, y in zip(a, b))


def _same_grid_value(grid_value: Any, value: Any) -> bool:
    if isinstance(value, np.generic):
        value = value.item()
    return _value_key(grid_value) == _value_key(value)


def _first_index_by_value(values: Sequence[GridValueType]) -> dict[tuple[int, Any], int]:
    index: dict[tuple[int, Any], int] = {}
    for i, value in enumerate(values):
        index.setdefault(_value_key(value), i)
    return index


def _value_key(value: Any) -> tuple[int, Any]:
    # Keys that tell bools from numbers while 1 and 1.0 (an int grid value suggested as a
    # float) stay the same key. Every NaN gets one key: NaN != NaN, and its hash is per object.
    if _is_nan(value):
        return (2, None)
    return (int(isinstance(value, bool)), value)


def _lookup(index_of_value: dict[tuple[int, Any], int], value: Any) -> int | None:
    if isinstance(value, np.generic):
        value = value.item()
    try:
        return index_of_value.get(_value_key(value))
    except TypeError:  # unhashable
        return None
