"""The shared JSON codec of the gRPC proxy and the Dask storage, and the journal's trial fields."""

from __future__ import annotations

import datetime
import json
import math
import pickle
from typing import Any

import pytest

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.exceptions import (
    DuplicatedStudyError,
    ParzenError,
    StorageInternalError,
    TrialPruned,
    UpdateFinishedTrialError,
)
from parzen.storages import _wire
from parzen.storages.journal import BaseJournalBackend, JournalStorage
from parzen.study import StudyDirection
from parzen.trial import FrozenTrial, TrialState

CHOICES = [None, True, 1, 2.5, "a"]
# One of each distribution kind, with a value for each, in a suggestion order that is not sorted.
PARAMS: list[tuple[str, BaseDistribution, Any]] = [
    ("z_float", FloatDistribution(-1.0, 1.0), -0.0),
    ("y_log", FloatDistribution(1e-5, 1.0, log=True), 1e-3),
    ("x_step", FloatDistribution(0.0, 1.0, step=0.25), 0.75),
    ("w_int", IntDistribution(-3, 3), -2),
    ("v_int_log", IntDistribution(1, 1024, log=True), 512),
    ("u_int_step", IntDistribution(0, 10, step=2), 4),
    *[(f"c{i}", CategoricalDistribution(CHOICES), choice) for i, choice in enumerate(CHOICES)],
]
TZ = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def _trial(**overrides: Any) -> FrozenTrial:
    fields: dict[str, Any] = {
        "number": 7,
        "state": TrialState.COMPLETE,
        "value": None,
        "values": [float("inf"), float("-inf"), -0.0, 5e-324, 0.1],
        "datetime_start": datetime.datetime(2026, 1, 2, 3, 4, 5, 678901),
        "datetime_complete": datetime.datetime(2026, 1, 2, 3, 4, 6, tzinfo=TZ),
        "params": {name: value for name, _, value in PARAMS},
        "distributions": {name: dist for name, dist, _ in PARAMS},
        "user_attrs": {"list": [1, "two", None], "nested": {"a": {"b": [True, 1.5]}}, "é": "ü"},
        "system_attrs": {"fail_reason": "x", "n": -0.0},
        "intermediate_values": {0: float("nan"), 3: float("-inf"), 5: -0.0, 8: 0.1},
        "trial_id": 42,
    }
    fields.update(overrides)
    return FrozenTrial(**fields)


def _same_float(a: float, b: float) -> bool:
    """Equal as stored bits go: NaN equals NaN, and -0.0 differs from 0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _assert_same_trial(got: FrozenTrial, want: FrozenTrial) -> None:
    assert got._trial_id == want._trial_id
    assert got.number == want.number
    assert got.state == want.state
    if want.values is None:
        assert got.values is None
    else:
        assert got.values is not None and len(got.values) == len(want.values)
        assert all(_same_float(g, w) for g, w in zip(got.values, want.values))
    assert got.datetime_start == want.datetime_start
    assert got.datetime_complete == want.datetime_complete
    assert got.datetime_complete is None or (
        got.datetime_complete.utcoffset() == want.datetime_complete.utcoffset()
    )
    assert list(got.params) == list(want.params)  # suggestion order
    for name, value in want.params.items():
        assert type(got.params[name]) is type(value), name
        if isinstance(value, float):
            assert _same_float(got.params[name], value), name
        else:
            assert got.params[name] == value, name
    assert got.distributions == want.distributions
    assert got.user_attrs == want.user_attrs
    assert got.system_attrs == want.system_attrs
    assert list(got.intermediate_values) == list(want.intermediate_values)
    for step, value in want.intermediate_values.items():
        assert _same_float(got.intermediate_values[step], value), step


def _round_trip(trial: FrozenTrial) -> FrozenTrial:
    return _wire.decode_trial(_wire.loads(_wire.dumps(_wire.encode_trial(trial))), _cache())


def _cache() -> _wire.DistributionCache:
    return _wire.DistributionCache()


# -- trials -----------------------------------------------------------------------------------


def test_a_trial_with_every_field_kind_round_trips_exactly() -> None:
    trial = _trial()
    _assert_same_trial(_round_trip(trial), trial)


def test_the_round_trip_also_holds_through_utf8_bytes() -> None:
    trial = _trial()
    data = _wire.dumps(_wire.encode_trial(trial)).encode()
    _assert_same_trial(_wire.decode_trial(_wire.loads(data), _cache()), trial)


@pytest.mark.parametrize(
    "overrides",
    [
        {"state": TrialState.RUNNING, "values": None, "datetime_complete": None},
        {"state": TrialState.WAITING, "values": None, "datetime_start": None,
         "datetime_complete": None},
        {"state": TrialState.FAIL, "values": None},
        {"state": TrialState.PRUNED, "values": None, "intermediate_values": {2: 0.5}},
        {"values": [float("nan")]},
        {"params": {}, "distributions": {}, "user_attrs": {}, "system_attrs": {},
         "intermediate_values": {}},
    ],
    ids=["running", "waiting", "fail", "pruned", "nan-value", "empty"],
)  # fmt: skip
def test_trials_of_every_state_and_empty_fields_round_trip(overrides: dict[str, Any]) -> None:
    trial = _trial(**overrides)
    _assert_same_trial(_round_trip(trial), trial)


@pytest.mark.parametrize("name,dist,value", PARAMS, ids=[name for name, _, _ in PARAMS])
def test_every_distribution_kind_round_trips_with_its_value(
    name: str, dist: BaseDistribution, value: Any
) -> None:
    trial = _trial(params={name: value}, distributions={name: dist})
    copy = _round_trip(trial)
    assert copy.distributions == {name: dist}
    assert type(copy.params[name]) is type(value)
    assert copy.params[name] == value or _same_float(copy.params[name], value)


def test_a_trial_travels_as_json_text_only() -> None:
    text = _wire.dumps(_wire.encode_trial(_trial()))
    assert isinstance(text, str)
    json.loads(text)  # plain JSON, Python's Infinity/NaN tokens included
    assert b"\x80" not in text.encode()  # no pickle protocol header


def test_params_and_distributions_that_differ_are_refused() -> None:
    trial = _trial()
    trial.params = {"a": 1.0}  # assigned after construction, which would refuse it
    trial.distributions = {"b": FloatDistribution(0, 2)}
    with pytest.raises(ValueError, match=r"name the same parameters.*\['a'\].*\['b'\]"):
        _wire.encode_trial(trial)


def test_a_template_with_attributes_that_are_not_json_is_refused() -> None:
    with pytest.raises(TypeError, match="trial's user attributes must be JSON data"):
        _wire.encode_template(_trial(user_attrs={"a": object()}))
    with pytest.raises(TypeError, match="trial's system attributes must be JSON data"):
        _wire.encode_template(_trial(system_attrs={"a": {1, 2}}))
    with pytest.raises(TypeError, match="user attribute key must be a str"):
        _wire.encode_template(_trial(user_attrs={1: "a"}))
    _assert_same_trial(
        _wire.decode_trial(_wire.loads(_wire.dumps(_wire.encode_template(_trial()))), _cache()),
        _trial(),
    )


def test_the_distribution_cache_decodes_each_json_once() -> None:
    cache = _cache()
    first = _wire.decode_trial(_wire.encode_trial(_trial()), cache)
    second = _wire.decode_trial(_wire.encode_trial(_trial(trial_id=43)), cache)
    assert all(second.distributions[n] is d for n, d in first.distributions.items())


def test_datetimes_keep_microseconds_and_offsets() -> None:
    for value in [
        None,
        datetime.datetime(2026, 12, 31, 23, 59, 59, 999999),
        datetime.datetime(1999, 1, 1, tzinfo=datetime.timezone.utc),
        datetime.datetime(2026, 6, 1, 12, 0, tzinfo=TZ),
    ]:
        back = _wire.parse_datetime(_wire.datetime_text(value))
        assert back == value
        assert back is None or back.tzinfo == value.tzinfo


# -- studies and states -----------------------------------------------------------------------


def test_a_study_round_trips() -> None:
    from parzen._records.study_summary import FrozenStudy

    study = FrozenStudy(
        study_name="s",
        direction=None,
        directions=[StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE],
        user_attrs={"a": [1, {"b": None}]},
        system_attrs={"c": -0.0},
        study_id=3,
    )
    copy = _wire.decode_study(_wire.loads(_wire.dumps(_wire.encode_study(study))))
    assert (copy._study_id, copy.study_name, copy.directions) == (3, "s", study.directions)
    assert (copy.user_attrs, copy.system_attrs) == (study.user_attrs, study.system_attrs)


def test_states_round_trip_and_none_means_every_state() -> None:
    assert _wire.decode_states(_wire.encode_states(None)) is None
    wanted = (TrialState.FAIL, TrialState.COMPLETE, TrialState.FAIL)
    assert _wire.decode_states(_wire.encode_states(wanted)) == (
        TrialState.COMPLETE,
        TrialState.FAIL,
    )
    assert _wire.decode_states(_wire.encode_states(())) == ()


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        DuplicatedStudyError("A study named 'a' already exists."),
        UpdateFinishedTrialError("Trial 0 has already finished."),
        StorageInternalError("broken"),
        KeyError("No trial with id 3."),
        ValueError("bad value"),
        TypeError("bad type"),
        RuntimeError("bad time"),
        NotImplementedError("not here"),
        IndexError("out of range"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_contract_errors_cross_as_themselves(error: Exception) -> None:
    back = _wire.decode_error(_wire.loads(_wire.dumps(_wire.encode_error(error))))
    assert type(back) is type(error)
    assert back.args == error.args  # a KeyError's message, not its repr


def test_a_subclass_crosses_as_its_nearest_contract_error() -> None:
    class NoSuchTrial(KeyError):
        pass

    back = _wire.decode_error(_wire.encode_error(NoSuchTrial("No trial 3.")))
    assert type(back) is KeyError and back.args == ("No trial 3.",)
    back = _wire.decode_error(_wire.encode_error(json.JSONDecodeError("bad", "x", 0)))
    assert type(back) is ValueError
    finished = _wire.decode_error(_wire.encode_error(UpdateFinishedTrialError("done")))
    assert isinstance(finished, RuntimeError) and isinstance(finished, ParzenError)


@pytest.mark.parametrize("error", [OSError("disk full"), TrialPruned("p"), ParzenError("q")])
def test_other_errors_become_storage_internal_errors_that_name_them(error: Exception) -> None:
    back = _wire.decode_error(_wire.encode_error(error))
    assert type(back) is StorageInternalError
    assert str(back) == f"{type(error).__name__}: {error}"


def test_an_unknown_error_name_from_the_other_end_is_a_storage_internal_error() -> None:
    back = _wire.decode_error(["SystemExit", "bye"])
    assert type(back) is StorageInternalError and str(back) == "bye"


@pytest.mark.parametrize("data", [pickle.dumps(["get_all_studies", []]), b"", "{'a': 1}"])
def test_a_message_that_is_not_json_is_a_storage_internal_error(data: Any) -> None:
    with pytest.raises(StorageInternalError, match="not JSON"):
        _wire.loads(data)


# -- the journal writes a trial's fields with the same helpers, in its own record format --------

# A template's record exactly as parzen wrote it before the journal used these helpers: old logs
# must replay to the same trial, and new writes must produce the same record.
OLD_TEMPLATE_RECORD = (
    '{"s": 1, "vals": [Infinity, -0.0], "ds": "2026-01-02T03:04:05.678901", '
    '"dc": "2026-01-02T03:04:06+05:30", "p": {"lr": [0.001, "{\\"name\\": \\"FloatDistribution'
    '\\", \\"attributes\\": {\\"low\\": 1e-05, \\"high\\": 1.0, \\"log\\": true, \\"step\\": '
    'null}}"], "n": [4.0, "{\\"name\\": \\"IntDistribution\\", \\"attributes\\": {\\"low\\": 0,'
    ' \\"high\\": 10, \\"log\\": false, \\"step\\": 2}}"], "c": [0.0, "{\\"name\\": '
    '\\"CategoricalDistribution\\", \\"attributes\\": {\\"choices\\": [null, true, 1, 2.5, '
    '\\"a\\"]}}"], "d": [4.0, "{\\"name\\": \\"CategoricalDistribution\\", \\"attributes\\": '
    '{\\"choices\\": [null, true, 1, 2.5, \\"a\\"]}}"]}, "ua": {"k": [1, [2, 3]], "nested": '
    '{"a": null}}, "sa": {"s": 0.1}, "iv": [[0, NaN], [3, -Infinity], [5, 0.1]]}'
)


def _journal_template() -> FrozenTrial:
    categorical = CategoricalDistribution(CHOICES)
    return _trial(
        number=0,
        values=[float("inf"), -0.0],
        params={"lr": 1e-3, "n": 4, "c": None, "d": "a"},
        distributions={
            "lr": FloatDistribution(1e-5, 1.0, log=True),
            "n": IntDistribution(0, 10, step=2),
            "c": categorical,
            "d": categorical,
        },
        user_attrs={"k": [1, (2, 3)], "nested": {"a": None}},
        system_attrs={"s": 0.1},
        intermediate_values={0: float("nan"), 3: float("-inf"), 5: 0.1},
    )


class _ListBackend(BaseJournalBackend):
    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        return [json.loads(json.dumps(r)) for r in self.logs[log_number_from:]]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self.logs.extend(json.loads(json.dumps(r)) for r in logs)


def _journal_with_a_study() -> tuple[_ListBackend, JournalStorage, int]:
    backend = _ListBackend()
    storage = JournalStorage(backend)
    study_id = storage.create_new_study([StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE])
    return backend, storage, study_id


def test_the_journal_writes_a_template_record_in_its_unchanged_format() -> None:
    backend, storage, study_id = _journal_with_a_study()
    storage.create_new_trial(study_id, _journal_template())
    assert json.dumps(backend.logs[-1]["tpl"]) == OLD_TEMPLATE_RECORD


def test_an_old_journal_template_record_replays_to_the_same_trial() -> None:
    backend, writer, study_id = _journal_with_a_study()
    trial_id = writer.create_new_trial(study_id)  # a record as it comes, then the old one
    old = {**backend.logs[-1], "tid": trial_id + 1, "tpl": json.loads(OLD_TEMPLATE_RECORD)}
    backend.logs.append(old)
    reader = JournalStorage(backend)
    want = _journal_template()
    want.user_attrs = {"k": [1, [2, 3]], "nested": {"a": None}}  # what JSON keeps of a tuple
    want.number, want._trial_id = 1, trial_id + 1
    _assert_same_trial(reader.get_trial(trial_id + 1), want)
