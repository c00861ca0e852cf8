"""Reading the constraints recorded on a trial; feasible means every constraint <= 0."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parzen._records.keys import CONSTRAINTS_KEY

if TYPE_CHECKING:
    from parzen.trial import FrozenTrial


def get_constraints(trial: FrozenTrial) -> list[float] | None:
    """The trial's constraint values in the order they were set, or None if it has none.

    Both :meth:`Trial.set_constraint` and samplers' ``constraints_func`` store them as a
    dict (name -> value) under the system attribute ``"constraints"``; a list, as other
    tools write it, is read too.
    """
    stored = trial.system_attrs.get(CONSTRAINTS_KEY)
    if stored is None:
        return None
    if isinstance(stored, dict):
        return [float(v) for v in stored.values()]
    return [float(v) for v in stored]


def is_feasible(trial: FrozenTrial) -> bool:
    """Whether every constraint of the trial is <= 0 (a trial without constraints is)."""
    constraints = get_constraints(trial)
    return constraints is None or all(c <= 0.0 for c in constraints)
