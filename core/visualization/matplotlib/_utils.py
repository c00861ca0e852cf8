"""Helpers shared by the matplotlib plots."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from parzen.visualization import _utils as u


def import_pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "parzen.visualization.matplotlib draws with matplotlib, which is not installed. "
            'Install it with: pip install "parzen[matplotlib]" (or pip install matplotlib).'
        ) from error
    return plt


def is_available() -> bool:
    """Whether matplotlib is installed, so that the functions of this module can draw.

    Examples:
        >>> import parzen.visualization.matplotlib as pm
        >>> isinstance(pm.is_available(), bool)
        True
    """
    return importlib.util.find_spec("matplotlib") is not None


def new_axes(title: str) -> Any:
    plt = import_pyplot()
    _, ax = plt.subplots()
    ax.set_title(title)
    return ax


def apply_param_axis(ax: Any, axis: u.ParamAxis, which: str = "x") -> None:
    """Log scale, category ticks and a padded range for a parameter axis."""
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_lim = ax.set_xlim if which == "x" else ax.set_ylim
    set_label(axis.name)
    low, high = axis.padded_range()
    if axis.is_log:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        set_lim(10**low, 10**high)
    elif axis.is_categorical:
        ticks = np.arange(len(axis.labels))
        if which == "x":
            ax.set_xticks(ticks, axis.labels)
        else:
            ax.set_yticks(ticks, axis.labels)
        set_lim(low, high)
    else:
        set_lim(low, high)


def plot_values(axis: u.ParamAxis, mask: np.ndarray) -> np.ndarray:
    """Numeric positions for matplotlib: values, or choice indices for a category axis."""
    return axis.values[mask]
