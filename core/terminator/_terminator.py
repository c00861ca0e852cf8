"""Terminators: decide from a study's trials whether to stop it."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from parzen.terminator._erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
)
from parzen.terminator._improvement import (
    DEFAULT_MIN_N_TRIALS,
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study


class BaseTerminator(abc.ABC):
    """Decides whether a study should stop.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import BaseTerminator, TerminatorCallback
        >>> class AfterFive(BaseTerminator):
        ...     def should_terminate(self, study):
        ...         return len(study.trials) >= 5
        >>> study = parzen.create_study()
        >>> study.optimize(
        ...     lambda t: t.suggest_float("x", 0, 1),
        ...     n_trials=50,
        ...     callbacks=[TerminatorCallback(AfterFive())],
        ... )
        >>> len(study.trials)
        5
    """

    @abc.abstractmethod
    def should_terminate(self, study: Study) -> bool:
        """Return whether ``study`` should stop."""


def default_error_evaluator(
    improvement_evaluator: BaseImprovementEvaluator,
) -> BaseErrorEvaluator:
    """The error evaluator that goes with an improvement evaluator when none is given.

    A stagnation count is compared with 0; every other improvement with the cross-validation
    error, as in Makarova et al. (2022).
    """
    if isinstance(improvement_evaluator, BestValueStagnationEvaluator):
        return StaticErrorEvaluator(constant=0)
    return CrossValidationErrorEvaluator()


class Terminator(BaseTerminator):
    """Stops a study when the room left for improvement is below the objective's error.

    Makarova et al. (2022), "Automatic termination for hyperparameter optimization": once a
    better configuration can gain less than the statistical error of the objective (e.g. the
    spread of its cross-validation folds), further trials only fit noise. The terminator
    compares the two once at least ``min_n_trials`` trials are COMPLETE; use it through
    :class:`~parzen.terminator.TerminatorCallback`, or ask :meth:`should_terminate` in an
    ask-and-tell loop.

    Args:
        improvement_evaluator: Estimates the room for improvement. Defaults to
            :class:`~parzen.terminator.RegretBoundEvaluator`.
        error_evaluator: Estimates the statistical error. Defaults to
            :class:`~parzen.terminator.StaticErrorEvaluator` with 0 for a
            :class:`~parzen.terminator.BestValueStagnationEvaluator`, and to
            :class:`~parzen.terminator.CrossValidationErrorEvaluator` otherwise (the objective
            must then call :func:`~parzen.terminator.report_cross_validation_scores`).
        min_n_trials: COMPLETE trials needed before the study may stop.

    Raises:
        ValueError: If ``min_n_trials`` is not a positive integer.

    Examples:
        >>> import parzen
        >>> from parzen.terminator import (
        ...     BestValueStagnationEvaluator,
        ...     Terminator,
        ...     TerminatorCallback,
        ... )
        >>> terminator = Terminator(
        ...     improvement_evaluator=BestValueStagnationEvaluator(max_stagnation_trials=5),
        ...     min_n_trials=5,
        ... )
        >>> study = parzen.create_study()
        >>> study.optimize(
        ...     lambda t: t.suggest_int("x", 0, 1),
        ...     n_trials=100,
        ...     callbacks=[TerminatorCallback(terminator)],
        ... )
        >>> len(study.trials) < 100
        True
    """

    def __init__(
        self,
        improvement_evaluator: BaseImprovementEvaluator | None = None,
        error_evaluator: BaseErrorEvaluator | None = None,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
    ) -> None:
        # Optuna accepts any positive number here (1.5, True): so do we.
        if not isinstance(min_n_trials, (int, float)) or not min_n_trials > 0:
            raise ValueError(
                f"`min_n_trials` is expected to be a positive integer, got {min_n_trials!r}."
            )
        self._improvement_evaluator = improvement_evaluator or RegretBoundEvaluator()
        self._error_evaluator = error_evaluator or default_error_evaluator(
            self._improvement_evaluator
        )
        self._min_n_trials = min_n_trials

    def should_terminate(self, study: Study) -> bool:
        """Whether the estimated improvement is below the estimated error.

        Always ``False`` while fewer than ``min_n_trials`` trials are COMPLETE. The evaluators
        receive every trial of the study, in any state.

        Raises:
            RuntimeError: If the study has several objectives.
        """
        direction = study.direction
        trials = study.get_trials(deepcopy=False)
        n_complete = sum(1 for t in trials if t.state == TrialState.COMPLETE)
        if n_complete < self._min_n_trials:
            return False
        improvement = self._improvement_evaluator.evaluate(
            trials=trials, study_direction=direction
        )
        error = self._error_evaluator.evaluate(trials=trials, study_direction=direction)
        return improvement < error
