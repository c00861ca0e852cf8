"""LightGBM parameter names: aliases, the metric the tuner scores, and its direction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# LightGBM parameter aliases (https://lightgbm.readthedocs.io/en/latest/Parameters.html) for
# the parameters the tuner reads or tunes. The tuner stores its parameters under the names on
# the left, as Optuna's tuner does (``min_child_samples`` rather than ``min_data_in_leaf``), so
# that a user's alias is the starting value of the tuned parameter instead of a second,
# conflicting setting.
_PARAM_ALIASES: dict[str, tuple[str, ...]] = {
    "lambda_l1": ("reg_alpha", "l1_regularization"),
    "lambda_l2": ("reg_lambda", "lambda", "l2_regularization"),
    "num_leaves": ("num_leaf", "max_leaves", "max_leaf", "max_leaf_nodes"),
    "feature_fraction": ("sub_feature", "colsample_bytree"),
    "bagging_fraction": ("sub_row", "subsample", "bagging"),
    "bagging_freq": ("subsample_freq",),
    "min_child_samples": ("min_data_in_leaf", "min_data_per_leaf", "min_data"),
    "metric": ("metrics", "metric_types"),
    "objective": ("objective_type", "app", "application", "loss"),
    "eval_at": ("ndcg_eval_at", "ndcg_at", "map_eval_at", "map_at"),
}

# Metric aliases -> the name LightGBM reports results under.
_METRIC_ALIASES: dict[str, str] = {
    alias: name
    for name, aliases in {
        "l1": ("mean_absolute_error", "mae", "regression_l1"),
        "l2": ("mean_squared_error", "mse", "regression_l2", "regression"),
        "rmse": ("root_mean_squared_error", "l2_root"),
        "mape": ("mean_absolute_percentage_error",),
        "ndcg": ("lambdarank", "rank_xendcg", "xendcg", "xe_ndcg", "xe_ndcg_mart", "xendcg_mart"),
        "map": ("mean_average_precision",),
        "binary_logloss": ("binary",),
        "multi_logloss": (
            "multiclass",
            "softmax",
            "multiclassova",
            "multiclass_ova",
            "ova",
            "ovr",
        ),
        "cross_entropy": ("xentropy",),
        "cross_entropy_lambda": ("xentlambda",),
        "kullback_leibler": ("kldiv",),
    }.items()
    for alias in aliases
}

# The metric LightGBM evaluates when params has none, by (canonical) objective.
_DEFAULT_METRIC: dict[str, str] = {
    "regression": "l2",
    "regression_l1": "l1",
    "huber": "huber",
    "fair": "fair",
    "poisson": "poisson",
    "quantile": "quantile",
    "mape": "mape",
    "gamma": "gamma",
    "tweedie": "tweedie",
    "binary": "binary_logloss",
    "multiclass": "multi_logloss",
    "multiclassova": "multi_logloss",
    "cross_entropy": "cross_entropy",
    "cross_entropy_lambda": "cross_entropy_lambda",
    "lambdarank": "ndcg",
    "rank_xendcg": "ndcg",
}
_OBJECTIVE_ALIASES: dict[str, str] = {
    alias: name
    for name, aliases in {
        "regression": (
            "regression_l2",
            "l2",
            "mean_squared_error",
            "mse",
            "l2_root",
            "root_mean_squared_error",
            "rmse",
        ),
        "regression_l1": ("l1", "mean_absolute_error", "mae"),
        "mape": ("mean_absolute_percentage_error",),
        "multiclass": ("softmax",),
        "multiclassova": ("multiclass_ova", "ova", "ovr"),
        "cross_entropy": ("xentropy",),
        "cross_entropy_lambda": ("xentlambda",),
        "rank_xendcg": ("xendcg", "xe_ndcg", "xe_ndcg_mart", "xendcg_mart"),
    }.items()
    for alias in aliases
}
_DISABLED_METRICS = ("", "none", "null", "na", "custom")
_HIGHER_IS_BETTER = ("auc", "auc_mu", "ndcg", "map", "average_precision")
_DEFAULT_EVAL_AT = 1  # LightGBM evaluates ndcg/map at 1..5 by default; the first is scored


def canonical_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` with the tuned parameters' aliases renamed to the tuner's names.

    Examples:
        >>> canonical_params({"reg_alpha": 0.1, "metrics": "mse", "verbosity": -1})
        {'lambda_l1': 0.1, 'metric': 'l2', 'verbosity': -1}
    """
    result: dict[str, Any] = {}
    for key, value in params.items():
        name = next((n for n, aliases in _PARAM_ALIASES.items() if key in aliases), key)
        if name in result and name != key:
            continue  # the canonical name wins over an alias, as in LightGBM
        result[name] = value
    if "metric" in result:
        result["metric"] = _canonical_metric(result["metric"])
    return result


def _canonical_metric(metric: Any) -> Any:
    if isinstance(metric, str):
        names = [m.strip() for m in metric.split(",")] if "," in metric else [metric]
        canonical = [_METRIC_ALIASES.get(m, m) for m in names]
        return canonical[0] if len(canonical) == 1 else canonical
    if isinstance(metric, (list, tuple)):
        return [_METRIC_ALIASES.get(m, m) if isinstance(m, str) else m for m in metric]
    return metric


def scored_metric(params: Mapping[str, Any]) -> str:
    """The name, as LightGBM reports it, of the metric the tuner optimizes.

    The last metric of ``params["metric"]`` (as Optuna's tuner scores it), else the
    objective's default metric; ``ndcg`` and ``map`` carry their first ``eval_at`` position.

    Raises:
        ValueError: ``params["metric"]`` disables LightGBM's metrics or is not a metric name,
            or the objective is a function and no metric is given.

    Examples:
        >>> scored_metric({"objective": "binary"})
        'binary_logloss'
        >>> scored_metric({"objective": "lambdarank", "eval_at": [3, 5]})
        'ndcg@3'
    """
    metric = params.get("metric")
    if isinstance(metric, (list, tuple)):
        metric = metric[-1] if metric else None
    if metric is None:
        objective = params.get("objective", "regression")
        if not isinstance(objective, str):
            raise ValueError(
                "The tuner scores trials with a LightGBM metric, and a custom objective has no "
                "default one. Set params['metric'], e.g. params['metric'] = 'l2'."
            )
        objective = _OBJECTIVE_ALIASES.get(objective, objective)
        metric = _DEFAULT_METRIC.get(objective)
        if metric is None:
            raise ValueError(
                f"LightGBM objective {objective!r} has no default metric the tuner knows. "
                "Set params['metric'] to the metric to optimize."
            )
    if not isinstance(metric, str) or metric.strip().lower() in _DISABLED_METRICS:
        raise ValueError(
            f"The tuner optimizes a LightGBM metric, but params['metric'] is {metric!r}, "
            "which evaluates none. Set params['metric'] to a metric name such as "
            "'binary_logloss', 'auc' or 'l2'."
        )
    if metric in ("ndcg", "map"):
        eval_at = params.get("eval_at", _DEFAULT_EVAL_AT)
        if isinstance(eval_at, str):
            eval_at = eval_at.split(",")[0]
        elif isinstance(eval_at, (list, tuple)):
            eval_at = eval_at[0] if eval_at else _DEFAULT_EVAL_AT
        metric = f"{metric}@{int(eval_at)}"
    return metric


def higher_is_better(metric: str) -> bool:
    """Whether larger values of the LightGBM metric ``metric`` are better.

    Examples:
        >>> higher_is_better("auc"), higher_is_better("ndcg@5"), higher_is_better("l2")
        (True, True, False)
    """
    return metric.split("@")[0] in _HIGHER_IS_BETTER
