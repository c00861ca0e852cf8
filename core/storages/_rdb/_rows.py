"""Conversion between the rows of the relational storage and parzen's records.

Reading: the rows of the trial query (see ``_statements.trials_query``) become
:class:`~parzen.trial.FrozenTrial` objects. Writing: parameters, values and attributes become
the rows the statements insert. Floats go through ``models.encode_float``/``decode_float`` so
that every double survives bit for bit.
"""

from __future__ import annotations

import datetime
import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from parzen._json import require_json
from parzen.distributions import (
    BaseDistribution,
    FloatDistribution,
    distribution_to_json,
    json_to_distribution,
)
from parzen.exceptions import StorageInternalError
from parzen.storages._rdb import models
from parzen.storages._rdb._pending import PendingParam
from parzen.storages._rdb._statements import (
    K_ATTR,
    K_INTERMEDIATE,
    K_PARAM,
    K_STUDY,
    K_TRIAL,
    K_VALUE,
)
from parzen.trial import FrozenTrial, TrialState

_CACHE_LIMIT = 10_000


class DistributionCodec:
    """Distributions to and from their stored JSON, remembering the texts already seen.

    A study has few distinct distributions and many parameter rows: decoding each text once
    makes every row with that text share one distribution instance.

    Examples:
        >>> from parzen.distributions import FloatDistribution
        >>> codec = DistributionCodec()
        >>> text = codec.to_json(FloatDistribution(0, 1))
        >>> codec.from_json(text) is codec.from_json(text)
        True
    """

    def __init__(self) -> None:
        self._dists: dict[str, BaseDistribution] = {}
        self._texts: dict[BaseDistribution, str] = {}

    def to_json(self, distribution: BaseDistribution) -> str:
        """Raises TypeError for a choice that JSON cannot hold."""
        text = self._texts.get(distribution)
        if text is None:
            text = distribution_to_json(distribution)
            if len(self._texts) < _CACHE_LIMIT:
                self._texts[distribution] = text
        return text

    def from_json(self, text: str) -> BaseDistribution:
        """Raises ValueError for a text that is no distribution."""
        dist = self._dists.get(text)
        if dist is None:
            dist = json_to_distribution(text)
            if len(self._dists) < _CACHE_LIMIT:
                self._dists[text] = dist
        return dist


# -- reading ------------------------------------------------------------------------------------


class _Record:
    __slots__ = (
        "complete",
        "intermediate",
        "number",
        "params",
        "seq",
        "start",
        "state",
        "system_attrs",
        "user_attrs",
        "values",
    )

    def __init__(self) -> None:
        self.number: int | None = None
        self.state = 0
        self.seq: int | None = None
        self.start: datetime.datetime | None = None
        self.complete: datetime.datetime | None = None
        self.values: dict[int, float] = {}
        self.params: list[tuple[int, str, Any, BaseDistribution]] = []
        self.intermediate: dict[int, float] = {}
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}


def trials_from_rows(
    rows: Sequence[Any],
    codec: DistributionCodec,
    *,
    parse_dt: bool,
    with_study: bool,
    params: dict[str, Any],
) -> tuple[list[tuple[int | None, FrozenTrial]], bool]:
    """The trials in the rows of ``trials_query``, as ``(finish_seq, trial)`` pairs.

    Also returns whether the study row was among them (always True without ``with_study``).
    ``parse_dt``: datetimes come as text (SQLite). ``params`` are the query's bind values,
    named in the message about a damaged row.
    """
    records: dict[int, _Record] = {}
    study_exists = not with_study
    for row in rows:
        kind = row[1]
        if kind == K_STUDY:
            study_exists = True
            continue
        record = records.get(row[0])
        if record is None:
            record = records[row[0]] = _Record()
        if kind == K_TRIAL:
            record.number = row[3]
            record.state = row[4]
            record.seq = row[5]
            record.start = parse_datetime(row[8]) if parse_dt else row[8]
            record.complete = parse_datetime(row[9]) if parse_dt else row[9]
        elif kind == K_PARAM:
            try:
                dist = codec.from_json(row[7])
            except ValueError as e:
                raise StorageInternalError(
                    damaged(f"distribution of parameter {row[2]!r}", row[0], params, e)
                ) from None
            value = models.decode_float(row[6], row[4])
            record.params.append((row[3], row[2], dist.to_external_repr(value), dist))
        elif kind == K_VALUE:
            record.values[row[3]] = models.decode_float(row[6], row[4])
        elif kind == K_INTERMEDIATE:
            record.intermediate[row[3]] = models.decode_float(row[6], row[4])
        elif kind == K_ATTR:
            target = record.user_attrs if row[4] == models.USER_ATTR else record.system_attrs
            try:
                target[row[2]] = json.loads(row[7])
            except ValueError as e:
                raise StorageInternalError(
                    damaged(f"value of attribute {row[2]!r}", row[0], params, e)
                ) from None
    trials: list[tuple[int | None, FrozenTrial]] = []
    for trial_id, r in records.items():
        if r.number is None:  # rows of a trial created after the trial rows were read
            continue
        state = TrialState(r.state)
        values = None
        if r.values and state.is_finished():
            values = [r.values[i] for i in sorted(r.values)]
        # Parameters in the order they were suggested.
        r.params.sort()
        trial = FrozenTrial(
            number=r.number,
            state=state,
            value=None,
            values=values,
            datetime_start=r.start,
            datetime_complete=r.complete,
            params={name: value for _, name, value, _ in r.params},
            distributions={name: dist for _, name, _, dist in r.params},
            user_attrs=r.user_attrs,
            system_attrs=r.system_attrs,
            intermediate_values=r.intermediate,
            trial_id=trial_id,
        )
        trials.append((r.seq, trial))
    return trials, study_exists


def trials_from_tables(
    trial_rows: Sequence[Any],
    param_rows: Sequence[Any],
    value_rows: Sequence[Any],
    intermediate_rows: Sequence[Any],
    attr_rows: Sequence[Any],
    codec: DistributionCodec,
    *,
    parse_dt: bool,
    params: dict[str, Any],
) -> list[tuple[int | None, FrozenTrial]]:
    """The trials in the rows of ``_statements.bulk_queries``, as ``(finish_seq, trial)`` pairs.

    The counterpart of :func:`trials_from_rows` for many trials at once: the rows of each
    table are grouped by trial id in dicts, each distinct distribution text is decoded once
    (its trials share the instance), and the trials are built in one pass.
    Rows of trials missing from ``trial_rows`` (created after it was read) are ignored.
    """
    params_of = _params_by_trial(param_rows, codec, params)
    values_of: dict[int, dict[int, float]] = {}
    for trial_id, objective, value, kind in value_rows:
        if kind:
            value = models.decode_float(value, kind)
        by_objective = values_of.get(trial_id)
        if by_objective is None:
            values_of[trial_id] = {objective: value}
        else:
            by_objective[objective] = value
    intermediate_of: dict[int, dict[int, float]] = {}
    for trial_id, step, value, kind in intermediate_rows:
        if kind:
            value = models.decode_float(value, kind)
        intermediate_of.setdefault(trial_id, {})[step] = value
    attrs_of: dict[tuple[int, int], dict[str, Any]] = {}
    for trial_id, kind, key, text in attr_rows:
        try:
            value = json.loads(text)
        except ValueError as e:
            raise StorageInternalError(
                damaged(f"value of attribute {key!r}", trial_id, params, e)
            ) from None
        attrs_of.setdefault((trial_id, kind), {})[key] = value

    parse = datetime.datetime.fromisoformat
    no_params: tuple[dict[str, Any], dict[str, BaseDistribution]] | None = None
    trials: list[tuple[int | None, FrozenTrial]] = []
    for trial_id, number, state_code, seq, start, complete in trial_rows:
        if parse_dt:
            start = None if start is None else parse(start)
            complete = None if complete is None else parse(complete)
        state = _STATES[state_code]
        values = None
        if state_code in _FINISHED_CODES:
            by_objective = values_of.get(trial_id)
            if by_objective:
                if len(by_objective) == 1:
                    values = list(by_objective.values())
                else:
                    values = [by_objective[i] for i in sorted(by_objective)]
        trial_params = params_of.get(trial_id, no_params)
        trial = FrozenTrial(
            number,
            state,
            None,
            start,
            complete,
            # Every trial gets containers of its own: the storage fills in those of
            # running trials.
            trial_params[0] if trial_params else {},
            trial_params[1] if trial_params else {},
            attrs_of.get((trial_id, models.USER_ATTR), {}),
            attrs_of.get((trial_id, models.SYSTEM_ATTR), {}),
            intermediate_of.get(trial_id, {}),
            trial_id,
            values=values,
        )
        trials.append((seq, trial))
    return trials


def _params_by_trial(
    rows: Sequence[Any], codec: DistributionCodec, params: dict[str, Any]
) -> dict[int, tuple[dict[str, Any], dict[str, BaseDistribution]]]:
    """Each trial's parameters and distributions, in the order they were suggested."""
    grouped: dict[int, tuple[dict[str, Any], dict[str, BaseDistribution]]] = {}
    dist_of_text: dict[str, BaseDistribution] = {}
    misordered = set()
    decode = models.decode_float
    for trial_id, position, name, value, kind, text in rows:
        if kind:
            value = decode(value, kind)
        dist = dist_of_text.get(text)
        if dist is None:
            try:
                dist = dist_of_text[text] = codec.from_json(text)
            except ValueError as e:
                raise StorageInternalError(
                    damaged(f"distribution of parameter {name!r}", trial_id, params, e)
                ) from None
        if type(dist) is not FloatDistribution:  # a float is its own external value
            value = dist.to_external_repr(value)
        entry = grouped.get(trial_id)
        if entry is None:
            entry = grouped[trial_id] = ({}, {})
        values, dists = entry
        if position != len(values):
            misordered.add(trial_id)
        values[name] = value
        dists[name] = dist
    if misordered:
        # Rows came in another order than their positions (databases promise no order).
        positions = {(r[0], r[2]): r[1] for r in rows if r[0] in misordered}
        for trial_id in misordered:
            values, dists = grouped[trial_id]
            order = sorted(values, key=lambda name: positions[trial_id, name])
            grouped[trial_id] = ({n: values[n] for n in order}, {n: dists[n] for n in order})
    return grouped


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a bulk read allocates millions of objects.

    None of them is garbage until the read ends, yet each full collection would walk them
    all: on a 100,000-trial study that costs more than building the trials.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_STATES = {int(s): s for s in TrialState}
_FINISHED_CODES = frozenset(int(s) for s in TrialState if s.is_finished())


def parse_datetime(value: Any) -> datetime.datetime | None:
    """A datetime column's value: SQLite's text, or the datetime other drivers return."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


def stored_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise StorageInternalError(
            f"The stored {what} is damaged: {e} (text {text[:60]!r}). Fix or delete that row "
            "of the database; parzen changed nothing."
        ) from None


def damaged(what: str, trial_id: int, params: dict[str, Any], e: Exception) -> str:
    study = f" of study {params['study_id']}" if "study_id" in params else ""
    return (
        f"The stored {what} of trial id {trial_id}{study} is damaged: {e}. Fix or delete that "
        "row of the database; parzen changed nothing."
    )


# -- writing ------------------------------------------------------------------------------------


def param_row(param: PendingParam) -> dict[str, Any]:
    value, kind = models.encode_float(param.value)
    return {
        "param_name": param.name,
        "param_value": value,
        "value_kind": kind,
        "distribution_json": param.distribution_json,
    }


def value_rows(trial_id: int, values: Sequence[float]) -> list[dict[str, Any]]:
    rows = []
    for objective, v in enumerate(values):
        value, kind = models.encode_float(v)
        rows.append(
            {"trial_id": trial_id, "objective": objective, "value": value, "value_kind": kind}
        )
    return rows


def dumps(value: Any, what: str) -> str:
    """``value`` as JSON text; TypeError naming ``what`` if it is not JSON data."""
    require_json(value, what)
    return json.dumps(value)
