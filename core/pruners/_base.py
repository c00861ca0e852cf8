"""BasePruner: the one-method contract of every pruner, and what it may read of the study."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from parzen.trial import FrozenTrial

if TYPE_CHECKING:
    from parzen.study import Study


class BasePruner(abc.ABC):
    """Decides whether a running trial should stop early.

    ``Trial.should_prune()`` calls :meth:`prune` with a snapshot of the trial, whose
    ``intermediate_values`` hold what the objective reported so far; a pruner has no other
    hook. It reads the study through the same narrow interface as samplers (see
    :class:`~parzen.samplers.BaseSampler`): ``get_trials``, ``get_finished_trials_since``,
    ``count_trials``, ``get_trial_system_attrs``, ``set_trial_system_attr``,
    ``system_attrs``, ``set_system_attr``, ``cache_key``, ``directions`` and
    ``study_name``; never ``study._storage``. The study may be a view (Hyperband gives each
    bracket's pruner a view of that bracket's trials).

    Examples:
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
        """Whether to stop ``trial`` now.

        Args:
            study: the trial's study, or a view of it.
            trial: a snapshot of the running trial, with the intermediate values reported so
                far.

        Returns:
            True to stop the trial: ``should_prune()`` returns it, and the objective raises
            :class:`~parzen.TrialPruned`.
        """
