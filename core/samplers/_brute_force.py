"""BruteForceSampler: enumerates a finite define-by-run search space as a tree of decisions."""

from __future__ import annotations

import decimal
import threading
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.samplers._base import BaseSampler
from parzen.samplers._grid import _stop_study
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

# The decision a running trial has just taken and not yet stored as a parameter, so that
# concurrent workers see it: [param name, distribution signature, candidate index].
_PENDING_KEY = "brute_force:pending"
_MAX_CLAIM_ATTEMPTS = 8

# A step of a path through the search tree: (parameter name, distribution signature), index.
_Key = tuple[str, tuple[Any, ...]]
_Step = tuple[_Key, int]


class BruteForceSampler(BaseSampler):
    """Evaluates every combination of a finite define-by-run search space.

    No search space is given up front: the sampler learns the tree of parameters from the
    trials (which parameter follows which value, as in conditional spaces) and always samples
    a branch that no finished or running trial has taken yet, uniformly over the unexplored
    leaves. Workers that share a storage coordinate through it, so a combination is not
    evaluated twice while others are left. The study stops (:meth:`~parzen.study.Study.stop`)
    once the whole tree is explored; optimizing it further evaluates combinations again.

    Finished trials of every state count as explored, failed and pruned ones included, so a
    configuration that fails is not retried. Enqueued trials count like any other.

    Every parameter must take finitely many values: categorical, int, and float with a
    ``step`` (or ``low == high``). As in Optuna, the search space must not change between
    trials: a parameter suggested with another range, step or choices than in the finished
    trials, or another parameter where they suggested one, raises ``ValueError`` (the trial
    fails).

    Args:
        seed: a seed for the order in which the combinations are visited (one worker).
        avoid_premature_stop: stop only when every combination has *finished*. By default a
            combination that a running trial is evaluating counts as explored, so a worker may
            stop while a running trial of another worker still opens new branches of a
            conditional space; with ``True`` the last workers may instead evaluate a
            combination twice.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     c = trial.suggest_categorical("c", ["float", "int"])
        ...     if c == "float":
        ...         return trial.suggest_float("x", 1, 3, step=0.5)
        ...     a = trial.suggest_int("a", 1, 3)
        ...     b = trial.suggest_int("b", a, 3)
        ...     return a + b
        >>> study = parzen.create_study(sampler=parzen.samplers.BruteForceSampler(seed=0))
        >>> study.optimize(objective)
        >>> len(study.trials)  # 5 values of x, and 6 pairs a <= b
        11
    """

    def __init__(self, seed: int | None = None, avoid_premature_stop: bool = False) -> None:
        self._seed = seed
        self._rng = np.random.RandomState(seed)
        self._avoid_premature_stop = bool(avoid_premature_stop)
        self._lock = threading.Lock()
        self._trees: dict[Hashable, _FinishedTree] = {}

    def __repr__(self) -> str:
        return (
            f"BruteForceSampler(seed={self._seed!r}, "
            f"avoid_premature_stop={self._avoid_premature_stop!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        # The trees refer to storages; a copy rebuilds them from its own reads.
        state["_trees"] = {}
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

    def _tree(self, study: Study) -> _FinishedTree:
        tree = self._trees.get(study.cache_key)
        if tree is None:
            tree = self._trees[study.cache_key] = _FinishedTree()
        tree.update(study)
        return tree

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        space = _Candidates.of(param_name, param_distribution)
        key: _Key = (param_name, space.signature)
        prefix = _path(trial)
        if prefix is None:
            # An enqueued value off the grid puts this trial outside the tree.
            with self._lock:
                index = int(self._rng.randint(space.n))
            return param_distribution.to_external_repr(space.internal(index))
        with self._lock:
            tree = self._tree(study)
            state = tree.state_at(prefix)
            decision = state.decisions.get(key) if state is not None else None
            if decision is None and state is not None and state.decisions:
                raise ValueError(
                    f"BruteForceSampler: the search space changed between trials. After "
                    f"{_describe(prefix)}, finished trials suggested "
                    f"{_describe_keys(state.decisions)}, but trial {trial.number} suggests "
                    f"{param_name!r} with {param_distribution!r}. BruteForceSampler enumerates "
                    "one search space (conditional parameters are fine): keep each parameter's "
                    "range, step and choices the same in every trial, or use a new study."
                )
            rng = self._rng
            excluded: set[int] = set()
            for attempt in range(_MAX_CLAIM_ATTEMPTS):
                running = _running_paths(study, trial._trial_id)
                touched = _running_choices(running, prefix, key) | excluded
                index, alone = _choose(space.n, decision, touched, rng)
                study.set_trial_system_attr(
                    trial, _PENDING_KEY, [param_name, list(space.signature), index]
                )
                if not alone:
                    break
                # Of two trials that took the same unexplored branch, the one that wrote last
                # sees the other; it moves on, so no branch is explored twice concurrently.
                if index not in _running_choices(
                    _running_paths(study, trial._trial_id), prefix, key
                ):
                    break
                excluded.add(index)
                rng = np.random.RandomState([trial.number, attempt, int(rng.randint(2**31))])
        return param_distribution.to_external_repr(space.internal(index))

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        # The tree counts finished trials only; this trial is about to finish, and by default
        # running trials count as explored too.
        overlay = _Overlay()
        own = _path(trial)
        if own is not None:
            overlay.add(own, finished=True)
        with self._lock:
            tree = self._tree(study)
            if not self._avoid_premature_stop:
                for path in _running_paths(study, trial._trial_id):
                    overlay.add(path, finished=False)
            exhausted = _unexplored(tree.root, overlay) <= 0
        if exhausted:
            _stop_study(study)


class _Candidates:
    """The finite values of one distribution, by index; the signature ends with their count."""

    __slots__ = ("distribution", "n", "signature")

    def __init__(self, distribution: BaseDistribution, n: int, signature: tuple[Any, ...]) -> None:
        self.distribution = distribution
        self.n = n
        self.signature = signature

    @classmethod
    def of(cls, name: str, dist: BaseDistribution) -> _Candidates:
        if isinstance(dist, CategoricalDistribution):
            # The choices are part of the signature, so that changed choices are detected.
            tokens = tuple(f"{type(c).__name__}:{c!r}" for c in dist.choices)
            return cls(dist, len(dist.choices), ("categorical", *tokens, len(dist.choices)))
        if isinstance(dist, IntDistribution):
            n = (dist.high - dist.low) // dist.step + 1
            return cls(dist, n, ("int", dist.low, dist.high, dist.step, dist.log, n))
        assert isinstance(dist, FloatDistribution)
        if dist.step is None:
            if dist.low != dist.high:
                raise ValueError(
                    f"BruteForceSampler: parameter {name!r} is continuous ({dist!r}), so its "
                    "values cannot be enumerated. Give it a step, e.g. "
                    f"suggest_float({name!r}, {dist.low!r}, {dist.high!r}, step=...), or "
                    "sample it with another sampler."
                )
            return cls(dist, 1, ("float", dist.low, dist.high, None, dist.log, 1))
        span = decimal.Decimal(str(dist.high)) - decimal.Decimal(str(dist.low))
        n = int(span / decimal.Decimal(str(dist.step))) + 1
        return cls(dist, n, ("float", dist.low, dist.high, dist.step, dist.log, n))

    def internal(self, index: int) -> float:
        dist = self.distribution
        if isinstance(dist, CategoricalDistribution):
            return float(index)
        if isinstance(dist, IntDistribution):
            return float(dist.low + index * dist.step)
        assert isinstance(dist, FloatDistribution)
        if dist.step is None:
            return dist.low
        # Decimal arithmetic gives 0.3, not 0.30000000000000004, for 0.1 + 2 * 0.1.
        value = decimal.Decimal(str(dist.low)) + index * decimal.Decimal(str(dist.step))
        return min(float(value), dist.high)

    def index(self, internal: float) -> int | None:
        dist = self.distribution
        if isinstance(dist, CategoricalDistribution):
            index = int(internal)
            return index if index == internal and 0 <= index < self.n else None
        assert isinstance(dist, (IntDistribution, FloatDistribution))
        step = dist.step if dist.step is not None else 1.0
        position = (internal - dist.low) / step
        index = int(round(position))
        if abs(position - index) > 1e-8 or not 0 <= index < self.n:
            return None
        return index


def _path(trial: FrozenTrial) -> list[_Step] | None:
    """The trial's decisions in the order it made them, or None if one lies off the grid."""
    path: list[_Step] = []
    for name, dist in trial.distributions.items():
        try:
            space = _Candidates.of(name, dist)
            index = space.index(dist.to_internal_repr(trial.params[name]))
        except (ValueError, KeyError):
            return None
        if index is None:
            return None
        path.append(((name, space.signature), index))
    return path


def _describe(prefix: list[_Step]) -> str:
    if not prefix:
        return "no parameter"
    return ", ".join(f"{key[0]} (candidate {index})" for key, index in prefix)


def _describe_keys(decisions: Mapping[_Key, object]) -> str:
    return " or ".join(f"{name!r} {signature[:-1]}" for name, signature in decisions)


def _running_paths(study: Study, exclude_trial_id: int) -> list[list[_Step]]:
    paths = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if trial._trial_id == exclude_trial_id:
            continue
        path = _path(trial)
        if path is None:
            continue
        pending = trial.system_attrs.get(_PENDING_KEY)
        if isinstance(pending, list) and len(pending) == 3 and pending[0] not in trial.params:
            name, signature, index = pending
            path.append(((name, tuple(signature)), int(index)))
        paths.append(path)
    return paths


def _running_choices(running: list[list[_Step]], prefix: list[_Step], key: _Key) -> set[int]:
    """Indices that running trials chose for ``key`` right after the same ``prefix``."""
    depth = len(prefix)
    return {
        path[depth][1]
        for path in running
        if len(path) > depth and path[depth][0] == key and path[:depth] == prefix
    }


def _choose(
    n: int, decision: _Decision | None, touched: set[int], rng: np.random.RandomState
) -> tuple[int, bool]:
    """Pick a candidate index, uniformly over the unexplored leaves below it.

    Returns the index and whether it was chosen as a branch no running trial is on (the
    caller then checks for a concurrent pick of the same branch).
    """
    children = decision.children if decision is not None else {}
    # An unexpanded candidate is one unexplored leaf; an expanded one counts its subtree.
    weights = {index: float(child.unexplored) for index, child in children.items()}
    free = {index: w for index, w in weights.items() if w > 0 and index not in touched}
    n_free_unexpanded = n - len(children) - sum(1 for i in touched if i not in children)
    total = n_free_unexpanded + sum(free.values())
    if total > 0:
        draw = rng.uniform(0.0, total)
        if draw < n_free_unexpanded:
            return _unexpanded(n, children, touched, rng), True
        return _weighted(free, draw - n_free_unexpanded), False
    # Every unexplored leaf is being explored by a running trial: join one of them.
    busy = {index: w for index, w in weights.items() if w > 0}
    busy.update({index: 1.0 for index in touched if index not in children and index < n})
    if busy:
        return _weighted(busy, rng.uniform(0.0, sum(busy.values()))), False
    # The tree is exhausted (e.g. optimizing a finished study again): repeat a combination.
    return int(rng.randint(n)), False


def _unexpanded(
    n: int, children: Mapping[int, Any], touched: set[int], rng: np.random.RandomState
) -> int:
    taken = len(children) + len(touched)
    if n > 4 * taken:
        # Rejection is cheap while most candidates are free and never lists a huge range.
        while True:
            index = int(rng.randint(n))
            if index not in children and index not in touched:
                return index
    free = [i for i in range(n) if i not in children and i not in touched]
    return free[int(rng.randint(len(free)))]


def _weighted(weights: Mapping[int, float], draw: float) -> int:
    last = -1
    for index, weight in weights.items():
        last = index
        if draw < weight:
            return index
        draw -= weight
    return last  # float rounding at the upper end


class _State:
    """The search after some decisions: the next decision(s) and whether a trial ended here.

    ``unexplored`` counts the unexplored leaves below: an unexpanded state (no trial went
    further and none finished here) is one. If trials made different next decisions here (the
    search space changed), the latest decision counts.
    """

    __slots__ = ("decisions", "ended", "latest_key", "latest_number", "unexplored")

    def __init__(self) -> None:
        self.decisions: dict[_Key, _Decision] = {}
        self.ended = False
        self.latest_key: _Key | None = None
        self.latest_number = -1
        self.unexplored = 1

    def refresh(self) -> None:
        if self.latest_key is not None:
            self.unexplored = self.decisions[self.latest_key].unexplored
        else:
            self.unexplored = 0 if self.ended else 1


class _Decision:
    """One parameter's candidates at a state; children exist for candidates tried so far."""

    __slots__ = ("children", "n", "sum_children")

    def __init__(self, n: int) -> None:
        self.n = n
        self.children: dict[int, _State] = {}
        self.sum_children = 0

    @property
    def unexplored(self) -> int:
        return self.n - len(self.children) + self.sum_children


class _FinishedTree:
    """The tree of finished trials of one study, grown incrementally."""

    def __init__(self) -> None:
        self.root = _State()
        self.cursor = 0
        self.seen: set[int] = set()

    def update(self, study: Study) -> None:
        trials, self.cursor = study.get_finished_trials_since(self.cursor)
        for trial in trials:
            if trial._trial_id in self.seen:
                continue
            self.seen.add(trial._trial_id)
            path = _path(trial)
            if path is not None:
                self.insert(path, trial.number)

    def insert(self, path: list[_Step], number: int) -> None:
        visited: list[tuple[_Decision, _State, int]] = []
        state = self.root
        for key, index in path:
            decision = state.decisions.get(key)
            if decision is None:
                decision = _Decision(key[1][-1])
                state.decisions[key] = decision
            if number >= state.latest_number:
                state.latest_key, state.latest_number = key, number
            child = decision.children.get(index)
            if child is None:
                child = _State()
                decision.children[index] = child
                decision.sum_children += child.unexplored
            visited.append((decision, child, child.unexplored))
            state = child
        state.ended = True
        for decision, child, before in reversed(visited):
            child.refresh()
            decision.sum_children += child.unexplored - before
        self.root.refresh()

    def state_at(self, path: list[_Step]) -> _State | None:
        state = self.root
        for key, index in path:
            decision = state.decisions.get(key)
            if decision is None:
                return None
            child = decision.children.get(index)
            if child is None:
                return None
            state = child
        return state


class _Overlay:
    """Paths of trials not yet in the finished tree: the trial finishing now, running ones."""

    __slots__ = ("decisions", "finished", "running")

    def __init__(self) -> None:
        self.decisions: dict[_Key, dict[int, _Overlay]] = {}
        self.finished = False
        self.running = 0

    def add(self, path: list[_Step], *, finished: bool) -> None:
        node = self
        for key, index in path:
            node = node.decisions.setdefault(key, {}).setdefault(index, _Overlay())
        if finished:
            node.finished = True
        else:
            node.running += 1


def _unexplored(real: _State | None, overlay: _Overlay, siblings_go_deeper: bool = False) -> int:
    """Unexplored leaves below ``real`` once the overlay's trials count as explored.

    Only the overlay's paths are walked; the rest comes from the tree's cached counts. A
    running trial explores one leaf below where its path stops so far; it counts only where
    that leaf is certain, so that the study never stops before a leaf is reached.
    """
    if not overlay.decisions:
        if real is not None and real.latest_key is not None:
            if overlay.running and real.unexplored == 1 and _sole_leaf_is_certain(real):
                return 0
            return real.unexplored
        if overlay.finished or (real is not None and real.ended):
            return 0
        if overlay.running:
            return 1 if siblings_go_deeper else 0
        return 1
    # The overlay's trials are the newest, so their decision is the latest one here.
    key = next(iter(overlay.decisions))
    if real is not None and real.latest_key in overlay.decisions:
        key = real.latest_key
    overlay_children = overlay.decisions[key]
    decision = real.decisions.get(key) if real is not None else None
    real_children = decision.children if decision is not None else {}
    deeper = any(child.decisions for child in overlay_children.values()) or any(
        child.latest_key is not None for child in real_children.values()
    )
    total = key[1][-1] - len(real_children) + (decision.sum_children if decision else 0)
    for index, overlay_child in overlay_children.items():
        real_child = real_children.get(index)
        # Replace the cached count of this child (1 if unexpanded) by the overlaid one.
        total -= 1 if real_child is None else real_child.unexplored
        total += _unexplored(real_child, overlay_child, deeper)
    return total


def _sole_leaf_is_certain(state: _State) -> bool:
    """Whether the one unexplored branch below ``state`` is a single leaf, not a subtree.

    An untried candidate counts as one leaf, but where its siblings went on to further
    parameters it most likely opens a subtree.
    """
    while state.latest_key is not None:
        decision = state.decisions[state.latest_key]
        deeper = any(child.latest_key is not None for child in decision.children.values())
        if decision.n > len(decision.children):
            return not deeper
        state = next(child for child in decision.children.values() if child.unexplored > 0)
    return True
