"""The one JSON codec for trials, studies and errors that parzen processes send each other.

Storages that live in another process use it to talk to their clients: the gRPC storage proxy
(``parzen.storages._grpc``) and the Dask integration (``parzen.integrations._dask``). Both ends
run the same parzen version, so this layout may change between versions; a storage's files and
tables never hold it. The journal's log keeps its own record layout, which must never change,
but writes the fields of a trial (datetimes, parameters, values, intermediate values) with the
field helpers below, so every storage spells a field the same way.

Messages are JSON only, never pickles: whoever can send a message can send data, not code.
Floats round-trip exactly (``json`` writes ``repr``); ``inf``, ``-inf`` and NaN use Python's
``Infinity``/``NaN`` tokens. A parameter travels as its internal float with the distribution's
JSON, as every storage keeps it; a datetime as ISO 8601 text. A trial is a list, not an object,
to keep the many trials of a large study small:
``[id, number, state, values, start, complete, params, user_attrs, system_attrs, steps]``.

Examples:
    >>> from parzen.distributions import FloatDistribution
    >>> from parzen.trial import create_trial
    >>> trial = create_trial(
    ...     params={"x": 0.5},
    ...     distributions={"x": FloatDistribution(0, 1)},
    ...     value=-0.0,
    ...     intermediate_values={0: float("-inf")},
    ... )
    >>> copy = decode_trial(loads(dumps(encode_trial(trial))), DistributionCache())
    >>> copy.params, copy.value, copy.intermediate_values
    ({'x': 0.5}, -0.0, {0: -inf})
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any

from parzen._json import require_json
from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.distributions import BaseDistribution, distribution_to_json, json_to_distribution
from parzen.exceptions import (
    DuplicatedStudyError,
    StorageInternalError,
    UpdateFinishedTrialError,
)
from parzen.storages._base import check_template_names
from parzen.trial import FrozenTrial, TrialState


def dumps(document: Any) -> str:
    """Compact JSON text of a message whose values are JSON data already."""
    return json.dumps(document, separators=(",", ":"))


def loads(data: str | bytes) -> Any:
    """The message that :func:`dumps` wrote (text or its UTF-8 bytes).

    Raises:
        StorageInternalError: ``data`` is not JSON, so the other end is not parzen's (a pickle,
            say); the caller cannot fix it by changing its arguments.
    """
    try:
        return json.loads(data)
    except ValueError as e:
        raise StorageInternalError(
            f"Received a message that is not JSON ({e}): parzen's processes send each other "
            "JSON only. Check that both ends run parzen, in the same version."
        ) from e


# -- errors -----------------------------------------------------------------------------------

# The errors a storage raises by contract cross the wire as themselves; a subclass as its
# nearest listed base (so the caller's ``except KeyError`` still works), and any other error
# as a StorageInternalError whose message names the original class.
_ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (
        DuplicatedStudyError,
        UpdateFinishedTrialError,
        StorageInternalError,
        KeyError,
        ValueError,
        TypeError,
        RuntimeError,
        NotImplementedError,
        IndexError,
    )
}


def encode_error(error: BaseException) -> list[str]:
    """``[class name, message]`` of the nearest error class the other end can raise again.

    Examples:
        >>> decode_error(encode_error(KeyError("No trial 3.")))
        KeyError('No trial 3.')
        >>> decode_error(encode_error(OSError("disk full")))
        StorageInternalError('OSError: disk full')
    """
    # str(KeyError("x")) is "'x'": send the message itself, not its repr.
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    for cls in type(error).__mro__:
        if _ERRORS.get(cls.__name__) is cls:
            return [cls.__name__, str(message)]
    return [StorageInternalError.__name__, f"{type(error).__name__}: {message}"]


def decode_error(data: Sequence[str]) -> Exception:
    """The exception that :func:`encode_error` described, ready to raise."""
    name, message = data
    return _ERRORS.get(name, StorageInternalError)(message)


# -- the fields of a trial --------------------------------------------------------------------


def datetime_text(value: datetime.datetime | None) -> str | None:
    """ISO 8601 text of a datetime (None stays None); :func:`parse_datetime` reads it back."""
    return None if value is None else value.isoformat()


def parse_datetime(text: str | None) -> datetime.datetime | None:
    """The datetime that :func:`datetime_text` wrote."""
    return None if text is None else datetime.datetime.fromisoformat(text)


def encode_values(values: Iterable[float] | None) -> list[float] | None:
    """Objective values as floats (None stays None)."""
    return None if values is None else [float(v) for v in values]


def encode_steps(intermediate_values: Mapping[int, float]) -> list[list[Any]]:
    """Intermediate values as ``[[step, value], ...]``: JSON object keys would be text."""
    return [[int(step), float(value)] for step, value in intermediate_values.items()]


def decode_steps(data: Iterable[Sequence[Any]]) -> dict[int, float]:
    """The intermediate values that :func:`encode_steps` wrote."""
    return {int(step): value for step, value in data}


def encode_params(trial: FrozenTrial) -> dict[str, list[Any]]:
    """``{name: [internal float, distribution JSON]}`` in suggestion order (JSON keeps it).

    Raises:
        ValueError: the trial's params and distributions name different parameters.
    """
    if trial.params.keys() != trial.distributions.keys():
        raise ValueError(
            f"A trial's params and distributions must name the same parameters, got "
            f"{sorted(trial.params)} and {sorted(trial.distributions)}. Give each parameter "
            "a value and a distribution."
        )
    return {
        name: [float(dist.to_internal_repr(trial.params[name])), distribution_to_json(dist)]
        for name, dist in trial.distributions.items()
    }


class DistributionCache:
    """Decoded distributions by their JSON text: a study has few, and every trial repeats them.

    Examples:
        >>> from parzen.distributions import IntDistribution, distribution_to_json
        >>> cache = DistributionCache()
        >>> text = distribution_to_json(IntDistribution(1, 3))
        >>> cache.get(text) is cache.get(text)
        True
    """

    def __init__(self) -> None:
        self._by_json: dict[str, BaseDistribution] = {}

    def get(self, text: str) -> BaseDistribution:
        """The distribution whose JSON is ``text``, decoded once."""
        dist = self._by_json.get(text)
        if dist is None:
            dist = self._by_json[text] = json_to_distribution(text)
        return dist


def decode_distributions(
    params: Mapping[str, Sequence[Any]], distributions: DistributionCache
) -> dict[str, BaseDistribution]:
    """The distributions of what :func:`encode_params` wrote."""
    return {name: distributions.get(text) for name, (_, text) in params.items()}


def decode_param_values(
    params: Mapping[str, Sequence[Any]], dists: Mapping[str, BaseDistribution]
) -> dict[str, Any]:
    """The external parameter values of what :func:`encode_params` wrote."""
    return {name: dists[name].to_external_repr(value) for name, (value, _) in params.items()}


def json_copy(value: Any, what: str) -> Any:
    """``value`` as a reader will get it back from JSON (tuples become lists), or TypeError.

    Args:
        value: the value about to be written.
        what: how to name the value in the error, e.g. ``"trial's user attributes"``.
    """
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        require_json(value, what)  # raises the message every storage gives
        raise


# -- trials and studies -----------------------------------------------------------------------


def encode_trial(trial: FrozenTrial) -> list[Any]:
    """A trial as JSON data that :func:`decode_trial` turns back into an equal FrozenTrial.

    The attributes are sent as they are: a storage holds JSON data only. Use
    :func:`encode_template` for a trial that a user made.
    """
    return [
        trial._trial_id,
        trial.number,
        int(trial.state),
        encode_values(trial.values),
        datetime_text(trial.datetime_start),
        datetime_text(trial.datetime_complete),
        encode_params(trial),
        trial.user_attrs,
        trial.system_attrs,
        encode_steps(trial.intermediate_values),
    ]


def encode_template(trial: FrozenTrial) -> list[Any]:
    """:func:`encode_trial` of a user's template trial, checked first as a storage would.

    Raises:
        ValueError: a name is not a non-empty str, or params and distributions differ.
        TypeError: an attribute is not JSON data.
    """
    # JSON would turn keys that are not str into str: refuse them here.
    check_template_names(trial)
    data = encode_trial(trial)
    require_json(trial.user_attrs, "trial's user attributes")
    require_json(trial.system_attrs, "trial's system attributes")
    return data


def decode_trial(data: Sequence[Any], distributions: DistributionCache) -> FrozenTrial:
    """The trial that :func:`encode_trial` wrote; ``distributions`` decodes each JSON once."""
    trial_id, number, state, values, start, complete, params, user, system, steps = data
    dists = decode_distributions(params, distributions)
    return FrozenTrial(
        number=number,
        state=TrialState(state),
        value=None,
        values=values,
        datetime_start=parse_datetime(start),
        datetime_complete=parse_datetime(complete),
        params=decode_param_values(params, dists),
        distributions=dists,
        user_attrs=user,
        system_attrs=system,
        intermediate_values=decode_steps(steps),
        trial_id=trial_id,
    )


def encode_study(study: FrozenStudy) -> list[Any]:
    """A study as ``[id, name, directions, user_attrs, system_attrs]``."""
    return [
        study._study_id,
        study.study_name,
        [int(d) for d in study.directions],
        study.user_attrs,
        study.system_attrs,
    ]


def decode_study(data: Sequence[Any]) -> FrozenStudy:
    """The study that :func:`encode_study` wrote."""
    study_id, name, directions, user_attrs, system_attrs = data
    return FrozenStudy(
        study_name=name,
        direction=None,
        directions=[StudyDirection(d) for d in directions],
        user_attrs=user_attrs,
        system_attrs=system_attrs,
        study_id=study_id,
    )


def encode_states(states: Container[TrialState] | None) -> list[int] | None:
    """Trial states as their ints, in TrialState's order (None, for every state, stays None)."""
    return None if states is None else [int(s) for s in TrialState if s in states]


def decode_states(data: Iterable[int] | None) -> tuple[TrialState, ...] | None:
    """The states that :func:`encode_states` wrote."""
    return None if data is None else tuple(TrialState(s) for s in data)
