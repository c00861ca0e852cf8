"""Reading the studies of an Optuna journal: a file, or a Redis server.

Optuna's journal is a log of operations, one JSON object per record with an ``op_code``; this
module replays it the way Optuna reads it back: a record that was invalid when its turn came
(a second study of the same name, a write to a finished trial) changes nothing. Only the log
is read; the snapshot Optuna's Redis backend keeps beside it is a pickle, and a cache of the
same log, so it is left alone (and reported).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import Any

from parzen._records.direction import StudyDirection
from parzen.storages._optuna_import._detect import optuna_redis_keys
from parzen.storages._optuna_import._source import DistributionDecoder, SourceStudy, local_naive
from parzen.trial import FrozenTrial, TrialState

# Optuna's operation codes.
_CREATE_STUDY = 0
_DELETE_STUDY = 1
_SET_STUDY_USER_ATTR = 2
_SET_STUDY_SYSTEM_ATTR = 3
_CREATE_TRIAL = 4
_SET_TRIAL_PARAM = 5
_SET_TRIAL_STATE_VALUES = 6
_SET_TRIAL_INTERMEDIATE_VALUE = 7
_SET_TRIAL_USER_ATTR = 8
_SET_TRIAL_SYSTEM_ATTR = 9
_DISCARD_TRIALS = 10  # written only by other implementations of the format; Optuna skips it

_REDIS_BATCH = 1000


def file_records(path: str) -> Iterator[dict[str, Any]]:
    """The records of an Optuna journal file, in order.

    A last line without its line end is a record whose writer died mid-write: it is not part
    of the log, as for Optuna.
    """
    with open(path, "rb") as f:
        data = f.read()
    # The text after the last line end, if any, is such a torn record.
    for number, line in enumerate(data.split(b"\n")[:-1]):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            raise ValueError(
                f"Line {number + 1} of {path} is not a JSON record ({e}): {line[:80]!r}. Is "
                "it a journal file that Optuna wrote?"
            ) from e
        if not isinstance(record, dict) or "op_code" not in record:
            raise ValueError(
                f"Line {number + 1} of {path} is not a record of Optuna's journal (no "
                f"op_code): {line[:80]!r}."
            )
        yield record


def redis_records(client: Any, prefix: str) -> Iterator[dict[str, Any]]:
    """The records of an Optuna journal kept in Redis under ``prefix``, in order."""
    last_key, _ = optuna_redis_keys(prefix)
    last = client.get(last_key)
    if last is None:
        return
    count = int(last) + 1
    for start in range(0, count, _REDIS_BATCH):
        keys = [f"{prefix}:log:{i}" for i in range(start, min(count, start + _REDIS_BATCH))]
        for key, raw in zip(keys, client.mget(keys)):
            if raw is None:
                raise ValueError(
                    f"The Optuna journal in Redis under the prefix {prefix!r} lacks the record "
                    f"{key!r} although {last_key!r} counts it: it was deleted by hand."
                )
            yield json.loads(raw)


def has_redis_snapshot(client: Any, prefix: str) -> bool:
    return bool(client.exists(f"{prefix}:snapshot"))


@dataclasses.dataclass
class _Study:
    name: str
    directions: list[StudyDirection]
    user_attrs: dict[str, Any] = dataclasses.field(default_factory=dict)
    system_attrs: dict[str, Any] = dataclasses.field(default_factory=dict)
    trial_ids: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _Trial:
    number: int
    state: TrialState
    values: list[float] | None = None
    start: Any = None
    complete: Any = None
    params: dict[str, float] = dataclasses.field(default_factory=dict)
    distributions: dict[str, str] = dataclasses.field(default_factory=dict)
    user_attrs: dict[str, Any] = dataclasses.field(default_factory=dict)
    system_attrs: dict[str, Any] = dataclasses.field(default_factory=dict)
    intermediate: dict[int, float] = dataclasses.field(default_factory=dict)


class Replay:
    """The state an Optuna journal describes, built record by record."""

    def __init__(self) -> None:
        self.studies: dict[int, _Study] = {}
        self.trials: dict[int, _Trial] = {}
        self._names: set[str] = set()
        self._next_study_id = 0
        self._next_trial_id = 0

    def apply_all(self, records: Iterable[dict[str, Any]]) -> None:
        handlers = {
            _CREATE_STUDY: self._create_study,
            _DELETE_STUDY: self._delete_study,
            _SET_STUDY_USER_ATTR: self._study_user_attr,
            _SET_STUDY_SYSTEM_ATTR: self._study_system_attr,
            _CREATE_TRIAL: self._create_trial,
            _SET_TRIAL_PARAM: self._trial_param,
            _SET_TRIAL_STATE_VALUES: self._trial_state,
            _SET_TRIAL_INTERMEDIATE_VALUE: self._trial_intermediate,
            _SET_TRIAL_USER_ATTR: self._trial_user_attr,
            _SET_TRIAL_SYSTEM_ATTR: self._trial_system_attr,
            _DISCARD_TRIALS: lambda record: None,
        }
        for number, record in enumerate(records):
            op = record.get("op_code")
            handler = handlers.get(op) if isinstance(op, int) else None
            if handler is None:
                raise ValueError(
                    f"Record {number} of the Optuna journal has an unknown op_code "
                    f"{op!r}: it was written by a newer Optuna than this "
                    "import knows. Upgrade parzen."
                )
            handler(record)

    # -- studies ------------------------------------------------------------------------------

    def _create_study(self, record: dict[str, Any]) -> None:
        name = record["study_name"]
        if name in self._names:
            return
        self._names.add(name)
        directions = [StudyDirection(d) for d in record["directions"]]
        self.studies[self._next_study_id] = _Study(name, directions)
        self._next_study_id += 1

    def _delete_study(self, record: dict[str, Any]) -> None:
        study = self.studies.pop(record["study_id"], None)
        if study is not None:
            self._names.discard(study.name)
            for trial_id in study.trial_ids:
                del self.trials[trial_id]

    def _study_user_attr(self, record: dict[str, Any]) -> None:
        study = self.studies.get(record["study_id"])
        if study is not None:
            study.user_attrs.update(record["user_attr"])

    def _study_system_attr(self, record: dict[str, Any]) -> None:
        study = self.studies.get(record["study_id"])
        if study is not None:
            study.system_attrs.update(record["system_attr"])

    # -- trials -------------------------------------------------------------------------------

    def _create_trial(self, record: dict[str, Any]) -> None:
        study = self.studies.get(record["study_id"])
        if study is None:
            return
        trial = _Trial(number=len(study.trial_ids), state=TrialState.RUNNING)
        trial.start = record.get("datetime_start")
        if "state" in record:  # a trial made from a template (enqueue_trial, add_trial)
            trial.state = TrialState(record["state"])
            values = record.get("values")
            if values is None and record.get("value") is not None:
                values = [record["value"]]
            trial.values = None if values is None else [float(v) for v in values]
            trial.complete = record.get("datetime_complete")
            trial.distributions = dict(record.get("distributions") or {})
            trial.params = {k: float(v) for k, v in (record.get("params") or {}).items()}
            trial.user_attrs = dict(record.get("user_attrs") or {})
            trial.system_attrs = dict(record.get("system_attrs") or {})
            trial.intermediate = {
                int(step): float(v)
                for step, v in (record.get("intermediate_values") or {}).items()
            }
        trial_id = self._next_trial_id
        self._next_trial_id += 1
        self.trials[trial_id] = trial
        study.trial_ids.append(trial_id)

    def _updatable(self, record: dict[str, Any]) -> _Trial | None:
        trial = self.trials.get(record["trial_id"])
        if trial is None or trial.state.is_finished():
            return None
        return trial

    def _trial_param(self, record: dict[str, Any]) -> None:
        trial = self._updatable(record)
        if trial is not None:
            name = record["param_name"]
            trial.params[name] = float(record["param_value_internal"])
            trial.distributions[name] = record["distribution"]

    def _trial_state(self, record: dict[str, Any]) -> None:
        trial = self._updatable(record)
        if trial is None:
            return
        state = TrialState(record["state"])
        if state == TrialState.RUNNING and trial.state != TrialState.WAITING:
            return
        trial.state = state
        values = record.get("values")
        if values is not None:
            trial.values = [float(v) for v in values]
        if state == TrialState.RUNNING:
            trial.start = record.get("datetime_start")
        if state.is_finished():
            trial.complete = record.get("datetime_complete")

    def _trial_intermediate(self, record: dict[str, Any]) -> None:
        trial = self._updatable(record)
        if trial is not None:
            trial.intermediate[int(record["step"])] = float(record["intermediate_value"])

    def _trial_user_attr(self, record: dict[str, Any]) -> None:
        trial = self._updatable(record)
        if trial is not None:
            trial.user_attrs.update(record["user_attr"])

    def _trial_system_attr(self, record: dict[str, Any]) -> None:
        trial = self._updatable(record)
        if trial is not None:
            trial.system_attrs.update(record["system_attr"])

    # -- results ------------------------------------------------------------------------------

    def source_studies(self, names: set[str] | None) -> Iterator[tuple[str, SourceStudy | None]]:
        """Yield ``(name, study)`` for each study in id order (``None``: not asked for)."""
        decode = DistributionDecoder()
        for study_id in sorted(self.studies):
            study = self.studies[study_id]
            if names is not None and study.name not in names:
                yield study.name, None
                continue
            trials = [self._frozen(trial_id, decode) for trial_id in study.trial_ids]
            yield (
                study.name,
                SourceStudy(
                    study.name,
                    list(study.directions),
                    dict(study.user_attrs),
                    dict(study.system_attrs),
                    trials,
                ),
            )

    def _frozen(self, trial_id: int, decode: DistributionDecoder) -> FrozenTrial:
        trial = self.trials[trial_id]
        distributions = {name: decode(text) for name, text in trial.distributions.items()}
        return FrozenTrial(
            number=trial.number,
            state=trial.state,
            value=None,
            values=trial.values,
            datetime_start=local_naive(trial.start),
            datetime_complete=local_naive(trial.complete),
            params={
                name: distributions[name].to_external_repr(internal)
                for name, internal in trial.params.items()
            },
            distributions=distributions,
            user_attrs=trial.user_attrs,
            system_attrs=trial.system_attrs,
            intermediate_values=trial.intermediate,
            trial_id=trial_id,
        )
