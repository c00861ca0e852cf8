"""The study callback that applies a terminator after every trial."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parzen.logging import get_logger
from parzen.terminator._terminator import BaseTerminator, Terminator

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

_logger = get_logger(__name__)


class TerminatorCallback:
    """Stops :meth:`~parzen.study.Study.optimize` when a terminator says so.

    Pass it in ``callbacks``; after each trial it asks the terminator, and if the study should
    stop it logs so and calls :meth:`~parzen.study.Study.stop` (trials already running finish).

    Args:
        terminator: The terminator to ask. Defaults to :class:`~parzen.terminator.Terminator`
            with its defaults (the regret bound against the cross-validation error).

    Examples:
        >>> import parzen
        >>> from parzen.terminator import (
        ...     BestValueStagnationEvaluator,
        ...     Terminator,
        ...     TerminatorCallback,
        ... )
        >>> callback = TerminatorCallback(
        ...     Terminator(BestValueStagnationEvaluator(max_stagnation_trials=3), min_n_trials=3)
        ... )
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: 1.0, n_trials=50, callbacks=[callback])
        >>> len(study.trials)
        5
    """

    def __init__(self, terminator: BaseTerminator | None = None) -> None:
        self._terminator = terminator or Terminator()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._terminator.should_terminate(study=study):
            _logger.info("The study has been stopped by the terminator.")
            study.stop()
