"""Arrays built once from a study's trials, shared by the plotly and matplotlib backends."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.trial import FrozenTrial, TrialState

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


def category_labels(choices: Sequence[Any]) -> list[str]:
    """Display labels for categorical choices; ``repr`` when ``str`` would merge two."""
    labels = [str(c) for c in choices]
    if len(set(labels)) < len(labels):
        labels = [repr(c) for c in choices]
    return labels


@dataclass
class ParamAxis:
    """One parameter ready to plot.

    ``values`` holds, per trial, the numeric value or (for a categorical axis) the index of
    the choice in ``labels``; NaN where the trial lacks the parameter. ``low``/``high`` are
    the data range in plotting units: the values themselves on a linear or log axis (the
    backend takes the logarithm), indices on a category axis.
    """

    name: str
    scale: str  # "linear", "log" or "category"
    values: np.ndarray
    labels: list[str] = field(default_factory=list)
    low: float = math.nan
    high: float = math.nan

    @property
    def is_log(self) -> bool:
        return self.scale == "log"

    @property
    def is_categorical(self) -> bool:
        return self.scale == "category"

    def present(self) -> np.ndarray:
        return ~np.isnan(self.values)

    def padded_range(self, pad: float = 0.05) -> tuple[float, float]:
        """Axis range with a margin, in the units plotly expects (log10 for log axes)."""
        if self.is_categorical:
            return -0.5, len(self.labels) - 0.5
        low, high = self.low, self.high
        if self.is_log:
            low, high = math.log10(low), math.log10(high)
        span = high - low
        margin = pad * span if span > 0 else (0.5 if not self.is_log else 0.1)
        return low - margin, high + margin

    def labels_of(self, indices: np.ndarray) -> Any:
        """Category labels of choice indices."""
        return np.asarray(self.labels, dtype=object)[np.asarray(indices, dtype=np.int64)]

    def display_values(self, mask: np.ndarray | None = None) -> Any:
        """Values as the backend should receive them: labels for a category axis."""
        values = self.values if mask is None else self.values[mask]
        if self.is_categorical:
            labels = np.asarray(self.labels, dtype=object)
            return labels[values.astype(np.int64)]
        return values


def _choice_key(choice: Any) -> tuple[str, Any]:
    return (type(choice).__name__, choice)


def param_axes(trials: Sequence[FrozenTrial], names: Sequence[str]) -> dict[str, ParamAxis]:
    """Build one :class:`ParamAxis` per name from the trials, in a single pass over them."""
    distributions: dict[str, list[BaseDistribution]] = {name: [] for name in names}
    raw: dict[str, list[Any]] = {name: [] for name in names}
    rows: dict[str, list[int]] = {name: [] for name in names}
    for i, trial in enumerate(trials):
        params = trial.params
        trial_distributions = trial.distributions
        for name in names:
            if name in params:
                raw[name].append(params[name])
                rows[name].append(i)
                bucket = distributions[name]
                dist = trial_distributions[name]
                if not bucket or bucket[-1] != dist:
                    bucket.append(dist)
    axes = {}
    for name in names:
        axes[name] = _make_axis(name, distributions[name], raw[name], rows[name], len(trials))
    return axes


def _make_axis(
    name: str,
    distributions: list[BaseDistribution],
    raw: list[Any],
    rows: list[int],
    n_trials: int,
) -> ParamAxis:
    values = np.full(n_trials, np.nan)
    numeric = bool(distributions) and all(
        isinstance(d, (FloatDistribution, IntDistribution)) for d in distributions
    )
    if numeric:
        column = np.asarray(raw, dtype=float)
        values[rows] = column
        log = all(getattr(d, "log", False) for d in distributions)
        low = min(float(d.low) for d in distributions)
        high = max(float(d.high) for d in distributions)
        if column.size:
            low, high = min(low, float(column.min())), max(high, float(column.max()))
        return ParamAxis(name, "log" if log else "linear", values, [], low, high)
    # Categorical: the declared choices in order, then any value seen outside them (a
    # distribution changed between trials).
    index: dict[tuple[str, Any], int] = {}
    choices: list[Any] = []
    for dist in distributions:
        if isinstance(dist, CategoricalDistribution):
            for choice in dist.choices:
                key = _choice_key(choice)
                if key not in index:
                    index[key] = len(choices)
                    choices.append(choice)
    codes = np.empty(len(raw))
    for i, value in enumerate(raw):
        key = _choice_key(value)
        if key not in index:
            index[key] = len(choices)
            choices.append(value)
        codes[i] = index[key]
    values[rows] = codes
    return ParamAxis(name, "category", values, category_labels(choices), 0.0, len(choices) - 1.0)


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


def value_format(value: float) -> str:
    return f"{value:.3g}"
