"""The Gaussian-process pieces the regret-bound evaluators share, over parzen's own GP.

The model is :mod:`parzen.samplers._gp`'s: a Matérn 5/2 kernel on the search space encoded into
the unit cube, hyperparameters at their maximum a posteriori estimate. Values are turned into
losses (smaller is better) and standardized before fitting, so every quantity here is in units
of the standard deviation of the observed values.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, cast

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.samplers._gp._search_space import SearchSpaceEncoding, encode_trials
from parzen.search_space import intersection_search_space
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.samplers._gp._acqf import Acquisition
    from parzen.samplers._gp._gp import GPRegressor

# Random candidates scored before the local search of the lower confidence bound's minimum.
_N_CANDIDATES = 1024


class Observations:
    """The COMPLETE trials of a list as encoded inputs and losses.

    Only parameters that every COMPLETE trial has with the same distribution are modelled
    (the intersection search space); trials with a non-finite value are left out, since a GP
    cannot be fitted to them.

    Attributes:
        encoding: The search space encoding.
        x: Encoded parameters, one row per trial, in the order of the given list.
        loss: The values, negated for a maximized study, so that smaller is better.
    """

    def __init__(self, trials: Sequence[FrozenTrial], direction: StudyDirection) -> None:
        complete = [
            t
            for t in trials
            if t.state == TrialState.COMPLETE and t.value is not None and math.isfinite(t.value)
        ]
        self.encoding = SearchSpaceEncoding(intersection_search_space(complete))
        self.x = encode_trials(self.encoding, [t.params for t in complete])
        sign = -1.0 if direction == StudyDirection.MAXIMIZE else 1.0
        self.loss = sign * np.array([t.value for t in complete], dtype=float)

    def __len__(self) -> int:
        return len(self.loss)


def standardize(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Zero-mean, unit-variance copy of ``values`` and their standard deviation.

    Constant values stay 0 after the shift and report a standard deviation of 0, so bounds
    scaled back by it are 0: nothing is left to gain among identical results.
    """
    std = float(values.std())
    return (values - values.mean()) / (std if std > 0.0 else 1.0), std


@contextlib.contextmanager
def small_blas(n: int) -> Iterator[None]:
    """One BLAS thread while the matrices are small, as the GP sampler does (see there why)."""
    from parzen.samplers._gp._sampler import _blas_threads_limited

    with _blas_threads_limited(n):
        yield


def fit_gp(
    x: np.ndarray, y: np.ndarray, is_cat: np.ndarray, *, deterministic: bool
) -> GPRegressor:
    """A GP conditioned on ``(x, y)`` with its maximum a posteriori hyperparameters."""
    from parzen.samplers._gp._gp import GPRegressor, fit_theta

    theta = fit_theta(x, y, is_cat, initial=None, deterministic=deterministic)
    return GPRegressor(x, y, is_cat, theta)


def beta(n_params: int, n_trials: int, delta: float = 0.1) -> float:
    """The confidence parameter of the bounds ``mean -/+ sqrt(beta) * sd``.

    Srinivas et al. (2010) give ``beta_t = 2 log(|D| t^2 pi^2 / (6 delta))`` for the bound to hold
    with probability ``1 - delta`` at every step; Makarova et al. (2022) scale it down by 5 in
    their experiments, which we follow. ``|D|`` is taken to be the number of parameters.
    """
    if delta <= 0.0:
        return math.inf  # no confidence level: the bounds are infinitely wide
    d = max(n_params, 1)
    t = max(n_trials, 1)
    return 2.0 * math.log(d * t * t * math.pi**2 / (6.0 * delta)) / 5.0


def mean_sd(model: GPRegressor, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and standard deviation of the latent function at the rows of ``x``."""
    mean, var, _, _ = model.posterior(x)
    return mean, np.sqrt(var)


class _NegativeLowerBound:
    """``-(mean - sqrt(beta) sd)``, with the call signature of the sampler's acquisitions, so
    that the sampler's optimizer finds the minimum of the lower confidence bound."""

    def __init__(self, model: GPRegressor, sqrt_beta: float) -> None:
        self.model = model
        self.sqrt_beta = sqrt_beta

    def __call__(
        self, x: np.ndarray, *, with_grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        mean, var, d_mean, d_var = self.model.posterior(x, with_grad=with_grad)
        sd = np.sqrt(var)
        value = self.sqrt_beta * sd - mean
        if not with_grad:
            return value, None
        assert d_mean is not None and d_var is not None
        return value, self.sqrt_beta * d_var / (2.0 * sd[:, None]) - d_mean


def min_lower_bound(
    model: GPRegressor,
    encoding: SearchSpaceEncoding,
    sqrt_beta: float,
    rng: np.random.RandomState,
) -> float:
    """The minimum over the search space of the lower confidence bound.

    The observed points are candidates too, so the result never exceeds the bound's minimum
    over them, however the local search ends.
    """
    from parzen.samplers._gp._optim import optimize_acquisition

    objective = _NegativeLowerBound(model, sqrt_beta)
    observed = float(np.max(objective(model.x)[0]))
    if encoding.dim == 0:
        return -observed
    best_row = optimize_acquisition(
        cast("Acquisition", objective),
        encoding,
        rng,
        rng.random_sample((_N_CANDIDATES, encoding.dim)),
        incumbents=model.x,
    )
    found = float(objective(best_row[None, :])[0][0])
    return -max(observed, found)
