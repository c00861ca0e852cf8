"""Bar chart of parameter importances."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parzen.trial import FrozenTrial, TrialState
from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen.importance import BaseImportanceEvaluator
    from parzen.study import Study


@dataclass
class _ImportanceBars:
    name: str
    importances: dict[str, float]  # sorted, most important first


def _get_importances_info(
    study: Study,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> list[_ImportanceBars]:
    from parzen.importance import get_param_importances

    n_complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if n_complete < 2:
        u.warn_empty(f"Importances need at least 2 COMPLETE trials; the study has {n_complete}")
        return []
    if target is None and study._is_multi_objective():
        from parzen.study import StudyDirection

        # One bar set per objective; the sign makes "lower is better" hold for evaluators
        # that assume it and changes nothing for variance-based ones.
        bars = []
        for i, direction in enumerate(study.directions):
            sign = -1.0 if direction == StudyDirection.MAXIMIZE else 1.0

            def objective(t: FrozenTrial, i: int = i, sign: float = sign) -> float:
                return sign * t.values[i]

            importances = get_param_importances(
                study, evaluator=evaluator, params=params, target=objective
            )
            bars.append(_ImportanceBars(f"{target_name} {i}", importances))
        return bars
    importances = get_param_importances(study, evaluator=evaluator, params=params, target=target)
    return [_ImportanceBars(target_name, importances)]


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot parameter importances as horizontal bars, most important on top (plotly).

    Args:
        study: The study; it needs at least two COMPLETE trials.
        evaluator: The importance evaluator; PED-ANOVA by default.
        params: Parameters to assess; see :func:`parzen.importance.get_param_importances`.
        target: Maps a trial to the value to explain. Without it a multi-objective study
            gets one bar set per objective, named ``"{target_name} {index}"``.
        target_name: The legend name of the bars.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", 0, 0.01)
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=50)
        >>> fig = parzen.visualization.plot_param_importances(study)
        >>> list(fig.data[0].y)  # least important first: plotly draws bars bottom-up
        ['y', 'x']
    """
    go = u.import_plotly()
    bars = _get_importances_info(study, evaluator, params, target, target_name)
    traces = []
    for bar in bars:
        names = list(bar.importances)[::-1]
        values = [bar.importances[name] for name in names]
        traces.append(
            go.Bar(
                x=values,
                y=names,
                orientation="h",
                name=bar.name,
                text=[f"{v:.2f}" if v >= 0.01 else "<0.01" for v in values],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x}<extra>" + bar.name + "</extra>",
            )
        )
    layout = dict(
        title="Hyperparameter Importances",
        xaxis=dict(title="Hyperparameter Importance"),
        yaxis=dict(title="Hyperparameter"),
        showlegend=len(traces) > 1,
    )
    return go.Figure(data=traces, layout=layout)
