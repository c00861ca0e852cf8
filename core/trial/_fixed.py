"""FixedTrial: run an objective once with given parameter values, without a study."""

from __future__ import annotations

import datetime
import warnings
from typing import Any

from parzen._records.constraints import named_constraint_key
from parzen.distributions import (
    BaseDistribution,
    _to_current,
)
from parzen.trial._base import BaseTrial
from parzen.trial._constraints import read_constraints, with_constraint


class FixedTrial(BaseTrial):
    """A trial whose parameters are given: run an objective once with known values.

    Examples:
        >>> from parzen.trial import FixedTrial
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -10, 10) ** 2
        >>> objective(FixedTrial({"x": 3.0}))
        9.0
    """

    def __init__(self, params: dict[str, Any], number: int = 0) -> None:
        self._fixed_params = dict(params)
        self._suggested_params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._datetime_start = datetime.datetime.now()
        self._number = number

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._fixed_params:
            raise ValueError(
                f"FixedTrial has no value for the parameter {name!r}; it was given "
                f"{sorted(self._fixed_params)}. Add {name!r} to the params dict."
            )
        distribution = _to_current(distribution)
        value = self._fixed_params[name]
        if not distribution._contains(distribution.to_internal_repr(value)):
            warnings.warn(
                f"The fixed value {name}={value!r} lies outside {distribution!r}.",
                UserWarning,
                stacklevel=3,
            )
        self._suggested_params[name] = value
        self._distributions[name] = distribution
        return value

    def report(self, value: float, step: int) -> None:
        pass

    def should_prune(self) -> bool:
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value; a second value for the same key is ignored with a
        warning, as on a real trial.

        Examples:
            >>> from parzen.trial import FixedTrial
            >>> trial = FixedTrial({})
            >>> trial.set_constraint("memory", 1.5)
            >>> trial.constraints
            {'memory': 1.5}
        """
        number = with_constraint(self._system_attrs, key, value)
        if number is not None:
            self._system_attrs[named_constraint_key(str(key))] = number

    @property
    def constraints(self) -> dict[str, float]:
        """The constraint values set so far, name -> value."""
        return read_constraints(self._system_attrs)

    @property
    def params(self) -> dict[str, Any]:
        return self._suggested_params

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return self._distributions

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._user_attrs

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._system_attrs

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @property
    def number(self) -> int:
        return self._number
