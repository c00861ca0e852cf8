"""NSGA-II and NSGA-III samplers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import BaseDistribution
from parzen.samplers._ga import BaseGASampler
from parzen.samplers._nsga._after_trial import NSGAIIAfterTrialStrategy
from parzen.samplers._nsga._child import NSGAIIChildGenerationStrategy
from parzen.samplers._nsga._crossovers import BaseCrossover, UniformCrossover
from parzen.samplers._nsga._elite import (
    NSGAIIElitePopulationSelectionStrategy,
    NSGAIIIElitePopulationSelectionStrategy,
)
from parzen.samplers._nsga._mutations import BaseMutation
from parzen.samplers._random import RandomSampler
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

__all__ = ["NSGAIIISampler", "NSGAIISampler"]

ElitePopulationSelectionStrategy = Callable[["Study", list[FrozenTrial]], list[FrozenTrial]]
ChildGenerationStrategy = Callable[
    ["Study", dict[str, BaseDistribution], list[FrozenTrial]], dict[str, Any]
]
AfterTrialStrategy = Callable[["Study", FrozenTrial, TrialState, "Sequence[float] | None"], None]


class _GASampler(BaseGASampler):
    """Generations, parent populations and hooks shared by NSGA-II and NSGA-III.

    A trial's generation is fixed when it starts: the newest generation, or the next one once
    the newest has ``population_size`` COMPLETE trials; it is stored in the trial's system
    attribute ``"<prefix>:generation"``. The parents of generation ``g`` are the elite of
    generation ``g - 1`` together with its own parents, chosen once and stored (trial ids, JSON)
    in the study's system attribute ``"<prefix>:parent:<g>"``, so that every worker uses the
    same parents. Finished trials are read incrementally, so a suggestion costs
    ``O(population_size)``, not ``O(n_trials)``.
    """

    def __init__(
        self,
        *,
        population_size: int,
        mutation: BaseMutation | None,
        mutation_prob: float | None,
        crossover: BaseCrossover | None,
        crossover_prob: float,
        swapping_prob: float,
        seed: int | None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
        elite_population_selection_strategy: ElitePopulationSelectionStrategy | None,
        child_generation_strategy: ChildGenerationStrategy | None,
        after_trial_strategy: AfterTrialStrategy | None,
    ) -> None:
        if (
            isinstance(population_size, bool)
            or not isinstance(population_size, int)
            or population_size < 2
        ):
            raise ValueError(
                f"population_size must be an int >= 2, got {population_size!r}: a generation "
                "needs at least two individuals to select parents from."
            )
        _check_probability("crossover_prob", crossover_prob)
        _check_probability("swapping_prob", swapping_prob)
        if mutation_prob is not None:
            _check_probability("mutation_prob", mutation_prob)
        if crossover is None:
            crossover = UniformCrossover(swapping_prob)
        if not isinstance(crossover, BaseCrossover):
            raise ValueError(
                f"crossover must be a BaseCrossover instance (e.g. SBXCrossover() from "
                f"parzen.samplers.nsgaii), got {crossover!r}."
            )
        if population_size < crossover.n_parents:
            raise ValueError(
                f"{crossover} needs {crossover.n_parents} parents, but population_size is "
                f"{population_size}. Use population_size >= {crossover.n_parents}, or a "
                "crossover with fewer parents."
            )
        if mutation is not None and not isinstance(mutation, BaseMutation):
            raise ValueError(
                f"mutation must be a BaseMutation instance (e.g. PolynomialMutation() from "
                f"parzen.samplers.nsgaii) or None, got {mutation!r}."
            )
        super().__init__(population_size=population_size)
        self._seed = seed
        self._rng = np.random.RandomState(seed)
        self._random_sampler = RandomSampler(seed=seed)
        self._constraints_func = constraints_func
        self._elite_population_selection_strategy = (
            elite_population_selection_strategy
            or self._default_elite_strategy(population_size, constraints_func)
        )
        self._child_generation_strategy = child_generation_strategy or (
            NSGAIIChildGenerationStrategy(
                mutation_prob=mutation_prob,
                crossover=crossover,
                crossover_prob=crossover_prob,
                swapping_prob=swapping_prob,
                constraints_func=constraints_func,
                rng=self._rng,
                mutation=mutation,
            )
        )
        self._after_trial_strategy = after_trial_strategy or NSGAIIAfterTrialStrategy(
            constraints_func=constraints_func
        )
        self._lock = threading.RLock()

    def _default_elite_strategy(
        self,
        population_size: int,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    ) -> ElitePopulationSelectionStrategy:
        return NSGAIIElitePopulationSelectionStrategy(
            population_size=population_size, constraints_func=constraints_func
        )

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(population_size={self._population_size}, seed={self._seed})"

    def reseed_rng(self) -> None:
        with self._lock:
            # In place: the default strategies hold the same RandomState.
            self._rng.seed()
            self._random_sampler.reseed_rng()

    # -- BaseGASampler ---------------------------------------------------------------------

    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The elite of generation ``generation - 1`` together with that generation's own
        parents, chosen by the elite population selection strategy."""
        pool = self.get_population(study, generation - 1)
        in_pool = {t._trial_id for t in pool}
        previous = self.get_parent_population(study, generation - 1)
        pool.extend(t for t in previous if t._trial_id not in in_pool)
        return list(self._elite_population_selection_strategy(study, pool)) if pool else []

    # -- BaseSampler ------------------------------------------------------------------------

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        # The generation is fixed when the trial starts (Optuna fixes it on first use).
        self.get_trial_generation(study, trial)
        self._random_sampler.before_trial(study, trial)

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        space = self._state(study).space or {}
        return {name: d for name, d in sorted(space.items()) if not d.single()}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        generation = self.get_trial_generation(study, trial)
        if generation == 0:
            return {}
        parents = self.get_parent_population(study, generation)
        if not parents:
            return {}
        with self._lock:
            return self._child_generation_strategy(study, search_space, parents)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        with self._lock:
            return self._random_sampler.sample_independent(
                study, trial, param_name, param_distribution
            )

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._after_trial_strategy(study, trial, state, values)
        self._random_sampler.after_trial(study, trial, state, values)


def _check_probability(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}.")


class NSGAIISampler(_GASampler):
    """Multi-objective genetic algorithm NSGA-II (Deb et al., "A fast and elitist
    multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), 2002).

    Trials are grouped into generations of ``population_size``. Generation 0 is sampled at
    random. The parents of each later generation are the elite of the previous generation and
    its parents: whole non-dominated fronts while they fit, the last front cut by crowding
    distance. A child is made by crossover of parents chosen by binary tournaments, then
    mutation. Constraints (``constraints_func`` or :meth:`Trial.set_constraint`) are handled by
    Deb's constrained domination: a feasible trial beats an infeasible one, and infeasible ones
    compare by total violation. It works with a single objective too.

    What parzen does differently from Optuna: the generation and parent bookkeeping reads only
    the trials that finished since the previous suggestion, so a suggestion costs
    ``O(population_size)`` whatever the number of trials; state is kept in JSON system
    attributes (``"NSGAIISampler:generation"`` on trials, ``"NSGAIISampler:parent:<g>"`` on the
    study), as in Optuna.

    Args:
        population_size: Trials per generation, ``>= 2`` and ``>= crossover.n_parents``.
        mutation: Mutation of numerical parameters (e.g.
            :class:`~parzen.samplers.nsgaii.PolynomialMutation`); None: a mutated parameter is
            drawn afresh at random.
        mutation_prob: Probability of mutating each parameter of a child; None for
            ``1 / n_params``.
        crossover: Crossover of numerical parameters (see :mod:`parzen.samplers.nsgaii`);
            None for :class:`~parzen.samplers.nsgaii.UniformCrossover`. Categorical parameters
            always get uniform crossover.
        crossover_prob: Probability that a child is made by crossover rather than copied from
            one parent.
        swapping_prob: Probability of swapping each parameter between the parents in uniform
            crossover.
        seed: Seed for reproducible suggestions in a single worker.
        constraints_func: ``constraints_func(frozen_trial)`` returns constraint values
            (feasible when all are ``<= 0``); called after each COMPLETE trial and stored in
            ``system_attrs["constraints"]`` as ``[v0, v1, ...]``.
        elite_population_selection_strategy: ``f(study, population) -> survivors`` replacing
            the default selection.
        child_generation_strategy: ``f(study, search_space, parent_population) -> params``
            replacing the default crossover and mutation.
        after_trial_strategy: ``f(study, trial, state, values)`` replacing the default
            (which stores ``constraints_func``'s values).

    Raises:
        ValueError: an argument is out of range, or the population is smaller than the
            crossover's number of parents.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 5)
        ...     y = trial.suggest_float("y", 0, 3)
        ...     return 4 * x**2 + 4 * y**2, (x - 5) ** 2 + (y - 5) ** 2
        >>> sampler = parzen.samplers.NSGAIISampler(population_size=10, seed=0)
        >>> study = parzen.create_study(directions=["minimize", "minimize"], sampler=sampler)
        >>> study.optimize(objective, n_trials=40)
        >>> len(study.best_trials) > 1
        True
    """

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation: BaseMutation | None = None,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        elite_population_selection_strategy: ElitePopulationSelectionStrategy | None = None,
        child_generation_strategy: ChildGenerationStrategy | None = None,
        after_trial_strategy: AfterTrialStrategy | None = None,
    ) -> None:
        super().__init__(
            population_size=population_size,
            mutation=mutation,
            mutation_prob=mutation_prob,
            crossover=crossover,
            crossover_prob=crossover_prob,
            swapping_prob=swapping_prob,
            seed=seed,
            constraints_func=constraints_func,
            elite_population_selection_strategy=elite_population_selection_strategy,
            child_generation_strategy=child_generation_strategy,
            after_trial_strategy=after_trial_strategy,
        )


class NSGAIIISampler(_GASampler):
    """Many-objective genetic algorithm NSGA-III (Deb and Jain, "An Evolutionary Many-Objective
    Optimization Algorithm Using Reference-Point-Based Nondominated Sorting Approach", IEEE
    TEC 18(4), 2014; Jain and Deb, part II, for constraints).

    The same as :class:`NSGAIISampler` except how the last front that does not fit is cut:
    objectives are normalized, each trial is associated with its nearest reference direction,
    and the front's members go to the least represented directions first. This keeps the
    population spread when there are many objectives, where crowding distance fails.

    Args:
        population_size: Trials per generation, ``>= 2`` and ``>= crossover.n_parents``.
        mutation: As in :class:`NSGAIISampler`.
        mutation_prob: As in :class:`NSGAIISampler`.
        crossover: As in :class:`NSGAIISampler`.
        crossover_prob: As in :class:`NSGAIISampler`.
        swapping_prob: As in :class:`NSGAIISampler`.
        seed: As in :class:`NSGAIISampler`.
        constraints_func: As in :class:`NSGAIISampler`.
        reference_points: Shape ``(k, n_objectives)``: target points in the normalized
            objective space (every objective minimized, the ideal point at the origin, the
            extreme points' hyperplane through 1 on each axis); the population is steered to
            the directions of these points. Default: the Das and Dennis points on the unit
            simplex with ``dividing_parameter`` divisions per axis.
        dividing_parameter: Divisions per axis of the default reference points (``>= 1``);
            ignored when ``reference_points`` is given.
        elite_population_selection_strategy: As in :class:`NSGAIISampler`.
        child_generation_strategy: As in :class:`NSGAIISampler`.
        after_trial_strategy: As in :class:`NSGAIISampler`.

    Raises:
        ValueError: an argument is out of range, ``reference_points`` is not a 2-D array, or
            the population is smaller than the crossover's number of parents.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(3)]
        ...     return x[0], x[1], 3 - x[0] - x[1] - x[2]
        >>> sampler = parzen.samplers.NSGAIIISampler(population_size=8, seed=0)
        >>> study = parzen.create_study(directions=["minimize"] * 3, sampler=sampler)
        >>> study.optimize(objective, n_trials=24)
        >>> len(study.trials)
        24
    """

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation: BaseMutation | None = None,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        reference_points: np.ndarray | None = None,
        dividing_parameter: int = 3,
        elite_population_selection_strategy: ElitePopulationSelectionStrategy | None = None,
        child_generation_strategy: ChildGenerationStrategy | None = None,
        after_trial_strategy: AfterTrialStrategy | None = None,
    ) -> None:
        if (
            isinstance(dividing_parameter, bool)
            or not isinstance(dividing_parameter, (int, np.integer))
            or dividing_parameter < 1
        ):
            raise ValueError(
                f"dividing_parameter must be an int >= 1, got {dividing_parameter!r}."
            )
        if reference_points is not None:
            points = np.asarray(reference_points, dtype=float)
            if points.ndim != 2 or points.shape[0] == 0 or not np.all(np.isfinite(points)):
                raise ValueError(
                    "reference_points must be a non-empty 2-D array of finite numbers with one "
                    f"column per objective, got {reference_points!r}."
                )
            reference_points = points
        self._reference_points = reference_points
        self._dividing_parameter = int(dividing_parameter)
        super().__init__(
            population_size=population_size,
            mutation=mutation,
            mutation_prob=mutation_prob,
            crossover=crossover,
            crossover_prob=crossover_prob,
            swapping_prob=swapping_prob,
            seed=seed,
            constraints_func=constraints_func,
            elite_population_selection_strategy=elite_population_selection_strategy,
            child_generation_strategy=child_generation_strategy,
            after_trial_strategy=after_trial_strategy,
        )

    def _default_elite_strategy(
        self,
        population_size: int,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    ) -> ElitePopulationSelectionStrategy:
        return NSGAIIIElitePopulationSelectionStrategy(
            population_size=population_size,
            constraints_func=constraints_func,
            reference_points=self._reference_points,
            dividing_parameter=self._dividing_parameter,
            rng=self._rng,
        )
