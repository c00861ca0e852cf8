"""MedianPruner and PercentilePruner on hand-designed learning curves."""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.pruners import BasePruner, MedianPruner, PercentilePruner
from parzen.study import Study
from parzen.testing.pruners import run_curves
from parzen.trial import FrozenTrial, TrialState, create_trial

nan = math.nan
COMPLETE, PRUNED = "COMPLETE", "PRUNED"


def _study(
    pruner: BasePruner,
    history: Sequence[Mapping[int, float]] = (),
    *,
    direction: str = "minimize",
    pruned_history: Sequence[Mapping[int, float]] = (),
) -> Study:
    """A study whose COMPLETE (and PRUNED) trials reported the given curves."""
    study = parzen.create_study(pruner=pruner, direction=direction)
    for curve in pruned_history:
        study.add_trial(create_trial(state=TrialState.PRUNED, intermediate_values=dict(curve)))
    for curve in history:
        study.add_trial(create_trial(value=0.0, intermediate_values=dict(curve)))
    return study


def _negate(curves: Sequence[Mapping[int, float]]) -> list[dict[int, float]]:
    return [{step: -value for step, value in curve.items()} for curve in curves]


# -- the median rule, step by step ---------------------------------------------------------

SEQUENCE = [
    {0: 5.0, 1: 4.0, 2: 3.0, 3: 2.0},  # startup
    {0: 6.0, 1: 5.0, 2: 4.0, 3: 3.0},  # startup
    {0: 4.0, 1: 3.0, 2: 2.0, 3: 1.0},  # better than the median everywhere
    {0: 10.0, 1: 10.0, 2: 10.0, 3: 10.0},  # 10 > median(5, 6, 4) = 5 at step 0
    {0: 5.0, 1: 4.5, 2: 0.0, 3: 0.0},  # ties the median at 0 (kept), 4.5 > 4 at step 1
    {0: 5.0, 1: 4.0, 2: 3.5, 3: 0.0},  # ties at 0 and 1, 3.5 > median(3, 4, 2) at step 2
    {0: 1.0, 1: 9.0, 2: 9.0, 3: 9.0},  # its best so far (1.0) stays below every median
]
SEQUENCE_OUTCOME = [
    (COMPLETE, 3),
    (COMPLETE, 3),
    (COMPLETE, 3),
    (PRUNED, 0),
    (PRUNED, 1),
    (PRUNED, 2),
    (COMPLETE, 3),
]


def test_median_rule_prunes_exactly_the_expected_trials() -> None:
    study = _study(MedianPruner(n_startup_trials=2))
    assert run_curves(study, SEQUENCE) == SEQUENCE_OUTCOME


def test_maximize_mirrors_minimize() -> None:
    study = _study(MedianPruner(n_startup_trials=2), direction="maximize")
    assert run_curves(study, _negate(SEQUENCE)) == SEQUENCE_OUTCOME


def test_percentile_50_is_the_median() -> None:
    study = _study(PercentilePruner(50.0, n_startup_trials=2))
    assert run_curves(study, SEQUENCE) == SEQUENCE_OUTCOME


def test_pruned_trials_are_neither_references_nor_startup_trials() -> None:
    # Two PRUNED trials with excellent values would drag the median down if they counted.
    study = _study(
        MedianPruner(n_startup_trials=2),
        history=[{0: 1.0}],
        pruned_history=[{0: -100.0}, {0: -100.0}],
    )
    # One COMPLETE trial only: still in startup, even a bad trial completes.
    assert run_curves(study, [{0: 5.0}]) == [(COMPLETE, 0)]
    # Now median(1, 5) = 3.
    assert run_curves(study, [{0: 4.0}, {0: 2.0}]) == [(PRUNED, 0), (COMPLETE, 0)]


def test_running_and_failed_trials_are_not_references() -> None:
    study = _study(MedianPruner(n_startup_trials=1), history=[{0: 10.0}])
    study.add_trial(create_trial(state=TrialState.FAIL, intermediate_values={0: -5.0}))
    running = study.ask()
    running.report(-5.0, 0)
    assert run_curves(study, [{0: 9.0}, {0: 11.0}]) == [(COMPLETE, 0), (PRUNED, 0)]


def test_startup_trials_are_counted_from_complete_trials() -> None:
    study = _study(MedianPruner(n_startup_trials=3))
    bad = {0: 100.0, 1: 100.0}
    good = {0: 0.0, 1: 0.0}
    # Trials 0-2 run before three trials completed; the fourth bad one is pruned.
    assert run_curves(study, [good, good, bad, bad]) == [
        (COMPLETE, 1),
        (COMPLETE, 1),
        (COMPLETE, 1),
        (PRUNED, 0),
    ]


def test_warmup_and_interval_select_the_checked_steps() -> None:
    history = [{s: 0.0 for s in range(10)}]
    pruner = MedianPruner(n_startup_trials=1, n_warmup_steps=2, interval_steps=3)
    worse_everywhere = {s: 1.0 for s in range(10)}
    # Checks happen at steps 2, 5 and 8.
    assert run_curves(_study(pruner, history), [worse_everywhere]) == [(PRUNED, 2)]
    # Step 2 is skipped: the check is postponed to the next reported step.
    skipping = {s: 1.0 for s in range(10) if s != 2}
    assert run_curves(_study(pruner, history), [skipping]) == [(PRUNED, 3)]
    # Good until step 2, then flat: worse than the reference from step 3 on, but the next
    # check is at step 5.
    decreasing = [{s: -float(s) for s in range(10)}]
    flat_after_two = {s: -3.0 if s >= 2 else -float(s) - 1.0 for s in range(10)}
    assert run_curves(_study(pruner, decreasing), [flat_after_two]) == [(PRUNED, 5)]


def test_n_min_trials_counts_the_trials_that_reported_the_step() -> None:
    history = [{0: 1.0, 1: 1.0}, {0: 1.0}]  # only one completed trial reached step 1
    late = {1: 2.0}  # reports step 1 only
    study = _study(MedianPruner(n_startup_trials=1, n_min_trials=2), history)
    assert run_curves(study, [late, {0: 2.0}]) == [(COMPLETE, 1), (PRUNED, 0)]
    study = _study(MedianPruner(n_startup_trials=1, n_min_trials=1), history)
    assert run_curves(study, [late]) == [(PRUNED, 1)]


def test_no_reference_at_the_step_means_no_pruning() -> None:
    study = _study(MedianPruner(n_startup_trials=1), [{0: 0.0, 1: 0.0}])
    assert run_curves(study, [{5: 100.0}]) == [(COMPLETE, 5)]


def test_all_nan_current_trial_is_pruned() -> None:
    study = _study(MedianPruner(n_startup_trials=1), [{0: 1.0, 1: 1.0, 2: 1.0}])
    outcome = run_curves(study, [{0: nan, 1: nan, 2: 0.0}], final_values=[0.0])
    assert outcome == [(PRUNED, 0)]


def test_nan_current_value_after_good_ones_is_ignored() -> None:
    study = _study(MedianPruner(n_startup_trials=1), [{0: 1.0, 1: 1.0, 2: 1.0}])
    assert run_curves(study, [{0: 0.5, 1: nan, 2: 0.5}]) == [(COMPLETE, 2)]


def test_all_nan_trial_is_not_pruned_during_startup_or_warmup() -> None:
    assert run_curves(_study(MedianPruner(n_startup_trials=1)), [{0: nan}], final_values=[0.0])[
        0
    ] == (COMPLETE, 0)
    study = _study(MedianPruner(n_startup_trials=1, n_warmup_steps=1), [{0: 1.0, 1: 1.0}])
    assert run_curves(study, [{0: nan, 1: nan}], final_values=[0.0]) == [(PRUNED, 1)]


def test_nan_references_are_left_out_of_the_median() -> None:
    history = [{0: nan}, {0: 1.0}, {0: 3.0}]  # median of the numbers: 2.0
    study = _study(MedianPruner(n_startup_trials=1), history)
    assert run_curves(study, [{0: 2.5}]) == [(PRUNED, 0)]
    study = _study(MedianPruner(n_startup_trials=1), history)
    assert run_curves(study, [{0: 1.5}]) == [(COMPLETE, 0)]


def test_only_nan_references_never_prune() -> None:
    study = _study(MedianPruner(n_startup_trials=1), [{0: nan}, {0: nan}])
    assert run_curves(study, [{0: 100.0}]) == [(COMPLETE, 0)]


def test_nan_references_count_as_reports_for_n_min_trials() -> None:
    # As in Optuna: n_min_trials counts reported values, NaN included.
    study = _study(MedianPruner(n_startup_trials=1, n_min_trials=2), [{0: nan}, {0: 1.0}])
    assert run_curves(study, [{0: 5.0}]) == [(PRUNED, 0)]


def test_infinite_values() -> None:
    study = _study(MedianPruner(n_startup_trials=1), [{0: 1.0}, {0: math.inf}])
    # median(1, inf) is not finite (numpy interpolates to NaN): no finite value is worse.
    assert run_curves(study, [{0: 1e300}]) == [(COMPLETE, 0)]
    study = _study(MedianPruner(n_startup_trials=1), [{0: 1.0}])
    assert run_curves(study, [{0: math.inf}], final_values=[0.0]) == [(PRUNED, 0)]


def test_steps_out_of_order_are_judged_at_the_largest_step() -> None:
    # The reference at step 2 (0.1) would prune 0.3; the one at step 5 (1.0) does not.
    study = _study(MedianPruner(n_startup_trials=1), [{2: 0.1, 5: 1.0}])
    assert run_curves(study, [{5: 0.5, 2: 0.3}]) == [(COMPLETE, 5)]
    study = _study(MedianPruner(n_startup_trials=1), [{2: 0.1, 5: 1.0}])
    assert run_curves(study, [{5: 2.0, 2: 0.3}]) == [(PRUNED, 5)]


@pytest.mark.parametrize(
    ("percentile", "kept", "pruned"),
    [
        (0.0, 0.0, 0.01),
        (10.0, 0.39, 0.41),  # interpolated: 0.4 (up to rounding) between 0 and 1
        (25.0, 1.0, 1.01),
        (75.0, 3.0, 3.01),
        (100.0, 4.0, 4.01),
    ],
)
def test_percentile_threshold(percentile: float, kept: float, pruned: float) -> None:
    history = [{0: float(v)} for v in range(5)]
    for direction, sign in (("minimize", 1.0), ("maximize", -1.0)):
        # For maximization the same percentile keeps the same share of the best trials.
        study = _study(
            PercentilePruner(percentile, n_startup_trials=1),
            _negate(history) if sign < 0 else history,
            direction=direction,
        )
        assert run_curves(study, [{0: sign * kept}]) == [(COMPLETE, 0)], direction
        study = _study(
            PercentilePruner(percentile, n_startup_trials=1),
            _negate(history) if sign < 0 else history,
            direction=direction,
        )
        assert run_curves(study, [{0: sign * pruned}]) == [(PRUNED, 0)], direction


def test_references_follow_newly_completed_trials() -> None:
    # One pruner, decisions interleaved with completions: the cached references must update.
    study = _study(MedianPruner(n_startup_trials=1), [{0: 10.0}])
    assert run_curves(study, [{0: 9.0}]) == [(COMPLETE, 0)]  # median(10) = 10
    assert run_curves(study, [{0: 9.6}]) == [(PRUNED, 0)]  # median(10, 9) = 9.5
    assert run_curves(study, [{0: 1.0}, {0: 1.0}]) == [(COMPLETE, 0), (COMPLETE, 0)]
    assert run_curves(study, [{0: 5.6}]) == [(PRUNED, 0)]  # median(10, 9, 1, 1) = 5


def test_one_pruner_shared_by_two_studies_keeps_them_apart() -> None:
    pruner = MedianPruner(n_startup_trials=1)
    low = _study(pruner, [{0: 0.0}])
    high = _study(pruner, [{0: 100.0}])
    assert run_curves(low, [{0: 50.0}]) == [(PRUNED, 0)]
    assert run_curves(high, [{0: 50.0}]) == [(COMPLETE, 0)]


class _StudyView:
    """A stand-in that forwards everything to a study, like wrappers samplers may use."""

    def __init__(self, study: Study) -> None:
        self._wrapped = study

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def test_wrapped_study_gives_the_same_decisions() -> None:
    history = [{s: float(v + s) for s in range(4)} for v in range(6)]
    study = _study(PercentilePruner(40.0, n_startup_trials=2), history)
    decisions = []
    # The references at step 3 are 3..8, whose 40th percentile is 5.0; a trial's best value
    # so far is its level (step 0).
    for level in (0.0, 4.9, 5.0, 5.1, 9.0):
        trial = study.ask()
        for step in range(4):
            trial.report(level + step, step)
        frozen = study._storage.get_trial(trial._trial_id)
        cached = study.pruner.prune(study, frozen)
        uncached = study.pruner.prune(_StudyView(study), frozen)
        assert cached is uncached
        decisions.append(cached)
    assert decisions == [False, False, False, True, True]


class _EvenTrialsView(_StudyView):
    """A view that shows only the even-numbered trials, through the sampler and pruner
    interface: trial reads and the cache key are its own."""

    def get_trials(self, deepcopy: bool = True, states: Any = None) -> list[FrozenTrial]:
        trials = self._wrapped.get_trials(deepcopy=deepcopy, states=states)
        return [t for t in trials if t.number % 2 == 0]

    def get_finished_trials_since(self, cursor: int) -> tuple[list[FrozenTrial], int]:
        trials, cursor = self._wrapped.get_finished_trials_since(cursor)
        return [t for t in trials if t.number % 2 == 0], cursor

    @property
    def cache_key(self) -> Any:
        return (self._wrapped.cache_key, "even")


def test_a_view_of_the_study_is_judged_on_the_trials_it_shows() -> None:
    # Even trials reported 10, odd ones 0: against the even ones, 6 is good; against all, bad.
    pruner = MedianPruner(n_startup_trials=1)
    study = _study(pruner, [{0: 10.0 if i % 2 == 0 else 0.0} for i in range(6)])
    trial = study.ask()
    trial.report(6.0, 0)
    frozen = study.get_trials(states=(TrialState.RUNNING,))[0]
    assert pruner.prune(study, frozen) is True
    assert pruner.prune(_EvenTrialsView(study), frozen) is False
    # The view's cache did not leak into the study's, nor the other way round.
    assert pruner.prune(study, frozen) is True


def test_pickled_pruner_starts_with_an_empty_cache() -> None:
    pruner = MedianPruner(n_startup_trials=1)
    study = _study(pruner, [{0: 0.0}])
    run_curves(study, [{0: 0.0}])
    copy = pickle.loads(pickle.dumps(pruner))
    other = _study(copy, [{0: 10.0}])
    assert run_curves(other, [{0: 5.0}]) == [(COMPLETE, 0)]


def test_multi_objective_study_is_refused() -> None:
    study = parzen.create_study(directions=["minimize", "minimize"])
    trial = study.ask()
    study._storage.set_trial_intermediate_value(trial._trial_id, 0, 1.0)
    frozen: FrozenTrial = study._storage.get_trial(trial._trial_id)
    with pytest.raises(NotImplementedError, match="single-objective"):
        MedianPruner().prune(study, frozen)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"percentile": -0.1}, ValueError, r"percentile must be .* in \[0.0, 100.0\], got -0.1"),
        ({"percentile": 100.5}, ValueError, r"got 100.5"),
        ({"percentile": nan}, ValueError, r"got nan"),
        ({"percentile": "50"}, TypeError, r"percentile must be a real number.*'50' \(str\)"),
        ({"percentile": 50, "n_startup_trials": -1}, ValueError, r"n_startup_trials .* got -1"),
        ({"percentile": 50, "n_startup_trials": 1.5}, TypeError, r"n_startup_trials.*float"),
        ({"percentile": 50, "n_warmup_steps": -2}, ValueError, r"n_warmup_steps .* got -2"),
        ({"percentile": 50, "interval_steps": 0}, ValueError, r"interval_steps .* >= 1, got 0"),
        ({"percentile": 50, "n_min_trials": 0}, ValueError, r"n_min_trials .* >= 1, got 0"),
        ({"percentile": 50, "n_min_trials": True}, TypeError, r"n_min_trials.*bool"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        PercentilePruner(**kwargs)
    assert "Pass" in str(info.value)  # every message says how to fix it


def test_median_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="n_startup_trials"):
        MedianPruner(n_startup_trials=-1)
    with pytest.raises(TypeError):
        MedianPruner(1, 0, 1, 1)  # n_min_trials is keyword-only


def test_percentile_comparison_matches_numpy_exactly() -> None:
    # The pruner interpolates percentiles itself and defers to numpy near ties: the sign of
    # value - percentile must be numpy's, down to the last bit.
    from parzen.pruners._percentile import _StepValues

    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 12))
        raw = rng.choice([rng.normal(0, 1e3, n), rng.integers(-3, 4, n).astype(float)])
        if rng.uniform() < 0.2:
            raw[int(rng.integers(0, n))] = rng.choice([np.inf, -np.inf, np.nan])
        step_values = _StepValues()
        for v in raw:
            step_values.add(float(v))
        q = float(rng.choice([0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 100.0, rng.uniform(0, 100)]))
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exact = float(np.nanpercentile(raw, q))
        candidates = [exact, np.nextafter(exact, np.inf), np.nextafter(exact, -np.inf), 0.0]
        candidates += [float(v) for v in raw]
        for value in map(float, candidates):
            got = step_values.compare(value, q)
            if math.isnan(exact):
                assert got is None
            else:
                assert got == (value > exact) - (value < exact), (raw, q, value, exact)
