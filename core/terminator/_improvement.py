"""Improvement evaluators: how much a study can still gain, estimated from its trials."""

from __future__ import annotations

import abc
import math
from typing import TYPE_CHECKING

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.terminator import _gp
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.samplers._gp._gp import GPRegressor

DEFAULT_MIN_N_TRIALS = 20
DEFAULT_TOP_TRIALS_RATIO = 0.5


class BaseImprovementEvaluator(abc.ABC):
    """Estimates the room left for improvement in a study.

    :class:`~parzen.terminator.Terminator` stops a study when this estimate falls below the
    error a :class:`~parzen.terminator.BaseErrorEvaluator` returns, so both are in the same
    units (those of the objective, unless an evaluator says otherwise).

    Examples:
        >>> import parzen
        >>> from parzen.terminator import BaseImprovementEvaluator
        >>> class Spread(BaseImprovementEvaluator):
        ...     def evaluate(self, trials, study_direction):
        ...         values = [t.value for t in trials if t.value is not None]
        ...         return max(values) - min(values)
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_int("x", 0, 4), n_trials=5)
        >>> Spread().evaluate(study.trials, study.direction) >= 0
        True
    """

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the estimated room for improvement.

        Args:
            trials: The study's trials, in any state; evaluators use the COMPLETE ones.
            study_direction: The direction of the study.
        """


def _complete(trials: list[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if t.state == TrialState.COMPLETE]


def _require_number(name: str, value: object, *, above: float, what: str) -> float:
    """Accept any real number greater than ``above`` (as Optuna does: 1.5 and True pass)."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or not (
        math.isfinite(float(value)) and float(value) > above
    ):
        raise ValueError(f"`{name}` is expected to be {what}, got {value!r}.")
    return float(value)


class RegretBoundEvaluator(BaseImprovementEvaluator):
    """An upper bound, holding with high probability, on the regret of the best trial.

    The regret is the gap between the best value found and the global optimum. Following
    Makarova et al. (2022), "Automatic termination for hyperparameter optimization", a
    Gaussian process is fitted to the best trials, and the bound is

        min over observed x of UCB(x)  -  min over the search space of LCB(x),

    with ``UCB, LCB = mean -/+ sqrt(beta) * sd`` of the posterior of the objective. Both bounds
    hold with high probability under the GP, so the best observed point is at most this far
    from the optimum. The GP is parzen's own (numpy and scipy); the result is in the units of
    the objective.

    Args:
        top_trials_ratio: Share of the COMPLETE trials, best first, the GP is fitted to (values
            above 1 mean all of them); the bound concerns the optimum, and the best region is
            what decides it.
        min_n_trials: The GP is fitted to at least this many trials (all of them when there
            are fewer).
        seed: Seed of the random candidates for the lower bound's minimum.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import RegretBoundEvaluator
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.5) ** 2, n_trials=20)
        >>> bound = RegretBoundEvaluator(seed=0).evaluate(study.trials, study.direction)
        >>> 0.0 <= bound < 2.25
        True
    """

    def __init__(
        self,
        top_trials_ratio: float = DEFAULT_TOP_TRIALS_RATIO,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
        seed: int | None = None,
    ) -> None:
        # Like Optuna, any ratio and count are accepted; the GP always sees >= 1 trial.
        self._top_trials_ratio = float(top_trials_ratio)
        self._min_n_trials = min_n_trials
        self._rng = np.random.RandomState(seed)

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the regret bound of the best COMPLETE trial, in the units of the objective.

        Raises:
            ValueError: If no trial is COMPLETE.
        """
        obs = _gp.Observations(trials, study_direction)
        if len(obs) == 0:
            raise ValueError(
                "Because no trial has been completed yet, the regret bound cannot be evaluated."
            )
        n_wanted = max(1, math.ceil(self._min_n_trials), int(len(obs) * self._top_trials_ratio))
        n_top = min(len(obs), n_wanted)
        top = np.argsort(obs.loss, kind="stable")[:n_top]
        y, std = _gp.standardize(obs.loss[top])
        sqrt_beta = math.sqrt(_gp.beta(obs.encoding.dim, len(obs)))
        with _gp.small_blas(n_top):
            model = _gp.fit_gp(obs.x[top], y, obs.encoding.is_categorical, deterministic=False)
            return std * _standardized_regret_bound(model, model.x, obs, sqrt_beta, self._rng)


def _standardized_regret_bound(
    model: GPRegressor,
    incumbents: np.ndarray,
    obs: _gp.Observations,
    sqrt_beta: float,
    rng: np.random.RandomState,
) -> float:
    """``min UCB over incumbents - min LCB over the space``, in standardized units."""
    mean, sd = _gp.mean_sd(model, incumbents)
    upper = float(np.min(mean + sqrt_beta * sd))
    lower = _gp.min_lower_bound(model, obs.encoding, sqrt_beta, rng)
    return max(upper - lower, 0.0)


class BestValueStagnationEvaluator(BaseImprovementEvaluator):
    """How many more trials may pass without a new best value before the study stops.

    Returns ``max_stagnation_trials`` minus the number of COMPLETE trials since the best one:
    with :class:`~parzen.terminator.Terminator`'s default error for this evaluator (0), the
    study stops once the best value has not improved for more than ``max_stagnation_trials``
    trials. A tie does not count as an improvement.

    Args:
        max_stagnation_trials: The number of trials without improvement that is tolerated.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import BestValueStagnationEvaluator
        >>> study = parzen.create_study()
        >>> for v in [3.0, 1.0, 2.0, 5.0]:
        ...     study.add_trial(parzen.trial.create_trial(value=v))
        >>> BestValueStagnationEvaluator(max_stagnation_trials=5).evaluate(
        ...     study.trials, study.direction
        ... )
        3
    """

    def __init__(self, max_stagnation_trials: int = 30) -> None:
        if max_stagnation_trials < 0:
            raise ValueError(
                "The maximum number of stagnant trials must not be negative, got "
                f"{max_stagnation_trials!r}."
            )
        self._max_stagnation_trials = max_stagnation_trials

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the number of stagnant trials still tolerated (negative once exceeded).

        Raises:
            ValueError: If no trial is COMPLETE.
        """
        complete = _complete(trials)
        if not complete:
            raise ValueError(
                "Because no trial has been completed yet, the improvement cannot be evaluated."
            )
        values = np.array([t.value for t in complete], dtype=float)
        losses = -values if study_direction == StudyDirection.MAXIMIZE else values
        # argmin returns the first of equal values: a tie is no improvement.
        best_step = int(np.argmin(losses))
        return self._max_stagnation_trials - (len(complete) - 1 - best_step)
