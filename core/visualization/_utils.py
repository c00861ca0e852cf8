"""Arrays built once from a study's trials, shared by the plotly and matplotlib backends.

How each parameter's axis looks is decided in :mod:`parzen.visualization._axes`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial, TrialState

# The axis decisions live in _axes (shared with the dashboard); the plots reach them here.
from parzen.visualization._axes import (  # noqa: F401
    ParamAxis,
    category_labels,
    param_axes,
    value_format,
)

if TYPE_CHECKING:
    from parzen.study import Study

# One colour per kind of trial, the same in both backends.
COLOR_COMPLETE = "#1f77b4"
COLOR_PRUNED = "#ff7f0e"
COLOR_FAIL = "#d62728"
COLOR_RUNNING = "#2ca02c"
COLOR_WAITING = "#9467bd"
COLOR_INFEASIBLE = "#cccccc"
COLOR_BEST = "#d62728"
STATE_COLORS = {
    TrialState.COMPLETE: COLOR_COMPLETE,
    TrialState.PRUNED: COLOR_PRUNED,
    TrialState.FAIL: COLOR_FAIL,
    TrialState.RUNNING: COLOR_RUNNING,
    TrialState.WAITING: COLOR_WAITING,
}
DEFAULT_TARGET_NAME = "Objective Value"


class EmptyPlotWarning(UserWarning):
    """A plot had nothing to draw and returned an empty figure."""


def warn_empty(reason: str) -> None:
    warnings.warn(f"{reason}; returning an empty figure.", EmptyPlotWarning, stacklevel=3)


def import_plotly() -> Any:
    """``plotly.graph_objects``, or an ImportError that says how to install it."""
    try:
        import plotly.graph_objects as go
    except ImportError as error:
        raise ImportError(
            "parzen.visualization draws with plotly, which is not installed. Install it with: "
            'pip install "parzen[plotly]" (or pip install plotly), or use '
            "parzen.visualization.matplotlib."
        ) from error
    return go


def check_target(study: Study, target: Callable[[FrozenTrial], float] | None) -> None:
    if target is None and study._is_multi_objective():
        raise ValueError(
            f"This plot shows one value per trial, but the study has {len(study.directions)} "
            "objectives and no target was given. Pass target=lambda t: t.values[0] (and "
            "target_name=...) to choose the objective to plot."
        )


def complete_trials(study: Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def feasibility(trials: Sequence[FrozenTrial]) -> np.ndarray:
    """Whether each trial satisfies its constraints (no constraints: feasible)."""
    from parzen._records.constraints import is_feasible

    return np.fromiter((is_feasible(t) for t in trials), dtype=bool, count=len(trials))


def target_values(
    trials: Sequence[FrozenTrial], target: Callable[[FrozenTrial], float] | None
) -> np.ndarray:
    if target is None:
        return np.array([t.value for t in trials], dtype=float)
    return np.array([target(t) for t in trials], dtype=float)


def numbers(trials: Sequence[FrozenTrial]) -> np.ndarray:
    return np.fromiter((t.number for t in trials), dtype=np.int64, count=len(trials))


def select_params(trials: Sequence[FrozenTrial], params: Sequence[str] | None) -> list[str]:
    """All parameter names in the trials (sorted), or ``params`` after checking they exist."""
    seen: set[str] = set()
    for trial in trials:
        seen.update(trial.params)
    if params is None:
        return sorted(seen)
    missing = [p for p in params if p not in seen]
    if missing:
        raise ValueError(
            f"Parameters {missing} do not appear in the plotted trials; the parameters that "
            f"do are {sorted(seen)}. Fix the names passed as params."
        )
    return list(params)
