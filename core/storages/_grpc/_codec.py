"""The proxy's wire format: every request and reply is one JSON document, never a pickle.

Whoever can reach a proxy can only send data: a request names a storage method and carries its
arguments as JSON values, a reply carries the result (or the error's class name and message).
Floats travel as ``repr`` text, which round-trips exactly; ``inf``, ``-inf`` and NaN use the
``Infinity``/``NaN`` tokens of Python's ``json``. Parameters travel as their internal float with
the distribution's JSON, as every storage keeps them; datetimes as ISO 8601 text.

A trial is a list, not an object, to keep the many trials of a large study small on the wire:
``[id, number, state, values, start, complete, params, user_attrs, system_attrs, steps]``.
"""

from __future__ import annotations

import bisect
import datetime
import json
from collections.abc import Container, Iterable
from typing import Any

from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.distributions import BaseDistribution, distribution_to_json, json_to_distribution
from parzen.exceptions import (
    DuplicatedStudyError,
    StorageInternalError,
    UpdateFinishedTrialError,
)
from parzen.trial import FrozenTrial, TrialState

# The errors a storage raises by contract cross the wire as themselves; any other error
# becomes a StorageInternalError that names it. Subclasses map to their nearest listed base.
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


def dumps(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def loads(data: bytes) -> Any:
    return json.loads(data)


def encode_error(error: BaseException) -> list[str]:
    """``[class name, message]`` of the nearest error class the client can raise again."""
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    for cls in type(error).__mro__:
        if _ERRORS.get(cls.__name__) is cls:
            return [cls.__name__, str(message)]
    return [StorageInternalError.__name__, f"{type(error).__name__}: {message}"]


def decode_error(data: list[str]) -> Exception:
    name, message = data
    return _ERRORS.get(name, StorageInternalError)(message)


# -- trials ---------------------------------------------------------------------------------


def _datetime_text(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


def encode_trial(trial: FrozenTrial) -> list[Any]:
    """A trial as JSON data that :func:`decode_trial` turns back into an equal FrozenTrial."""
    if trial.params.keys() != trial.distributions.keys():
        raise ValueError(
            f"A trial's params and distributions must name the same parameters, got "
            f"{sorted(trial.params)} and {sorted(trial.distributions)}."
        )
    return [
        trial._trial_id,
        trial.number,
        int(trial.state),
        None if trial.values is None else [float(v) for v in trial.values],
        _datetime_text(trial.datetime_start),
        _datetime_text(trial.datetime_complete),
        # Suggestion order survives: JSON objects keep their key order.
        {
            name: [float(dist.to_internal_repr(trial.params[name])), distribution_to_json(dist)]
            for name, dist in trial.distributions.items()
        },
        trial.user_attrs,
        trial.system_attrs,
        [[int(step), float(value)] for step, value in trial.intermediate_values.items()],
    ]


class Distributions:
    """Decoded distributions by their JSON text: a study has few, and every trial repeats them."""

    def __init__(self) -> None:
        self._by_json: dict[str, BaseDistribution] = {}

    def get(self, text: str) -> BaseDistribution:
        dist = self._by_json.get(text)
        if dist is None:
            dist = self._by_json[text] = json_to_distribution(text)
        return dist


def decode_trial(data: list[Any], distributions: Distributions) -> FrozenTrial:
    trial_id, number, state, values, start, complete, params, user, system, steps = data
    dists = {name: distributions.get(text) for name, (_, text) in params.items()}
    return FrozenTrial(
        number=number,
        state=TrialState(state),
        value=None,
        values=values,
        datetime_start=_datetime(start),
        datetime_complete=_datetime(complete),
        params={name: dists[name].to_external_repr(v) for name, (v, _) in params.items()},
        distributions=dists,
        user_attrs=user,
        system_attrs=system,
        intermediate_values={step: value for step, value in steps},
        trial_id=trial_id,
    )


# -- trials the client has cached -----------------------------------------------------------


def id_ranges(sorted_ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as inclusive ``[first, last]`` runs: a study's finished trials are few runs."""
    ranges: list[list[int]] = []
    for i in sorted_ids:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges


class IdRanges:
    """Membership in the runs that :func:`id_ranges` made."""

    def __init__(self, ranges: list[list[int]]) -> None:
        self._firsts = [first for first, _ in ranges]
        self._lasts = [last for _, last in ranges]

    def __contains__(self, trial_id: int) -> bool:
        index = bisect.bisect_right(self._firsts, trial_id) - 1
        return index >= 0 and trial_id <= self._lasts[index]


def encode_trials(trials: list[FrozenTrial], known: IdRanges | None) -> list[Any]:
    """Trials in order; a finished trial the client already holds is sent as its id alone."""
    return [
        t._trial_id
        if known is not None and t.state.is_finished() and t._trial_id in known
        else encode_trial(t)
        for t in trials
    ]


# -- studies --------------------------------------------------------------------------------


def encode_study(study: FrozenStudy) -> list[Any]:
    return [
        study._study_id,
        study.study_name,
        [int(d) for d in study.directions],
        study.user_attrs,
        study.system_attrs,
    ]


def decode_study(data: list[Any]) -> FrozenStudy:
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
    return None if states is None else [int(s) for s in TrialState if s in states]


def decode_states(data: list[int] | None) -> tuple[TrialState, ...] | None:
    return None if data is None else tuple(TrialState(s) for s in data)
