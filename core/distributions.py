"""Search-space distributions and their JSON round trip.

A distribution describes the values one parameter may take. Every value has an *internal*
representation, a float, which storages keep and samplers model: floats and ints are stored as
themselves, a categorical choice as its index.

Example:
    >>> from parzen.distributions import FloatDistribution, json_to_distribution
    >>> from parzen.distributions import distribution_to_json
    >>> d = FloatDistribution(1e-5, 1e-1, log=True)
    >>> json_to_distribution(distribution_to_json(d)) == d
    True
"""

from __future__ import annotations

import abc
import decimal
import json
import math
from collections.abc import Sequence
from typing import Any

CategoricalChoiceType = None | bool | int | float | str

_PRIMITIVES = (type(None), bool, int, float, str)


class BaseDistribution(abc.ABC):
    """The values one parameter may take.

    Subclasses are immutable value objects: two distributions are equal when their parameters
    are equal, and they hash accordingly.
    """

    @abc.abstractmethod
    def to_external_repr(self, param_value_in_internal_repr: float) -> Any:
        """Convert a stored float to the value the objective sees."""

    @abc.abstractmethod
    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        """Convert a value the objective sees to the float that storages keep."""

    @abc.abstractmethod
    def single(self) -> bool:
        """Whether the distribution holds exactly one value."""

    @abc.abstractmethod
    def _contains(self, param_value_in_internal_repr: float) -> bool:
        """Whether an internal value lies in the distribution."""

    def _asdict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseDistribution) or type(self) is not type(other):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *(_hashable(v) for v in self.__dict__.values())))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._asdict().items())
        return f"{type(self).__name__}({args})"


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _check_finite(name: str, value: float, owner: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(
            f"{owner}: {name} must be a number, got {value!r} ({type(value).__name__})."
        )
    if not math.isfinite(value):
        raise ValueError(
            f"{owner}: {name} must be a finite number, got {value!r}. "
            "Bound the search space with finite values."
        )


def _check_bounds(owner: str, low: float, high: float, log: bool, step: float | None) -> None:
    _check_finite("low", low, owner)
    _check_finite("high", high, owner)
    if low > high:
        raise ValueError(
            f"{owner}: low must be <= high, got low={low!r} > high={high!r}. Swap the two bounds."
        )
    if log and low <= 0:
        raise ValueError(
            f"{owner}: with log=True, low must be > 0, got low={low!r}. "
            "Use a positive lower bound or log=False."
        )
    if step is not None:
        _check_finite("step", step, owner)
        if step <= 0:
            raise ValueError(f"{owner}: step must be > 0, got step={step!r}.")
        if log:
            raise ValueError(
                f"{owner}: step and log=True cannot be combined (got step={step!r}). "
                "Drop step, or set log=False."
            )


class FloatDistribution(BaseDistribution):
    """A float in ``[low, high]``, optionally on a log scale or on a grid of ``step``.

    With ``step``, the values are ``low, low + step, ...`` up to ``high``; ``high`` is lowered to
    the last grid point if the range is not a multiple of ``step``.

    Example:
        >>> from parzen.distributions import FloatDistribution
        >>> FloatDistribution(0.0, 1.0, step=0.3).high
        0.9
    """

    def __init__(
        self, low: float, high: float, log: bool = False, step: float | None = None
    ) -> None:
        _check_bounds("FloatDistribution", low, high, log, step)
        if step is not None:
            high = _adjust_discrete_high(low, high, step)
        self.low = float(low)
        self.high = float(high)
        self.log = bool(log)
        self.step = None if step is None else float(step)

    def single(self) -> bool:
        if self.step is None:
            return self.low == self.high
        return self.high - self.low < self.step

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        if not self.low <= value <= self.high:
            return False
        if self.step is None:
            return True
        k = (value - self.low) / self.step
        return abs(k - round(k)) < 1e-8

    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        try:
            value = float(param_value_in_external_repr)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"FloatDistribution expects a float, got {param_value_in_external_repr!r}."
            ) from e
        if math.isnan(value):
            raise ValueError("FloatDistribution cannot hold NaN.")
        return value

    def to_external_repr(self, param_value_in_internal_repr: float) -> float:
        return float(param_value_in_internal_repr)


class IntDistribution(BaseDistribution):
    """An integer in ``[low, high]``, optionally on a log scale or on a grid of ``step``.

    Example:
        >>> from parzen.distributions import IntDistribution
        >>> IntDistribution(0, 10, step=3).high
        9
    """

    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        for name, value in (("low", low), ("high", high), ("step", step)):
            if isinstance(value, bool) or not _is_integral(value):
                raise TypeError(
                    f"IntDistribution: {name} must be an integer, got {value!r}. "
                    "Use suggest_float for real-valued parameters."
                )
        if log and step != 1:
            raise ValueError(
                f"IntDistribution: step and log=True cannot be combined (got step={step!r}). "
                "Use step=1 with log=True, or log=False."
            )
        _check_bounds("IntDistribution", low, high, log, None if log else step)
        self.low = int(low)
        self.high = int(_adjust_discrete_high(int(low), int(high), int(step)))
        self.log = bool(log)
        self.step = int(step)

    def single(self) -> bool:
        return self.high - self.low < self.step

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        if not self.low <= value <= self.high:
            return False
        return (value - self.low) % self.step == 0

    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        try:
            value = float(param_value_in_external_repr)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"IntDistribution expects an int, got {param_value_in_external_repr!r}."
            ) from e
        if math.isnan(value):
            raise ValueError("IntDistribution cannot hold NaN.")
        return value

    def to_external_repr(self, param_value_in_internal_repr: float) -> int:
        return int(round(param_value_in_internal_repr))


def _is_integral(value: Any) -> bool:
    if isinstance(value, int):
        return True
    return hasattr(value, "__index__")


def _adjust_discrete_high(low: float, high: float, step: float) -> float:
    """Lower ``high`` to the last point of the grid ``low + k * step`` (decimal-exact)."""
    if isinstance(low, int) and isinstance(high, int) and isinstance(step, int):
        return high - (high - low) % step
    d_low, d_high, d_step = (decimal.Decimal(str(v)) for v in (low, high, step))
    span = d_high - d_low
    remainder = span % d_step
    if remainder == 0:
        return float(high)
    return float(d_high - remainder)


class CategoricalDistribution(BaseDistribution):
    """One of a fixed sequence of choices: ``None``, ``bool``, ``int``, ``float`` or ``str``.

    Example:
        >>> from parzen.distributions import CategoricalDistribution
        >>> d = CategoricalDistribution(["adam", "sgd"])
        >>> d.to_internal_repr("sgd"), d.to_external_repr(0.0)
        (1.0, 'adam')
    """

    def __init__(self, choices: Sequence[CategoricalChoiceType]) -> None:
        if isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence):
            raise TypeError(
                f"CategoricalDistribution: choices must be a list or tuple, got {choices!r}."
            )
        if len(choices) == 0:
            raise ValueError(
                "CategoricalDistribution: choices must hold at least one value, got []."
            )
        for choice in choices:
            if not isinstance(choice, _PRIMITIVES):
                raise TypeError(
                    "CategoricalDistribution: choices must be None, bool, int, float or str "
                    f"(they are stored as JSON), got {choice!r} ({type(choice).__name__}). "
                    "Pass a key instead, e.g. a name, and map it to the object in the objective."
                )
        self.choices = tuple(choices)

    def single(self) -> bool:
        return len(self.choices) == 1

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        index = param_value_in_internal_repr
        return 0 <= index < len(self.choices) and index == int(index)

    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        value = param_value_in_external_repr
        for index, choice in enumerate(self.choices):
            if _same_choice(choice, value):
                return float(index)
        raise ValueError(f"{value!r} is not one of the choices {list(self.choices)!r}.")

    def to_external_repr(self, param_value_in_internal_repr: float) -> CategoricalChoiceType:
        return self.choices[int(param_value_in_internal_repr)]

    def __hash__(self) -> int:
        return hash((CategoricalDistribution, tuple(map(_choice_key, self.choices))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CategoricalDistribution):
            return NotImplemented
        return len(self.choices) == len(other.choices) and all(
            _same_choice(a, b) for a, b in zip(self.choices, other.choices)
        )


def _choice_key(choice: Any) -> tuple[str, Any]:
    # Consistent with _same_choice: 1 and 1.0 are one choice, True and 1 are two.
    if isinstance(choice, bool):
        return ("bool", choice)
    if isinstance(choice, (int, float)):
        return ("number", choice)
    return (type(choice).__name__, choice)


def _same_choice(a: Any, b: Any) -> bool:
    # True == 1 in Python; a categorical must still tell them apart.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


_JSON_NAMES: dict[str, type[BaseDistribution]] = {
    "FloatDistribution": FloatDistribution,
    "IntDistribution": IntDistribution,
    "CategoricalDistribution": CategoricalDistribution,
}


def distribution_to_json(dist: BaseDistribution) -> str:
    """Serialize a distribution to a JSON string (see :func:`json_to_distribution`)."""
    attributes = dist._asdict()
    if isinstance(dist, CategoricalDistribution):
        attributes = {"choices": list(dist.choices)}
    return json.dumps({"name": type(dist).__name__, "attributes": attributes})


def json_to_distribution(json_str: str) -> BaseDistribution:
    """Rebuild a distribution from :func:`distribution_to_json`'s output.

    Raises:
        ValueError: the JSON does not describe a known distribution.
    """
    try:
        loaded = json.loads(json_str)
        cls = _JSON_NAMES[loaded["name"]]
        attributes = loaded["attributes"]
    except (KeyError, TypeError, json.JSONDecodeError) as e:
        raise ValueError(
            f"Not a serialized distribution: {json_str!r}. Expected the output of "
            f"distribution_to_json, one of {sorted(_JSON_NAMES)}."
        ) from e
    if cls is CategoricalDistribution:
        return CategoricalDistribution(attributes["choices"])
    return cls(**attributes)


def check_distribution_compatibility(
    dist_old: BaseDistribution, dist_new: BaseDistribution
) -> None:
    """Raise ``ValueError`` if one parameter name is used with two incompatible distributions.

    Ranges may change between trials (define-by-run spaces often do); the kind of distribution,
    its scale and a categorical's choices may not.
    """
    if type(dist_old) is not type(dist_new):
        raise ValueError(
            f"Cannot set a different distribution kind to the same parameter name: "
            f"{dist_old!r} was used before, now {dist_new!r}. Use a different parameter name."
        )
    if isinstance(dist_old, (FloatDistribution, IntDistribution)):
        assert isinstance(dist_new, (FloatDistribution, IntDistribution))
        if dist_old.log != dist_new.log:
            raise ValueError(
                f"Cannot change log between trials for the same parameter: {dist_old!r} "
                f"was used before, now {dist_new!r}. Use a different parameter name."
            )
    if isinstance(dist_old, CategoricalDistribution) and dist_old != dist_new:
        raise ValueError(
            f"Cannot change the choices of a categorical parameter: {dist_old!r} was used "
            f"before, now {dist_new!r}. Use a different parameter name."
        )


def _is_distribution_log(dist: BaseDistribution) -> bool:
    return isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log


__all__ = [
    "BaseDistribution",
    "CategoricalChoiceType",
    "CategoricalDistribution",
    "FloatDistribution",
    "IntDistribution",
    "check_distribution_compatibility",
    "distribution_to_json",
    "json_to_distribution",
]
