"""Argument checks and step arithmetic shared by the pruners."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parzen.study import Study


def check_int(name: str, value: Any, *, minimum: int, hint: str) -> int:
    """Return ``value`` if it is an integer ``>= minimum``; raise a descriptive error otherwise.

    Args:
        name: the parameter's name, as the user spelled it.
        value: what the user passed.
        minimum: the smallest accepted value.
        hint: how to fix a wrong value, appended to the message.
    """
    # bool is an int subclass, but True as a step count is always a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__}). "
            f"{hint}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}. {hint}")
    return int(value)


def check_real(
    name: str, value: Any, *, low: float, high: float, hint: str, allow_none: bool = False
) -> float | None:
    """Return ``value`` as a float if it is a real number in ``[low, high]``; raise otherwise.

    Args:
        name: the parameter's name, as the user spelled it.
        value: what the user passed.
        low: the smallest accepted value (may be ``-inf``).
        high: the largest accepted value (may be ``inf``).
        hint: how to fix a wrong value, appended to the message.
        allow_none: accept ``None`` and return it unchanged.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number in [{low}, {high}], got {value!r} "
            f"({type(value).__name__}). {hint}"
        )
    as_float = float(value)
    if math.isnan(as_float) or not low <= as_float <= high:
        raise ValueError(f"{name} must be a real number in [{low}, {high}], got {value!r}. {hint}")
    return as_float


def check_single_objective(study: Study, pruner: object) -> None:
    """Raise ``NotImplementedError`` if ``study`` optimizes several objectives."""
    if len(study.directions) > 1:
        raise NotImplementedError(
            f"{type(pruner).__name__} prunes single-objective studies only, but this study has "
            f"{len(study.directions)} objectives. Pruning compares one intermediate value per "
            "step; create the study with a single direction, or use no pruner "
            "(parzen.pruners.NopPruner) for multi-objective optimization."
        )


def is_first_in_interval_step(
    step: int, steps: Iterable[int], n_warmup_steps: int, interval_steps: int
) -> bool:
    """Whether ``step`` is the first step reported in its pruning interval.

    Pruning checks happen at ``n_warmup_steps + k * interval_steps``. When a trial skips
    that exact step, the check is postponed to the first step reported after it; a check is
    never repeated for later steps of the same interval.
    """
    if interval_steps == 1:
        return True  # every step is a check step
    nearest_check_at_or_below = (
        n_warmup_steps + (step - n_warmup_steps) // interval_steps * interval_steps
    )
    previous_step = max((s for s in steps if s < step), default=-1)
    return previous_step < nearest_check_at_or_below
