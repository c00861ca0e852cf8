"""FrozenTrial: the stored snapshot of a trial, which storages return and samplers read.

The record type that crosses every layer (storages, samplers, pruners, callbacks); it also
implements BaseTrial, so an objective can be replayed with a trial's stored parameters.
"""

from __future__ import annotations

import array
import datetime
import math
import warnings
from collections.abc import Sequence
from typing import Any

from parzen._records.constraints import named_constraint_key
from parzen.distributions import (
    BaseDistribution,
    _to_current,
    check_distribution_compatibility,
)
from parzen.trial._base import BaseTrial
from parzen.trial._constraints import read_constraints, with_constraint
from parzen.trial._state import TrialState


class FrozenTrial(BaseTrial):
    """A snapshot of a trial: its parameters, values, state and attributes.

    Storages return frozen trials; samplers, pruners and callbacks read them. A FrozenTrial
    can also stand in for a :class:`~parzen.trial.Trial` to re-run an objective with the
    same parameters (``suggest_*`` return the stored values).

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=3)
        >>> trial = study.trials[0]
        >>> trial.number, trial.state.name, "x" in trial.params
        (0, 'COMPLETE', True)
    """

    # Storages hold one FrozenTrial per trial, hundreds of thousands in a long in-memory study:
    # slots instead of an attribute dict, and _pack() for the finished ones.
    __slots__ = (
        "_datetime_start",
        "_distributions",
        "_intermediate_values",
        "_number",
        "_packed_names",
        "_packed_values",
        "_params",
        "_system_attrs",
        "_trial_id",
        "_user_attrs",
        "_values",
        "datetime_complete",
        "state",
    )

    def __init__(
        self,
        number: int,
        state: TrialState,
        value: float | None,
        datetime_start: datetime.datetime | None,
        datetime_complete: datetime.datetime | None,
        params: dict[str, Any],
        distributions: dict[str, BaseDistribution],
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        intermediate_values: dict[int, float],
        trial_id: int,
        *,
        values: Sequence[float] | None = None,
    ) -> None:
        if value is not None and values is not None:
            raise ValueError("Pass either value or values to FrozenTrial, not both.")
        self._number = number
        self.state = state
        self._values: list[float] | None
        if values is not None:
            self._values = list(values)
        elif value is not None:
            self._values = [value]
        else:
            self._values = None
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self._params: dict[str, Any] | None = params
        self._distributions = distributions
        self._user_attrs: dict[str, Any] | None = user_attrs
        self._system_attrs: dict[str, Any] | None = system_attrs
        self._intermediate_values: dict[int, float] | None = intermediate_values
        self._trial_id = trial_id
        self._packed_names: tuple[str, ...] = ()
        self._packed_values: Sequence[Any] = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self._content() == other._content()

    def _content(self) -> tuple[Any, ...]:
        return (
            self._number,
            self.state,
            self._values,
            self._datetime_start,
            self.datetime_complete,
            self._params_copy(),
            self._distributions,
            self._user_attrs or {},
            self._system_attrs or {},
            self._intermediate_values or {},
            self._trial_id,
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self.number < other.number

    def __le__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self.number <= other.number

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"FrozenTrial(number={self.number}, state={self.state!r}, values={self.values}, "
            f"datetime_start={self.datetime_start!r}, "
            f"datetime_complete={self.datetime_complete!r}, params={self._params_copy()}, "
            f"user_attrs={self._user_attrs or {}}, system_attrs={self._system_attrs or {}}, "
            f"intermediate_values={self._intermediate_values or {}}, "
            f"distributions={self.distributions}, trial_id={self._trial_id})"
        )

    def _copy(self) -> FrozenTrial:
        """A copy whose containers are fresh; values themselves are immutable JSON data."""
        # Every study.trials copies each trial: filling the slots directly is about twice as
        # fast as __init__. A packed trial stays packed; the copy gets plain containers.
        copy = object.__new__(FrozenTrial)
        copy._number = self._number
        copy.state = self.state
        copy._values = None if self._values is None else list(self._values)
        copy._datetime_start = self._datetime_start
        copy.datetime_complete = self.datetime_complete
        copy._params = self._params_copy()
        copy._distributions = dict(self._distributions)
        copy._user_attrs = _copy_json(self._user_attrs)
        copy._system_attrs = _copy_json(self._system_attrs)
        iv = self._intermediate_values
        copy._intermediate_values = {} if iv is None else dict(iv)
        copy._trial_id = self._trial_id
        copy._packed_names = ()
        copy._packed_values = ()
        return copy

    def _shallow_copy(self) -> FrozenTrial:
        """A new FrozenTrial sharing this one's containers.

        For storages that replace a stored trial on every write instead of mutating it: the
        caller swaps in a fresh container for the field it changes, so snapshots handed out
        earlier never change under their readers.
        """
        copy = object.__new__(FrozenTrial)
        copy._number = self._number
        copy.state = self.state
        copy._values = self._values
        copy._datetime_start = self._datetime_start
        copy.datetime_complete = self.datetime_complete
        copy._params = self._params
        copy._distributions = self._distributions
        copy._user_attrs = self._user_attrs
        copy._system_attrs = self._system_attrs
        copy._intermediate_values = self._intermediate_values
        copy._trial_id = self._trial_id
        copy._packed_names = self._packed_names
        copy._packed_values = self._packed_values
        return copy

    def _pack(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Keep this trial in less memory; for storages that hold many finished trials.

        The parameter values become one row under a tuple of names (``names`` itself when
        the trial has those parameters, in that order, so that trials share it; floats as an
        array of doubles), and empty attribute and step containers are dropped. Reading a
        field brings its container back (the parameters as a dict, unpacked for good);
        copies and comparisons leave the trial packed. Returns the names tuple used.
        """
        params = self._params
        if params is not None:
            if len(params) != len(names) or tuple(params) != names:
                names = tuple(params)
            row = tuple(params.values())
            # Exact floats only: ints, numpy scalars and choices keep their type in a tuple.
            only_floats = set(map(type, row)) <= _FLOAT_TYPE
            self._packed_values = array.array("d", row) if only_floats else row
            self._packed_names = names
            self._params = None
        if not self._user_attrs:
            self._user_attrs = None
        if not self._system_attrs:
            self._system_attrs = None
        if not self._intermediate_values:
            self._intermediate_values = None
        return names

    def _params_copy(self) -> dict[str, Any]:
        names, row = self._packed_names, self._packed_values
        params = self._params  # read after the row: see the params getter
        return dict(zip(names, row)) if params is None else dict(params)

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenTrial:
        return self._copy()

    def _validate(self) -> None:
        """Check the invariants that :func:`create_trial` and ``add_trial`` rely on."""
        if self.state == TrialState.COMPLETE and self._values is None:
            raise ValueError(
                "A COMPLETE trial needs values; pass value= or values= to create_trial."
            )
        if self.state not in (TrialState.COMPLETE, TrialState.PRUNED) and self._values is not None:
            raise ValueError(
                f"Only COMPLETE and PRUNED trials carry values; got state={self.state.name} with "
                f"values={self._values}."
            )
        if self._values is not None:
            for v in self._values:
                if not isinstance(v, (int, float)) or math.isnan(v):
                    raise ValueError(f"Trial values must be numbers other than NaN, got {v!r}.")
        if self.state.is_finished() and self.datetime_complete is None:
            raise ValueError("A finished trial needs datetime_complete.")
        if self.state == TrialState.WAITING and self.datetime_start is not None:
            raise ValueError("A WAITING trial has no datetime_start.")
        if set(self.params) != set(self.distributions):
            raise ValueError(
                f"params and distributions must have the same names, got "
                f"{sorted(self.params)} and {sorted(self.distributions)}."
            )
        for name, value in self.params.items():
            dist = self.distributions[name]
            if not dist._contains(dist.to_internal_repr(value)):
                raise ValueError(f"Parameter {name}={value!r} lies outside {dist!r}.")

    # -- the BaseTrial interface: replay the stored parameters ---------------------------

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self.params:
            raise ValueError(
                f"The parameter {name!r} is not in this trial; it has {sorted(self.params)}. "
                "A FrozenTrial replays stored parameters only."
            )
        distribution = _to_current(distribution)
        if name in self.distributions:
            check_distribution_compatibility(self.distributions[name], distribution)
        value = self.params[name]
        if not distribution._contains(distribution.to_internal_repr(value)):
            # Replaying best_trial after the search space changed must still work.
            warnings.warn(
                f"The stored value {name}={value!r} lies outside {distribution!r}; it is "
                "returned as stored.",
                UserWarning,
                stacklevel=3,
            )
        return value

    def report(self, value: float, step: int) -> None:
        # Replaying a trial does not record anything, as with Optuna.
        pass

    def should_prune(self) -> bool:
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self.system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Set a constraint on this snapshot (not in any storage); the first value is kept."""
        number = with_constraint(self.system_attrs, key, value)
        if number is not None:
            self._system_attrs = {**self.system_attrs, named_constraint_key(str(key)): number}

    @property
    def constraints(self) -> dict[str, float]:
        """The constraint values, name -> value (feasible when every one is <= 0).

        Examples:
            >>> import parzen
            >>> trial = parzen.trial.create_trial(value=1.0, constraints={"memory": -2.0})
            >>> trial.constraints
            {'memory': -2.0}
        """
        return read_constraints(self._system_attrs or {})

    # -- properties -----------------------------------------------------------------------

    @property
    def number(self) -> int:
        return self._number

    @number.setter
    def number(self, value: int) -> None:
        self._number = value

    @property
    def value(self) -> float | None:
        """The objective value of a single-objective trial (None if it has none)."""
        if self._values is None:
            return None
        if len(self._values) > 1:
            raise RuntimeError(
                "This trial has several values; use FrozenTrial.values instead of .value."
            )
        return self._values[0]

    @value.setter
    def value(self, v: float | None) -> None:
        if self._values is not None and len(self._values) > 1:
            raise RuntimeError(
                "This trial has several values; set FrozenTrial.values instead of .value."
            )
        self._values = None if v is None else [v]

    @property
    def values(self) -> list[float] | None:
        return self._values

    @values.setter
    def values(self, v: Sequence[float] | None) -> None:
        self._values = None if v is None else list(v)

    @property
    def params(self) -> dict[str, Any]:
        params = self._params
        if params is None:  # packed: unpacked for good on first read
            names, row = self._packed_names, self._packed_values
            # Another thread may have unpacked meanwhile: it sets _params before it clears
            # the packed row, so a row read while _params is still None is whole.
            params = self._params
            if params is None:
                params = self._params = dict(zip(names, row))
                self._packed_names = self._packed_values = ()
        return params

    @params.setter
    def params(self, params: dict[str, Any]) -> None:
        self._params = params
        self._packed_names = self._packed_values = ()

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return self._distributions

    @distributions.setter
    def distributions(self, value: dict[str, BaseDistribution]) -> None:
        self._distributions = value

    @property
    def user_attrs(self) -> dict[str, Any]:
        if self._user_attrs is None:  # dropped by _pack while empty
            self._user_attrs = {}
        return self._user_attrs

    @user_attrs.setter
    def user_attrs(self, value: dict[str, Any]) -> None:
        self._user_attrs = value

    @property
    def system_attrs(self) -> dict[str, Any]:
        if self._system_attrs is None:  # dropped by _pack while empty
            self._system_attrs = {}
        return self._system_attrs

    @system_attrs.setter
    def system_attrs(self, value: dict[str, Any]) -> None:
        self._system_attrs = value

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @datetime_start.setter
    def datetime_start(self, value: datetime.datetime | None) -> None:
        self._datetime_start = value

    @property
    def intermediate_values(self) -> dict[int, float]:
        """The values reported with :meth:`Trial.report`, step -> value."""
        if self._intermediate_values is None:  # dropped by _pack while empty
            self._intermediate_values = {}
        return self._intermediate_values

    @intermediate_values.setter
    def intermediate_values(self, value: dict[int, float]) -> None:
        self._intermediate_values = value

    @property
    def last_step(self) -> int | None:
        """The largest step reported with :meth:`Trial.report`, or None."""
        steps = self._intermediate_values
        return max(steps) if steps else None

    @property
    def duration(self) -> datetime.timedelta | None:
        """How long the trial ran, or None if it has not finished."""
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start


_FLOAT_TYPE = {float}


def _copy_json(attrs: dict[str, Any] | None) -> dict[str, Any]:
    # Attribute values are JSON data; only the mutable containers need copying. None: a
    # packed trial's empty attributes.
    if not attrs:
        return {}
    return {k: _copy_json_value(v) for k, v in attrs.items()}


def _copy_json_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json_value(v) for v in value]
    return value
