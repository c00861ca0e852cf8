"""Asynchronous Successive Halving (ASHA)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from parzen._records.direction import StudyDirection
from parzen.pruners._base import BasePruner
from parzen.pruners._common import check_int, check_single_objective
from parzen.trial import TrialState

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from parzen.study import Study
    from parzen.trial import FrozenTrial

_RUNG_KEY_PREFIX = "completed_rung_"


def rung_key(rung: int) -> str:
    """The trial system attribute that holds a trial's value when it completed ``rung``."""
    return f"{_RUNG_KEY_PREFIX}{rung}"


def completed_rungs(system_attrs: Mapping[str, Any]) -> int:
    """How many rungs a trial with these system attributes has completed (in order)."""
    return sum(1 for key in system_attrs if key.startswith(_RUNG_KEY_PREFIX))


def estimate_min_resource(trials: Sequence[FrozenTrial]) -> int | None:
    """Guess ``min_resource`` as 1 % of the longest COMPLETE trial, or None if there is none."""
    last_steps = [
        t.last_step for t in trials if t.state == TrialState.COMPLETE and t.last_step is not None
    ]
    if not last_steps:
        return None
    return max(max(last_steps) // 100, 1)


def is_promotable(
    value: float, rung_values: Sequence[float], reduction_factor: int, maximize: bool
) -> bool:
    """Whether ``value`` is in the top ``1 / reduction_factor`` of ``rung_values``.

    ``rung_values`` includes ``value`` itself. While fewer than ``reduction_factor`` trials
    reached the rung, only a value at least as good as every other one is promoted.
    """
    n_promoted = max(len(rung_values) // reduction_factor, 1)
    ranked = sorted(rung_values, reverse=maximize)
    worst_promoted = ranked[n_promoted - 1]
    return value >= worst_promoted if maximize else value <= worst_promoted


class SuccessiveHalvingPruner(BasePruner):
    """Asynchronous Successive Halving: promote the top ``1 / reduction_factor`` at each rung.

    Rung ``k`` ends at step ``min_resource * reduction_factor ** (min_early_stopping_rate +
    k)``. When a trial first reports a step at or beyond the end of its current rung, its
    value at that step is recorded in its system attribute ``"completed_rung_<k>"`` (a JSON
    float) and compared with the values every trial of the study recorded for the same rung
    (RUNNING, COMPLETE and PRUNED trials alike: asynchronous SHA judges a trial against
    whoever got there before it). The trial goes on to the next rung only if its value is in
    the top ``1 / reduction_factor`` of them (while fewer than ``reduction_factor`` trials
    reached the rung, only if it is the best so far); otherwise it is pruned. A trial that
    jumps over several rungs in one report goes through each of them in turn.

    A NaN value at a rung's end prunes the trial (and records nothing). Trials that have not
    reached the end of the first rung are never pruned. The maximum resource (the steps a
    trial may run) is the objective's business.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0.0, 1.0)
        ...     for step in range(30):
        ...         trial.report(x + 1.0 / (step + 1), step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return x
        >>> pruner = parzen.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3)
        >>> study = parzen.create_study(pruner=pruner)
        >>> study.optimize(objective, n_trials=10)
        >>> len(study.trials)
        10

    Args:
        min_resource: Steps a trial runs before its first rung ends (``r`` in the ASHA
            paper), an integer >= 1. With ``"auto"`` (the default), it is 1 % of the last step
            of the longest COMPLETE trial (at least 1), fixed the first time a pruning decision
            finds a COMPLETE trial; nothing is pruned before that. If trials run for different
            numbers of steps, pass the smallest sensible value explicitly.
        reduction_factor: About ``1 / reduction_factor`` of the trials are promoted at each
            rung (``eta`` in the paper). At least 2.
        min_early_stopping_rate: Shifts every rung's end by this power of
            ``reduction_factor`` (``s`` in the paper). At least 0.
        bootstrap_count: A trial is promoted only once more than this many trials (itself
            included) reached the rung; until then trials reaching the rung are pruned.
            At least 0. Must be 0 with ``min_resource="auto"``.

    Raises:
        TypeError: if an argument has the wrong type.
        ValueError: if an argument is out of range, or ``bootstrap_count > 0`` with
            ``min_resource="auto"``.
    """

    def __init__(
        self,
        min_resource: str | int = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ) -> None:
        if isinstance(min_resource, str):
            if min_resource != "auto":
                raise ValueError(
                    f"min_resource must be 'auto' or an integer >= 1, got {min_resource!r}. "
                    "Pass the number of steps of the first rung, or 'auto' to estimate it."
                )
            self._min_resource: int | None = None
        else:
            self._min_resource = check_int(
                "min_resource",
                min_resource,
                minimum=1,
                hint="Pass the number of steps of the first rung, or 'auto' to estimate it.",
            )
        self._reduction_factor = check_int(
            "reduction_factor",
            reduction_factor,
            minimum=2,
            hint="Pass e.g. 3 or 4: about 1/reduction_factor of the trials reach each rung.",
        )
        self._min_early_stopping_rate = check_int(
            "min_early_stopping_rate",
            min_early_stopping_rate,
            minimum=0,
            hint="Pass 0 to end the first rung at min_resource steps.",
        )
        self._bootstrap_count = check_int(
            "bootstrap_count",
            bootstrap_count,
            minimum=0,
            hint="Pass 0 to promote from the first trial that reaches a rung.",
        )
        if self._bootstrap_count > 0 and self._min_resource is None:
            raise ValueError(
                f"bootstrap_count={bootstrap_count!r} needs an explicit min_resource, got "
                "min_resource='auto'. Pass an integer min_resource, or bootstrap_count=0."
            )

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        check_single_objective(study, self)
        intermediate_values = trial.intermediate_values
        if not intermediate_values:
            return False
        step = max(intermediate_values)
        value = intermediate_values[step]
        trials: list[FrozenTrial] | None = None

        min_resource = self._min_resource
        if min_resource is None:
            trials = study.get_trials(deepcopy=False)
            min_resource = estimate_min_resource(trials)
            if min_resource is None:
                return False
            # Fixed once found, so that rung boundaries do not move under running trials.
            self._min_resource = min_resource

        # The snapshot may miss rungs recorded by earlier calls (it can be a cached copy), so
        # it only gives a lower bound: enough to skip the steps inside a rung without a read.
        rung = completed_rungs(trial.system_attrs)
        if step < self._rung_end(min_resource, rung):
            return False
        rung = max(rung, completed_rungs(study.get_trial_system_attrs(trial)))

        maximize = study.direction == StudyDirection.MAXIMIZE
        while True:
            if step < self._rung_end(min_resource, rung):
                return False
            if math.isnan(value):
                return True
            if trials is None:
                trials = study.get_trials(deepcopy=False)
            key = rung_key(rung)
            study.set_trial_system_attr(trial, key, value)
            rung_values = [
                t.system_attrs[key]
                for t in trials
                if key in t.system_attrs and t._trial_id != trial._trial_id
            ]
            rung_values.append(value)
            if len(rung_values) <= self._bootstrap_count:
                return True
            if not is_promotable(value, rung_values, self._reduction_factor, maximize):
                return True
            rung += 1

    def _rung_end(self, min_resource: int, rung: int) -> int:
        return min_resource * self._reduction_factor ** (self._min_early_stopping_rate + rung)
