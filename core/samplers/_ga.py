"""BaseGASampler: generations, populations and parents for genetic-algorithm samplers."""

from __future__ import annotations

import abc
import threading
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from parzen.samplers._base import BaseSampler
from parzen.samplers._feed import FinishedTrialFeed
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.distributions import BaseDistribution
    from parzen.study import Study

__all__ = ["BaseGASampler"]


class _Generations:
    """What a GA sampler knows about one study (or view of it), updated incrementally: the
    COMPLETE trials by generation, the parents chosen so far, and the search space that
    every COMPLETE trial shares."""

    def __init__(self) -> None:
        self.feed = FinishedTrialFeed()
        self.complete: dict[int, FrozenTrial] = {}
        self.populations: dict[int, list[FrozenTrial]] = {}
        self.max_generation = 0
        self.parents: dict[int, list[FrozenTrial]] = {0: []}
        self.space: dict[str, BaseDistribution] | None = None
        # Generations of the trials this process gave one to and has not seen finish.
        self.running: dict[int, int] = {}

    def sync(self, study: Study, generation_key: str) -> None:
        for trial in self.feed.poll(study):
            self.running.pop(trial._trial_id, None)
            if trial.state != TrialState.COMPLETE:
                continue
            self.complete[trial._trial_id] = trial
            if self.space is None:
                self.space = dict(trial.distributions)
            elif any(trial.distributions.get(n) != d for n, d in self.space.items()):
                self.space = {
                    n: d for n, d in self.space.items() if trial.distributions.get(n) == d
                }
            generation = _as_generation(trial.system_attrs.get(generation_key))
            if generation is not None:
                self.populations.setdefault(generation, []).append(trial)
                self.max_generation = max(self.max_generation, generation)


class BaseGASampler(BaseSampler):
    """Base class of genetic-algorithm samplers: generations, populations and parents.

    A subclass implements :meth:`select_parent` (which trials breed generation ``g``) and the
    three sampling methods of :class:`BaseSampler`; in ``sample_relative`` it typically reads
    :meth:`get_trial_generation` and :meth:`get_parent_population` of the trial. As in
    Optuna:

    - A trial's generation is fixed the first time :meth:`get_trial_generation` is asked for
      it: the newest generation among COMPLETE trials, or the next one once that generation
      has ``population_size`` COMPLETE trials. It is stored in the trial's system attribute
      ``"<class name>:generation"``.
    - :meth:`get_population` lists the COMPLETE trials of a generation, by number.
    - :meth:`get_parent_population` of generation ``g > 0`` calls :meth:`select_parent` once
      and stores the parents' trial ids in the study's system attribute
      ``"<class name>:parent:<g>"``, so every worker that shares the storage breeds from the
      same parents; generation 0 has no parents.

    Finished trials are read incrementally (through the study's
    ``get_finished_trials_since``), so these calls cost ``O(population_size)``, not
    ``O(n_trials)``. :class:`~parzen.samplers.NSGAIISampler` and
    :class:`~parzen.samplers.NSGAIIISampler` are built on this class.

    Args:
        population_size: the number of COMPLETE trials per generation.

    Examples:
        >>> import parzen
        >>> class BestHalfSampler(parzen.samplers.BaseGASampler):
        ...     def __init__(self, population_size=4, seed=None):
        ...         super().__init__(population_size=population_size)
        ...         self._random = parzen.samplers.RandomSampler(seed=seed)
        ...     def select_parent(self, study, generation):
        ...         population = self.get_population(study, generation - 1)
        ...         return sorted(population, key=lambda t: t.value)[: self.population_size // 2]
        ...     def infer_relative_search_space(self, study, trial):
        ...         return {"x": parzen.distributions.FloatDistribution(-5, 5)}
        ...     def sample_relative(self, study, trial, search_space):
        ...         parents = self.get_parent_population(
        ...             study, self.get_trial_generation(study, trial)
        ...         )
        ...         if not parents:
        ...             return {}
        ...         return {"x": sum(p.params["x"] for p in parents) / len(parents)}
        ...     def sample_independent(self, study, trial, param_name, param_distribution):
        ...         return self._random.sample_independent(
        ...             study, trial, param_name, param_distribution
        ...         )
        >>> study = parzen.create_study(sampler=BestHalfSampler(seed=0))
        >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=12)
        >>> [study.sampler.get_trial_generation(study, t) for t in study.trials][::4]
        [0, 1, 2]
    """

    def __init__(self, population_size: int) -> None:
        self._population_size = population_size
        self._ga_lock = threading.RLock()
        self._generations: dict[Hashable, _Generations] = {}

    @property
    def population_size(self) -> int:
        """The number of COMPLETE trials per generation."""
        return self._population_size

    @classmethod
    def _get_generation_key(cls) -> str:
        return f"{cls.__name__}:generation"

    @classmethod
    def _get_parent_cache_key_prefix(cls) -> str:
        return f"{cls.__name__}:parent:"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # Locks cannot be pickled; the per-study caches are rebuilt from the storage.
        del state["_ga_lock"]
        state["_generations"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._ga_lock = threading.RLock()

    @abc.abstractmethod
    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """Choose the parents of ``generation`` (>= 1), e.g. from
        ``get_population(study, generation - 1)``. Called once per generation; the result is
        stored in the study (see :meth:`get_parent_population`)."""

    def get_trial_generation(self, study: Study, trial: FrozenTrial) -> int:
        """The generation of ``trial``, fixed (and stored in the trial) on first call."""
        with self._ga_lock:
            state = self._state(study)
            generation = state.running.get(trial._trial_id)
            if generation is not None:
                return generation
            key = self._get_generation_key()
            generation = _as_generation(trial.system_attrs.get(key))
            if generation is None and not trial.state.is_finished():
                # The snapshot may predate the attribute another call stored.
                generation = _as_generation(study.get_trial_system_attrs(trial).get(key))
            if generation is None:
                generation = state.max_generation
                if len(state.populations.get(generation, ())) >= self._population_size:
                    generation += 1
                study.set_trial_system_attr(trial, key, generation)
            if not trial.state.is_finished():
                state.running[trial._trial_id] = generation
            return generation

    def get_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The COMPLETE trials of ``generation``, ordered by number."""
        with self._ga_lock:
            state = self._state(study)
            return sorted(state.populations.get(generation, ()), key=lambda t: t.number)

    def get_parent_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The parents of ``generation``: none for generation 0, else :meth:`select_parent`'s
        choice, made once and stored in the study's system attributes."""
        with self._ga_lock:
            state = self._state(study)
            known = state.parents.get(generation)
            if known is not None:
                return list(known)
            stored = study.system_attrs
            prefix = self._get_parent_cache_key_prefix()
            # Walk down to the newest generation whose parents are known, then choose upwards,
            # so that select_parent (which may ask for generation - 1) never recurses deeply.
            start = generation
            while start > 0 and start not in state.parents:
                ids = stored.get(f"{prefix}{start}")
                if isinstance(ids, list):
                    state.parents[start] = _resolve(study, state, ids)
                    break
                start -= 1
            for g in range(start + 1, generation + 1):
                parents = list(self.select_parent(study, g))
                state.parents[g] = parents
                study.set_system_attr(f"{prefix}{g}", [t._trial_id for t in parents])
            return list(state.parents[generation])

    def _state(self, study: Study) -> _Generations:
        """The study's generations, with the trials that finished since the last call."""
        with self._ga_lock:
            state = self._generations.get(study.cache_key)
            if state is None:
                state = self._generations[study.cache_key] = _Generations()
            state.sync(study, self._get_generation_key())
            return state


def _as_generation(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _resolve(study: Study, state: _Generations, ids: list[Any]) -> list[FrozenTrial]:
    # Parents this process has not seen finish (another worker chose them): read the COMPLETE
    # trials once; this happens at most once per generation.
    complete: dict[Any, FrozenTrial] | None = None
    trials = []
    for trial_id in ids:
        trial = state.complete.get(trial_id)
        if trial is None:
            if complete is None:
                complete = {
                    t._trial_id: t
                    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                }
            trial = complete.get(trial_id)
            if trial is None:
                continue
        trials.append(trial)
    return trials
