"""Stop a study when further trials are unlikely to help.

A :class:`Terminator` compares two estimates after each trial: the room left for improvement
(an improvement evaluator, by default the Gaussian-process regret bound of Makarova et al.,
2022) and the statistical error of the objective (an error evaluator, by default the spread
of the best trial's cross-validation scores, reported with
:func:`report_cross_validation_scores`). Once the improvement is below the error, further
trials only fit noise, and :class:`TerminatorCallback` stops
:meth:`~parzen.study.Study.optimize`. Names and signatures are Optuna's; the Gaussian process
is parzen's own (numpy and scipy, no torch).

Examples:
    >>> import parzen
    >>> from parzen.terminator import (
    ...     BestValueStagnationEvaluator,
    ...     Terminator,
    ...     TerminatorCallback,
    ... )
    >>> terminator = Terminator(BestValueStagnationEvaluator(max_stagnation_trials=10))
    >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    >>> study.optimize(
    ...     lambda t: t.suggest_int("x", 0, 2),
    ...     n_trials=1000,
    ...     callbacks=[TerminatorCallback(terminator)],
    ... )
    >>> len(study.trials) < 1000
    True
"""

from __future__ import annotations

from parzen.terminator._callback import TerminatorCallback
from parzen.terminator._emmr import EMMREvaluator
from parzen.terminator._erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
    report_cross_validation_scores,
)
from parzen.terminator._improvement import (
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from parzen.terminator._median_erroreval import MedianErrorEvaluator
from parzen.terminator._terminator import BaseTerminator, Terminator

__all__ = [
    "BaseErrorEvaluator",
    "BaseImprovementEvaluator",
    "BaseTerminator",
    "BestValueStagnationEvaluator",
    "CrossValidationErrorEvaluator",
    "EMMREvaluator",
    "MedianErrorEvaluator",
    "RegretBoundEvaluator",
    "StaticErrorEvaluator",
    "Terminator",
    "TerminatorCallback",
    "report_cross_validation_scores",
]
