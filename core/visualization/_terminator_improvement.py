"""The terminator's improvement (and error) after each trial, as it would have judged then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.terminator import BaseErrorEvaluator, BaseImprovementEvaluator, RegretBoundEvaluator
from parzen.terminator._improvement import DEFAULT_MIN_N_TRIALS
from parzen.terminator._terminator import default_error_evaluator
from parzen.trial import FrozenTrial, TrialState
from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen._records.direction import StudyDirection
    from parzen.study import Study

COLOR_IMPROVEMENT = u.COLOR_COMPLETE
COLOR_ERROR = u.COLOR_FAIL
# Opacity of the improvement before min_n_trials, when the terminator does not act on it yet.
EARLY_ALPHA = 0.25


@dataclass
class ImprovementCurve:
    """Improvement (and error) evaluated on the first ``k`` trials, for each position ``k``.

    ``positions`` index the trials in number order (COMPLETE and PRUNED ones);
    ``trial_numbers`` are their numbers, the x axis of the plots.
    """

    positions: np.ndarray
    trial_numbers: np.ndarray
    improvements: np.ndarray
    errors: np.ndarray | None


def improvement_curve(
    trials: Sequence[FrozenTrial],
    direction: StudyDirection,
    improvement_evaluator: BaseImprovementEvaluator,
    error_evaluator: BaseErrorEvaluator | None,
    positions: Sequence[int] | None = None,
) -> ImprovementCurve:
    """Evaluate the terminator's two estimates on growing prefixes of ``trials``.

    Args:
        trials: The study's trials; COMPLETE and PRUNED ones are used, in number order.
        direction: The study's direction.
        improvement_evaluator: The improvement to evaluate.
        error_evaluator: The error to evaluate, or None for none.
        positions: Prefix ends to evaluate at (0-based, into the used trials); every position
            when None. Positions before the first COMPLETE trial are skipped.
    """
    used = sorted(
        (t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)),
        key=lambda t: t.number,
    )
    complete_so_far = np.cumsum([t.state == TrialState.COMPLETE for t in used])
    wanted = range(len(used)) if positions is None else positions
    kept = [i for i in wanted if 0 <= i < len(used) and complete_so_far[i] > 0]
    improvements = [
        float(improvement_evaluator.evaluate(trials=used[: i + 1], study_direction=direction))
        for i in kept
    ]
    errors = None
    if error_evaluator is not None:
        errors = np.array(
            [
                float(error_evaluator.evaluate(trials=used[: i + 1], study_direction=direction))
                for i in kept
            ]
        )
    return ImprovementCurve(
        positions=np.array(kept, dtype=int),
        trial_numbers=np.array([used[i].number for i in kept], dtype=int),
        improvements=np.array(improvements),
        errors=errors,
    )


def _get_improvement_info(
    study: Study,
    plot_error: bool,
    improvement_evaluator: BaseImprovementEvaluator | None,
    error_evaluator: BaseErrorEvaluator | None,
) -> ImprovementCurve:
    if study._is_multi_objective():
        raise ValueError("This function does not support multi-objective optimization study.")
    improvement = improvement_evaluator or RegretBoundEvaluator()
    error = None
    if plot_error:
        error = error_evaluator or default_error_evaluator(improvement)
    trials = study.get_trials(deepcopy=False)
    if not any(t.state == TrialState.COMPLETE for t in trials):
        u.warn_empty("There are no complete trials")
    return improvement_curve(trials, study.direction, improvement, error)


def split_at(curve: ImprovementCurve, min_n_trials: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the points before and after ``min_n_trials``; both hold the boundary point, so
    that the two segments join."""
    early = curve.positions <= min_n_trials
    late = curve.positions >= min_n_trials
    return early, late


def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = DEFAULT_MIN_N_TRIALS,
) -> Any:
    """Plot the terminator's estimated room for improvement after each trial (plotly).

    At each trial the improvement evaluator is run on the trials up to it, showing how the
    :class:`~parzen.terminator.Terminator` would have judged the study then. The part before
    ``min_n_trials``, where the terminator does not act yet, is drawn translucent. With
    ``plot_error`` the error the improvement is compared with is drawn too: the study stops
    where the improvement falls below it.

    Args:
        study: A single-objective study.
        plot_error: Whether to draw the error as well.
        improvement_evaluator: Defaults to :class:`~parzen.terminator.RegretBoundEvaluator`.
        error_evaluator: Defaults to what :class:`~parzen.terminator.Terminator` pairs with the
            improvement evaluator (the cross-validation error, whose scores the objective must
            report with :func:`~parzen.terminator.report_cross_validation_scores`).
        min_n_trials: Where the terminator starts to act.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        ValueError: For a multi-objective study, or when the error evaluator cannot evaluate
            (e.g. no cross-validation scores were reported).

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=6)
        >>> fig = parzen.visualization.plot_terminator_improvement(study, min_n_trials=3)
        >>> [trace.name for trace in fig.data]
        ['Terminator Improvement', 'Terminator Improvement']
    """
    go = u.import_plotly()
    curve = _get_improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    early, late = split_at(curve, min_n_trials)
    traces = []
    for mask, alpha in ((early, EARLY_ALPHA), (late, 1.0)):
        if mask.any():
            traces.append(
                go.Scatter(
                    x=curve.trial_numbers[mask],
                    y=curve.improvements[mask],
                    mode="markers+lines",
                    name="Terminator Improvement",
                    marker=dict(color=COLOR_IMPROVEMENT),
                    opacity=alpha,
                    showlegend=alpha == 1.0 or not late.any(),
                )
            )
    if curve.errors is not None and len(curve.errors):
        traces.append(
            go.Scatter(
                x=curve.trial_numbers,
                y=curve.errors,
                mode="markers+lines",
                name="Error",
                marker=dict(color=COLOR_ERROR),
            )
        )
    layout = dict(
        title="Terminator Improvement Plot",
        xaxis=dict(title="Trial"),
        yaxis=dict(title="Terminator Improvement"),
    )
    return go.Figure(data=traces, layout=layout)
