"""BaseTrial: what an objective may call on a trial, shared by Trial, FixedTrial and FrozenTrial.

An objective written against this interface runs unchanged during optimization, with fixed
values, or to replay a stored trial.
"""

from __future__ import annotations

import abc
import datetime
import warnings
from collections.abc import Sequence
from typing import Any

from parzen.distributions import BaseDistribution


class BaseTrial(abc.ABC):
    """What an objective may call on a trial: the interface of Trial, FixedTrial, FrozenTrial."""

    @abc.abstractmethod
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]``."""

    @abc.abstractmethod
    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an int in ``[low, high]``."""

    @abc.abstractmethod
    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """Suggest one of ``choices``."""

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
