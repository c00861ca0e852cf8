"""The median stopping rule."""

from __future__ import annotations

from parzen.pruners._percentile import PercentilePruner


class MedianPruner(PercentilePruner):
    """Prune a trial whose best value so far is worse than the median of the completed trials.

    This is :class:`PercentilePruner` with ``percentile=50.0``: at a pruning check at step
    ``s``, the trial's best intermediate value is compared with the median of the values the
    study's COMPLETE trials reported at step ``s``, and the trial is pruned when it is strictly
    worse. PRUNED, FAIL and RUNNING trials are not references and do not count towards
    ``n_startup_trials``.

    NaN: a trial whose intermediate values are all NaN is pruned; NaNs reported by completed
    trials are left out of the median.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0.0, 1.0)
        ...     for step in range(10):
        ...         trial.report(x + 1.0 / (step + 1), step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return x
        >>> pruner = parzen.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2)
        >>> study = parzen.create_study(pruner=pruner)
        >>> study.optimize(objective, n_trials=10)
        >>> len(study.trials)
        10

    Args:
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
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        super().__init__(
            50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials
        )
