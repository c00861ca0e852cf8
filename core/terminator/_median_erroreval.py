"""An error threshold relative to the improvement's early values (Ishibashi et al., 2023)."""

from __future__ import annotations

import sys

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.terminator._erroreval import BaseErrorEvaluator
from parzen.terminator._improvement import BaseImprovementEvaluator
from parzen.trial import FrozenTrial, TrialState

# Returned until the threshold is known: below any improvement, so the study goes on.
_NOT_YET = -sys.float_info.min


class MedianErrorEvaluator(BaseErrorEvaluator):
    """A threshold that is a fixed ratio of the improvement's median over the first trials.

    Ishibashi et al. (2023) set the threshold of their criterion this way, which frees it from
    the scale of the objective. Once ``warm_up_trials + n_initial_trials`` trials are
    COMPLETE, the paired improvement evaluator is run on the COMPLETE trials after the warm-up,
    growing one trial at a time (``n_initial_trials`` evaluations); the threshold is
    ``threshold_ratio`` times the median of those values (for an even count, the larger of the
    two middle values). It is computed once and then kept. Until then the error is a tiny
    negative number, so the study never stops on it.

    Args:
        paired_improvement_evaluator: The improvement evaluator the
            :class:`~parzen.terminator.Terminator` uses with this error evaluator.
        warm_up_trials: COMPLETE trials left out first (often random start-up trials).
        n_initial_trials: COMPLETE trials after the warm-up whose improvements give the median.
        threshold_ratio: The threshold as a share of that median.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import (
        ...     BaseImprovementEvaluator,
        ...     MedianErrorEvaluator,
        ... )
        >>> class CountDown(BaseImprovementEvaluator):
        ...     def evaluate(self, trials, study_direction):
        ...         return 10.0 - len(trials)
        >>> error = MedianErrorEvaluator(
        ...     CountDown(), warm_up_trials=1, n_initial_trials=3, threshold_ratio=0.5
        ... )
        >>> study = parzen.create_study()
        >>> for v in range(4):
        ...     study.add_trial(parzen.trial.create_trial(value=v))
        >>> error.evaluate(study.trials, study.direction)  # median of 9, 8, 7 is 8
        4.0
    """

    def __init__(
        self,
        paired_improvement_evaluator: BaseImprovementEvaluator,
        warm_up_trials: int = 10,
        n_initial_trials: int = 20,
        threshold_ratio: float = 0.01,
    ) -> None:
        if warm_up_trials < 0:
            raise ValueError(
                "`warm_up_trials` is expected to be a non-negative integer, got "
                f"{warm_up_trials!r}."
            )
        if n_initial_trials <= 0:
            raise ValueError(
                "`n_initial_trials` is expected to be a positive integer, got "
                f"{n_initial_trials!r}."
            )
        if not threshold_ratio > 0.0:
            raise ValueError(
                f"`threshold_ratio` is expected to be positive, got {threshold_ratio!r}."
            )
        self._improvement_evaluator = paired_improvement_evaluator
        self._warm_up_trials = int(warm_up_trials)
        self._n_initial_trials = int(n_initial_trials)
        self._threshold_ratio = float(threshold_ratio)
        self._threshold: float | None = None

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the threshold, or a tiny negative number while it is not known yet."""
        if self._threshold is not None:
            return self._threshold
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        start = self._warm_up_trials
        if len(complete) < start + self._n_initial_trials:
            return _NOT_YET
        improvements = [
            self._improvement_evaluator.evaluate(
                trials=complete[start : start + i + 1], study_direction=study_direction
            )
            for i in range(self._n_initial_trials)
        ]
        upper_median = float(np.sort(improvements)[len(improvements) // 2])
        self._threshold = upper_median * self._threshold_ratio
        return self._threshold
