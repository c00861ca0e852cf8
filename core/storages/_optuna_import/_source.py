"""What the readers of Optuna's storages produce, and the decoding both share.

A reader turns one Optuna storage (relational database or journal) into :class:`SourceStudy`
objects holding parzen's own records (directions, :class:`~parzen.trial.FrozenTrial`), exactly
as Optuna would read them back. Nothing here unpickles anything.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import json
import re
from typing import Any

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.trial import FrozenTrial


@dataclasses.dataclass
class SourceStudy:
    """One study read from an Optuna storage.

    ``heartbeats`` maps the number of a trial to its last heartbeat (UTC, seconds since the
    epoch), for the trials Optuna kept one for.
    """

    name: str
    directions: list[Any]
    user_attrs: dict[str, Any]
    system_attrs: dict[str, Any]
    trials: list[FrozenTrial]
    heartbeats: dict[int, float] = dataclasses.field(default_factory=dict)


# Optuna before 3.0 named its distributions differently; its readers map them onto these.
def _legacy(name: str, attributes: dict[str, Any]) -> BaseDistribution | None:
    if name == "UniformDistribution":
        return FloatDistribution(attributes["low"], attributes["high"])
    if name == "LogUniformDistribution":
        return FloatDistribution(attributes["low"], attributes["high"], log=True)
    if name == "DiscreteUniformDistribution":
        return FloatDistribution(attributes["low"], attributes["high"], step=attributes["q"])
    if name == "IntUniformDistribution":
        return IntDistribution(
            attributes["low"], attributes["high"], step=attributes.get("step", 1)
        )
    if name == "IntLogUniformDistribution":
        return IntDistribution(attributes["low"], attributes["high"], log=True)
    return None


class DistributionDecoder:
    """Turns Optuna's distribution JSON into parzen distributions, each text decoded once."""

    def __init__(self) -> None:
        self._cache: dict[str, BaseDistribution] = {}

    def __call__(self, text: str) -> BaseDistribution:
        dist = self._cache.get(text)
        if dist is None:
            dist = self._cache[text] = _decode_distribution(text)
        return dist


def _decode_distribution(text: str) -> BaseDistribution:
    try:
        loaded = json.loads(text)
        name = loaded["name"]
        attributes = dict(loaded["attributes"])
        if name == "FloatDistribution":
            return FloatDistribution(**attributes)
        if name == "IntDistribution":
            return IntDistribution(**attributes)
        if name == "CategoricalDistribution":
            return CategoricalDistribution(attributes["choices"])
        legacy = _legacy(name, attributes)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(
            f"Optuna's storage holds a distribution parzen cannot read: {text!r} ({e})."
        ) from e
    if legacy is None:
        raise ValueError(f"Optuna's storage holds an unknown kind of distribution: {text!r}.")
    return legacy


def local_naive(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """A datetime as Optuna returns it: naive, in local time.

    Optuna's journals write ISO strings with a UTC offset; its databases naive local times
    (SQLite as text).
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value


# -- pickles -----------------------------------------------------------------------------------

# A pickle starts with the PROTO opcode (0x80) and a protocol number, and ends with STOP (".").
_PICKLE_PROTOCOLS = range(2, 6)
_CHUNK_KEY = re.compile(r"^(.*):(\d+)$")


def is_pickle_text(value: Any) -> bool:
    """Whether ``value`` is a pickle written as hexadecimal or base64 text.

    Optuna's CMA-ES sampler, for one, keeps its state as a pickle in hexadecimal, split over
    several system attributes (see :func:`pickled_keys`). Nothing is unpickled to tell.

    Examples:
        >>> from parzen.storages._optuna_import._source import is_pickle_text
        >>> import pickle
        >>> is_pickle_text(pickle.dumps([1, 2]).hex()), is_pickle_text("cafe")
        (True, False)
    """
    if not isinstance(value, str) or len(value) < 6:
        return False
    data: bytes | None = None
    if value[:2] == "80":
        try:
            data = bytes.fromhex(value)
        except ValueError:
            data = None
    elif value[:2] == "gA":
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            data = None
    return (
        data is not None
        and len(data) >= 3
        and data[0] == 0x80
        and data[1] in _PICKLE_PROTOCOLS
        and data.endswith(b".")
    )


def pickled_keys(attrs: dict[str, Any]) -> list[str]:
    """The keys of ``attrs`` whose values are pickles, whole or split into numbered chunks.

    A pickle split into ``key:0``, ``key:1``, ... counts when the chunks, joined in order,
    form one.

    Examples:
        >>> import pickle
        >>> from parzen.storages._optuna_import._source import pickled_keys
        >>> text = pickle.dumps({"state": 1}).hex()
        >>> attrs = {"opt:0": text[:10], "opt:1": text[10:], "generation": 0}
        >>> pickled_keys(attrs)
        ['opt:0', 'opt:1']
    """
    found = [k for k, v in attrs.items() if is_pickle_text(v)]
    chunks: dict[str, dict[int, str]] = {}
    for key, value in attrs.items():
        match = _CHUNK_KEY.match(key)
        if match is not None and isinstance(value, str):
            chunks.setdefault(match.group(1), {})[int(match.group(2))] = value
    for stem, parts in chunks.items():
        if len(parts) < 2 or sorted(parts) != list(range(len(parts))):
            continue
        if is_pickle_text("".join(parts[i] for i in range(len(parts)))):
            found.extend(f"{stem}:{i}" for i in range(len(parts)) if f"{stem}:{i}" not in found)
    return found
