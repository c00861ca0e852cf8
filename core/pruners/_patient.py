"""Give trials a few steps of grace before another pruner may stop them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from parzen._records.direction import StudyDirection
from parzen.pruners._base import BasePruner
from parzen.pruners._common import check_int, check_real, check_single_objective

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial


class PatientPruner(BasePruner):
    """Only let ``wrapped_pruner`` prune a trial that stopped improving for ``patience`` steps.

    The trial's steps are taken in increasing order. The last ``patience + 1`` of them are
    compared with all the earlier ones: the trial has stopped improving when the best of the
    recent values is worse than the best earlier value by more than ``min_delta`` (for
    minimization, ``min(earlier) + min_delta < min(recent)``; for maximization,
    ``max(earlier) - min_delta > max(recent)``). NaNs are ignored within each group; a group of
    only NaNs never shows a lack of improvement. Until there are more than ``patience + 1``
    steps, nothing is pruned.

    When the trial has stopped improving, the decision is ``wrapped_pruner``'s, or True if
    ``wrapped_pruner`` is None (plain early stopping on the trial's own curve).

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0.0, 1.0)
        ...     for step in range(20):
        ...         # improves until step 5, then gets worse
        ...         trial.report(abs(step - 5) + x, step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return x
        >>> study = parzen.create_study(pruner=parzen.pruners.PatientPruner(None, patience=3))
        >>> study.optimize(objective, n_trials=3)
        >>> [t.last_step for t in study.trials]
        [9, 9, 9]

    Args:
        wrapped_pruner: The pruner that decides once the patience has run out, or None to
            prune as soon as it has.
        patience: How many steps without improvement to tolerate. At least 0.
        min_delta: How much better a recent value must be than the best earlier one to
            count as an improvement. At least 0.

    Raises:
        TypeError: if ``wrapped_pruner`` is not a pruner, or an argument has the wrong type.
        ValueError: if ``patience`` or ``min_delta`` is negative.
    """

    def __init__(
        self, wrapped_pruner: BasePruner | None, patience: int, min_delta: float = 0.0
    ) -> None:
        if wrapped_pruner is not None and not isinstance(wrapped_pruner, BasePruner):
            raise TypeError(
                "wrapped_pruner must be a parzen.pruners.BasePruner or None, got "
                f"{wrapped_pruner!r} ({type(wrapped_pruner).__name__}). Pass a pruner instance, "
                "e.g. PatientPruner(MedianPruner(), patience=3), not the class or a function."
            )
        self._wrapped_pruner = wrapped_pruner
        self._patience = check_int(
            "patience",
            patience,
            minimum=0,
            hint="Pass the number of steps without improvement to tolerate, e.g. 3.",
        )
        checked_delta = check_real(
            "min_delta",
            min_delta,
            low=0.0,
            high=math.inf,
            hint="Pass 0.0 to count any improvement, or a positive tolerance.",
        )
        assert checked_delta is not None
        self._min_delta = checked_delta

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        check_single_objective(study, self)
        intermediate_values = trial.intermediate_values
        window = self._patience + 1
        if len(intermediate_values) <= window:
            return False
        values = [intermediate_values[step] for step in sorted(intermediate_values)]
        earlier = [v for v in values[:-window] if not math.isnan(v)]
        recent = [v for v in values[-window:] if not math.isnan(v)]
        if not earlier or not recent:
            return False
        if study.direction == StudyDirection.MAXIMIZE:
            stopped_improving = max(earlier) - self._min_delta > max(recent)
        else:
            stopped_improving = min(earlier) + self._min_delta < min(recent)
        if not stopped_improving:
            return False
        if self._wrapped_pruner is None:
            return True
        return self._wrapped_pruner.prune(study, trial)
