"""ThresholdPruner on hand-designed learning curves."""

from __future__ import annotations

import math
from typing import Any

import pytest

import parzen
from parzen.pruners import ThresholdPruner
from parzen.testing.pruners import run_curves

nan, inf = math.nan, math.inf


def _run(pruner: ThresholdPruner, *curves: dict[int, float]) -> list[tuple[str, int | None]]:
    return run_curves(parzen.create_study(pruner=pruner), curves, final_values=[0.0] * len(curves))


def test_values_outside_the_bounds_are_pruned_at_their_step() -> None:
    pruner = ThresholdPruner(lower=0.0, upper=1.0)
    assert _run(
        pruner,
        {0: 0.5, 1: 0.0, 2: 1.0, 3: 0.7},  # the bounds themselves are kept
        {0: 0.5, 1: 0.5, 2: 1.01, 3: 0.5},
        {0: 0.5, 1: -0.01, 2: 0.5},
        {0: 0.5, 1: 0.5, 2: 0.5, 3: nan},
        {0: inf},
        {0: -inf},
    ) == [
        ("COMPLETE", 3),
        ("PRUNED", 2),
        ("PRUNED", 1),
        ("PRUNED", 3),
        ("PRUNED", 0),
        ("PRUNED", 0),
    ]


def test_one_sided_bounds() -> None:
    assert _run(ThresholdPruner(upper=1.0), {0: -1e9, 1: 2.0}) == [("PRUNED", 1)]
    assert _run(ThresholdPruner(lower=1.0), {0: 1e9, 1: 0.5}) == [("PRUNED", 1)]
    assert _run(ThresholdPruner(lower=1.0), {0: inf}) == [("COMPLETE", 0)]


def test_nan_is_pruned_even_without_the_matching_bound() -> None:
    assert _run(ThresholdPruner(upper=1.0), {0: 0.0, 1: nan}) == [("PRUNED", 1)]


def test_equal_bounds_accept_exactly_one_value() -> None:
    pruner = ThresholdPruner(lower=1.0, upper=1.0)
    assert _run(pruner, {0: 1.0, 1: 1.0}, {0: 1.0, 1: 1.0 + 1e-12}) == [
        ("COMPLETE", 1),
        ("PRUNED", 1),
    ]


def test_warmup_and_interval() -> None:
    pruner = ThresholdPruner(upper=0.0, n_warmup_steps=2, interval_steps=2)
    bad = {s: 1.0 for s in range(6)}
    assert _run(pruner, bad) == [("PRUNED", 2)]
    # Bad at steps 0, 1 (warmup) and 3 (not a check step): survives until the check at 4.
    late = {0: 1.0, 1: 1.0, 2: 0.0, 3: 1.0, 4: 1.0, 5: 1.0}
    assert _run(pruner, late) == [("PRUNED", 4)]
    # Step 2 never reported: the check moves to step 3.
    skipping = {0: 0.0, 1: 0.0, 3: 1.0}
    assert _run(pruner, skipping) == [("PRUNED", 3)]


def test_judges_the_value_at_the_largest_step() -> None:
    pruner = ThresholdPruner(upper=1.0)
    # Step 2 arrives after step 4: the decision stays on step 4's value.
    assert _run(pruner, {4: 0.5, 2: 5.0}) == [("COMPLETE", 4)]
    assert _run(pruner, {2: 0.5, 4: 5.0}) == [("PRUNED", 4)]


def test_does_not_look_at_other_trials() -> None:
    study = parzen.create_study(pruner=ThresholdPruner(upper=10.0))
    outcome = run_curves(study, [{0: 9.0}, {0: 100.0}, {0: 9.5}])
    assert outcome == [("COMPLETE", 0), ("PRUNED", 0), ("COMPLETE", 0)]


def test_multi_objective_study_is_refused() -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    study._storage.set_trial_intermediate_value(trial._trial_id, 0, 5.0)
    with pytest.raises(NotImplementedError, match="2 objectives"):
        ThresholdPruner(upper=1.0).prune(study, study._storage.get_trial(trial._trial_id))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, TypeError, r"needs a bound, got lower=None and upper=None"),
        ({"lower": 2.0, "upper": 1.0}, ValueError, r"lower=2.0 and upper=1.0. Swap"),
        ({"lower": "0"}, TypeError, r"lower must be a real number.*'0' \(str\)"),
        ({"upper": nan}, ValueError, r"upper must be .* got nan"),
        ({"upper": 1.0, "n_warmup_steps": -1}, ValueError, r"n_warmup_steps .* got -1"),
        ({"upper": 1.0, "interval_steps": 0}, ValueError, r"interval_steps .* got 0"),
        ({"upper": 1.0, "interval_steps": 2.0}, TypeError, r"interval_steps .* \(float\)"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        ThresholdPruner(**kwargs)
    assert "Pass" in str(info.value) or "Swap" in str(info.value)
