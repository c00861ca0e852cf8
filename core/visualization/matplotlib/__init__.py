"""The plots of :mod:`parzen.visualization`, drawn with matplotlib.

Same functions, same arguments, same data; each returns matplotlib ``Axes`` (a numpy array
of them for plots with several panels). matplotlib is imported when a function is called
(``pip install "parzen[matplotlib]"``); figures are made with ``pyplot``, so ``plt.show()`` and
``plt.savefig`` work as usual, and the active backend is left alone.

Examples:
    >>> import parzen
    >>> study = parzen.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
    >>> ax = parzen.visualization.matplotlib.plot_optimization_history(study)
    >>> ax.get_title()
    'Optimization History Plot'
"""

from __future__ import annotations

from parzen.visualization.matplotlib._plots import (
    plot_contour,
    plot_edf,
    plot_hypervolume_history,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_rank,
    plot_slice,
    plot_terminator_improvement,
    plot_timeline,
)
from parzen.visualization.matplotlib._utils import is_available

__all__ = [
    "is_available",
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
