"""Search-space distributions and their JSON round trip.

A distribution describes the values one parameter may take. Every value has an *internal*
representation, a float, which storages keep and samplers model: floats and ints are stored as
themselves, a categorical choice as its index.

Examples:
    >>> from parzen.distributions import FloatDistribution, json_to_distribution
    >>> from parzen.distributions import distribution_to_json
    >>> d = FloatDistribution(1e-5, 1e-1, log=True)
    >>> json_to_distribution(distribution_to_json(d)) == d
    True
"""

from __future__ import annotations

import abc
import contextlib
import decimal
import json
import math
import warnings
from collections.abc import Sequence
from typing import Any

CategoricalChoiceType = None | bool | int | float | str

_PRIMITIVES = (type(None), bool, int, float, str)


class BaseDistribution(abc.ABC):
    """The values one parameter may take.

    Subclasses are immutable value objects: two distributions are equal when their parameters
    are equal, and they hash accordingly.
    """

    def to_external_repr(self, param_value_in_internal_repr: float) -> Any:
        """Convert a stored float to the value the objective sees (the float itself unless a
        subclass says otherwise)."""
        return param_value_in_internal_repr

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
    if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
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

    With ``step``, the values are ``low, low + step, ...`` up to ``high``; if the range is not
    a multiple of ``step``, ``high`` is lowered to the last grid point with a ``UserWarning``.
    Grid arithmetic is decimal, so ``FloatDistribution(0.2, 0.3, step=0.1)`` holds two values.

    Examples:
        >>> import warnings
        >>> from parzen.distributions import FloatDistribution
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     FloatDistribution(0.0, 1.0, step=0.3).high
        0.9
        >>> FloatDistribution(0.2, 0.3, step=0.1).single()
        False
    """

    def __init__(
        self, low: float, high: float, log: bool = False, step: float | None = None
    ) -> None:
        _check_bounds("FloatDistribution", low, high, log, step)
        if step is not None:
            high = _adjust_discrete_high("FloatDistribution", low, high, step)
        self.low = float(low)
        self.high = float(high)
        self.log = bool(log)
        self.step = None if step is None else float(step)

    def single(self) -> bool:
        if self.step is None:
            return self.low == self.high
        # Decimal, not float: 0.3 - 0.2 < 0.1 in floating point, yet the grid has two points.
        return _decimal(self.high) - _decimal(self.low) < _decimal(self.step)

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
        if self.log and value <= 0:
            _check_log_domain(self, value)
        return value

    def to_external_repr(self, param_value_in_internal_repr: float) -> float:
        return float(param_value_in_internal_repr)


class IntDistribution(BaseDistribution):
    """An integer in ``[low, high]``, optionally on a log scale or on a grid of ``step``.

    Bounds and step may be given as integral floats (``1e3``). As in Optuna, other floats
    are truncated toward zero, here with a ``UserWarning``; a range that is not a multiple
    of ``step`` lowers ``high`` to the last grid point, with a ``UserWarning``.

    Examples:
        >>> import warnings
        >>> from parzen.distributions import IntDistribution
        >>> IntDistribution(1, 1e3).high
        1000
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     IntDistribution(0, 10, step=3).high
        9
    """

    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        for name, value in (("low", low), ("high", high), ("step", step)):
            _check_finite(name, value, "IntDistribution")
        if log and step != 1:
            raise ValueError(
                f"IntDistribution: step and log=True cannot be combined (got step={step!r}). "
                "Use step=1 with log=True, or log=False."
            )
        if log and low < 1:
            raise ValueError(
                f"IntDistribution: with log=True, low must be >= 1, got low={low!r}. "
                "Use a lower bound of at least 1, or log=False."
            )
        int_low, int_high, int_step = (
            _to_int(name, value) for name, value in (("low", low), ("high", high), ("step", step))
        )
        _check_bounds("IntDistribution", int_low, int_high, log, None if log else int_step)
        self.low = int_low
        self.high = int(_adjust_discrete_high("IntDistribution", int_low, int_high, int_step))
        self.log = bool(log)
        self.step = int_step

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
        _check_log_domain(self, value)
        return value

    def to_external_repr(self, param_value_in_internal_repr: float) -> int:
        return int(round(param_value_in_internal_repr))


def _check_log_domain(dist: FloatDistribution | IntDistribution, value: float) -> None:
    if dist.log and value <= 0:
        raise ValueError(
            f"{value!r} cannot be a value of {dist!r}: a log-scale distribution holds only "
            "positive values."
        )


def _to_int(name: str, value: float) -> int:
    if isinstance(value, int):
        return int(value)
    if hasattr(value, "__index__"):  # numpy integers
        return int(value.__index__())
    truncated = int(value)
    if truncated != value:
        warnings.warn(
            f"IntDistribution: {name}={value!r} is not an integer; it is truncated to "
            f"{truncated}, as Optuna does. Pass an int (or use suggest_float).",
            UserWarning,
            stacklevel=4,
        )
    return truncated


def _decimal(value: float) -> decimal.Decimal:
    # str() gives the shortest repr that round-trips, i.e. the number the user wrote.
    return decimal.Decimal(str(value))


def _adjust_discrete_high(owner: str, low: float, high: float, step: float) -> float:
    """Lower ``high`` to the last point of the grid ``low + k * step`` (decimal-exact), with
    a warning when it moves."""
    if isinstance(low, int) and isinstance(high, int) and isinstance(step, int):
        adjusted: float = high - (high - low) % step
    else:
        remainder = (_decimal(high) - _decimal(low)) % _decimal(step)
        adjusted = float(high) if remainder == 0 else float(_decimal(high) - remainder)
    if adjusted != high:
        warnings.warn(
            f"{owner}: the range [{low}, {high}] is not a multiple of step={step}; high is "
            f"lowered to {adjusted}, the last value of the grid. Pass high={adjusted} to "
            "silence this warning.",
            UserWarning,
            stacklevel=4,
        )
    return adjusted


class CategoricalDistribution(BaseDistribution):
    """One of a fixed sequence of choices.

    Choices should be ``None``, ``bool``, ``int``, ``float`` or ``str``. Other objects are
    accepted with a ``UserWarning``, as in Optuna: the in-memory storage keeps them as they
    are; persistent storages keep choices that have a JSON form reading back equal (tuples,
    lists and str-keyed dicts of the primitives) and refuse others with a ``TypeError`` when
    the first trial suggests them. Nothing is ever pickled.

    Examples:
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
                warnings.warn(
                    "CategoricalDistribution: choices should be None, bool, int, float or "
                    f"str, got {choice!r} ({type(choice).__name__}). It works in memory; a "
                    "persistent storage keeps it only if it is JSON data (tuples, lists and "
                    "str-keyed dicts of those types). Pass a key, e.g. a name, and map it to "
                    "the object in the objective, to be portable.",
                    UserWarning,
                    stacklevel=3,
                )
                break
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


def _choice_key(choice: Any) -> Any:
    # Consistent with _same_choice: 1 and 1.0 are one choice, True and 1 are two. Lists and
    # dicts (unhashable, yet valid choices) hash by content.
    if isinstance(choice, bool):
        return ("bool", choice)
    if isinstance(choice, (int, float)):
        return ("number", choice)
    if isinstance(choice, (list, tuple)):
        return (type(choice).__name__, tuple(map(_choice_key, choice)))
    if isinstance(choice, dict):
        return ("dict", tuple((_choice_key(k), _choice_key(v)) for k, v in choice.items()))
    try:
        hash(choice)
    except TypeError:
        return ("id", id(choice))
    return (type(choice).__name__, choice)


def _same_choice(a: Any, b: Any) -> bool:
    # True == 1 in Python; a categorical must still tell them apart.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_same_choice(x, y) for x, y in zip(a, b))
        )
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. numpy arrays compare elementwise
        return a is b


# A tuple choice is written as {"__tuple__": [...]} so that it reads back as a tuple (plain
# JSON would turn it into a list, which is a different choice).
_TUPLE_TAG = "__tuple__"


def _choice_to_json(choice: Any) -> Any:
    if choice is None or isinstance(choice, (bool, str)):
        return choice
    if isinstance(choice, (int, float)) and type(choice) in (int, float):
        return choice
    if isinstance(choice, float):  # float subclasses such as numpy.float64
        return float(choice)
    if isinstance(choice, tuple):
        return {_TUPLE_TAG: [_choice_to_json(c) for c in choice]}
    if isinstance(choice, list):
        return [_choice_to_json(c) for c in choice]
    if (
        isinstance(choice, dict)
        and _TUPLE_TAG not in choice
        and all(isinstance(k, str) for k in choice)
    ):
        return {k: _choice_to_json(v) for k, v in choice.items()}
    raise TypeError(
        f"The categorical choice {choice!r} ({type(choice).__name__}) cannot be stored: "
        "persistent storages keep JSON data only (None, bool, int, float, str, and tuples, "
        "lists and str-keyed dicts of them), and never pickle. Use the in-memory storage, or "
        "pass a key such as a name to suggest_categorical and map it to the object in the "
        "objective."
    )


def _choice_from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_choice_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {_TUPLE_TAG}:
            return tuple(_choice_from_json(v) for v in value[_TUPLE_TAG])
        return {k: _choice_from_json(v) for k, v in value.items()}
    return value


def _deprecated(name: str, replacement: str) -> None:
    warnings.warn(
        f"{name} is deprecated (as in Optuna since v3.0.0, to be removed in v6.0.0); use "
        f"{replacement} instead.",
        FutureWarning,
        stacklevel=3,
    )


class UniformDistribution(FloatDistribution):
    """Deprecated: use ``FloatDistribution(low, high)``.

    Examples:
        >>> import warnings
        >>> from parzen.distributions import UniformDistribution
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     UniformDistribution(0.0, 1.0).high
        1.0
    """

    def __init__(self, low: float, high: float) -> None:
        _deprecated("UniformDistribution", "FloatDistribution(low, high)")
        super().__init__(low, high)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}


class LogUniformDistribution(FloatDistribution):
    """Deprecated: use ``FloatDistribution(low, high, log=True)``.

    Examples:
        >>> import warnings
        >>> from parzen.distributions import LogUniformDistribution
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     LogUniformDistribution(1e-3, 1.0).log
        True
    """

    def __init__(self, low: float, high: float) -> None:
        _deprecated("LogUniformDistribution", "FloatDistribution(low, high, log=True)")
        super().__init__(low, high, log=True)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}


class DiscreteUniformDistribution(FloatDistribution):
    """Deprecated: use ``FloatDistribution(low, high, step=q)``.

    Examples:
        >>> import warnings
        >>> from parzen.distributions import DiscreteUniformDistribution
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     DiscreteUniformDistribution(0.0, 1.0, q=0.25).q
        0.25
    """

    def __init__(self, low: float, high: float, q: float) -> None:
        _deprecated("DiscreteUniformDistribution", "FloatDistribution(low, high, step=q)")
        super().__init__(low, high, step=q)

    @property
    def q(self) -> float:
        """The grid step (``step`` of FloatDistribution)."""
        assert self.step is not None
        return self.step

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "q": self.q}


class IntUniformDistribution(IntDistribution):
    """Deprecated: use ``IntDistribution(low, high, step=step)``.

    Examples:
        >>> import warnings
        >>> from parzen.distributions import IntUniformDistribution
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     IntUniformDistribution(0, 10, step=2).step
        2
    """

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        _deprecated("IntUniformDistribution", "IntDistribution(low, high, step=step)")
        super().__init__(low, high, step=step)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "step": self.step}


class IntLogUniformDistribution(IntDistribution):
    """Deprecated: use ``IntDistribution(low, high, log=True)``.

    Examples:
        >>> import warnings
        >>> from parzen.distributions import IntLogUniformDistribution
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     IntLogUniformDistribution(1, 100).log
        True
    """

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        _deprecated("IntLogUniformDistribution", "IntDistribution(low, high, log=True)")
        super().__init__(low, high, log=True, step=step)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "step": self.step}


_DEPRECATED: dict[type[BaseDistribution], type[BaseDistribution]] = {
    UniformDistribution: FloatDistribution,
    LogUniformDistribution: FloatDistribution,
    DiscreteUniformDistribution: FloatDistribution,
    IntUniformDistribution: IntDistribution,
    IntLogUniformDistribution: IntDistribution,
}


def _to_current(dist: BaseDistribution) -> BaseDistribution:
    """The FloatDistribution/IntDistribution equal in meaning to a deprecated distribution;
    any other distribution unchanged. Trials store only current distributions."""
    current = _DEPRECATED.get(type(dist))
    if current is None:
        return dist
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    warnings.warn(
        f"{dist!r} is deprecated and is converted to {current.__name__}, which the trial stores.",
        FutureWarning,
        stacklevel=4,
    )
    if current is FloatDistribution:
        return FloatDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
    assert isinstance(dist, IntDistribution)
    return IntDistribution(dist.low, dist.high, log=dist.log, step=dist.step)


class _InstanceCache(dict[tuple[Any, ...], BaseDistribution]):
    """One shared instance per constructor arguments, for the distributions ``suggest_*`` build.

    Distributions are immutable values, and an objective builds the same ones on every trial:
    reusing one instance saves validating the arguments again, lets storages recognise the
    distribution they already hold by identity, and keeps one object per parameter in memory
    instead of one per trial. Readers index it directly (``cache[key]``, which raises
    ``KeyError``, or ``TypeError`` for unhashable arguments) and build on a miss; only
    arguments whose construction warned about nothing are remembered, so that a warning is
    repeated on every call, as when nothing is cached.
    """

    # Spaces whose bounds vary from trial to trial would grow the cache without end.
    MAX_SIZE = 1024

    def remember(self, key: tuple[Any, ...], distribution: BaseDistribution) -> None:
        if len(self) >= self.MAX_SIZE:
            self.clear()
        with contextlib.suppress(TypeError):  # unhashable: simply not remembered
            self[key] = distribution


# Used by BaseTrial.suggest_float/suggest_int, which build on a miss themselves so that
# construction warnings point at the objective's line.
_FLOAT_CACHE = _InstanceCache()
_INT_CACHE = _InstanceCache()


_JSON_NAMES: dict[str, type[BaseDistribution]] = {
    "FloatDistribution": FloatDistribution,
    "IntDistribution": IntDistribution,
    "CategoricalDistribution": CategoricalDistribution,
    **{cls.__name__: cls for cls in _DEPRECATED},
}

# The abbreviated form {"type": "float", "low": ..., ...} that Optuna also reads.
_JSON_TYPES: dict[str, type[BaseDistribution]] = {
    "float": FloatDistribution,
    "int": IntDistribution,
    "categorical": CategoricalDistribution,
}


def distribution_to_json(dist: BaseDistribution) -> str:
    """Serialize a distribution to a JSON string (see :func:`json_to_distribution`).

    Raises:
        TypeError: a categorical choice has no JSON form that reads back equal.

    Examples:
        >>> from parzen.distributions import CategoricalDistribution, distribution_to_json
        >>> distribution_to_json(CategoricalDistribution(["a", None]))
        '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", null]}}'
    """
    attributes = dist._asdict()
    if isinstance(dist, CategoricalDistribution):
        attributes = {"choices": [_choice_to_json(c) for c in dist.choices]}
    return json.dumps({"name": type(dist).__name__, "attributes": attributes})


def json_to_distribution(json_str: str) -> BaseDistribution:
    """Rebuild a distribution from :func:`distribution_to_json`'s output.

    Also reads what Optuna reads: the deprecated classes' JSON (``{"name":
    "UniformDistribution", ...}``, with a ``FutureWarning``) and the abbreviated form
    ``{"type": "int", "low": 0, "high": 10}`` (``"float"``, ``"int"``, ``"categorical"``).

    Raises:
        ValueError: the JSON does not describe a known distribution.

    Examples:
        >>> from parzen.distributions import json_to_distribution
        >>> json_to_distribution('{"type": "int", "low": 1, "high": 8, "log": true}')
        IntDistribution(low=1, high=8, log=True, step=1)
    """
    try:
        loaded = json.loads(json_str)
        if "type" in loaded and "name" not in loaded:
            cls = _JSON_TYPES[loaded["type"]]
            attributes = {k: v for k, v in loaded.items() if k != "type"}
        else:
            cls = _JSON_NAMES[loaded["name"]]
            attributes = loaded["attributes"]
        if not isinstance(attributes, dict):
            raise TypeError(attributes)
    except (KeyError, TypeError, json.JSONDecodeError) as e:
        raise ValueError(
            f"Not a serialized distribution: {json_str!r}. Expected the output of "
            f"distribution_to_json, one of {sorted(_JSON_NAMES)}, or the abbreviated form "
            '{"type": "float" | "int" | "categorical", ...}.'
        ) from e
    if cls is CategoricalDistribution:
        choices = [_choice_from_json(c) for c in attributes["choices"]]
        if all(isinstance(c, _PRIMITIVES) for c in choices):
            return CategoricalDistribution(choices)
        # Stored choices had their warning when first suggested; reading them back (every
        # load of the study) stays quiet.
        stored = CategoricalDistribution.__new__(CategoricalDistribution)
        stored.choices = tuple(choices)
        return stored
    try:
        return cls(**attributes)
    except TypeError as e:
        raise ValueError(f"Not a serialized distribution: {json_str!r} ({e}).") from e


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
    "DiscreteUniformDistribution",
    "FloatDistribution",
    "IntDistribution",
    "IntLogUniformDistribution",
    "IntUniformDistribution",
    "LogUniformDistribution",
    "UniformDistribution",
    "check_distribution_compatibility",
    "distribution_to_json",
    "json_to_distribution",
]
