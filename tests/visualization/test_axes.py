"""The axis decisions shared by the plots and the dashboard (parzen.visualization._axes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.trial import create_trial
from parzen.visualization._axes import (
    category_labels,
    data_range,
    numeric_frame,
    numeric_ticks,
    param_axes,
)


def _trial(**params_and_dists: tuple[object, object]) -> parzen.trial.FrozenTrial:
    return create_trial(
        value=0.0,
        params={name: value for name, (value, _) in params_and_dists.items()},
        distributions={name: dist for name, (_, dist) in params_and_dists.items()},
    )


def test_scale_and_kind_come_from_every_distribution_of_the_parameter() -> None:
    trials = [
        _trial(lr=(1e-3, FloatDistribution(1e-5, 1, log=True)), n=(3, IntDistribution(1, 8))),
        _trial(lr=(0.5, FloatDistribution(0, 1)), n=(4, IntDistribution(1, 8, log=True))),
        _trial(units=(64, IntDistribution(1, 512, log=True)), opt=("sgd", _OPT)),
    ]
    axes = param_axes(trials, ["lr", "n", "units", "opt"])
    # lr was once linear, so its axis is linear; n is integer on both distributions.
    assert (axes["lr"].scale, axes["lr"].kind) == ("linear", "float")
    assert (axes["n"].scale, axes["n"].kind) == ("linear", "int")
    assert (axes["units"].scale, axes["units"].kind) == ("log", "int")
    assert (axes["opt"].scale, axes["opt"].kind) == ("category", "categorical")
    # Missing parameters are NaN, in trial order.
    assert np.isnan(axes["units"].values[:2]).all() and axes["units"].values[2] == 64


_OPT = CategoricalDistribution(["adam", "sgd"])


def test_categories_keep_declaration_order_then_values_seen_outside_it() -> None:
    trials = [
        _trial(opt=("sgd", _OPT)),
        _trial(opt=("rmsprop", CategoricalDistribution(["rmsprop", "adam"]))),
    ]
    axis = param_axes(trials, ["opt"])["opt"]
    assert axis.labels == ["adam", "sgd", "rmsprop"]
    assert axis.values.tolist() == [1.0, 2.0]
    assert axis.positions().tolist() == [1.0, 2.0]


def test_labels_that_str_would_merge_are_told_apart_with_repr() -> None:
    assert category_labels([1, "1", None]) == ["1", "'1'", "None"]
    assert category_labels(["a", None]) == ["a", "None"]


def test_positions_are_log10_on_a_log_axis() -> None:
    trials = [_trial(lr=(v, FloatDistribution(1e-5, 1, log=True))) for v in (1e-4, 1e-2)]
    axis = param_axes(trials, ["lr"])["lr"]
    assert axis.positions().tolist() == pytest.approx([-4.0, -2.0])


def test_data_range_widens_a_single_value_and_ignores_non_finite() -> None:
    assert data_range(np.array([1.0, np.nan, 3.0, np.inf])) == (1.0, 3.0)
    assert data_range(np.array([2.0, 2.0])) == (1.5, 2.5)
    assert data_range(np.array([np.nan])) == (0.0, 1.0)


def test_log_ticks_are_decades_when_the_axis_spans_two_or_more() -> None:
    positions, labels = numeric_ticks(-4.5, -0.2, log=True)
    assert positions == [-4.0, -3.0, -2.0, -1.0]
    assert labels == ["0.0001", "0.001", "0.01", "0.1"]
    # Less than two decades: evenly spaced ticks in log space instead.
    positions, _ = numeric_ticks(0.0, 0.5, log=True)
    assert len(positions) == 5 and positions[0] == 0.0 and positions[-1] == 0.5


def test_integer_ticks_are_whole_numbers_each_once_inside_the_range() -> None:
    positions, labels = numeric_ticks(1.0, 3.0, integer=True)
    assert positions == [1.0, 2.0, 3.0] and labels == ["1", "2", "3"]
    positions, labels = numeric_ticks(0.0, math.log10(1000), log=True, integer=True)
    assert labels == ["1", "10", "100", "1000"]
    # Large integers read as integers, not in exponent notation.
    assert numeric_ticks(1000.0, 5000.0, integer=True)[1][0] == "1000"


def test_a_single_value_gets_one_tick_in_the_middle_of_its_range() -> None:
    frame = numeric_frame(np.array([7.0, 7.0]), integer=True)
    assert (frame.low, frame.high) == (6.5, 7.5)
    assert (frame.tickvals, frame.ticktext) == ([7.0], ["7"])
    assert numeric_frame(np.array([np.nan])).tickvals == []


def test_plots_and_dashboard_draw_a_parameter_the_same_way() -> None:
    # The plotly parallel-coordinate plot and the dashboard's parallel plot are built from
    # the same axis: same ticks for a log-scaled integer parameter.
    pytest.importorskip("plotly")
    from parzen.dashboard._plots import _axis_json

    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_int("units", 1, 1024, log=True), n_trials=30)
    figure = parzen.visualization.plot_parallel_coordinate(study)
    dimension = figure.data[0].dimensions[1]
    axis = param_axes(study.trials, ["units"])["units"]
    dashboard = _axis_json(axis, axis.positions())
    assert list(dimension.tickvals) == [p for p, _ in dashboard["ticks"]]
    assert list(dimension.ticktext) == [label for _, label in dashboard["ticks"]]
    assert list(dimension.range) == dashboard["range"]
