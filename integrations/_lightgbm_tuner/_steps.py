"""The tuner's steps: which parameters each one searches, how, and with how many trials.

Each step searches one group of parameters with the others held at the best values found
so far, in this order and with these default budgets (Optuna's tuner's):

1. ``feature_fraction``: ``feature_fraction`` over 0.4, 0.5, ..., 1.0; grid, 7 trials.
2. ``num_leaves``: ``num_leaves`` in [2, 2 ** max_depth]; TPE, 20 trials.
3. ``bagging``: ``bagging_fraction`` in [0.4, 1] and ``bagging_freq`` in [1, 7]; TPE,
   10 trials.
4. ``feature_fraction_stage2``: ``feature_fraction`` over 6 points within 0.08 of the best
   so far (those inside [0.4, 1]); grid, up to 6 trials.
5. ``regularization_factors``: ``lambda_l1`` and ``lambda_l2`` in [1e-8, 10], log scale;
   TPE, 20 trials.
6. ``min_child_samples``: ``min_child_samples`` over 5, 10, 25, 50, 100; grid, 5 trials.

``max_depth`` is the user's (8 if not set or not positive).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from parzen.trial import Trial

# Where the tuned parameters start: LightGBM's defaults.
DEFAULT_TUNED_PARAMS: dict[str, Any] = {
    "lambda_l1": 0.0,
    "lambda_l2": 0.0,
    "num_leaves": 31,
    "feature_fraction": 1.0,
    "bagging_fraction": 1.0,
    "bagging_freq": 0,
    "min_child_samples": 20,
}
_FRACTION_LOW, _FRACTION_HIGH = 0.4, 1.0
_DEFAULT_MAX_DEPTH = 8
_STAGE2_RADIUS = 0.08
_STAGE2_POINTS = 6
_MIN_CHILD_SAMPLES = [5, 10, 25, 50, 100]


@dataclass(frozen=True)
class Step:
    """One step of the stepwise search.

    Attributes:
        name: the step's name, stored in each of its trials.
        n_trials: the step's default budget (trials of the step already in the study count).
        grid: for a grid step, ``params -> {name: candidate values}`` given the best
            parameters so far; ``None`` for a TPE step.
        suggest: ``(trial, params) -> {name: value}``: the step's parameters for a trial.
    """

    name: str
    n_trials: int
    grid: Callable[[Mapping[str, Any]], dict[str, list[Any]]] | None
    suggest: Callable[[Trial, Mapping[str, Any]], dict[str, Any]]


def _feature_fraction_grid(params: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {"feature_fraction": np.linspace(_FRACTION_LOW, _FRACTION_HIGH, 7).tolist()}


def _feature_fraction_stage2_grid(params: Mapping[str, Any]) -> dict[str, list[Any]]:
    best = float(params["feature_fraction"])
    around = np.linspace(best - _STAGE2_RADIUS, best + _STAGE2_RADIUS, _STAGE2_POINTS)
    inside = [float(v) for v in around if _FRACTION_LOW <= v <= _FRACTION_HIGH]
    return {"feature_fraction": inside}


def _min_child_samples_grid(params: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {"min_child_samples": list(_MIN_CHILD_SAMPLES)}


def _suggest_feature_fraction(trial: Trial, params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "feature_fraction": trial.suggest_float("feature_fraction", _FRACTION_LOW, _FRACTION_HIGH)
    }


def _suggest_num_leaves(trial: Trial, params: Mapping[str, Any]) -> dict[str, Any]:
    max_depth = params.get("max_depth", _DEFAULT_MAX_DEPTH)
    if not isinstance(max_depth, int) or max_depth <= 0:
        max_depth = _DEFAULT_MAX_DEPTH  # -1, LightGBM's "no limit", bounds nothing
    return {"num_leaves": trial.suggest_int("num_leaves", 2, 2**max_depth)}


def _suggest_bagging(trial: Trial, params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "bagging_fraction": trial.suggest_float("bagging_fraction", _FRACTION_LOW, _FRACTION_HIGH),
        "bagging_freq": trial.suggest_int("bagging_freq", 1, 7),
    }


def _suggest_regularization(trial: Trial, params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "lambda_l1": trial.suggest_float("lambda_l1", 1e-8, 10.0, log=True),
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-8, 10.0, log=True),
    }


def _suggest_min_child_samples(trial: Trial, params: Mapping[str, Any]) -> dict[str, Any]:
    low, high = _MIN_CHILD_SAMPLES[0], _MIN_CHILD_SAMPLES[-1]
    return {"min_child_samples": trial.suggest_int("min_child_samples", low, high)}


FEATURE_FRACTION = Step("feature_fraction", 7, _feature_fraction_grid, _suggest_feature_fraction)
NUM_LEAVES = Step("num_leaves", 20, None, _suggest_num_leaves)
BAGGING = Step("bagging", 10, None, _suggest_bagging)
FEATURE_FRACTION_STAGE2 = Step(
    "feature_fraction_stage2",
    _STAGE2_POINTS,
    _feature_fraction_stage2_grid,
    _suggest_feature_fraction,
)
REGULARIZATION_FACTORS = Step("regularization_factors", 20, None, _suggest_regularization)
MIN_CHILD_SAMPLES = Step(
    "min_child_samples",
    len(_MIN_CHILD_SAMPLES),
    _min_child_samples_grid,
    _suggest_min_child_samples,
)

STEPS: tuple[Step, ...] = (
    FEATURE_FRACTION,
    NUM_LEAVES,
    BAGGING,
    FEATURE_FRACTION_STAGE2,
    REGULARIZATION_FACTORS,
    MIN_CHILD_SAMPLES,
)
"""The steps :meth:`LightGBMTuner.run` takes, in order."""
