"""Constraint values on trials: validation and the keep-the-first-value rule, shared by
Trial, FrozenTrial, FixedTrial and create_trial.

Each constraint is stored in its own system attribute ``"constraints:<name>"``, as Optuna 5
stores it (see :mod:`parzen._records.constraints`), so that any storage, copy_study and
Optuna itself keep and read them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from parzen._records.constraints import named_constraint_key, read_constraints


def constraint_value(key: str, value: Any) -> float:
    """The constraint as a float; TypeError for a non-number, ValueError for NaN."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
        raise TypeError(
            f"Constraint {key!r} must be a number, got {value!r} ({type(value).__name__})."
        )
    number = float(value)
    if math.isnan(number):
        raise ValueError(
            f"Constraint {key!r} is NaN; a constraint must be a number (<= 0 is feasible)."
        )
    return number


def with_constraint(system_attrs: Mapping[str, Any], key: str, value: Any) -> float | None:
    """The value to store for constraint ``key``, or None (with a UserWarning) if ``key`` was
    set before: as in Optuna, the first value of a constraint is kept."""
    number = constraint_value(key, value)
    name = str(key)
    existing = system_attrs.get(named_constraint_key(name))
    if existing is not None:
        warnings.warn(
            f"The constraint {name!r} is already set to {existing}; the new value "
            f"{number} is ignored (a trial keeps the first value of each constraint).",
            UserWarning,
            stacklevel=3,
        )
        return None
    return number


__all__ = ["constraint_value", "read_constraints", "with_constraint"]
