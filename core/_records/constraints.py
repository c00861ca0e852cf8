"""Reading the constraints recorded on a trial; feasible means every constraint <= 0.

Constraints live in a trial's system attributes, in the two places Optuna 5 puts them, so
that studies move between parzen and Optuna unchanged:

- ``"constraints"``: the list a sampler's ``constraints_func`` returned, read as
  ``{"0": v0, "1": v1, ...}`` (a dict there, written by parzen before this layout, reads as
  it is);
- ``"constraints:<name>"``: one attribute per :meth:`Trial.set_constraint` call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from parzen._records.keys import CONSTRAINTS_KEY

if TYPE_CHECKING:
    from parzen.trial import FrozenTrial

#: The prefix of the system attribute of one named constraint: ``"constraints:<name>"``.
CONSTRAINT_PREFIX = CONSTRAINTS_KEY + ":"


def named_constraint_key(name: str) -> str:
    """The system attribute that holds the constraint ``name``."""
    return CONSTRAINT_PREFIX + name


def read_constraints(system_attrs: Mapping[str, Any]) -> dict[str, float]:
    """Every constraint in ``system_attrs``, name -> value: the sampler's first, by index,
    then the named ones in the order they were set.

    Examples:
        >>> read_constraints({"constraints": [0.5, -1.0], "constraints:memory": 2.0})
        {'0': 0.5, '1': -1.0, 'memory': 2.0}
    """
    constraints: dict[str, float] = {}
    stored = system_attrs.get(CONSTRAINTS_KEY)
    if isinstance(stored, Mapping):
        constraints.update((str(k), float(v)) for k, v in stored.items())
    elif stored is not None:
        constraints.update((str(i), float(v)) for i, v in enumerate(stored))
    for key, value in system_attrs.items():
        if key.startswith(CONSTRAINT_PREFIX):
            constraints[key[len(CONSTRAINT_PREFIX) :]] = float(value)
    return constraints


def get_constraints(trial: FrozenTrial) -> list[float] | None:
    """The trial's constraint values (see :func:`read_constraints`), or None if it has none."""
    constraints = read_constraints(trial.system_attrs)
    return list(constraints.values()) if constraints else None


def is_feasible(trial: FrozenTrial) -> bool:
    """Whether every constraint of the trial is <= 0 (a trial without constraints is)."""
    constraints = get_constraints(trial)
    return constraints is None or all(c <= 0.0 for c in constraints)
