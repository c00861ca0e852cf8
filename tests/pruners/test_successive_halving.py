"""SuccessiveHalvingPruner (asynchronous SHA) on hand-designed learning curves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

import parzen
from parzen.pruners import SuccessiveHalvingPruner
from parzen.study import Study
from parzen.testing.pruners import run_curves
from parzen.trial import TrialState, create_trial

nan = math.nan
COMPLETE, PRUNED = "COMPLETE", "PRUNED"


def _curves(*levels: Sequence[float]) -> list[dict[int, float]]:
    return [dict(enumerate(map(float, values))) for values in levels]


def _rungs(study: Study) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in t.system_attrs.items() if k.startswith("completed_rung_")}
        for t in study.get_trials(deepcopy=False)
    ]


def test_promotes_the_top_fraction_at_each_rung() -> None:
    # min_resource=1, eta=2: rung 0 ends at step 1, rung 1 at step 2, rung 2 at step 4.
    study = parzen.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    outcome = run_curves(
        study,
        _curves(
            [5, 5, 5, 5],
            [4, 4, 4, 4],  # best at both rungs
            [6, 6, 6, 6],  # rung 0: top 1 of {5, 4, 6} is 4
            [3, 3, 7, 7],  # rung 0: top 2 of {5, 4, 6, 3}; rung 1: top 1 of {5, 4, 7} is 4
            [1, 1, 1, 1],
        ),
    )
    assert outcome == [(COMPLETE, 3), (COMPLETE, 3), (PRUNED, 1), (PRUNED, 2), (COMPLETE, 3)]
    assert _rungs(study) == [
        {"completed_rung_0": 5.0, "completed_rung_1": 5.0},
        {"completed_rung_0": 4.0, "completed_rung_1": 4.0},
        {"completed_rung_0": 6.0},
        {"completed_rung_0": 3.0, "completed_rung_1": 7.0},
        {"completed_rung_0": 1.0, "completed_rung_1": 1.0},
    ]


def test_maximize_mirrors_minimize() -> None:
    study = parzen.create_study(
        direction="maximize", pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    )
    levels = [[-5] * 4, [-4] * 4, [-6] * 4, [-3, -3, -7, -7], [-1] * 4]
    outcome = run_curves(study, _curves(*levels))
    assert outcome == [(COMPLETE, 3), (COMPLETE, 3), (PRUNED, 1), (PRUNED, 2), (COMPLETE, 3)]


def test_rung_values_are_recorded_at_the_rung_end() -> None:
    study = parzen.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    assert run_curves(study, _curves([9, 8, 7, 6, 5, 4])) == [(COMPLETE, 5)]
    # Steps 1, 2 and 4 end rungs 0, 1 and 2; the values there are kept, never overwritten.
    assert _rungs(study) == [
        {"completed_rung_0": 8.0, "completed_rung_1": 7.0, "completed_rung_2": 5.0}
    ]


def test_min_early_stopping_rate_shifts_the_rungs() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, min_early_stopping_rate=1)
    study = parzen.create_study(pruner=pruner)
    # Rung 0 ends at step 1 * 2**1 = 2: the worse trial survives step 1.
    assert run_curves(study, _curves([5, 5, 5], [6, 6, 6])) == [(COMPLETE, 2), (PRUNED, 2)]


def test_running_trials_compete_too() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    study = parzen.create_study(pruner=pruner)
    running = study.ask()
    running.report(2.0, 0)
    running.report(1.0, 1)
    assert running.should_prune() is False  # records rung 0 = 1.0 and stays RUNNING
    assert run_curves(study, _curves([5, 5])) == [(PRUNED, 1)]


def test_a_report_that_jumps_rungs_goes_through_each() -> None:
    study = parzen.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    outcome = run_curves(study, [{0: 5.0, 9: 5.0}, {0: 6.0, 9: 3.0}, {9: 4.0}])
    assert outcome == [(COMPLETE, 9), (COMPLETE, 9), (PRUNED, 9)]
    rungs = _rungs(study)
    assert rungs[0] == {f"completed_rung_{k}": 5.0 for k in range(4)}  # rungs end at 1, 2, 4, 8
    assert rungs[1] == {f"completed_rung_{k}": 3.0 for k in range(4)}
    assert rungs[2] == {"completed_rung_0": 4.0}  # 4 is not the best of {5, 3, 4}


def test_bootstrap_count_prunes_until_enough_trials_reached_the_rung() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, bootstrap_count=2)
    study = parzen.create_study(pruner=pruner)
    outcome = run_curves(
        study,
        _curves(
            [5, 5, 5],  # first at rung 0: pruned
            [4, 4, 4],  # second at rung 0: pruned
            [3, 3, 3],  # third: best of {5, 4, 3}, promoted; first at rung 1: pruned
            [6, 6, 6],  # not in the top 2 of {5, 4, 3, 6}
            [1, 1, 1],  # promoted at rung 0, second at rung 1: pruned
            [0, 0, 0],  # promoted at rungs 0 and 1 (best of {3, 1, 0})
        ),
    )
    assert outcome == [
        (PRUNED, 1),
        (PRUNED, 1),
        (PRUNED, 2),
        (PRUNED, 1),
        (PRUNED, 2),
        (COMPLETE, 2),
    ]


def test_nan_at_a_rung_end_prunes_and_records_nothing() -> None:
    study = parzen.create_study(pruner=SuccessiveHalvingPruner(min_resource=2, reduction_factor=2))
    outcome = run_curves(
        study,
        [{0: nan, 1: nan, 2: 1.0, 3: 1.0}, {0: 1.0, 1: 1.0, 2: nan, 3: 1.0}],
        final_values=[1.0, 1.0],
    )
    assert outcome == [(COMPLETE, 3), (PRUNED, 2)]  # NaN inside a rung is no reason to prune
    assert _rungs(study) == [{"completed_rung_0": 1.0}, {}]


def test_auto_min_resource_is_one_percent_of_the_longest_complete_trial() -> None:
    study = parzen.create_study(pruner=SuccessiveHalvingPruner(reduction_factor=4))
    study.add_trial(create_trial(value=0.0, intermediate_values={s: 0.0 for s in range(300)}))
    run_curves(study, [{s: 100.0 - s for s in range(40)}])
    # min_resource = 299 // 100 = 2: rungs end at steps 2, 8 and 32.
    assert _rungs(study)[1] == {
        "completed_rung_0": 98.0,
        "completed_rung_1": 92.0,
        "completed_rung_2": 68.0,
    }


def test_auto_min_resource_waits_for_a_complete_trial() -> None:
    study = parzen.create_study(pruner=SuccessiveHalvingPruner())
    study.add_trial(
        create_trial(state=TrialState.PRUNED, intermediate_values={s: 0.0 for s in range(500)})
    )
    assert run_curves(study, [{s: 100.0 for s in range(20)}]) == [(COMPLETE, 19)]
    assert _rungs(study) == [{}, {}]
    # Now trial 1 is COMPLETE with last step 19: min_resource = max(19 // 100, 1) = 1.
    run_curves(study, [{s: 100.0 - s for s in range(20)}])
    assert _rungs(study)[2] == {
        "completed_rung_0": 99.0,
        "completed_rung_1": 96.0,
        "completed_rung_2": 84.0,
    }


def test_multi_objective_study_is_refused() -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    study._storage.set_trial_intermediate_value(trial._trial_id, 5, 1.0)
    with pytest.raises(NotImplementedError, match="single-objective"):
        SuccessiveHalvingPruner(min_resource=1).prune(
            study, study._storage.get_trial(trial._trial_id)
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"min_resource": "x"},
            ValueError,
            r"min_resource must be 'auto' or an integer >= 1, got 'x'",
        ),
        ({"min_resource": 0}, ValueError, r"min_resource must be an integer >= 1, got 0"),
        ({"min_resource": 1.5}, TypeError, r"min_resource .* got 1.5 \(float\)"),
        ({"reduction_factor": 1}, ValueError, r"reduction_factor must be an integer >= 2, got 1"),
        ({"min_early_stopping_rate": -1}, ValueError, r"min_early_stopping_rate .* got -1"),
        ({"min_resource": 1, "bootstrap_count": -1}, ValueError, r"bootstrap_count .* got -1"),
        ({"bootstrap_count": 2}, ValueError, r"bootstrap_count=2 needs an explicit min_resource"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        SuccessiveHalvingPruner(**kwargs)
    assert "Pass" in str(info.value)
