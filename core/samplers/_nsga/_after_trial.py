"""What NSGA-II/III do when a trial finishes: record the ``constraints_func`` values
(through :func:`parzen.samplers._constraints.record_constraints`, shared with TPE and GP)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from parzen.samplers._constraints import record_constraints

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, TrialState

__all__ = ["NSGAIIAfterTrialStrategy"]


class NSGAIIAfterTrialStrategy:
    """After each COMPLETE or PRUNED trial, evaluate ``constraints_func`` and store its values.

    As in Optuna, the function is not called for FAILed trials.

    Args:
        constraints_func: ``constraints_func(frozen_trial)`` returns constraint values
            (feasible when every value is ``<= 0``); None to do nothing.

    Examples:
        >>> import parzen
        >>> from parzen.samplers._nsga import NSGAIIAfterTrialStrategy
        >>> study = parzen.create_study()
        >>> trial = study.ask()
        >>> _ = trial.suggest_float("x", 0, 1)
        >>> frozen = study.get_trials(deepcopy=False)[0]
        >>> strategy = NSGAIIAfterTrialStrategy(constraints_func=lambda t: [t.params["x"] - 2])
        >>> strategy(study, frozen, parzen.trial.TrialState.COMPLETE, [0.0])
        >>> study.get_trial_system_attrs(frozen)["constraints"] == [frozen.params["x"] - 2]
        True
    """

    def __init__(
        self, *, constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None
    ) -> None:
        self._constraints_func = constraints_func

    def __call__(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None = None,
    ) -> None:
        record_constraints(study, trial, state, self._constraints_func)
