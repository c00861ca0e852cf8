"""The matplotlib Axes carry the same data as the plotly figures."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import parzen
from parzen.trial import create_trial
from parzen.visualization import EmptyPlotWarning
from parzen.visualization import matplotlib as pm

pytest.importorskip("matplotlib").use("Agg")


def _labels(ax: Any) -> list[str]:
    return ax.get_legend_handles_labels()[1]


def _offsets(ax: Any, label: str) -> np.ndarray:
    (collection,) = [c for c in ax.collections if c.get_label() == label]
    return np.asarray(collection.get_offsets())


def test_is_available() -> None:
    assert pm.is_available() is True


def test_history(study: parzen.Study) -> None:
    ax = pm.plot_optimization_history(study)
    assert _labels(ax) == [
        "Objective Value",
        "Best Value",
        "Infeasible Trial",
        "Pruned Trial",
        "Failed Trial",
    ]
    assert _offsets(ax, "Objective Value").tolist() == [[0, 3.0], [1, 2.0], [5, 4.0]]
    (best,) = [line for line in ax.get_lines() if line.get_label() == "Best Value"]
    assert best.get_drawstyle() == "steps-post"
    assert list(best.get_ydata()) == [3.0, 2.0, 2.0]
    assert _offsets(ax, "Pruned Trial").tolist() == [[2, 5.5]]
    assert ax.get_ylabel() == "Objective Value" and ax.get_title() == "Optimization History Plot"


def test_history_error_bar(study: parzen.Study) -> None:
    ax = pm.plot_optimization_history([study, study], error_bar=True)
    assert "Best Value" in _labels(ax)


def test_intermediate_values(study: parzen.Study) -> None:
    ax = pm.plot_intermediate_values(study)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["Complete", "Pruned"]
    assert list(lines["Complete"].get_ydata()) == [5.0, 4.0]
    assert lines["Complete"].get_color() != lines["Pruned"].get_color()


def test_parallel_coordinate(study: parzen.Study) -> None:
    ax = pm.plot_parallel_coordinate(study)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Objective Value",
        "lr",
        "momentum",
        "opt",
        "units",
    ]
    (lines,) = ax.collections
    segments = lines.get_segments()
    assert len(segments) == 4
    texts = {t.get_text().strip() for t in ax.texts}
    assert {"None", "adam", "sgd", "0.001"} <= texts
    colors = lines.get_colors()
    np.testing.assert_allclose(colors[2][:3], [0.8, 0.8, 0.8])  # trial 4 is infeasible


def test_slice(study: parzen.Study) -> None:
    axes = pm.plot_slice(study, params=["lr", "opt"])
    assert axes.shape == (2,)
    assert axes[0].get_xscale() == "log"
    assert axes[0].get_xlim() == pytest.approx((10**-4.2, 10**0.2))
    assert [t.get_text() for t in axes[1].get_xticklabels()] == ["adam", "sgd"]
    assert _offsets(axes[1], "Feasible Trial")[:, 0].tolist() == [0.0, 1.0, 0.0]
    assert _offsets(axes[0], "Infeasible Trial").tolist() == [[3e-4, 1.0]]
    single = pm.plot_slice(study, params=["units"])
    assert single.get_xlabel() == "units"


def test_contour(study: parzen.Study) -> None:
    ax = pm.plot_contour(study, params=["lr", "units"])
    assert ax.get_xscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("lr", "units")
    assert _offsets(ax, "Feasible Trial")[:, 1].tolist() == [2.0, 5.0, 9.0]
    axes = pm.plot_contour(study, params=["lr", "opt", "units"])
    assert axes.shape == (3, 3)
    assert not axes[0, 0].axison
    assert [t.get_text() for t in axes[1, 0].get_yticklabels()] == ["adam", "sgd"]


def test_rank(study: parzen.Study) -> None:
    ax = pm.plot_rank(study, params=["lr", "units"])
    (feasible,) = [c for c in ax.collections if c.get_label() == "Feasible Trial"]
    assert list(feasible.get_array()) == [0.5, 0.0, 1.0]
    assert ax.get_xscale() == "log"


def test_param_importances() -> None:
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(
        lambda t: 10 * t.suggest_float("big", 0, 1) + 0.01 * t.suggest_float("small", 0, 1),
        n_trials=60,
    )
    ax = pm.plot_param_importances(study)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["small", "big"]
    widths = [patch.get_width() for patch in ax.patches]
    assert sum(widths) == pytest.approx(1.0) and widths[1] > widths[0]


def test_pareto_front(mo_study: parzen.Study) -> None:
    ax = pm.plot_pareto_front(mo_study)
    assert _labels(ax) == ["Trial", "Best Trial", "Infeasible Trial"]
    assert sorted(_offsets(ax, "Best Trial")[:, 0].tolist()) == [1.0, 2.0, 4.0]
    ax3 = pm.plot_pareto_front(
        mo_study, targets=lambda t: (t.values[0], t.values[1], 0.0), target_names=["a", "b", "c"]
    )
    assert ax3.name == "3d" and ax3.get_zlabel() == "c"


def test_edf_timeline_hypervolume(study: parzen.Study, mo_study: parzen.Study) -> None:
    ax = pm.plot_edf(study)
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [1.0, 2.0, 3.0, 4.0]
    assert line.get_label() == "fixture"
    ax = pm.plot_timeline(study)
    assert _labels(ax) == ["COMPLETE", "PRUNED", "FAIL", "INFEASIBLE"]
    (complete,) = [c for c in ax.collections if c.get_label() == "COMPLETE"]
    widths_days = [np.ptp(path.vertices[:, 0]) for path in complete.get_paths()]
    np.testing.assert_allclose(np.array(widths_days) * 86400, [1.0, 2.0, 6.0], rtol=1e-6)
    ax = pm.plot_hypervolume_history(mo_study, [5.0, 5.0])
    assert list(ax.get_lines()[0].get_ydata()) == [4.0, 10.0, 10.0, 11.0, 11.0]


@pytest.mark.parametrize(
    "plot",
    [
        pm.plot_optimization_history,
        pm.plot_intermediate_values,
        pm.plot_parallel_coordinate,
        pm.plot_contour,
        pm.plot_slice,
        pm.plot_edf,
        pm.plot_rank,
        pm.plot_timeline,
        pm.plot_param_importances,
    ],
)
def test_empty_study_gives_empty_axes(plot: Any, empty_study: parzen.Study) -> None:
    with pytest.warns(EmptyPlotWarning):
        ax = plot(empty_study)
    assert not ax.has_data() and ax.get_title()


def test_multi_objective_needs_target(mo_study: parzen.Study) -> None:
    with pytest.raises(ValueError, match="target"):
        pm.plot_slice(mo_study)
    ax = pm.plot_slice(mo_study, params=["units"], target=lambda t: t.values[1])
    assert ax.get_ylabel() == "Objective Value"


def test_constant_study_does_not_crash() -> None:
    study = parzen.create_study()
    dist = parzen.distributions.FloatDistribution(0, 1)
    for _ in range(3):
        study.add_trial(create_trial(value=1.0, params={"x": 0.5}, distributions={"x": dist}))
    # One value everywhere: nothing to scale a colour bar or an axis by, yet every trial is
    # drawn, at its one value.
    ax = pm.plot_slice(study)
    (points,) = [c for c in ax.collections if len(c.get_offsets())]
    assert [tuple(p) for p in points.get_offsets()] == [(0.5, 1.0)] * 3
    axes = pm.plot_parallel_coordinate(study)
    (lines,) = [c for c in axes.collections if hasattr(c, "get_segments")]
    assert len(lines.get_segments()) == 3  # one polyline per trial
    rank = pm.plot_rank(study)
    assert [len(c.get_offsets()) for c in rank.collections] == [3]
