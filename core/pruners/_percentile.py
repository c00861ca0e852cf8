"""Prune trials whose best value is worse than a percentile of the completed trials."""

from __future__ import annotations

import bisect
import math
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.pruners._base import BasePruner
from parzen.pruners._common import (
    check_int,
    check_real,
    check_single_objective,
    is_first_in_interval_step,
)
from parzen.trial import TrialState

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable

    from parzen.study import Study
    from parzen.trial import FrozenTrial


# Below this distance (relative to the interpolated order statistics) our own interpolation
# may round differently from numpy's, so the comparison is redone with np.percentile. Our
# rounding error is a few ulps, i.e. ~1e-16 relative: the margin is generous.
_TIE_TOLERANCE = 1e-12
# Completed-trial histories kept per pruner (one per study or study view).
_MAX_CACHED_STUDIES = 64


class _StepValues:
    """The values that completed trials reported at one step."""

    __slots__ = ("exact_percentiles", "n_reported", "sorted_values")

    def __init__(self) -> None:
        self.n_reported = 0  # NaNs included: n_min_trials counts reports, not numbers
        self.sorted_values: list[float] = []  # NaNs left out: they never move a percentile
        self.exact_percentiles: dict[float, float] = {}

    def add(self, value: float) -> None:
        self.n_reported += 1
        if not math.isnan(value):
            bisect.insort(self.sorted_values, value)
        self.exact_percentiles.clear()

    def compare(self, value: float, q: float) -> int | None:
        """Return the sign of ``value - percentile(q)``, or None if the percentile is NaN.

        The percentile is numpy's default (linear interpolation between the closest ranks),
        exactly as ``np.nanpercentile`` computes it, so that ties decide as in Optuna. Values
        are kept sorted, so it is interpolated in O(1); np.percentile (a few hundred
        microseconds per call) only settles near-ties and non-finite cases.
        """
        values = self.sorted_values
        if not values:
            return None
        position = (len(values) - 1) * (q / 100.0)
        lower = min(int(position), len(values) - 1)
        below, above = values[lower], values[min(lower + 1, len(values) - 1)]
        reference = below + (above - below) * (position - lower)
        margin = _TIE_TOLERANCE * max(abs(below), abs(above))
        if math.isfinite(reference) and math.isfinite(value) and abs(value - reference) > margin:
            return 1 if value > reference else -1
        exact = self.exact_percentiles.get(q)
        if exact is None:
            with np.errstate(invalid="ignore"):  # inf - inf while interpolating gives NaN
                exact = self.exact_percentiles[q] = float(np.percentile(np.asarray(values), q))
        if math.isnan(exact):
            return None
        return (value > exact) - (value < exact)


class _CompletedHistory:
    """The intermediate values of a study's COMPLETE trials, grouped by step.

    Fed incrementally with the trials that finished since the last update, so a pruning
    decision costs O(new trials) instead of O(all trials).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cursor = 0
        self.seen_trial_ids: set[int] = set()
        self.n_complete = 0
        self.steps: dict[int, _StepValues] = {}

    def add_finished(self, trials: Iterable[FrozenTrial]) -> None:
        for trial in trials:
            if trial._trial_id in self.seen_trial_ids:
                continue
            self.seen_trial_ids.add(trial._trial_id)
            if trial.state != TrialState.COMPLETE:
                continue
            self.n_complete += 1
            for step, value in trial.intermediate_values.items():
                step_values = self.steps.get(step)
                if step_values is None:
                    step_values = self.steps[step] = _StepValues()
                step_values.add(float(value))

    def compare_at(self, step: int, value: float, q: float) -> tuple[int, int | None]:
        """Return how many completed trials reported ``step``, and the sign of ``value``
        minus their ``q``-th percentile there (None if there is no percentile)."""
        step_values = self.steps.get(step)
        if step_values is None:
            return 0, None
        return step_values.n_reported, step_values.compare(value, q)


class PercentilePruner(BasePruner):
    """Prune a trial whose best value so far is worse than a percentile of the other trials.

    At a pruning check at step ``s``, the trial's best intermediate value over all its steps
    is compared with the ``percentile``-th percentile of the values that the study's COMPLETE
    trials reported at step ``s`` (for maximization, the ``100 - percentile``-th, so that
    "keep the top ``percentile`` %" holds in both directions). The trial is pruned when it is
    strictly worse.

    Only COMPLETE trials count, both as references and for ``n_startup_trials``: PRUNED trials
    stopped early on purpose, so their values would bias the reference towards bad curves;
    RUNNING and FAIL trials are ignored as well.

    NaN: a trial whose intermediate values are all NaN is pruned (at a check that the warmup,
    interval and startup rules allow). NaNs among the completed trials' values are left out of
    the percentile but still count as reports for ``n_min_trials``. Steps may be reported in
    any order: the check happens at the largest step reported so far.

    The completed trials' values are cached per study and updated with the trials that
    finished since the last call, so a check does not rescan the whole history.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0.0, 1.0)
        ...     for step in range(10):
        ...         trial.report(x * (10 - step), step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return x
        >>> pruner = parzen.pruners.PercentilePruner(25.0, n_startup_trials=3, n_warmup_steps=2)
        >>> study = parzen.create_study(pruner=pruner)
        >>> study.optimize(objective, n_trials=10)
        >>> len(study.trials)
        10

    Args:
        percentile: Which percentile of the completed trials a trial must beat, in
            ``[0, 100]``. With 25.0 only trials in the best quarter at each step survive.
        n_startup_trials: Pruning is disabled until this many trials are COMPLETE.
        n_warmup_steps: Pruning is disabled while the step is below this; the earliest a
            trial can be pruned is at ``step == n_warmup_steps``. Steps are assumed to be
            non-negative integers.
        interval_steps: Interval in steps between pruning checks, offset by the warmup
            steps. If no value is reported at a check's step, the check is postponed to the
            next reported step. At least 1.
        n_min_trials: The trial is not pruned unless at least this many COMPLETE trials
            reported a value at the current step. At least 1.

    Raises:
        TypeError: if an argument has the wrong type.
        ValueError: if an argument is out of range.
    """

    def __init__(
        self,
        percentile: float,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        checked_percentile = check_real(
            "percentile",
            percentile,
            low=0.0,
            high=100.0,
            hint="Pass e.g. 25.0 to keep the best quarter of trials, or 50.0 for the median.",
        )
        assert checked_percentile is not None
        self._percentile = checked_percentile
        self._n_startup_trials = check_int(
            "n_startup_trials",
            n_startup_trials,
            minimum=0,
            hint="Pass 0 to allow pruning as soon as one trial has completed.",
        )
        self._n_warmup_steps = check_int(
            "n_warmup_steps",
            n_warmup_steps,
            minimum=0,
            hint="Pass 0 to allow pruning from the first step.",
        )
        self._interval_steps = check_int(
            "interval_steps",
            interval_steps,
            minimum=1,
            hint="Pass 1 to check at every step.",
        )
        self._n_min_trials = check_int(
            "n_min_trials",
            n_min_trials,
            minimum=1,
            hint="Pass 1 to compare as soon as one completed trial reported the step.",
        )
        self._histories_lock = threading.Lock()
        self._histories: dict[Hashable, _CompletedHistory] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        # The cache is rebuilt on first use; locks cannot be pickled.
        del state["_histories_lock"], state["_histories"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._histories_lock = threading.Lock()
        self._histories = {}

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        check_single_objective(study, self)
        intermediate_values = trial.intermediate_values
        if not intermediate_values:
            return False
        step = max(intermediate_values)
        if step < self._n_warmup_steps:
            return False
        if not is_first_in_interval_step(
            step, intermediate_values.keys(), self._n_warmup_steps, self._interval_steps
        ):
            return False

        maximize = study.direction == StudyDirection.MAXIMIZE
        history = self._updated_history(study)
        # Nothing to compare with before the first trial completes, not even a NaN (Optuna).
        if history.n_complete == 0 or history.n_complete < self._n_startup_trials:
            return False
        numbers = [v for v in intermediate_values.values() if not math.isnan(v)]
        if not numbers:
            return True
        best = max(numbers) if maximize else min(numbers)
        q = 100.0 - self._percentile if maximize else self._percentile
        with history.lock:
            n_reported, sign = history.compare_at(step, best, q)
        if n_reported < self._n_min_trials or sign is None:
            return False
        return sign < 0 if maximize else sign > 0

    def _updated_history(self, study: Study) -> _CompletedHistory:
        key = getattr(study, "cache_key", None)
        if key is None:
            # Not a parzen study nor a view of one (no sampler and pruner interface): only its
            # get_trials() can be trusted, so build the history from it afresh.
            return _history_from_scratch(study)
        with self._histories_lock:
            history = self._histories.pop(key, None) or _CompletedHistory()
            # Most recently used last; a pruner reused by many studies keeps only the newest.
            self._histories[key] = history
            if len(self._histories) > _MAX_CACHED_STUDIES:
                del self._histories[next(iter(self._histories))]
        with history.lock:
            new_trials, history.cursor = study.get_finished_trials_since(history.cursor)
            history.add_finished(new_trials)
        return history


def _history_from_scratch(study: Study) -> _CompletedHistory:
    history = _CompletedHistory()
    history.add_finished(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    return history
