"""The expected minimum model regret (EMMR) criterion of Ishibashi et al. (2023)."""

from __future__ import annotations

import math
import sys

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.terminator import _gp
from parzen.terminator._improvement import BaseImprovementEvaluator, _require_number
from parzen.trial import FrozenTrial

# Returned while too few trials are COMPLETE: larger than any error, yet finite, so that
# medians and ratios of it stay numbers.
_NOT_YET = sys.float_info.max / 10


class EMMREvaluator(BaseImprovementEvaluator):
    """How much the expected minimum model regret changed with the latest trial.

    Ishibashi et al. (2023), "A stopping criterion for Bayesian optimization by the gap of
    expected minimum simple regrets", stop when the expected regret of the model's best point,
    ``E[f(x_hat) - min f]`` under the GP posterior, no longer changes. This evaluator returns an
    upper bound on that change between the posterior without the latest COMPLETE trial
    (``t - 1``) and with it (``t``), both under the hyperparameters fitted at ``t``:

        |mu_{t-1}(x_{t-1}) - mu_t(x_t)| + |mu_{t-1}(x_{t-1}) - mu_t(x_{t-1})|
            + R * sqrt(KL(p_t || p_{t-1}) / 2)

    where ``x_s`` is the observed point of least posterior mean at step ``s``, the KL divergence
    between the two posteriors is that of their marginals at the new point (the new
    observation changes nothing else), and ``R``, a bound on the regret that holds with
    probability ``1 - delta`` (the UCB of ``x_{t-1}`` minus the smallest LCB over the search
    space), caps the regret whose expectation moves (Pinsker's inequality). The value is in
    units of the standard deviation of the observed values, so it does not depend on the scale
    of the objective; pair it with :class:`~parzen.terminator.MedianErrorEvaluator`, which sets
    a threshold relative to its early values.

    Args:
        deterministic_objective: Whether the objective is noise-free: the GP's noise is then
            fixed at a tiny value instead of fitted.
        delta: The probability with which the regret bound ``R`` may fail.
        min_n_trials: COMPLETE trials needed before the criterion is computed; before that it
            returns a huge value (``sys.float_info.max / 10``), so the study does not stop.
        seed: Seed of the random candidates for the lower bound's minimum.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import EMMREvaluator
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
        >>> gap = EMMREvaluator(seed=0).evaluate(study.trials, study.direction)
        >>> 0.0 <= gap < 10.0
        True
    """

    def __init__(
        self,
        deterministic_objective: bool = False,
        delta: float = 0.1,
        min_n_trials: int = 2,
        seed: int | None = None,
    ) -> None:
        self._min_n_trials = _require_number(
            "min_n_trials", min_n_trials, above=1, what="a finite integer more than one"
        )
        # delta is a probability; as in Optuna any value is accepted (0 makes the bound
        # infinite, so the study never stops).
        self._deterministic = bool(deterministic_objective)
        self._delta = float(delta)
        self._rng = np.random.RandomState(seed)

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the bound on the change of the expected minimum model regret.

        The latest trial is the last COMPLETE one in ``trials``.
        """
        obs = _gp.Observations(trials, study_direction)
        if len(obs) < self._min_n_trials:
            return _NOT_YET
        with _gp.small_blas(len(obs)):
            return self._evaluate(obs)

    def _evaluate(self, obs: _gp.Observations) -> float:
        from parzen.samplers._gp._gp import GPRegressor

        y, _ = _gp.standardize(obs.loss)
        is_cat = obs.encoding.is_categorical
        now = _gp.fit_gp(obs.x, y, is_cat, deterministic=self._deterministic)
        before = GPRegressor(obs.x[:-1], y[:-1], is_cat, now.theta)

        mean_now, _ = _gp.mean_sd(now, obs.x)
        mean_before, _ = _gp.mean_sd(before, obs.x)
        best_now = int(np.argmin(mean_now))
        best_before = int(np.argmin(mean_before[:-1]))
        shift_of_best = abs(mean_before[best_before] - mean_now[best_now])
        shift_at_old_best = abs(mean_before[best_before] - mean_now[best_before])

        new_x = obs.x[-1:]
        kl = _gaussian_kl(*_gp.mean_sd(now, new_x), *_gp.mean_sd(before, new_x))
        sqrt_beta = math.sqrt(_gp.beta(obs.encoding.dim, len(obs), self._delta))
        _, sd_old_best = _gp.mean_sd(now, obs.x[best_before : best_before + 1])
        upper = float(mean_now[best_before] + sqrt_beta * sd_old_best[0])
        lower = _gp.min_lower_bound(now, obs.encoding, sqrt_beta, self._rng)
        regret = max(upper - lower, 0.0)
        return float(shift_of_best + shift_at_old_best + regret * math.sqrt(kl / 2.0))


def _gaussian_kl(
    mean_p: np.ndarray, sd_p: np.ndarray, mean_q: np.ndarray, sd_q: np.ndarray
) -> float:
    """KL(N(mean_p, sd_p^2) || N(mean_q, sd_q^2)) of one-point arrays."""
    mp, sp, mq, sq = float(mean_p[0]), float(sd_p[0]), float(mean_q[0]), float(sd_q[0])
    kl = math.log(sq / sp) + (sp * sp + (mp - mq) ** 2) / (2.0 * sq * sq) - 0.5
    return max(kl, 0.0)
