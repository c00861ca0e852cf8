"""Error evaluators: the statistical error of the objective, below which gains are noise."""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.trial import BaseTrial

# The system attribute Optuna stores cross-validation scores under: studies brought over from
# Optuna keep theirs.
CV_SCORES_KEY = "terminator:cv_scores"


class BaseErrorEvaluator(abc.ABC):
    """Estimates the statistical error of the objective function.

    Examples:
        >>> from parzen.terminator import BaseErrorEvaluator
        >>> class Tenth(BaseErrorEvaluator):
        ...     def evaluate(self, trials, study_direction):
        ...         return 0.1
        >>> Tenth().evaluate([], None)
        0.1
    """

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the statistical error.

        Args:
            trials: The study's trials, in any state.
            study_direction: The direction of the study.
        """


class CrossValidationErrorEvaluator(BaseErrorEvaluator):
    """The error of a cross-validated objective, from the best trial's fold scores.

    The objective is assumed to be the mean of ``k`` fold scores, reported with
    :func:`report_cross_validation_scores`. The error is the standard deviation of that mean
    with the correction of Nadeau & Bengio (2003) for folds that share training data, as
    Makarova et al. (2022) use it: ``sqrt((1/k + 1/(k - 1)) * var)``, where ``var`` is the
    (population) variance of the best COMPLETE trial's scores.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import (
        ...     CrossValidationErrorEvaluator,
        ...     report_cross_validation_scores,
        ... )
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     scores = [x, x + 0.2]
        ...     report_cross_validation_scores(trial, scores)
        ...     return sum(scores) / 2
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=3)
        >>> round(CrossValidationErrorEvaluator().evaluate(study.trials, study.direction), 6)
        0.122474
    """

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the error of the best COMPLETE trial's cross-validated value.

        Raises:
            ValueError: If no trial is COMPLETE, or the best one reported no scores.
        """
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if not complete:
            raise ValueError(
                "Because no trial has been completed yet, the cross-validation error cannot be "
                "evaluated."
            )
        pick = max if study_direction == StudyDirection.MAXIMIZE else min
        best = pick(complete, key=lambda t: float(t.value))
        scores = best.system_attrs.get(CV_SCORES_KEY)
        if scores is None:
            raise ValueError(
                "Cross-validation scores have not been reported. Please call "
                "`report_cross_validation_scores(trial, scores)` during a trial and pass the "
                f"list of scores as `scores` (trial {best.number}, the best, has none)."
            )
        k = len(scores)
        variance = float(np.var(np.asarray(scores, dtype=float)))
        return math.sqrt((1.0 / k + 1.0 / (k - 1)) * variance)


class StaticErrorEvaluator(BaseErrorEvaluator):
    """An error that is always the same constant: stop once the improvement is below it.

    Args:
        constant: The error to return.

    Examples:
        >>> from parzen.terminator import StaticErrorEvaluator
        >>> StaticErrorEvaluator(constant=0.05).evaluate([], None)
        0.05
    """

    def __init__(self, constant: float) -> None:
        self._constant = constant

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the constant."""
        return self._constant


def report_cross_validation_scores(trial: BaseTrial, scores: Sequence[float]) -> None:
    """Record the cross-validation scores of a trial, for :class:`CrossValidationErrorEvaluator`.

    Call it in the objective with the fold scores whose mean the objective returns. The scores
    are stored as a JSON list in the trial's system attribute ``"terminator:cv_scores"`` (the
    key Optuna uses).

    Args:
        trial: The running trial (a :class:`~parzen.trial.FixedTrial` keeps them in memory).
        scores: Two or more fold scores, e.g. what ``cross_val_score`` returns.

    Raises:
        ValueError: If fewer than two scores are given.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import report_cross_validation_scores
        >>> study = parzen.create_study()
        >>> trial = study.ask()
        >>> report_cross_validation_scores(trial, [0.8, 0.9, 0.85])
        >>> _ = study.tell(trial, 0.85)
        >>> study.trials[0].system_attrs["terminator:cv_scores"]
        [0.8, 0.9, 0.85]
    """
    values = [float(s) for s in np.asarray(scores, dtype=float).ravel()]
    if len(values) <= 1:
        raise ValueError(
            "The length of `scores` is expected to be greater than one: the error is estimated "
            f"from the spread of the fold scores, got {list(values)!r}."
        )
    trial.set_system_attr(CV_SCORES_KEY, values)
