from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from parzen.trial import FrozenTrial

if TYPE_CHECKING:
    from parzen.study import Study


class BasePruner(abc.ABC):
    """Decides whether a running trial should stop early.

    ``Trial.should_prune()`` calls :meth:`prune` with a snapshot of the trial, whose
    ``intermediate_values`` hold what the objective reported so far.

    Example:
        >>> import parzen
        >>> class StopAfterThree(parzen.pruners.BasePruner):
        ...     def prune(self, study, trial):
        ...         return trial.last_step is not None and trial.last_step >= 3
        >>> def objective(trial):
        ...     for step in range(10):
        ...         trial.report(float(step), step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return 0.0
        >>> study = parzen.create_study(pruner=StopAfterThree())
        >>> study.optimize(objective, n_trials=1)
        >>> study.trials[0].state.name
        'PRUNED'
    """

    @abc.abstractmethod
    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Whether to stop ``trial`` now."""
