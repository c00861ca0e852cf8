"""plot_terminator_improvement in both backends, on curves known in advance."""

from __future__ import annotations

import warnings
from types import ModuleType

import numpy as np
import pytest

VALUES = [5.0, 4.0, 6.0, 3.0, 7.0, 8.0]
# BestValueStagnationEvaluator(5) after each trial: 5 minus the trials since the best.
EXPECTED = [5, 5, 4, 5, 4, 3]


def _study(lib: ModuleType, pruned_at: int | None = None):
    study = lib.create_study()
    for number, value in enumerate(VALUES):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        lib.terminator.report_cross_validation_scores(trial, [value - 0.5, value + 0.5])
        study.tell(trial, value)
        if pruned_at == number:
            study.tell(study.ask(), state=lib.trial.TrialState.PRUNED)
    return study


def _evaluators(lib: ModuleType) -> dict:
    return {
        "improvement_evaluator": lib.terminator.BestValueStagnationEvaluator(5),
        "error_evaluator": lib.terminator.StaticErrorEvaluator(2.5),
    }


def _plotly(lib: ModuleType):  # type: ignore[no-untyped-def]
    pytest.importorskip("plotly")
    return lib.visualization.plot_terminator_improvement


def _by_name(fig) -> dict[str, list]:  # type: ignore[no-untyped-def]
    traces: dict[str, list] = {}
    for trace in fig.data:
        if trace.x is not None:
            traces.setdefault(trace.name, []).append(trace)
    return traces


def test_plotly_improvement_after_each_trial_split_at_min_n_trials(lib: ModuleType) -> None:
    fig = _plotly(lib)(_study(lib), plot_error=True, min_n_trials=3, **_evaluators(lib))
    traces = _by_name(fig)
    early, late = traces["Terminator Improvement"]
    assert list(early.x) == [0, 1, 2, 3] and list(early.y) == EXPECTED[:4]
    assert list(late.x) == [3, 4, 5] and list(late.y) == EXPECTED[3:]
    (error,) = traces["Error"]
    assert list(error.x) == list(range(6)) and list(error.y) == [2.5] * 6
    assert fig.layout.title.text == "Terminator Improvement Plot"
    assert fig.layout.xaxis.title.text == "Trial"
    assert fig.layout.yaxis.title.text == "Terminator Improvement"


def test_plotly_without_error_and_before_min_n_trials(lib: ModuleType) -> None:
    fig = _plotly(lib)(_study(lib), **_evaluators(lib))  # min_n_trials=20 > 6 trials
    traces = _by_name(fig)
    assert set(traces) == {"Terminator Improvement"}
    (only,) = traces["Terminator Improvement"]
    assert list(only.y) == EXPECTED


def test_plotly_pruned_trials_are_points_that_change_nothing(lib: ModuleType) -> None:
    fig = _plotly(lib)(_study(lib, pruned_at=1), min_n_trials=100, **_evaluators(lib))
    (only,) = _by_name(fig)["Terminator Improvement"]
    assert list(only.x) == [0, 1, 2, 3, 4, 5, 6]
    assert list(only.y) == [5, 5, 5, 4, 5, 4, 3]


def test_plotly_cross_validation_error_by_default(lib: ModuleType) -> None:
    fig = _plotly(lib)(
        _study(lib),
        plot_error=True,
        improvement_evaluator=lib.terminator.BestValueStagnationEvaluator(5),
        error_evaluator=lib.terminator.CrossValidationErrorEvaluator(),
    )
    (error,) = _by_name(fig)["Error"]
    # The best trial's folds are value -/+ 0.5: variance 0.25, k = 2.
    assert np.allclose(list(error.y), np.sqrt((1 / 2 + 1) * 0.25))


def test_plotly_error_needs_reported_scores(lib: ModuleType) -> None:
    study = lib.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    with pytest.raises(ValueError, match="report_cross_validation_scores"):
        _plotly(lib)(study, plot_error=True)


def test_plotly_rejects_a_multi_objective_study(lib: ModuleType) -> None:
    study = lib.create_study(directions=["minimize", "minimize"])
    with pytest.raises(ValueError, match="multi-objective"):
        _plotly(lib)(study)


def test_plotly_of_an_empty_study_is_an_empty_figure(lib: ModuleType) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = _plotly(lib)(lib.create_study())
    assert _by_name(fig) == {}


def test_plotly_default_improvement_is_the_regret_bound() -> None:
    import parzen
    from parzen.terminator import RegretBoundEvaluator

    pytest.importorskip("plotly")
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.2) ** 2, n_trials=8)
    fig = parzen.visualization.plot_terminator_improvement(study)
    (only,) = _by_name(fig)["Terminator Improvement"]
    trials = study.trials
    expected = [
        RegretBoundEvaluator().evaluate(trials[: i + 1], study.direction) for i in range(8)
    ]
    assert np.allclose(list(only.y), expected, rtol=1e-3, atol=1e-9)


def _matplotlib(lib: ModuleType):  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    plt.close("all")
    return lib.visualization.matplotlib.plot_terminator_improvement


def test_matplotlib_draws_the_same_curves(lib: ModuleType) -> None:
    ax = _matplotlib(lib)(_study(lib), plot_error=True, min_n_trials=3, **_evaluators(lib))
    lines = {}
    for line in ax.get_lines():
        if len(line.get_xdata()):
            lines.setdefault(line.get_label(), []).append(line)
    improvement = [line for label, group in lines.items() if label != "Error" for line in group]
    xs = sorted(tuple(int(v) for v in line.get_xdata()) for line in improvement)
    assert xs == [(0, 1, 2, 3), (3, 4, 5)]
    ys = {tuple(int(v) for v in line.get_xdata()): list(line.get_ydata()) for line in improvement}
    assert ys[(0, 1, 2, 3)] == EXPECTED[:4] and ys[(3, 4, 5)] == EXPECTED[3:]
    (error,) = lines["Error"]
    assert list(error.get_ydata()) == [2.5] * 6
    assert ax.get_title() == "Terminator Improvement Plot"
    assert ax.get_xlabel() == "Trial" and ax.get_ylabel() == "Terminator Improvement"
    assert ax.get_legend() is not None


def test_matplotlib_rejects_a_multi_objective_study(lib: ModuleType) -> None:
    study = lib.create_study(directions=["minimize", "minimize"])
    with pytest.raises(ValueError, match="multi-objective"):
        _matplotlib(lib)(study)
