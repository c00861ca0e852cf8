"""The plotly figures carry the right data: traces, coordinates, axis types, legends."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.trial import TrialState, create_trial

pytest.importorskip("plotly")

from parzen.visualization import (
    EmptyPlotWarning,
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
    plot_timeline,
)


def _by_name(fig: Any) -> dict[str, Any]:
    return {trace.name: trace for trace in fig.data}


def _list(values: Any) -> list[Any]:
    return np.asarray(values).tolist()


# --- optimization history -------------------------------------------------------------


def test_history_traces_hold_each_kind_of_trial(study: parzen.Study) -> None:
    fig = plot_optimization_history(study)
    traces = _by_name(fig)
    assert list(traces) == [
        "Objective Value",
        "Best Value",
        "Infeasible Trial",
        "Pruned Trial",
        "Failed Trial",
    ]
    assert _list(traces["Objective Value"].x) == [0, 1, 5]
    assert _list(traces["Objective Value"].y) == [3.0, 2.0, 4.0]
    assert _list(traces["Best Value"].y) == [3.0, 2.0, 2.0]
    assert traces["Best Value"].line.shape == "hv"
    assert _list(traces["Infeasible Trial"].x) == [4]
    assert _list(traces["Pruned Trial"].y) == [5.5]  # its last intermediate value
    assert _list(traces["Failed Trial"].x) == [3]
    assert traces["Failed Trial"].yaxis == "y2"
    colors = {
        name: trace.marker.color for name, trace in traces.items() if trace.mode == "markers"
    }
    assert len(set(colors.values())) == len(colors)  # every kind has its own colour
    assert fig.layout.yaxis.title.text == "Objective Value"
    assert fig.layout.xaxis.title.text == "Trial"


def test_history_best_value_follows_direction() -> None:
    study = parzen.create_study(direction="maximize")
    for value in [1.0, 3.0, 2.0, 5.0]:
        study.add_trial(create_trial(value=value))
    fig = plot_optimization_history(study)
    assert _list(_by_name(fig)["Best Value"].y) == [1.0, 3.0, 3.0, 5.0]


def test_history_with_target_has_no_best_line(study: parzen.Study) -> None:
    fig = plot_optimization_history(
        study, target=lambda t: float(t.params["units"]), target_name="Units"
    )
    traces = _by_name(fig)
    assert "Best Value" not in traces and "Pruned Trial" not in traces
    assert _list(traces["Units"].y) == [2.0, 5.0, 9.0]
    assert fig.layout.yaxis.title.text == "Units"


def test_history_of_several_studies_names_each(study: parzen.Study) -> None:
    other = parzen.create_study(study_name="other")
    other.add_trial(create_trial(value=7.0))
    names = [trace.name for trace in plot_optimization_history([study, other]).data]
    assert "Objective Value of fixture" in names and "Best Value of other" in names


def test_history_error_bar_aggregates_studies() -> None:
    studies = []
    for offset in (0.0, 2.0):
        s = parzen.create_study()
        for value in [4.0, 2.0, 3.0]:
            s.add_trial(create_trial(value=value + offset))
        studies.append(s)
    traces = _by_name(plot_optimization_history(studies, error_bar=True))
    assert _list(traces["Objective Value"].y) == [5.0, 3.0, 4.0]
    assert _list(traces["Objective Value"].error_y.array) == [1.0, 1.0, 1.0]
    assert _list(traces["Best Value"].y) == [5.0, 3.0, 3.0]


def test_history_needs_target_on_multi_objective(mo_study: parzen.Study) -> None:
    with pytest.raises(ValueError, match="target"):
        plot_optimization_history(mo_study)
    fig = plot_optimization_history(mo_study, target=lambda t: t.values[0])
    assert _list(fig.data[0].y) == [1.0, 2.0, 3.0, 4.0]


# --- intermediate values ------------------------------------------------------------------


def test_intermediate_values_one_trace_per_state(study: parzen.Study) -> None:
    fig = plot_intermediate_values(study)
    traces = _by_name(fig)
    assert list(traces) == ["Complete", "Pruned"]
    assert _list(traces["Complete"].x) == [0.0, 1.0]
    assert _list(traces["Complete"].y) == [5.0, 4.0]
    assert _list(traces["Pruned"].customdata) == [2, 2]
    assert traces["Complete"].line.color != traces["Pruned"].line.color
    assert fig.layout.showlegend is True


def test_intermediate_values_separates_trials_with_gaps() -> None:
    study = parzen.create_study()
    for i in range(2):
        study.add_trial(create_trial(value=0.0, intermediate_values={0: i, 1: i + 1.0}))
    (trace,) = plot_intermediate_values(study).data
    assert np.isnan(trace.x[2]) and len(trace.x) == 5
    assert trace.connectgaps is False


# --- parallel coordinate ------------------------------------------------------------------


def test_parallel_coordinate_dimensions(study: parzen.Study) -> None:
    (trace,) = plot_parallel_coordinate(study).data
    assert trace.type == "parcoords"
    dims = {d.label: d for d in trace.dimensions}
    assert list(dims) == ["Objective Value", "lr", "momentum", "opt", "units"]
    assert _list(dims["Objective Value"].values) == [3.0, 2.0, 1.0, 4.0]
    np.testing.assert_allclose(dims["lr"].values, np.log10([1e-3, 1e-2, 3e-4, 0.3]))
    assert "0.001" in dims["lr"].ticktext  # log axis: decade ticks in real units
    assert _list(dims["opt"].ticktext) == ["adam", "sgd"]
    assert _list(dims["opt"].values) == [0.0, 1.0, 0.0, 0.0]
    # The conditional parameter: three trials go through its "None" tick.
    momentum = dims["momentum"]
    none_position = momentum.tickvals[list(momentum.ticktext).index("None")]
    assert _list(momentum.values).count(none_position) == 3
    assert _list(dims["units"].values) == [2.0, 5.0, 3.0, 9.0]


def test_parallel_coordinate_marks_infeasible_in_grey(study: parzen.Study) -> None:
    (trace,) = plot_parallel_coordinate(study).data
    # Trial 4 (infeasible) sits in the grey band above every feasible value.
    color = np.asarray(trace.line.color)
    assert color[2] == trace.line.cmax and color[2] > 4.0
    assert trace.line.colorscale[-1][1] == "#cccccc"
    assert "infeasible" in trace.line.colorbar.title.text


def test_parallel_coordinate_selected_params(study: parzen.Study) -> None:
    (trace,) = plot_parallel_coordinate(study, params=["units"]).data
    assert [d.label for d in trace.dimensions] == ["Objective Value", "units"]
    with pytest.raises(ValueError, match="nope"):
        plot_parallel_coordinate(study, params=["nope"])


# --- slice --------------------------------------------------------------------------------


def test_slice_axes_and_points(study: parzen.Study) -> None:
    fig = plot_slice(study, params=["lr", "opt", "momentum"])
    layout = fig.layout
    assert layout.xaxis.type == "log"
    assert layout.xaxis.range == pytest.approx((math.log10(1e-4) - 0.2, math.log10(1.0) + 0.2))
    assert layout.xaxis2.type == "category"
    assert list(layout.xaxis2.categoryarray) == ["adam", "sgd"]
    feasible = [t for t in fig.data if t.name == "Feasible Trial"]
    infeasible = [t for t in fig.data if t.name == "Infeasible Trial"]
    assert _list(feasible[0].x) == [1e-3, 1e-2, 0.3]
    assert _list(feasible[0].y) == [3.0, 2.0, 4.0]
    assert _list(feasible[1].x) == ["adam", "sgd", "adam"]
    assert _list(feasible[2].x) == [0.5]  # only the trial holding the conditional param
    assert _list(infeasible[0].x) == [3e-4]
    assert [t.showlegend for t in feasible] == [True, False, False]
    assert fig.layout.yaxis.title.text == "Objective Value"


# --- contour ------------------------------------------------------------------------------


def test_contour_two_params(study: parzen.Study) -> None:
    fig = plot_contour(study, params=["lr", "units"])
    contour = next(t for t in fig.data if t.type == "contour")
    z = np.asarray(contour.z)
    assert z.shape == (100, 100) and not np.isnan(z).any()
    assert len(contour.x) == 100 and contour.x[0] < 1e-4 and contour.x[-1] > 1.0
    # Interpolation passes through the data: min and max of the feasible values.
    assert z.min() >= 2.0 - 1e-9 and z.max() <= 4.0 + 1e-9
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.title.text == "units"
    scatter = _by_name(fig)
    assert _list(scatter["Feasible Trial"].y) == [2.0, 5.0, 9.0]
    assert _list(scatter["Infeasible Trial"].y) == [3.0]


def test_contour_interpolates_linearly() -> None:
    study = parzen.create_study()
    x_dist, y_dist = parzen.distributions.FloatDistribution(0, 1), UNIT_Y
    for x, y in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.5, 0.5)]:
        study.add_trial(
            create_trial(
                value=2 * x + 3 * y,
                params={"x": x, "y": y},
                distributions={"x": x_dist, "y": y_dist},
            )
        )
    contour = plot_contour(study).data[0]
    z = np.asarray(contour.z)
    gx, gy = np.meshgrid(contour.x, contour.y)
    inside = (gx >= 0) & (gx <= 1) & (gy >= 0) & (gy <= 1)
    np.testing.assert_allclose(z[inside], (2 * gx + 3 * gy)[inside], atol=1e-6)


UNIT_Y = parzen.distributions.FloatDistribution(0, 1)


def test_contour_matrix_with_categorical_axis(study: parzen.Study) -> None:
    fig = plot_contour(study, params=["lr", "opt", "units"])
    contours = [t for t in fig.data if t.type == "contour"]
    assert len(contours) == 6  # 3 x 3 panels minus the diagonal
    assert sum(bool(c.showscale) for c in contours) == 1
    categorical = next(c for c in contours if c.name == "lr vs opt")
    assert _list(categorical.y) == ["adam", "sgd"]
    assert np.asarray(categorical.z).shape == (2, 100)
    types = {fig.layout[f"yaxis{i}"].type for i in range(2, 10) if fig.layout[f"yaxis{i}"].title}
    assert "category" in types and "log" in types
    assert fig.layout.xaxis.visible is False  # the diagonal panel


def test_contour_needs_two_params(study: parzen.Study) -> None:
    with pytest.warns(EmptyPlotWarning):
        fig = plot_contour(study, params=["lr"])
    assert len(fig.data) == 0


# --- rank ---------------------------------------------------------------------------------


def test_rank_colours_by_rank(study: parzen.Study) -> None:
    fig = plot_rank(study, params=["lr", "units"])
    feasible = next(t for t in fig.data if t.name == "Feasible Trial")
    # Feasible values 3, 2, 4 (minimize): ranks 1, 0, 2 of 3 -> 0.5, 0, 1.
    assert _list(feasible.marker.color) == [0.5, 0.0, 1.0]
    assert _list(feasible.marker.colorbar.ticktext)[0] == "2"
    assert _by_name(fig)["Infeasible Trial"].marker.color == "#cccccc"
    assert fig.layout.xaxis.type == "log"


def test_rank_single_param_plots_target(study: parzen.Study) -> None:
    fig = plot_rank(study, params=["opt"])
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.yaxis.title.text == "Objective Value"
    assert _list(fig.data[0].y) == [3.0, 2.0, 4.0]


# --- importances --------------------------------------------------------------------------


def test_param_importances_bars() -> None:
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(
        lambda t: 10 * t.suggest_float("big", 0, 1) + 0.01 * t.suggest_float("small", 0, 1),
        n_trials=60,
    )
    fig = plot_param_importances(study)
    (bars,) = fig.data
    assert bars.orientation == "h"
    assert _list(bars.y) == ["small", "big"]  # least important at the bottom
    assert sum(bars.x) == pytest.approx(1.0)
    assert bars.x[1] > 0.5


def test_param_importances_multi_objective_one_trace_each(mo_study: parzen.Study) -> None:
    fig = plot_param_importances(mo_study)
    assert [t.name for t in fig.data] == ["Objective Value 0", "Objective Value 1"]
    assert fig.layout.showlegend is True


def test_param_importances_empty(empty_study: parzen.Study) -> None:
    with pytest.warns(EmptyPlotWarning):
        fig = plot_param_importances(empty_study)
    assert len(fig.data) == 0


# --- pareto front -------------------------------------------------------------------------


def test_pareto_front_2d(mo_study: parzen.Study) -> None:
    fig = plot_pareto_front(mo_study)
    traces = _by_name(fig)
    assert list(traces) == ["Trial", "Best Trial", "Infeasible Trial"]
    assert _list(traces["Best Trial"].customdata) == [0, 1, 3]
    assert _list(traces["Trial"].x) == [3.0]
    assert _list(traces["Infeasible Trial"].x) == [0.5]  # would dominate all, but infeasible
    assert fig.layout.xaxis.title.text == "Objective 0"


def test_pareto_front_options(mo_study: parzen.Study) -> None:
    fig = plot_pareto_front(
        mo_study,
        include_dominated_trials=False,
        target_names=["a", "b"],
        constraints_func=lambda t: [0.0],  # everything feasible: trial 4 is the only best
    )
    traces = _by_name(fig)
    assert list(traces) == ["Best Trial"]
    assert _list(traces["Best Trial"].customdata) == [4]
    assert fig.layout.yaxis.title.text == "b"


def test_pareto_front_3d_with_targets(mo_study: parzen.Study) -> None:
    fig = plot_pareto_front(
        mo_study, targets=lambda t: (t.values[0], t.values[1], float(t.params["units"]))
    )
    assert {t.type for t in fig.data} == {"scatter3d"}
    assert fig.layout.scene.zaxis.title.text == "Objective 2"


def test_pareto_front_rejects_single_objective(study: parzen.Study) -> None:
    with pytest.raises(ValueError, match="multi-objective"):
        plot_pareto_front(study)


# --- edf, timeline, hypervolume -----------------------------------------------------------


def test_edf_step_curve(study: parzen.Study) -> None:
    fig = plot_edf([study, study])
    assert len(fig.data) == 2
    trace = fig.data[0]
    assert _list(trace.x) == [1.0, 2.0, 3.0, 4.0]
    assert _list(trace.y) == [0.25, 0.5, 0.75, 1.0]
    assert trace.line.shape == "hv" and trace.name == "fixture"


def test_timeline_bars(study: parzen.Study) -> None:
    fig = plot_timeline(study)
    traces = _by_name(fig)
    assert list(traces) == ["COMPLETE", "PRUNED", "FAIL", "INFEASIBLE"]
    assert _list(traces["COMPLETE"].y) == [0, 1, 5]
    assert _list(traces["COMPLETE"].x) == [1000.0, 2000.0, 6000.0]
    assert str(traces["FAIL"].base[0]).startswith("2024-01-01T12:00:30")
    assert fig.layout.xaxis.type == "date"
    assert len({t.marker.color for t in fig.data}) == 4
    recent = plot_timeline(study, n_recent_trials=2)
    assert sorted(int(y) for t in recent.data for y in t.y) == [4, 5]


def test_timeline_running_trial_extends_to_now() -> None:
    study = parzen.create_study()
    study.ask()
    (trace,) = plot_timeline(study).data
    assert trace.name == "RUNNING" and trace.x[0] >= 0


def test_hypervolume_history(mo_study: parzen.Study) -> None:
    (trace,) = plot_hypervolume_history(mo_study, [5.0, 5.0]).data
    # Reference (5, 5): (1, 4) covers 4; (2, 2) adds 3 * 2; (3, 3) is dominated; (4, 1) adds
    # 1 * 1; trial 4 is infeasible and adds nothing.
    assert _list(trace.x) == [0, 1, 2, 3, 4]
    assert _list(trace.y) == pytest.approx([4.0, 10.0, 10.0, 11.0, 11.0])


def test_hypervolume_history_maximize() -> None:
    study = parzen.create_study(directions=["maximize", "minimize"])
    study.add_trial(create_trial(values=[3.0, 1.0]))
    (trace,) = plot_hypervolume_history(study, [0.0, 2.0]).data
    assert _list(trace.y) == [3.0]
    with pytest.raises(ValueError, match="2 finite values"):
        plot_hypervolume_history(study, [0.0])


# --- empty studies and missing plotly -----------------------------------------------------


@pytest.mark.parametrize(
    "plot",
    [
        plot_optimization_history,
        plot_intermediate_values,
        plot_parallel_coordinate,
        plot_contour,
        plot_slice,
        plot_edf,
        plot_rank,
        plot_timeline,
    ],
)
def test_empty_study_gives_empty_figure(plot: Any, empty_study: parzen.Study) -> None:
    with pytest.warns(EmptyPlotWarning):
        fig = plot(empty_study)
    assert len(fig.data) == 0 and fig.layout.title.text


def test_empty_multi_objective_plots() -> None:
    study = parzen.create_study(directions=["minimize", "minimize"])
    with pytest.warns(EmptyPlotWarning):
        assert len(plot_pareto_front(study).data) == 0
    with pytest.warns(EmptyPlotWarning):
        assert len(plot_hypervolume_history(study, [1.0, 1.0]).data[0].x) == 0


def test_only_pruned_and_failed_trials(study: parzen.Study) -> None:
    trials = [t for t in study.trials if t.state != TrialState.COMPLETE]
    study = parzen.create_study()
    study.add_trials(trials)
    traces = _by_name(plot_optimization_history(study))
    assert set(traces) == {"Pruned Trial", "Failed Trial"}
    with pytest.warns(EmptyPlotWarning):
        plot_slice(study)


def test_missing_plotly_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, study: parzen.Study
) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("plotly"):
            raise ImportError("no plotly")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"parzen\[plotly\]"):
        plot_optimization_history(study)
