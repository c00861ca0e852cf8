"""The wire format between a DaskStorage and the storage it forwards to: JSON text only.

Every request and reply is one JSON document, so what crosses the wire, and what the storage on
the scheduler keeps, is data: nobody who can reach the scheduler can make a worker run code by
writing a trial. Trials travel as dicts of JSON values, parameters as their internal float with
the distribution's JSON (exact, as every storage stores them), datetimes as ISO 8601 text.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.distributions import BaseDistribution, distribution_to_json, json_to_distribution
from parzen.exceptions import (
    DuplicatedStudyError,
    ParzenError,
    StorageInternalError,
    UpdateFinishedTrialError,
)
from parzen.trial import FrozenTrial, TrialState

# The exceptions a storage raises by contract; they are raised again, same class, in the
# caller. Anything else becomes a StorageInternalError naming the original class.
_ERRORS: dict[str, type[Exception]] = {
    "DuplicatedStudyError": DuplicatedStudyError,
    "IndexError": IndexError,
    "KeyError": KeyError,
    "NotImplementedError": NotImplementedError,
    "ParzenError": ParzenError,
    "RuntimeError": RuntimeError,
    "StorageInternalError": StorageInternalError,
    "TypeError": TypeError,
    "UpdateFinishedTrialError": UpdateFinishedTrialError,
    "ValueError": ValueError,
}


def dumps(document: Any) -> str:
    """JSON text of a request or reply whose values were checked or converted already."""
    return json.dumps(document, separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text)


def json_value(value: Any, what: str) -> Any:
    """``value`` as the storage will give it back (tuples become lists), or a clear TypeError."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"The {what} must be JSON data (None, bool, int, float, str, or lists and dicts "
            f"of them with str keys), got {value!r} ({type(value).__name__}). Convert it, "
            "e.g. with .tolist() for numpy arrays or str() for other objects."
        ) from e


def encode_error(error: BaseException) -> list[str]:
    name = type(error).__name__
    if name in _ERRORS and type(error) is _ERRORS[name]:
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        return [name, str(message)]
    return ["StorageInternalError", f"{name}: {error}"]


def decode_error(data: list[str]) -> Exception:
    name, message = data
    return _ERRORS.get(name, StorageInternalError)(message)


# -- trials ---------------------------------------------------------------------------------


def _format_datetime(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_datetime(value: str | None) -> datetime.datetime | None:
    return None if value is None else datetime.datetime.fromisoformat(value)


def encode_trial(trial: FrozenTrial) -> dict[str, Any]:
    """A trial as JSON data: ``decode_trial`` rebuilds an equal FrozenTrial."""
    if set(trial.params) != set(trial.distributions):
        raise ValueError(
            f"A trial's params and distributions must have the same names, got "
            f"{sorted(trial.params)} and {sorted(trial.distributions)}."
        )
    return {
        "id": trial._trial_id,
        "n": trial.number,
        "s": int(trial.state),
        "v": None if trial.values is None else [float(v) for v in trial.values],
        "ds": _format_datetime(trial.datetime_start),
        "dc": _format_datetime(trial.datetime_complete),
        # Params in suggestion order (JSON objects keep it), internal value and distribution.
        "p": {
            name: [float(dist.to_internal_repr(trial.params[name])), distribution_to_json(dist)]
            for name, dist in trial.distributions.items()
        },
        "ua": json_value(trial.user_attrs, "trial's user attributes"),
        "sa": json_value(trial.system_attrs, "trial's system attributes"),
        "iv": [[int(step), float(v)] for step, v in trial.intermediate_values.items()],
    }


class DistributionCache:
    """Decoded distributions by their JSON text: a study has few, and trials repeat them."""

    def __init__(self) -> None:
        self._by_json: dict[str, BaseDistribution] = {}

    def get(self, dist_json: str) -> BaseDistribution:
        dist = self._by_json.get(dist_json)
        if dist is None:
            dist = json_to_distribution(dist_json)
            self._by_json[dist_json] = dist
        return dist


def decode_trial(data: dict[str, Any], distributions: DistributionCache) -> FrozenTrial:
    dists = {name: distributions.get(dist_json) for name, (_, dist_json) in data["p"].items()}
    return FrozenTrial(
        number=data["n"],
        state=TrialState(data["s"]),
        value=None,
        values=data["v"],
        datetime_start=_parse_datetime(data["ds"]),
        datetime_complete=_parse_datetime(data["dc"]),
        params={
            name: dists[name].to_external_repr(internal)
            for name, (internal, _) in data["p"].items()
        },
        distributions=dists,
        user_attrs=data["ua"],
        system_attrs=data["sa"],
        intermediate_values={int(step): v for step, v in data["iv"]},
        trial_id=data["id"],
    )


# -- studies --------------------------------------------------------------------------------


def encode_study(study: FrozenStudy) -> dict[str, Any]:
    return {
        "name": study.study_name,
        "dirs": [int(d) for d in study.directions],
        "ua": json_value(study.user_attrs, "study's user attributes"),
        "sa": json_value(study.system_attrs, "study's system attributes"),
        "id": study._study_id,
    }


def decode_study(data: dict[str, Any]) -> FrozenStudy:
    return FrozenStudy(
        study_name=data["name"],
        direction=None,
        directions=[StudyDirection(d) for d in data["dirs"]],
        user_attrs=data["ua"],
        system_attrs=data["sa"],
        study_id=data["id"],
    )
