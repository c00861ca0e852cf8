"""Ready-made study callbacks (``MaxTrialsCallback``), passed to ``Study.optimize``."""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study


class MaxTrialsCallback:
    """Stop the study once it holds ``n_trials`` trials in ``states``, counting every worker.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> complete = (parzen.trial.TrialState.COMPLETE,)
        >>> stop_at_5 = parzen.study.MaxTrialsCallback(5, states=complete)
        >>> objective = lambda t: t.suggest_float("x", 0, 1)
        >>> study.optimize(objective, n_trials=100, callbacks=[stop_at_5])
        >>> len(study.trials)
        5
    """

    def __init__(
        self,
        n_trials: int,
        states: Container[TrialState] | None = (TrialState.COMPLETE,),
    ) -> None:
        if n_trials < 0:
            raise ValueError(f"n_trials must be >= 0, got {n_trials}.")
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        n = len(study.get_trials(deepcopy=False, states=self._states))
        if n >= self._n_trials:
            study.stop()
