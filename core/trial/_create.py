"""``create_trial``: build a finished (or waiting) FrozenTrial by hand, for ``Study.add_trial``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from parzen._records.constraints import named_constraint_key
from parzen.distributions import BaseDistribution, _to_current
from parzen.trial._constraints import constraint_value
from parzen.trial._frozen import FrozenTrial
from parzen.trial._state import TrialState


def create_trial(
    *,
    state: TrialState = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: dict[str, Any] | None = None,
    distributions: dict[str, BaseDistribution] | None = None,
    user_attrs: dict[str, Any] | None = None,
    system_attrs: dict[str, Any] | None = None,
    intermediate_values: dict[int, float] | None = None,
    constraints: dict[str, float] | None = None,
) -> FrozenTrial:
    """Build a finished (or WAITING) trial, e.g. to add results from elsewhere to a study.

    Args:
        constraints: constraint values, name -> value (feasible when every one is <= 0);
            kept in ``system_attrs`` so that every storage and ``copy_study`` keep them.

    Examples:
        >>> import parzen
        >>> from parzen.distributions import FloatDistribution
        >>> study = parzen.create_study()
        >>> trial = parzen.trial.create_trial(
        ...     params={"x": 2.0},
        ...     distributions={"x": FloatDistribution(0, 10)},
        ...     value=4.0,
        ... )
        >>> study.add_trial(trial)
        >>> study.best_value
        4.0
    """
    now = datetime.datetime.now()
    system = dict(system_attrs or {})
    if constraints is not None and not isinstance(constraints, Mapping):
        raise TypeError(
            f"constraints must be a dict of name -> value, got {constraints!r}; e.g. "
            'constraints={"memory": 1.5}.'
        )
    for key, constraint in (constraints or {}).items():
        system[named_constraint_key(str(key))] = constraint_value(key, constraint)
    frozen = FrozenTrial(
        number=-1,
        trial_id=-1,
        state=state,
        value=value,
        values=values,
        datetime_start=None if state == TrialState.WAITING else now,
        datetime_complete=now if state.is_finished() else None,
        params=dict(params or {}),
        distributions={k: _to_current(d) for k, d in (distributions or {}).items()},
        user_attrs=dict(user_attrs or {}),
        system_attrs=system,
        intermediate_values=dict(intermediate_values or {}),
    )
    frozen._validate()
    return frozen
