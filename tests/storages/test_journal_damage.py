"""A damaged, torn or duplicated journal line loses at most its own change: it never moves data
between trials or studies, and `parzen storage verify` / `repair` report and remove it."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest

import parzen
from parzen.cli import main
from parzen.distributions import FloatDistribution
from parzen.storages.journal import JournalFileBackend, JournalStorage
from parzen.storages.journal._verify import repair_journal_file, verify_journal_file
from parzen.study import StudyDirection
from parzen.trial import TrialState

N_TRIALS = 4
N_LINES = 2 + 2 + 2 * N_TRIALS * 5  # studies, their attributes, 5 records per trial


def _storage(path: Path) -> JournalStorage:
    return JournalStorage(JournalFileBackend(path))


def _label_value(label: str) -> float:
    # A value unique to each trial, so that any value tells which trial wrote it.
    return float(zlib.crc32(label.encode()))


def _write_two_studies(path: Path, n_trials: int = N_TRIALS) -> None:
    """Two studies whose writes interleave, every field unique to its trial or study."""
    storage = _storage(path)
    ids = {name: storage.create_new_study([StudyDirection.MINIMIZE], name) for name in "AB"}
    for name, study_id in ids.items():
        storage.set_study_user_attr(study_id, "owner", name)
    dist = FloatDistribution(0, 1e6)
    for k in range(n_trials):
        for name, study_id in ids.items():
            trial_id = storage.create_new_trial(study_id)
            label = f"{name}{k}"
            storage.set_trial_param(trial_id, "x", _label_value(label) / 1e4, dist)
            storage.set_trial_user_attr(trial_id, "label", label)
            storage.set_trial_intermediate_value(trial_id, 0, _label_value(label) + 1)
            storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [_label_value(label)])


def _snapshot(path: Path) -> dict[str, Any]:
    storage = _storage(path)
    out: dict[str, Any] = {}
    for study in storage.get_all_studies():
        trials = storage.get_all_trials(study._study_id)
        out[study.study_name] = {
            "attrs": study.user_attrs,
            "trials": [
                (t.number, t.state, t.params, t.user_attrs, t.intermediate_values, t.values)
                for t in trials
            ],
        }
    return out


def _owners(trial: tuple[Any, ...]) -> set[str]:
    """The labels of the trials that each field of a loaded trial came from."""
    _, _, params, user_attrs, intermediate, values = trial
    labels = {f"{s}{k}" for s in "AB" for k in range(N_TRIALS)}
    by_value = {_label_value(label): label for label in labels}
    owners = set()
    if "x" in params:
        owners.add(by_value[round(params["x"] * 1e4)])
    if "label" in user_attrs:
        owners.add(user_attrs["label"])
    if intermediate:
        owners.add(by_value[intermediate[0] - 1])
    if values is not None:
        owners.add(by_value[values[0]])
    return owners


def _assert_nothing_moved(snapshot: dict[str, Any], n_trials: int = N_TRIALS) -> None:
    seen: set[str] = set()
    for name, study in snapshot.items():
        assert study["attrs"] in ({}, {"owner": name}), f"study {name} got {study['attrs']}"
        for trial in study["trials"]:
            owners = _owners(trial)
            # Every field of a trial comes from one trial of this study, and no two trials
            # hold the data of the same one.
            assert len(owners) <= 1, f"trial {trial} mixes the data of {owners}"
            assert all(o.startswith(name) for o in owners), f"{name} got {owners}: {trial}"
            assert not owners & seen, f"{owners} appears twice"
            seen |= owners
        assert [t[0] for t in study["trials"]] == list(range(len(study["trials"])))
    # One lost record costs at most one trial, and at most one trial is left unfinished.
    trials = [t for study in snapshot.values() for t in study["trials"]]
    lost_studies = 2 - len(snapshot)
    assert len(trials) >= 2 * n_trials - 1 - lost_studies * n_trials
    assert sum(t[1] != TrialState.COMPLETE for t in trials) <= 1


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _flip_bit(path: Path, line_index: int) -> None:
    lines = _lines(path)
    line = bytearray(lines[line_index])
    middle = len(line) // 2
    line[middle] ^= 0x04
    lines[line_index] = bytes(line)
    path.write_bytes(b"".join(lines))


@pytest.mark.parametrize("line_index", range(N_LINES))
def test_a_flipped_bit_in_any_line_moves_no_data(tmp_path: Path, line_index: int) -> None:
    path = tmp_path / "journal.log"
    _write_two_studies(path)
    assert len(_lines(path)) == N_LINES
    _flip_bit(path, line_index)
    _assert_nothing_moved(_snapshot(path))
    report = verify_journal_file(path)
    assert [(f.line, f.kind) for f in report.findings][:1] == [(line_index + 1, "damaged")]


def test_flipped_bit_in_line_3_of_a_two_study_log(tmp_path: Path) -> None:
    # The case: line 3 creates study A, and study B, created after it, got A's value
    # and attributes when positions were ids.
    path = tmp_path / "journal.log"
    scratch = _storage(path)
    scratch.delete_study(scratch.create_new_study([StudyDirection.MINIMIZE], "scratch"))
    _write_two_studies(path)
    assert b'"name":"A"' in _lines(path)[2]
    _flip_bit(path, 2)
    snapshot = _snapshot(path)
    assert list(snapshot) == ["B"]
    assert snapshot["B"]["attrs"] == {"owner": "B"}
    assert [t[5] for t in snapshot["B"]["trials"]] == [
        [_label_value(f"B{k}")] for k in range(N_TRIALS)
    ]
    _assert_nothing_moved(snapshot)


def _single_study(path: Path, n_trials: int) -> None:
    study = parzen.create_study(storage=_storage(path), study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1) * 10, n_trials=n_trials)


def _create_trial_lines(path: Path) -> list[int]:
    return [i for i, line in enumerate(_lines(path)) if json.loads(line[9:])["op"] in (4, 12)]


def test_damaged_create_trial_record_loses_one_trial_and_finishes_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.log"
    _single_study(path, 20)
    _flip_bit(path, _create_trial_lines(path)[5])
    trials = parzen.load_study(study_name="s", storage=_storage(path)).trials
    assert len(trials) == 19
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(t.value == t.params["x"] * 10 for t in trials)
    findings = verify_journal_file(path).findings
    assert findings[0].kind == "damaged"
    # The lost trial's later records touch nothing; verify names them.
    assert {f.kind for f in findings[1:]} == {"orphan"} and len(findings) > 1


def test_damaged_create_study_record_loses_that_study_only(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    _write_two_studies(path)
    _flip_bit(path, 1)  # study B's creation
    snapshot = _snapshot(path)
    assert list(snapshot) == ["A"]
    assert len(snapshot["A"]["trials"]) == N_TRIALS
    _assert_nothing_moved(snapshot)


@pytest.mark.parametrize("line_index", range(N_LINES))
def test_a_duplicated_line_changes_nothing(tmp_path: Path, line_index: int) -> None:
    path = tmp_path / "journal.log"
    _write_two_studies(path)
    intact = _snapshot(path)
    lines = _lines(path)
    path.write_bytes(b"".join(lines[: line_index + 1] + lines[line_index:]))
    assert _snapshot(path) == intact


def test_a_duplicated_create_trial_line_is_reported_and_dropped_by_repair(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.log"
    _single_study(path, 3)
    lines = _lines(path)
    at = _create_trial_lines(path)[1]
    path.write_bytes(b"".join([*lines, lines[at]]))
    report = verify_journal_file(path)
    assert [(f.line, f.kind) for f in report.findings] == [(len(lines) + 1, "duplicate")]
    repaired = tmp_path / "repaired.log"
    repair_journal_file(path, repaired)
    assert repaired.read_bytes() == b"".join(lines)


def test_damaged_first_record_leaves_the_rest_readable(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    _write_two_studies(path)
    _flip_bit(path, 0)  # study A's creation
    snapshot = _snapshot(path)
    assert list(snapshot) == ["B"] and len(snapshot["B"]["trials"]) == N_TRIALS
    _assert_nothing_moved(snapshot)


# -- the older positional format ------------------------------------------------------------


def _line(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def _positional_log(path: Path) -> None:
    """A log as parzen wrote it before creation records named their ids."""
    dist = '{"name":"FloatDistribution","attributes":{"low":0,"high":1,"step":null,"log":false}}'
    path.write_bytes(
        b"".join(
            [
                _line({"op": 0, "name": "old", "dirs": [1]}),
                _line({"op": 0, "name": "other", "dirs": [2]}),
                _line({"op": 4, "sid": 1, "t": 1.0e9}),
                _line({"op": 4, "sid": 0, "t": 1.0e9 + 1}),
                _line({"op": 5, "tid": 1, "k": "x", "v": 0.25, "d": dist}),
                _line({"op": 6, "tid": 1, "s": 1, "vals": [0.5], "t": 1.0e9 + 2}),
                _line({"op": 6, "tid": 0, "s": 1, "vals": [7.0], "t": 1.0e9 + 3}),
                _line({"op": 2, "sid": 1, "k": "a", "v": "other's"}),
            ]
        )
    )


def _positional_expectations(storage: JournalStorage) -> None:
    old = parzen.load_study(study_name="old", storage=storage)
    other = parzen.load_study(study_name="other", storage=storage)
    assert [(t.params, t.values) for t in old.trials[:1]] == [({"x": 0.25}, [0.5])]
    assert [t.values for t in other.trials] == [[7.0]]
    assert other.user_attrs == {"a": "other's"} and old.user_attrs == {}


def test_a_log_of_the_positional_format_still_loads_and_takes_new_writes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.log"
    _positional_log(path)
    storage = _storage(path)
    _positional_expectations(storage)
    old = parzen.load_study(study_name="old", storage=storage)
    old.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    reread = _storage(path)
    _positional_expectations(reread)
    assert len(parzen.load_study(study_name="old", storage=reread).trials) == 3
    report = verify_journal_file(path)
    assert report.intact and report.positional


def test_repair_rewrites_a_positional_log_with_explicit_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.log"
    _positional_log(path)
    repaired = tmp_path / "new.log"
    repair_journal_file(path, repaired)
    ops = [json.loads(line[9:])["op"] for line in _lines(repaired)]
    assert 0 not in ops and 4 not in ops
    _positional_expectations(_storage(repaired))
    report = verify_journal_file(repaired)
    assert report.intact and not report.positional


# -- the command line -----------------------------------------------------------------------


def test_cli_verify_reports_damage_with_its_exit_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "journal.log"
    _write_two_studies(path)
    assert main(["storage", "verify", str(path)]) == 0
    assert "0 problems" in capsys.readouterr().out
    _flip_bit(path, 2)
    assert main(["storage", "verify", str(path)]) == 1
    out = capsys.readouterr().out
    assert "line 3 " in out and "damaged" in out


def test_cli_repair_writes_a_copy_and_never_touches_the_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "journal.log"
    _single_study(path, 5)
    _flip_bit(path, _create_trial_lines(path)[2])
    damaged = path.read_bytes()
    out = tmp_path / "repaired.log"
    assert main(["storage", "repair", str(path), str(out)]) == 0
    assert path.read_bytes() == damaged
    assert main(["storage", "verify", str(out)]) == 0
    trials = parzen.load_study(study_name="s", storage=_storage(out)).trials
    assert len(trials) == 4 and all(t.value == t.params["x"] * 10 for t in trials)
    # Never overwrites, not even the original.
    assert main(["storage", "repair", str(path), str(path)]) == 2
    assert main(["storage", "repair", str(path), str(out)]) == 2
    assert path.read_bytes() == damaged
    assert "never overwrites" in capsys.readouterr().err


def test_cli_verify_refuses_a_file_that_is_not_a_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "optuna.log"
    path.write_bytes(b'{"op_code": 0}\n{"op_code": 4}\n')
    assert main(["storage", "verify", str(path)]) == 1
    assert "not a parzen journal" in capsys.readouterr().err
    assert main(["storage", "verify", str(tmp_path / "missing.log")]) == 2
