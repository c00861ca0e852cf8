"""Prune trials whose latest value leaves a fixed range."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from parzen.pruners._base import BasePruner
from parzen.pruners._common import (
    check_int,
    check_real,
    check_single_objective,
    is_first_in_interval_step,
)

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial


class ThresholdPruner(BasePruner):
    """Prune a trial whose latest intermediate value falls outside ``[lower, upper]``.

    At each pruning check, the value reported at the largest step so far is compared with the
    bounds: the trial is pruned if it is below ``lower``, above ``upper``, or NaN. A value equal
    to a bound is kept. Useful to stop diverging runs (a loss that explodes, an accuracy that
    stays at chance level) regardless of the other trials.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     lr = trial.suggest_float("lr", 1e-3, 10.0, log=True)
        ...     loss = 1.0
        ...     for step in range(10):
        ...         loss *= 1.0 + lr - 0.5  # diverges when lr > 0.5
        ...         trial.report(loss, step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return loss
        >>> study = parzen.create_study(pruner=parzen.pruners.ThresholdPruner(upper=100.0))
        >>> study.optimize(objective, n_trials=5)
        >>> len(study.trials)
        5

    Args:
        lower: Prune when the latest value is smaller than this. ``None`` for no lower bound.
        upper: Prune when the latest value is larger than this. ``None`` for no upper bound.
        n_warmup_steps: Pruning is disabled while the step is below this.
        interval_steps: Interval in steps between pruning checks, offset by the warmup
            steps. If no value is reported at a check's step, the check is postponed to the
            next reported step. At least 1.

    Raises:
        TypeError: if neither bound is given, or an argument has the wrong type.
        ValueError: if ``lower > upper`` or an argument is out of range.
    """

    def __init__(
        self,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        if lower is None and upper is None:
            raise TypeError(
                "ThresholdPruner needs a bound, got lower=None and upper=None. Pass lower=..., "
                "upper=..., or both, e.g. ThresholdPruner(upper=1e3) to stop diverging losses."
            )
        hint = "Pass a number, or None for no bound on that side."
        inf = math.inf
        self._lower = check_real("lower", lower, low=-inf, high=inf, hint=hint, allow_none=True)
        self._upper = check_real("upper", upper, low=-inf, high=inf, hint=hint, allow_none=True)
        if self._lower is not None and self._upper is not None and self._lower > self._upper:
            raise ValueError(
                f"lower must not exceed upper, got lower={lower!r} and upper={upper!r}. Swap "
                "them, or widen the range so that acceptable values lie between the two."
            )
        self._n_warmup_steps = check_int(
            "n_warmup_steps",
            n_warmup_steps,
            minimum=0,
            hint="Pass 0 to allow pruning from the first step.",
        )
        self._interval_steps = check_int(
            "interval_steps", interval_steps, minimum=1, hint="Pass 1 to check at every step."
        )

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
        latest = intermediate_values[step]
        if math.isnan(latest):
            return True
        if self._lower is not None and latest < self._lower:
            return True
        return self._upper is not None and latest > self._upper
