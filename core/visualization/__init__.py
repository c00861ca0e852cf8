"""Plots of a study, drawn with plotly (``pip install "parzen[plotly]"``).

Every function takes a study and returns a ``plotly.graph_objects.Figure``; plotly is
imported when a function is called, so importing this module needs nothing beyond numpy.
:mod:`parzen.visualization.matplotlib` offers the same functions returning matplotlib Axes.

Conventions shared by all plots: log-scaled parameters get log axes and categorical ones
category axes; pruned, failed, running and infeasible trials have their own colours and
legend entries where they appear; a plot with nothing to draw returns an empty figure and
warns with :class:`EmptyPlotWarning`; a multi-objective study needs ``target`` wherever one
value per trial is plotted.

Examples:
    >>> import parzen
    >>> study = parzen.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
    >>> fig = parzen.visualization.plot_optimization_history(study)
    >>> fig.layout.title.text
    'Optimization History Plot'
"""

from __future__ import annotations

import importlib.util
from typing import Any

from parzen.visualization._contour import plot_contour
from parzen.visualization._edf import plot_edf
from parzen.visualization._hypervolume_history import plot_hypervolume_history
from parzen.visualization._intermediate_values import plot_intermediate_values
from parzen.visualization._optimization_history import plot_optimization_history
from parzen.visualization._parallel_coordinate import plot_parallel_coordinate
from parzen.visualization._param_importances import plot_param_importances
from parzen.visualization._pareto_front import plot_pareto_front
from parzen.visualization._rank import plot_rank
from parzen.visualization._slice import plot_slice
from parzen.visualization._terminator_improvement import plot_terminator_improvement
from parzen.visualization._timeline import plot_timeline
from parzen.visualization._utils import EmptyPlotWarning

__all__ = [
    "EmptyPlotWarning",
    "is_available",
    "matplotlib",
    "plot_contour",
    "plot_edf",
    "plot_hypervolume_history",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_rank",
    "plot_slice",
    "plot_terminator_improvement",
    "plot_timeline",
]


def is_available() -> bool:
    """Whether plotly is installed, so that the functions of this module can draw.

    Examples:
        >>> import parzen
        >>> isinstance(parzen.visualization.is_available(), bool)
        True
    """
    return importlib.util.find_spec("plotly") is not None


def __getattr__(name: str) -> Any:
    # `parzen.visualization.matplotlib` loads on first access, like the top-level package's
    # heavy submodules (it does not import matplotlib itself until a plot is drawn).
    if name == "matplotlib":
        module = importlib.import_module("parzen.visualization.matplotlib")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'parzen.visualization' has no attribute {name!r}")
