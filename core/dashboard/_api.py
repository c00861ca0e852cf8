"""The JSON the dashboard's API serves: the study list, a study, a page of trials, a trial.

Every function returns plain JSON data (dicts, lists, str, numbers, None); the server encodes
it. Sorting and filtering the trial table happen here, on the server, so the page receives
one page of rows however large the study is.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from parzen._records.constraints import get_constraints, is_feasible
from parzen._records.direction import StudyDirection
from parzen.artifacts._meta import ArtifactMeta, metas_from_attrs
from parzen.dashboard._cache import NotFound, Registry, Snapshot, StudyCache
from parzen.distributions import BaseDistribution, distribution_to_json
from parzen.logging import get_logger
from parzen.trial import FrozenTrial, TrialState

DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000
FILTER_OPS = ("=", "!=", "<", "<=", ">", ">=", "contains")


class BadRequest(ValueError):
    """A query the API cannot answer (answered with HTTP 400 and this message)."""


_MISSING = object()
_logger = get_logger(__name__)


# -- studies ---------------------------------------------------------------------------------


def study_list(registry: Registry) -> dict[str, Any]:
    """Every study of the storage with its trial counts and best value.

    A study that cannot be summarized is listed with an ``error`` and no trials, so that one
    odd study never hides the others.
    """
    return {"studies": [_safe_summary(cache) for cache in registry.studies()]}


def _safe_summary(cache: StudyCache) -> dict[str, Any]:
    try:
        return study_summary(cache, cache.snapshot())
    except Exception as e:
        _logger.warning(f"Could not summarize study {cache.name!r} for the dashboard: {e!r}")
        return {
            "study_id": cache.study_id,
            "name": cache.name,
            "directions": [_direction_name(d) for d in cache.directions],
            "objective_labels": [],
            "n_trials": 0,
            "counts": {state.name: 0 for state in TrialState},
            "best": None,
            "datetime_start": None,
            "revision": None,
            "error": f"{type(e).__name__}: {e}",
        }


def study_summary(cache: StudyCache, snap: Snapshot) -> dict[str, Any]:
    """What the study list shows of one study."""
    return {
        "study_id": cache.study_id,
        "name": cache.name,
        "directions": [_direction_name(d) for d in cache.directions],
        "objective_labels": [cache.objective_label(i) for i in range(len(cache.directions))],
        "n_trials": len(snap.trials),
        "counts": snap.counts,
        "best": cache.memo(("best",), snap.finished_count, lambda: _best(cache, snap)),
        "datetime_start": _iso(snap.datetime_start),
        "revision": snap.revision,
    }


def study_detail(cache: StudyCache) -> dict[str, Any]:
    """A study's summary, attributes, parameters and table columns; the page polls this."""
    snap = cache.snapshot()
    detail = study_summary(cache, snap)
    detail["user_attrs"] = cache.user_attrs
    detail["params"] = [
        {"name": name, "distribution": distribution_json(snap.distributions[name])}
        for name in snap.param_names
    ]
    detail["columns"] = columns(cache, snap)
    detail["has_intermediate_values"] = snap.has_intermediate_values
    return detail


def _direction_name(direction: StudyDirection) -> str:
    return direction.name.lower()


def _best(cache: StudyCache, snap: Snapshot) -> dict[str, Any] | None:
    columns = cache.columns(snap)
    index = np.flatnonzero(columns.feasible)
    if not index.size:
        return None
    if len(cache.directions) > 1:
        from parzen._records.multi_objective import pareto_front_trials

        feasible = [columns.trials[i] for i in index.tolist()]
        front = pareto_front_trials(feasible, cache.directions)
        return {"pareto_front_size": len(front), "numbers": [t.number for t in front[:20]]}
    sign = -1.0 if cache.directions[0] == StudyDirection.MAXIMIZE else 1.0
    loss = sign * columns.values[index, 0]
    # The first of equal bests, as min() over the trials gives; NaN is never the best.
    best = columns.trials[int(index[np.argmin(np.where(np.isnan(loss), np.inf, loss))])]
    return {"number": best.number, "value": _values(best)[0], "params": best.params}


def distribution_json(distribution: BaseDistribution) -> dict[str, Any]:
    """A distribution as the JSON object of :func:`~parzen.distributions.distribution_to_json`."""
    decoded: dict[str, Any] = json.loads(distribution_to_json(distribution))
    return decoded


def _values(trial: FrozenTrial) -> list[float]:
    assert trial.values is not None
    return trial.values


# -- the trial table ---------------------------------------------------------------------


def columns(cache: StudyCache, snap: Snapshot) -> list[dict[str, str]]:
    """The table's columns: ``id`` names a column in ``sort`` and ``filters`` queries."""
    cols = [
        {"id": "number", "label": "Number", "group": "trial"},
        {"id": "state", "label": "State", "group": "trial"},
    ]
    cols += [
        {"id": f"value:{i}", "label": cache.objective_label(i), "group": "value"}
        for i in range(len(cache.directions))
    ]
    cols += [
        {"id": "duration", "label": "Duration (s)", "group": "trial"},
        {"id": "datetime_start", "label": "Started", "group": "trial"},
        {"id": "datetime_complete", "label": "Completed", "group": "trial"},
    ]
    cols += [{"id": f"param:{n}", "label": n, "group": "param"} for n in snap.param_names]
    cols += [
        {"id": f"user_attr:{n}", "label": n, "group": "user_attr"} for n in snap.user_attr_names
    ]
    return cols


def trials_page(cache: StudyCache, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """One page of the trial table, sorted and filtered as ``query`` asks.

    Query parameters: ``offset`` and ``limit`` (at most 1000, default 200); ``sort`` (a
    column id, default ``number``) and ``order`` (``asc`` or ``desc``); ``state`` (comma-
    separated state names); ``filters``: a JSON list of ``{"column": id, "op": op, "value":
    text}`` with ``op`` one of ``= != < <= > >= contains``, all of which a row must pass.
    Rows missing the sorted column come last in either order.
    """
    snap = cache.snapshot()
    offset = _int_arg(query, "offset", 0, minimum=0)
    limit = _int_arg(query, "limit", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    sort = _str_arg(query, "sort", "number")
    order = _str_arg(query, "order", "asc")
    if order not in ("asc", "desc"):
        raise BadRequest(f"order must be 'asc' or 'desc', got {order!r}.")
    states = _states_arg(query)
    n_objectives = len(cache.directions)
    filters = _filters_arg(query, n_objectives)
    sort_getter = _getter(sort, n_objectives)
    key = ("table", sort, order, states, tuple((c, o, v) for c, o, _, v in filters))
    ordered = cache.memo(
        key,
        snap.revision,
        lambda: _order(snap.trials, sort_getter, order == "desc", states, filters),
    )
    return {
        "total": len(ordered),
        "n_trials": len(snap.trials),
        "offset": offset,
        "limit": limit,
        "sort": sort,
        "order": order,
        "rows": [trial_row(t) for t in ordered[offset : offset + limit]],
        "revision": snap.revision,
    }


def _order(
    trials: list[FrozenTrial],
    sort_getter: Callable[[FrozenTrial], Any],
    descending: bool,
    states: tuple[TrialState, ...] | None,
    filters: list[tuple[str, str, Callable[[FrozenTrial], Any], str]],
) -> list[FrozenTrial]:
    selected = trials
    if states is not None:
        selected = [t for t in selected if t.state in states]
    for _, op, getter, value in filters:
        selected = [t for t in selected if _passes(getter(t), op, value)]
    if sort_getter is _number:
        # Trials come ordered by number already.
        return selected[::-1] if descending else list(selected)
    keys = [sort_getter(t) for t in selected]
    present = [i for i, k in enumerate(keys) if k is not _MISSING]
    missing = [selected[i] for i, k in enumerate(keys) if k is _MISSING]
    if all(type(keys[i]) in (int, float) and keys[i] == keys[i] for i in present):
        # The common case, numbers only (NaN excluded by k == k): compare them directly.
        sort_key: Callable[[int], Any] = keys.__getitem__
    else:
        sort_key = lambda i: _sort_key(keys[i])  # noqa: E731
    # Python's sort is stable: equal keys keep trial-number order in both directions.
    present.sort(key=sort_key, reverse=descending)
    return [selected[i] for i in present] + missing


def trial_row(trial: FrozenTrial) -> dict[str, Any]:
    """A trial as a table row."""
    duration = trial.duration
    return {
        "number": trial.number,
        "state": trial.state.name,
        "values": trial.values,
        "duration": None if duration is None else duration.total_seconds(),
        "datetime_start": _iso(trial.datetime_start),
        "datetime_complete": _iso(trial.datetime_complete),
        "params": trial.params,
        "user_attrs": trial.user_attrs,
    }


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _getter(column: str, n_objectives: int) -> Callable[[FrozenTrial], Any]:
    kind, _, name = column.partition(":")
    if column == "number":
        return _number
    if column == "state":
        return lambda t: t.state
    if column == "duration":
        return lambda t: _or_missing(t.duration.total_seconds() if t.duration else None)
    if column in ("datetime_start", "datetime_complete"):
        return lambda t: _or_missing(_iso(getattr(t, column)))
    if kind == "value" and name.isdigit() and int(name) < n_objectives:
        index = int(name)
        return lambda t: _MISSING if t.values is None else t.values[index]
    if kind == "param" and name:
        return lambda t: t.params.get(name, _MISSING)
    if kind == "user_attr" and name:
        return lambda t: t.user_attrs.get(name, _MISSING)
    raise BadRequest(
        f"Unknown column {column!r}: expected number, state, value:<index> (index below "
        f"{n_objectives}), duration, datetime_start, datetime_complete, param:<name> or "
        "user_attr:<name>."
    )


def _number(trial: FrozenTrial) -> int:
    return trial.number


def _or_missing(value: Any) -> Any:
    return _MISSING if value is None else value


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, TrialState):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, float(value)) if not math.isnan(value) else (3, 0.0)
    if isinstance(value, str):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True, default=str))


def display(value: Any) -> str:
    """A cell's text, as filters with ``contains`` and string comparisons see it."""
    if isinstance(value, TrialState):
        return value.name
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _passes(value: Any, op: str, wanted: str) -> bool:
    if value is _MISSING:
        return False
    if op == "contains":
        return wanted.lower() in display(value).lower()
    number = _as_number(wanted)
    if number is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        left: Any = float(value)
        right: Any = number
    else:
        left, right = display(value), wanted
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _as_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def _int_arg(
    query: Mapping[str, Sequence[str]],
    name: str,
    default: int,
    *,
    minimum: int,
    maximum: int | None = None,
) -> int:
    raw = _str_arg(query, name, None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {raw!r}.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise BadRequest(f"{name} must be {bounds}, got {value}.")
    return value


def _str_arg(query: Mapping[str, Sequence[str]], name: str, default: Any) -> Any:
    values = query.get(name)
    return values[-1] if values else default


def _states_arg(query: Mapping[str, Sequence[str]]) -> tuple[TrialState, ...] | None:
    raw = _str_arg(query, "state", None)
    if raw is None or raw == "":
        return None
    states = []
    for name in raw.split(","):
        try:
            states.append(TrialState[name.strip().upper()])
        except KeyError:
            raise BadRequest(
                f"Unknown trial state {name!r}: expected a comma-separated list of "
                f"{', '.join(s.name for s in TrialState)}."
            ) from None
    return tuple(sorted(set(states)))


def _filters_arg(
    query: Mapping[str, Sequence[str]], n_objectives: int
) -> list[tuple[str, str, Callable[[FrozenTrial], Any], str]]:
    raw = _str_arg(query, "filters", None)
    if raw is None or raw == "":
        return []
    try:
        items = json.loads(raw)
    except ValueError as e:
        raise BadRequest(f"filters must be a JSON list: {e}.") from None
    if not isinstance(items, list):
        raise BadRequest(f"filters must be a JSON list, got {type(items).__name__}.")
    parsed = []
    for item in items:
        if not isinstance(item, dict) or not {"column", "op", "value"} <= set(item):
            raise BadRequest(
                'Each filter must be an object {"column": ..., "op": ..., "value": ...}, got '
                f"{item!r}."
            )
        column, op, value = item["column"], item["op"], item["value"]
        if not isinstance(column, str) or op not in FILTER_OPS:
            raise BadRequest(
                f"A filter needs a column id and an op among {', '.join(FILTER_OPS)}; got "
                f"column={column!r}, op={op!r}."
            )
        getter = _getter(column, n_objectives)
        parsed.append((column, op, getter, value if isinstance(value, str) else display(value)))
    return parsed


# -- one trial ----------------------------------------------------------------------------


def artifact_meta(cache: StudyCache, number: int, artifact_id: str) -> ArtifactMeta:
    """The record of an artifact uploaded to a trial; NotFound unless the trial lists it.

    Only artifacts recorded on the trial are served, so the dashboard never hands out an
    arbitrary object of the artifact store.
    """
    trial = cache.snapshot().by_number.get(number)
    if trial is None:
        raise NotFound(f"Study {cache.name!r} has no trial number {number}.")
    for meta in metas_from_attrs(trial.system_attrs):
        if meta.artifact_id == artifact_id:
            return meta
    raise NotFound(f"Trial {number} of study {cache.name!r} has no artifact {artifact_id!r}.")


def trial_detail(cache: StudyCache, number: int) -> dict[str, Any]:
    """Everything stored about one trial; NotFound if the study has no such trial."""
    snap = cache.snapshot()
    trial = snap.by_number.get(number)
    if trial is None:
        raise NotFound(f"Study {cache.name!r} has no trial number {number}.")
    detail = trial_row(trial)
    detail.update(
        {
            "study_id": cache.study_id,
            "study_name": cache.name,
            "trial_id": trial._trial_id,
            "objective_labels": [cache.objective_label(i) for i in range(len(cache.directions))],
            "params": [
                {
                    "name": name,
                    "value": value,
                    "distribution": distribution_json(trial.distributions[name]),
                }
                for name, value in trial.params.items()
            ],
            "system_attrs": trial.system_attrs,
            # Read from the snapshot's system attributes: listing costs no storage read.
            "artifacts": [dataclasses.asdict(m) for m in metas_from_attrs(trial.system_attrs)],
            "intermediate_values": [
                [step, trial.intermediate_values[step]]
                for step in sorted(trial.intermediate_values)
            ],
            "constraints": get_constraints(trial),
            "feasible": is_feasible(trial),
            "revision": snap.revision,
        }
    )
    return detail
