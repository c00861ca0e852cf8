"""What the experiment-tracking bridges (MLflow, TensorBoard, W&B) share: metric names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parzen.study import Study


def check_metric_name(metric_name: str | Sequence[str]) -> str | list[str]:
    """Validate a bridge's ``metric_name`` argument: a str, or one distinct str per objective."""
    if isinstance(metric_name, str):
        return metric_name
    if not isinstance(metric_name, Sequence) or not all(isinstance(n, str) for n in metric_name):
        raise TypeError(
            f"metric_name must be a str or a list of str (one per objective), got {metric_name!r}."
        )
    names = list(metric_name)
    if not names:
        raise ValueError("metric_name is an empty list; pass one name per objective.")
    if len(set(names)) != len(names):
        raise ValueError(f"metric_name repeats a name: {names!r}; give each objective its own.")
    return names


def metric_names(owner: str, metric_name: str | list[str], study: Study) -> list[str]:
    """The name each objective's value is logged under.

    As in Optuna, a single name gets ``_0``, ``_1``, ... suffixes in a multi-objective study,
    and the names set with ``Study.set_metric_names`` play no part.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(directions=["minimize", "maximize"])
        >>> metric_names("MLflowCallback", "loss", study)
        ['loss_0', 'loss_1']
    """
    n_objectives = len(study.directions)
    if isinstance(metric_name, str):
        if n_objectives == 1:
            return [metric_name]
        return [f"{metric_name}_{i}" for i in range(n_objectives)]
    if len(metric_name) != n_objectives:
        raise ValueError(
            f"{owner} got {len(metric_name)} metric name(s) {metric_name!r} for study "
            f"{study.study_name!r}, which has {n_objectives} objective(s). Pass one name per "
            "objective, or a single name to be suffixed _0, _1, ..."
        )
    return list(metric_name)
