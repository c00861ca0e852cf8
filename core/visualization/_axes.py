"""How a parameter's axis looks, decided once for the plots (plotly and matplotlib) and the
dashboard.

A parameter axis is log-scaled when every distribution of the parameter is log-scaled,
categorical when any is categorical (choices in declaration order, then any value seen
outside them), and integer when every distribution is an
:class:`~parzen.distributions.IntDistribution`. Category labels are ``str`` of the choices,
``repr`` when ``str`` would merge two. Hand-drawn axes (parallel coordinates) take their
ticks from :func:`numeric_ticks` and their range from :func:`data_range`, in "positions":
log10 of the value on a log axis, the choice index on a categorical one, the value itself
otherwise.

The backends turn a :class:`ParamAxis` into their own axis settings; the dashboard sends it
to the page as JSON. This module imports no plotting library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.trial import FrozenTrial

N_TICKS = 5


def value_format(value: float) -> str:
    """A number as a tick or colour-bar label shows it.

    Examples:
        >>> value_format(0.000123456), value_format(1234.5)
        ('0.000123', '1.23e+03')
    """
    return f"{value:.3g}"


def category_labels(choices: Sequence[Any]) -> list[str]:
    """Display labels for categorical choices; ``repr`` when ``str`` would merge two.

    Examples:
        >>> category_labels(["adam", "sgd", None])
        ['adam', 'sgd', 'None']
        >>> category_labels([1, "1"])
        ['1', "'1'"]
    """
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

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_int("units", 1, 512, log=True), n_trials=3)
        >>> axis = param_axes(study.trials, ["units"])["units"]
        >>> axis.scale, axis.kind, axis.integer
        ('log', 'int', True)
    """

    name: str
    scale: str  # "linear", "log" or "category"
    values: np.ndarray
    labels: list[str] = field(default_factory=list)
    low: float = math.nan
    high: float = math.nan
    integer: bool = False

    @property
    def is_log(self) -> bool:
        return self.scale == "log"

    @property
    def is_categorical(self) -> bool:
        return self.scale == "category"

    @property
    def kind(self) -> str:
        """``"categorical"``, ``"int"`` or ``"float"``."""
        return "categorical" if self.is_categorical else "int" if self.integer else "float"

    def present(self) -> np.ndarray:
        return ~np.isnan(self.values)

    def positions(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Values in positions: log10 on a log axis, choice indices on a categorical one."""
        values = self.values if mask is None else self.values[mask]
        return np.log10(values) if self.is_log else values

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


def data_range(positions: np.ndarray) -> tuple[float, float]:
    """The smallest and largest finite position, widened by 0.5 each way when they are
    equal (a single value sits mid-axis); (0, 1) when there is none.

    Examples:
        >>> data_range(np.array([2.0, 5.0, np.nan])), data_range(np.array([3.0]))
        ((2.0, 5.0), (2.5, 3.5))
    """
    finite = positions[np.isfinite(positions)]
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        return low - 0.5, high + 0.5
    return low, high


def numeric_ticks(
    low: float, high: float, *, log: bool = False, integer: bool = False
) -> tuple[list[float], list[str]]:
    """Tick positions in ``low..high`` and their labels, for a hand-drawn axis.

    A log axis (positions in log10) gets a tick per decade when it spans two or more, else
    :data:`N_TICKS` evenly spaced ones; a linear axis gets :data:`N_TICKS` evenly spaced
    ticks. On an integer axis the ticks are whole numbers, each once.

    Examples:
        >>> numeric_ticks(0.0, 1.0)
        ([0.0, 0.25, 0.5, 0.75, 1.0], ['0', '0.25', '0.5', '0.75', '1'])
        >>> numeric_ticks(-4.0, -1.0, log=True)[1]
        ['0.0001', '0.001', '0.01', '0.1']
        >>> numeric_ticks(1.0, 3.0, integer=True)[1]
        ['1', '2', '3']
    """
    if high <= low:
        positions = np.array([low])
    elif log and math.floor(high) - math.ceil(low) >= 1:
        positions = np.arange(math.ceil(low), math.floor(high) + 1, dtype=float)
    else:
        positions = np.linspace(low, high, N_TICKS)
    values = 10.0**positions if log else positions
    if integer:
        values = np.unique(np.round(values))
        if log:
            values = values[values > 0]
        positions = np.log10(values) if log else values
        inside = (positions >= low - 1e-9) & (positions <= high + 1e-9)
        positions, values = positions[inside], values[inside]
    labels = [str(int(v)) if integer else value_format(float(v)) for v in values]
    return [float(p) for p in positions], labels


@dataclass
class NumericFrame:
    """Range and ticks of a hand-drawn numeric axis, in positions (see the module)."""

    low: float
    high: float
    tickvals: list[float]
    ticktext: list[str]


def numeric_frame(
    positions: np.ndarray, *, log: bool = False, integer: bool = False
) -> NumericFrame:
    """The range (:func:`data_range`) and ticks (:func:`numeric_ticks` over the data) of a
    hand-drawn axis through ``positions``; no ticks when no position is finite.

    Examples:
        >>> frame = numeric_frame(np.array([1.0, 2.0, 4.0]), integer=True)
        >>> frame.low, frame.high, frame.ticktext
        (1.0, 4.0, ['1', '2', '3', '4'])
    """
    low, high = data_range(positions)
    finite = positions[np.isfinite(positions)]
    if finite.size == 0:
        return NumericFrame(low, high, [], [])
    ticks, labels = numeric_ticks(
        float(finite.min()), float(finite.max()), log=log, integer=integer
    )
    return NumericFrame(low, high, ticks, labels)


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
        integer = all(isinstance(d, IntDistribution) for d in distributions)
        low = min(float(d.low) for d in distributions)
        high = max(float(d.high) for d in distributions)
        if column.size:
            low, high = min(low, float(column.min())), max(high, float(column.max()))
        return ParamAxis(name, "log" if log else "linear", values, [], low, high, integer)
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
