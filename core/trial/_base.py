"""BaseTrial: what an objective may call on a trial, shared by Trial, FixedTrial and FrozenTrial.

An objective written against this interface runs unchanged during optimization, with fixed
values, or to replay a stored trial. The ``suggest_*`` methods (deprecated ones included)
are written here once: they check the arguments and build the distribution, then hand it to
the one hook each kind of trial implements, ``_suggest(name, distribution)``.
"""

from __future__ import annotations

import abc
import datetime
import warnings
from collections.abc import Sequence
from typing import Any

from parzen.distributions import (
    _FLOAT_CACHE,
    _INT_CACHE,
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)


class BaseTrial(abc.ABC):
    """What an objective may call on a trial: the interface of Trial, FixedTrial, FrozenTrial.

    A subclass implements :meth:`_suggest` and the abstract reporting, attribute and
    property methods; it does not override ``suggest_*``.
    """

    # No attribute dict of its own: FrozenTrial, held by the hundred thousand, uses slots.
    __slots__ = ()

    # -- suggestions: checked and built here once; subclasses implement _suggest ------------

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]``, on a log scale or a ``step`` grid if asked.

        Raises:
            ValueError: the bounds are not finite, ``low > high``, ``log`` with ``low <= 0``,
                ``step <= 0``, or ``step`` together with ``log``.

        Examples:
            >>> from parzen.trial import FixedTrial
            >>> FixedTrial({"lr": 0.01}).suggest_float("lr", 1e-4, 1.0, log=True)
            0.01
        """
        key = (low, high, log, step)
        try:
            distribution = _FLOAT_CACHE[key]
        except (KeyError, TypeError):
            distribution = FloatDistribution(low, high, log=log, step=step)
            if step is None or distribution.high == high:  # else it warned, and must again
                _FLOAT_CACHE.remember(key, distribution)
        return float(self._suggest(name, distribution))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an int in ``[low, high]``, on a log scale or a ``step`` grid if asked.

        Raises:
            ValueError: ``low > high``, ``log`` with ``low < 1``, ``step <= 0``, or ``step``
                other than 1 together with ``log``.

        Examples:
            >>> from parzen.trial import FixedTrial
            >>> FixedTrial({"layers": 3}).suggest_int("layers", 1, 8)
            3
        """
        key = (low, high, log, step)
        try:
            distribution = _INT_CACHE[key]
        except (KeyError, TypeError):
            distribution = IntDistribution(low, high, log=log, step=step)
            # Non-integral bounds warn when truncated, a moved high warns: only plain ints
            # that built quietly are remembered.
            if (
                type(low) is int
                and type(high) is int
                and type(step) is int
                and distribution.high == high
            ):
                _INT_CACHE.remember(key, distribution)
        return int(self._suggest(name, distribution))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """Suggest one of ``choices`` (None, bool, int, float or str values).

        Examples:
            >>> from parzen.trial import FixedTrial
            >>> FixedTrial({"opt": "sgd"}).suggest_categorical("opt", ["adam", "sgd"])
            'sgd'
        """
        return self._suggest(name, CategoricalDistribution(choices))

    @abc.abstractmethod
    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        """The value of parameter ``name`` drawn from ``distribution``, a valid distribution
        built by ``suggest_*`` (or given to ``Study.ask``).

        The one method through which every ``suggest_*`` call goes: a running trial samples
        and stores the value, a fixed or frozen trial returns the value it holds. Warnings
        raised here use ``stacklevel=3`` to point at the objective's ``suggest_*`` call.
        """

    @abc.abstractmethod
    def report(self, value: float, step: int) -> None:
        """Report an intermediate value at ``step``."""

    @abc.abstractmethod
    def should_prune(self) -> bool:
        """Whether the pruner asks to stop this trial."""

    @abc.abstractmethod
    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value to the trial."""

    @abc.abstractmethod
    def set_system_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value for parzen's own use."""

    @property
    @abc.abstractmethod
    def params(self) -> dict[str, Any]:
        """The parameters suggested so far."""

    @property
    @abc.abstractmethod
    def distributions(self) -> dict[str, BaseDistribution]:
        """The distribution of every parameter suggested so far."""

    @property
    @abc.abstractmethod
    def user_attrs(self) -> dict[str, Any]:
        """The user attributes."""

    @property
    @abc.abstractmethod
    def system_attrs(self) -> dict[str, Any]:
        """The system attributes."""

    @property
    @abc.abstractmethod
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started."""

    @property
    @abc.abstractmethod
    def number(self) -> int:
        """The trial's number, unique and dense within its study."""

    @abc.abstractmethod
    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value; the trial is feasible when every constraint is <= 0."""

    @property
    @abc.abstractmethod
    def constraints(self) -> dict[str, float]:
        """The constraint values set so far, name -> value."""

    # Deprecated in Optuna (FutureWarning there too); kept so that old objectives still run.
    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high)``."""
        _deprecated("suggest_uniform", "suggest_float(name, low, high)")
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high, log=True)``."""
        _deprecated("suggest_loguniform", "suggest_float(name, low, high, log=True)")
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high, step=q)``."""
        _deprecated("suggest_discrete_uniform", "suggest_float(name, low, high, step=q)")
        return self.suggest_float(name, low, high, step=q)


def _deprecated(name: str, replacement: str) -> None:
    warnings.warn(
        f"{name} is deprecated (as in Optuna since v3.0.0, to be removed in v6.0.0); use "
        f"{replacement} instead.",
        FutureWarning,
        stacklevel=3,
    )
