"""What NSGA-II/III do when a trial finishes: record the ``constraints_func`` values."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

__all__ = ["NSGAIIAfterTrialStrategy", "store_constraints"]

_CONSTRAINTS_KEY = "constraints"


def store_constraints(
    study: Study,
    trial: FrozenTrial,
    constraints_func: Callable[[FrozenTrial], Sequence[float]],
) -> None:
    """Call ``constraints_func(trial)`` and store the values in the trial's system attribute
    ``"constraints"`` as ``{"0": v0, "1": v1, ...}`` (merged with constraints already set
    through :meth:`Trial.set_constraint`).

    Raises:
        TypeError: the function did not return a sequence of numbers.
        ValueError: a value is NaN.
    """
    constraints = constraints_func(trial)
    try:
        floats = [float(c) for c in constraints]
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"constraints_func must return a sequence of floats, got {constraints!r}."
        ) from e
    if any(math.isnan(c) for c in floats):
        raise ValueError(
            f"constraints_func returned NaN for trial {trial.number}: {floats}. "
            "Return finite numbers (<= 0 means satisfied)."
        )
    stored = trial.system_attrs.get(_CONSTRAINTS_KEY)
    merged = dict(stored) if isinstance(stored, dict) else {}
    merged.update({str(i): c for i, c in enumerate(floats)})
    study._storage.set_trial_system_attr(trial._trial_id, _CONSTRAINTS_KEY, merged)


class NSGAIIAfterTrialStrategy:
    """After each COMPLETE trial, evaluate ``constraints_func`` and store its values.

    As in Optuna, the function is not called for FAILed or PRUNED trials.

    Args:
        constraints_func: ``constraints_func(frozen_trial)`` returns constraint values
            (feasible when every value is ``<= 0``); None to do nothing.

    Example:
        >>> import parzen
        >>> from parzen.samplers._nsga import NSGAIIAfterTrialStrategy
        >>> study = parzen.create_study()
        >>> trial = study.ask()
        >>> _ = trial.suggest_float("x", 0, 1)
        >>> frozen = study._storage.get_trial(trial._trial_id)
        >>> strategy = NSGAIIAfterTrialStrategy(constraints_func=lambda t: [t.params["x"] - 2])
        >>> strategy(study, frozen, parzen.trial.TrialState.COMPLETE, [0.0])
        >>> list(study._storage.get_trial_system_attrs(trial._trial_id)["constraints"])
        ['0']
    """

    def __init__(
        self, *, constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None
    ) -> None:
        self._constraints_func = constraints_func

    def __call__(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None = None,
    ) -> None:
        if self._constraints_func is not None and state == TrialState.COMPLETE:
            store_constraints(study, trial, self._constraints_func)
