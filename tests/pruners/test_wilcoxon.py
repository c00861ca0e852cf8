"""WilcoxonPruner on hand-designed per-instance results."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.pruners import WilcoxonPruner
from parzen.pruners._wilcoxon import _signed_rank_p_value
from parzen.study import Study
from parzen.testing.pruners import run_curves
from parzen.trial import create_trial

nan, inf = math.nan, math.inf
COMPLETE, PRUNED = "COMPLETE", "PRUNED"
BEST = {i: float(i) for i in range(10)}  # the best trial's loss on instances 0..9; mean 4.5


def _study(
    pruner: WilcoxonPruner,
    best: dict[int, float] | None = None,
    *,
    best_value: float = 4.5,
    direction: str = "minimize",
) -> Study:
    study = parzen.create_study(pruner=pruner, direction=direction)
    iv = BEST if best is None else best
    study.add_trial(create_trial(value=best_value, intermediate_values=iv))
    return study


def _run(study: Study, curve: dict[int, float]) -> tuple[str, int]:
    """Run one trial; return its state and how many instances it evaluated."""
    run_curves(study, [curve], final_values=[0.0])
    trial = study.get_trials(deepcopy=False)[-1]
    return trial.state.name, len(trial.intermediate_values)


def test_prunes_a_worse_trial_once_the_test_is_significant() -> None:
    # One worse on every instance, evaluated from instance 9 down: after n instances every
    # difference is +1, so p = 2**-n, and the running average is already worse than 4.5.
    worse = {i: i + 1.0 for i in reversed(range(10))}
    assert _run(_study(WilcoxonPruner()), worse) == (PRUNED, 4)  # p = 1/16 < 0.1
    assert _run(_study(WilcoxonPruner(p_threshold=0.05)), worse) == (PRUNED, 5)  # 1/32
    assert _run(_study(WilcoxonPruner(n_startup_steps=6)), worse) == (PRUNED, 6)
    assert _run(_study(WilcoxonPruner(p_threshold=0.0)), worse) == (COMPLETE, 10)


def test_maximize() -> None:
    best = {i: -v for i, v in BEST.items()}
    worse = {i: -(i + 1.0) for i in reversed(range(10))}
    study = _study(WilcoxonPruner(), best, best_value=-4.5, direction="maximize")
    assert _run(study, worse) == (PRUNED, 4)
    better = {i: -(i - 1.0) for i in reversed(range(10))}
    study = _study(WilcoxonPruner(), best, best_value=-4.5, direction="maximize")
    assert _run(study, better) == (COMPLETE, 10)


def test_a_better_trial_is_never_pruned() -> None:
    better = {i: i - 1.0 for i in reversed(range(10))}
    assert _run(_study(WilcoxonPruner(p_threshold=1.0)), better) == (COMPLETE, 10)


def test_average_at_least_as_good_as_the_best_trial_is_kept() -> None:
    # In instance order 0, 1, ...: worse by 1 each time (p = 2**-n) but the running average
    # (n + 1) / 2 stays below the best trial's 4.5 until instance 8; then p = 1/512.
    in_order = {i: i + 1.0 for i in range(10)}
    assert _run(_study(WilcoxonPruner()), in_order) == (PRUNED, 9)


def test_averages_use_all_values_and_equal_averages_keep_the_trial() -> None:
    # Instance 9 first (much better), then 0..8 (each worse by 1). The averages are equal
    # at the end; the test alone would prune (p = 0.046).
    equal = {9: 0.0, **{i: i + 1.0 for i in range(9)}}
    assert sum(equal.values()) / 10 == 4.5
    assert _signed_rank_p_value([equal[i] - BEST[i] for i in range(10)], "greater") < 0.1
    assert _run(_study(WilcoxonPruner()), equal) == (COMPLETE, 10)
    slightly_worse = {9: 0.5, **{i: i + 1.0 for i in range(9)}}
    assert _run(_study(WilcoxonPruner()), slightly_worse) == (PRUNED, 10)


def test_the_best_trials_value_is_not_its_average() -> None:
    # The best trial's objective value (100) is irrelevant: averages of reported values count.
    worse = {i: i + 1.0 for i in reversed(range(10))}
    assert _run(_study(WilcoxonPruner(), best_value=100.0), worse) == (PRUNED, 4)


def test_fewer_than_two_paired_instances_never_prune() -> None:
    pruner = WilcoxonPruner(p_threshold=1.0, n_startup_steps=0)
    assert _run(_study(pruner), {9: 100.0}) == (COMPLETE, 1)
    # Two instances: the smallest possible p-value is 0.25.
    assert _run(_study(pruner), {9: 100.0, 8: 100.0}) == (PRUNED, 2)
    assert _run(
        _study(WilcoxonPruner(p_threshold=0.25, n_startup_steps=0)), {9: 100.0, 8: 100.0}
    ) == (
        COMPLETE,
        2,
    )


def test_no_complete_trial_means_no_pruning() -> None:
    study = parzen.create_study(pruner=WilcoxonPruner(p_threshold=1.0))
    assert _run(study, {i: 100.0 for i in range(5)}) == (COMPLETE, 5)


def test_nan_or_infinity_in_the_current_trial_warns_and_keeps_it() -> None:
    study = _study(WilcoxonPruner(p_threshold=1.0))
    with pytest.warns(UserWarning, match="contain NaN or infinity"):
        assert _run(study, {9: nan, 8: 100.0, 7: 100.0}) == (COMPLETE, 3)
    with pytest.warns(UserWarning, match="contain NaN or infinity"):
        assert _run(_study(WilcoxonPruner(p_threshold=1.0)), {9: 100.0, 8: inf}) == (COMPLETE, 2)


def test_nan_in_the_best_trial_warns_and_keeps_the_trial() -> None:
    study = _study(WilcoxonPruner(p_threshold=1.0), {0: 0.0, 1: nan, 2: 0.0})
    with pytest.warns(UserWarning, match=r"best trial \(trial 0\) contain NaN"):
        assert _run(study, {0: 100.0, 2: 100.0}) == (COMPLETE, 2)


def test_best_trial_without_intermediate_values_warns() -> None:
    study = _study(WilcoxonPruner(p_threshold=1.0), {})
    with pytest.warns(UserWarning, match="has no intermediate values"):
        assert _run(study, {0: 100.0, 1: 100.0}) == (COMPLETE, 2)


def test_steps_missing_from_the_best_trial_are_left_out() -> None:
    study = _study(WilcoxonPruner(p_threshold=0.2), {i: float(i) for i in range(3)})
    # Instances 5-7 are unknown to the best trial; the test uses 0-2 only: p = 1/8.
    with pytest.warns(UserWarning, match="lacks"):
        outcome = _run(study, {5: 10.0, 6: 10.0, 7: 10.0, 0: 1.0, 1: 2.0, 2: 3.0})
    assert outcome == (PRUNED, 6)


def test_scipy_is_imported_lazily() -> None:
    code = (
        "import sys, parzen; pruner = parzen.pruners.WilcoxonPruner(); "
        "print('scipy.stats' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "differences",
    [
        [1.0, 1.0, 2.0, 0.0, -1.0, 3.0],  # ties and a zero
        [0.5, 0.5, 0.5, -0.5, 0.0, 2.0, 2.0, -3.0],
        [0.0, 0.0, 0.0],
        [0.3, -1.2, 2.5, 0.7, -0.1, 1.9, 3.3],  # no ties: scipy's exact distribution
        list(np.linspace(-1.0, 3.0, 20)),  # more than 13: scipy itself
        [1.0] * 5 + [-1.0] * 11,  # more than 13, with ties: normal approximation
    ],
)
@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_p_value_equals_scipys(differences: list[float], alternative: str) -> None:
    import scipy.stats

    expected = scipy.stats.wilcoxon(differences, alternative=alternative, zero_method="zsplit")
    assert _signed_rank_p_value(differences, alternative) == float(expected.pvalue)


def test_multi_objective_study_is_refused() -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    study._storage.set_trial_intermediate_value(trial._trial_id, 0, 1.0)
    with pytest.raises(NotImplementedError, match="single-objective"):
        WilcoxonPruner().prune(study, study._storage.get_trial(trial._trial_id))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"p_threshold": -0.1}, ValueError, r"p_threshold must be .* \[0.0, 1.0\], got -0.1"),
        ({"p_threshold": 1.5}, ValueError, r"got 1.5"),
        ({"p_threshold": "0.1"}, TypeError, r"p_threshold .* '0.1' \(str\)"),
        ({"n_startup_steps": -1}, ValueError, r"n_startup_steps must be an integer >= 0, got -1"),
        ({"n_startup_steps": 2.0}, TypeError, r"n_startup_steps .* \(float\)"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        WilcoxonPruner(**kwargs)
    assert "Pass" in str(info.value)


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        WilcoxonPruner(0.1)
