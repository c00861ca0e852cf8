"""What a skrub search records per trial, and the result tables built from the study.

Each trial stores its cross-validation summary and skrub's description of its choices
(``SkrubLearner.describe_params()``) as user attributes: JSON only, so a study reloaded from
any storage rebuilds the same tables without the objects the choices hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import TrialState

if TYPE_CHECKING:
    import pandas as pd

    from parzen.study import Study
    from parzen.trial import FrozenTrial

CV_RESULTS_ATTR = "skrub_cv_results"
PARAMS_ATTR = "skrub_params"
SAME_AS_ATTR = "skrub_same_as"  # a repeated configuration reuses an earlier trial's scores


def summarize_cv(scores: Mapping[str, Iterable[float]]) -> dict[str, float | None]:
    """Per-split, mean and standard deviation of each ``cross_validate`` column.

    ``test_score`` gives ``split0_test_score``, ..., ``mean_test_score``, ``std_test_score``;
    ``fit_time`` gives ``mean_fit_time`` and ``std_fit_time``. NaN (a failed split) is stored
    as None.
    """
    summary: dict[str, float] = {}
    for column, values in scores.items():
        if not (column.endswith("_time") or column.startswith(("test_", "train_"))):
            continue  # e.g. the learners when return_learner=True
        array = np.asarray(list(values), dtype=float)
        if not column.endswith("_time"):
            for i, value in enumerate(array):
                summary[f"split{i}_{column}"] = float(value)
        summary[f"mean_{column}"] = float(np.mean(array))
        summary[f"std_{column}"] = float(np.std(array))
    return {k: None if math.isnan(v) else v for k, v in summary.items()}


def metric_names(summary: Mapping[str, Any]) -> list[str]:
    """The scorer names in a summary: ``["score"]`` for a single metric."""
    return [k[len("mean_test_") :] for k in summary if k.startswith("mean_test_")]


def json_safe(described: Mapping[str, Any]) -> dict[str, Any]:
    """``describe_params()`` with numpy scalars as numbers and other objects as text."""
    safe: dict[str, Any] = {}
    for name, value in described.items():
        item = getattr(value, "item", None)
        value = item() if callable(item) and not isinstance(value, str) else value
        plain = value is None or isinstance(value, (bool, int, str))
        plain = plain or (isinstance(value, float) and math.isfinite(value))
        safe[str(name)] = value if plain else str(value)
    return safe


def recorded_trials(study: Study) -> list[FrozenTrial]:
    """The finished trials that evaluated a configuration first (repeats left out)."""
    return [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if CV_RESULTS_ATTR in t.user_attrs and SAME_AS_ATTR not in t.user_attrs
    ]


def cv_results(trials: list[FrozenTrial], params: list[dict[str, Any]]) -> dict[str, Any]:
    """scikit-learn's ``cv_results_`` layout: one array per column, one entry per trial."""
    columns: list[str] = []
    for trial in trials:
        columns.extend(c for c in trial.user_attrs[CV_RESULTS_ATTR] if c not in columns)
    results: dict[str, Any] = {
        column: np.array(
            [_number(t.user_attrs[CV_RESULTS_ATTR].get(column)) for t in trials], dtype=float
        )
        for column in columns
    }
    results["params"] = params
    results["trial_number"] = np.array([t.number for t in trials], dtype=int)
    return results


def results_table(
    trials: list[FrozenTrial], choice_order: list[str], metric: str, *, detailed: bool
) -> pd.DataFrame:
    """skrub's ``results_`` (or ``detailed_results_``): one row per trial, best first."""
    import pandas as pd

    rows = []
    for trial in trials:
        summary = trial.user_attrs[CV_RESULTS_ATTR]
        row: dict[str, Any] = dict(trial.user_attrs.get(PARAMS_ATTR, {}))
        for name in metric_names(summary):
            row[f"mean_test_{name}"] = _number(summary.get(f"mean_test_{name}"))
            if detailed:
                row[f"std_test_{name}"] = _number(summary.get(f"std_test_{name}"))
                if f"mean_train_{name}" in summary:
                    row[f"mean_train_{name}"] = _number(summary[f"mean_train_{name}"])
                    row[f"std_train_{name}"] = _number(summary[f"std_train_{name}"])
        if detailed:
            for timing in ("fit_time", "score_time"):
                row[f"mean_{timing}"] = _number(summary.get(f"mean_{timing}"))
                row[f"std_{timing}"] = _number(summary.get(f"std_{timing}"))
        rows.append(row)
    table = pd.DataFrame(rows)
    rank = {name: i for i, name in enumerate(choice_order)}
    choices = [c for c in table.columns if not c.startswith(("mean_", "std_"))]
    choices.sort(key=lambda c: rank.get(c, len(rank)))
    table = table[choices + [c for c in table.columns if c not in choices]]
    key = f"mean_test_{metric}"
    if key in table.columns:
        table = table.sort_values(key, ascending=False, kind="stable")
    return table.reset_index(drop=True)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)
