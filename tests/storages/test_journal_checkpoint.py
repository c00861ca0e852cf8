"""Checkpoints, the per-study sets of WAITING and RUNNING trials, and batched parameter writes.

A checkpoint is a cache of the replayed log: whatever it holds, a storage opened on the log must
equal one that replayed the whole log.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

import parzen
from parzen.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.storages.journal import JournalFileBackend, JournalStorage, _checkpoint, _storage
from parzen.storages.journal._verify import verify_journal_file
from parzen.study import StudyDirection
from parzen.trial import TrialState, create_trial

CHECKPOINT = _checkpoint.SUFFIX


@pytest.fixture(autouse=True)
def _no_automatic_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests decide when a checkpoint is written (see _checkpointed).
    monkeypatch.setattr(_storage, "CHECKPOINT_MIN_RECORDS", 10**9)


def _open(path: Path, **kwargs: Any) -> JournalStorage:
    return JournalStorage(JournalFileBackend(path), **kwargs)


def _checkpointed(path: Path, monkeypatch: pytest.MonkeyPatch) -> JournalStorage:
    """Open the log so that its replay writes a checkpoint; return that storage."""
    with monkeypatch.context() as m:
        m.setattr(_storage, "CHECKPOINT_MIN_RECORDS", 1)
        storage = _open(path)
    # Readable by whoever may read the log.
    assert Path(str(path) + CHECKPOINT).stat().st_mode == path.stat().st_mode
    return storage


def _replayed(path: Path, tmp_path: Path) -> JournalStorage:
    """A storage that replayed a copy of the whole log, without any checkpoint."""
    copy = tmp_path / f"replayed-{len(list(tmp_path.iterdir()))}.log"
    shutil.copyfile(path, copy)
    return _open(copy)


def _state(storage: JournalStorage) -> dict[str, Any]:
    """Everything a storage shows, through its public methods and its replay bookkeeping."""
    studies = sorted(storage.get_all_studies(), key=lambda s: s._study_id)
    out: dict[str, Any] = {
        "studies": [
            (s._study_id, s.study_name, s.directions, s.user_attrs, s.system_attrs)
            for s in studies
        ],
        "retired": storage._retired_ids,
        "created": (storage._n_studies_created, storage._n_trials_created),
    }
    for s in studies:
        sid = s._study_id
        state = storage._studies[sid]
        out[sid] = {
            "trials": storage.get_all_trials(sid),
            "shared": storage.get_all_trials(sid, deepcopy=False),
            "finished": storage.get_finished_trials_since(sid, 0),
            "by_state": {
                st: (
                    storage.get_n_trials(sid, st),
                    [t.number for t in storage.get_all_trials(sid, states=(st,))],
                )
                for st in TrialState
            },
            "alive_at": state.alive_at,
            "param_distributions": state.param_distributions,
            "unfinished": state.unfinished_ids,
        }
    return out


def _write_everything(path: Path) -> dict[str, int]:
    """Studies and trials with every kind of field, state and record."""
    storage = _open(path, heartbeat_interval=60)
    a = parzen.create_study(storage=storage, study_name="a")
    a.set_user_attr("owner", {"name": "a", "tags": [1, 2.5, None]})
    dists = {
        "f": FloatDistribution(1e-3, 1.0, log=True),
        "i": IntDistribution(0, 10, step=2),
        "c": CategoricalDistribution([None, "x", 1, 2.5, True]),
    }
    for k, choice in enumerate([None, "x", 1, 2.5, True]):
        a.add_trial(
            create_trial(
                params={"f": 0.01 * (k + 1), "i": 2 * k, "c": choice},
                distributions=dists,
                value=-0.0 if k == 0 else float(k),
                user_attrs={"k": k, "nested": {"list": [k, [k]]}},
                system_attrs={"s": "x" * k},
                intermediate_values={0: float("inf"), 3: -1.5},
            )
        )
    a.optimize(lambda t: t.suggest_float("f", 1e-3, 1.0, log=True), n_trials=3)
    pruned = a.ask()
    pruned.report(0.5, step=1)
    a.tell(pruned, state=TrialState.PRUNED)
    failed = a.ask()
    failed.suggest_int("i", 0, 10, step=2)
    a.tell(failed, state=TrialState.FAIL)
    running = a.ask()
    running.suggest_categorical("c", [None, "x", 1, 2.5, True])
    storage.record_heartbeat(running._trial_id)
    a.enqueue_trial({"f": 0.5})
    a.enqueue_trial({"f": 0.25}, user_attrs={"queued": True})

    b = parzen.create_study(storage=storage, study_name="b", directions=["minimize", "maximize"])
    b.optimize(lambda t: (t.suggest_float("x", 0, 1), math.inf), n_trials=2)
    b.set_system_attr("done", True)
    gone = parzen.create_study(storage=storage, study_name="gone")
    gone.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    parzen.delete_study(study_name="gone", storage=storage)
    return {"a": a._study_id, "b": b._study_id, "running": running._trial_id}


def test_a_checkpoint_restores_what_replaying_the_log_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.log"
    _write_everything(path)
    _checkpointed(path, monkeypatch)
    restored = _open(path)
    assert restored._checkpointed_at == restored._log_number > 0  # nothing replayed
    assert _state(restored) == _state(_replayed(path, tmp_path))


def test_a_restored_storage_goes_on_as_a_replayed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.log"
    ids = _write_everything(path)
    _checkpointed(path, monkeypatch)
    restored = _open(path, heartbeat_interval=60)
    study = parzen.load_study(study_name="a", storage=restored)
    waiting = [t.number for t in study.get_trials(states=(TrialState.WAITING,))]
    assert len(waiting) == 2
    # The WAITING trials come out of the queue in number order, with their fixed params.
    popped = [study.ask() for _ in range(2)]
    assert [t.number for t in popped] == waiting
    assert [t.suggest_float("f", 1e-3, 1.0, log=True) for t in popped] == [0.5, 0.25]
    restored.set_trial_state_values(ids["running"], TrialState.COMPLETE, [1.0])
    study.optimize(lambda t: t.suggest_float("f", 1e-3, 1.0, log=True), n_trials=2)
    # The trials restored unbuilt read like any other.
    trial = restored.get_trial(restored.get_trial_id_from_study_id_trial_number(ids["a"], 2))
    assert trial.params["c"] == 1 and trial.user_attrs["nested"] == {"list": [2, [2]]}
    assert _state(_open(path)) == _state(_replayed(path, tmp_path))


def test_copies_of_restored_trials_are_the_callers_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.log"
    ids = _write_everything(path)
    _checkpointed(path, monkeypatch)
    restored = _open(path)
    mine = restored.get_all_trials(ids["a"])
    mine[0].user_attrs["nested"]["list"].append("mine")
    mine[0].distributions.clear()
    mine[0].params["f"] = 99.0
    assert restored.get_all_trials(ids["a"]) == _replayed(path, tmp_path).get_all_trials(ids["a"])


def _corrupt_checkpoint(path: Path, tmp_path: Path) -> None:
    Path(str(path) + CHECKPOINT).write_bytes(b'{"format": "parzen journal checkpoint"\nnot json')


def _checkpoint_of_another_log(path: Path, tmp_path: Path) -> None:
    # The log replaced by another one (a repaired copy moved over it, say) that is longer.
    other = tmp_path / "other.log"
    storage = _open(other)
    study = parzen.create_study(storage=storage, study_name="other")
    study.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=30)
    shutil.copyfile(other, path)


def _damaged_before_the_offset(path: Path, tmp_path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.index(b'"x"')  # a parameter record of study b: its line becomes damaged
    data[at + 1] = ord("y")
    path.write_bytes(bytes(data))


def _state_in_the_checkpoint_malformed(path: Path, tmp_path: Path) -> None:
    checkpoint = Path(str(path) + CHECKPOINT)
    header, state = checkpoint.read_bytes().split(b"\n", 1)
    document = json.loads(state)
    document["studies"][0]["trials"][0][5] = 10**6  # a layout that does not exist
    checkpoint.write_bytes(header + b"\n" + json.dumps(document).encode())


def _log_cut_short(path: Path, tmp_path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))


@pytest.mark.parametrize(
    "spoil",
    [
        _corrupt_checkpoint,
        _checkpoint_of_another_log,
        _damaged_before_the_offset,
        _state_in_the_checkpoint_malformed,
        _log_cut_short,
    ],
)
def test_a_checkpoint_that_does_not_match_the_log_is_ignored(
    spoil: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.log"
    _write_everything(path)
    _checkpointed(path, monkeypatch)
    spoil(path, tmp_path)
    opened = _open(path)
    assert _state(opened) == _state(_replayed(path, tmp_path))
    # The next replay of the whole log writes a checkpoint that matches it again.
    _checkpointed(path, monkeypatch)
    assert _open(path)._checkpointed_at > 0
    assert _state(_open(path)) == _state(_replayed(path, tmp_path))


def test_a_stale_checkpoint_is_caught_up_with_what_others_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.log"
    writer = _open(path)
    study = parzen.create_study(storage=writer, study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    _checkpointed(path, monkeypatch)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)  # after the checkpoint
    study.enqueue_trial({"x": 0.5})
    opened = _open(path)
    assert 0 < opened._checkpointed_at < opened._log_number
    trials = parzen.load_study(study_name="s", storage=opened).trials
    assert [t.number for t in trials] == list(range(10))
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 9 + [TrialState.WAITING]
    assert _state(opened) == _state(_replayed(path, tmp_path))


def test_a_checkpoint_that_cannot_be_written_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError("read-only directory")

    path = tmp_path / "journal.log"
    study = parzen.create_study(storage=_open(path), study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    monkeypatch.setattr(_checkpoint, "write", refuse)
    monkeypatch.setattr(_storage, "CHECKPOINT_MIN_RECORDS", 1)
    storage = _open(path)
    study = parzen.load_study(study_name="s", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.trials) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.log"]


def test_verify_reads_the_log_not_the_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.log"
    _write_everything(path)
    _checkpointed(path, monkeypatch)
    n_lines = len(path.read_bytes().splitlines())
    _damaged_before_the_offset(path, tmp_path)
    report = verify_journal_file(path)
    assert [f.kind for f in report.findings] == ["damaged"]
    assert report.n_lines == n_lines


# -- WAITING and RUNNING trials ------------------------------------------------------------------


def _numbers(storage: JournalStorage, study_id: int, state: TrialState) -> list[int]:
    by_set = [t.number for t in storage.get_all_trials(study_id, states=(state,))]
    by_scan = [t.number for t in storage.get_all_trials(study_id) if t.state == state]
    assert by_set == by_scan
    assert storage.get_n_trials(study_id, state) == len(by_scan)
    return by_set


def test_waiting_trials_are_right_across_processes_and_after_a_damaged_record(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.log"
    first, second = _open(path), _open(path)
    a = parzen.create_study(storage=first, study_name="s")
    for x in (0.1, 0.2, 0.3):
        a.enqueue_trial({"x": x})
    b = parzen.load_study(study_name="s", storage=second)
    taken_by_b = b.ask()
    taken_by_a = a.ask()
    assert (taken_by_b.number, taken_by_a.number) == (0, 1)
    for storage in (first, second):
        assert _numbers(storage, a._study_id, TrialState.WAITING) == [2]
        assert _numbers(storage, a._study_id, TrialState.RUNNING) == [0, 1]
        assert storage.get_n_trials(a._study_id, (TrialState.WAITING, TrialState.RUNNING)) == 3
    # Damage the record by which b took trial 0: its change is lost in every later replay.
    lines = path.read_bytes().splitlines(keepends=True)
    taken = [i for i, line in enumerate(lines) if b'"op":6' in line and b'"s":0' in line]
    lines[taken[0]] = lines[taken[0]].replace(b'"s":0', b'"s":9')
    path.write_bytes(b"".join(lines))
    third = _open(path)
    assert _numbers(third, a._study_id, TrialState.WAITING) == [0, 2]
    assert _numbers(third, a._study_id, TrialState.RUNNING) == [1]
    c = parzen.load_study(study_name="s", storage=third)
    assert [c.ask().number, c.ask().number, c.ask().number] == [0, 2, 3]
    a.tell(taken_by_a, 1.0)
    assert _numbers(third, a._study_id, TrialState.COMPLETE) == [1]
    assert _numbers(third, a._study_id, TrialState.RUNNING) == [0, 2, 3]


# -- parameters written in batches ------------------------------------------------------------


def test_optimize_writes_a_trials_parameters_with_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.log"
    storage = _open(path)
    other = _open(path)
    study = parzen.create_study(storage=storage, study_name="s")
    appends: list[list[int]] = []
    append = storage.backend.append_logs_and_read

    def counting(log_number_from: int, logs: list[dict[str, Any]]) -> Any:
        appends.append([r["op"] for r in logs])
        return append(log_number_from, logs)

    monkeypatch.setattr(storage.backend, "append_logs_and_read", counting)
    seen_by_other: list[dict[str, Any]] = []

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_int("y", 0, 3)
        seen_by_other.append(other.get_trial(trial._trial_id).params)
        return x + y

    study.optimize(objective, n_trials=2)
    # Per trial: its creation, then both parameters with its end, in one append.
    assert appends == [[12], [5, 5, 6]] * 2
    assert seen_by_other == [{}, {}]
    assert [set(t.params) for t in _open(path).get_all_trials(study._study_id)] == [{"x", "y"}] * 2


def test_a_read_during_the_trial_sees_its_batched_parameters(tmp_path: Path) -> None:
    storage = _open(tmp_path / "journal.log")
    study = parzen.create_study(storage=storage, study_name="s")
    seen = []

    def objective(trial: parzen.Trial) -> float:
        trial.suggest_float("x", 0, 1)
        seen.append(storage.get_trial(trial._trial_id).params)
        seen.append(
            [t.params for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]
        )
        with pytest.raises(ValueError):
            storage.set_trial_param(trial._trial_id, "x", 0, CategoricalDistribution(["a"]))
        return 0.0

    study.optimize(objective, n_trials=1)
    assert seen[0].keys() == {"x"} and [p.keys() for p in seen[1]] == [{"x"}]


def test_a_batched_parameter_is_checked_against_other_batched_ones(tmp_path: Path) -> None:
    storage = _open(tmp_path / "journal.log")
    study_id = storage.create_new_study([StudyDirection.MINIMIZE], "s")
    first = storage.create_new_trial(study_id)
    second = storage.create_new_trial(study_id)
    storage.defer_param_writes(first)
    storage.defer_param_writes(second)
    storage.set_trial_param(first, "x", 0.5, FloatDistribution(0, 1))
    with pytest.raises(ValueError):
        storage.set_trial_param(second, "x", 0, CategoricalDistribution(["a"]))
    storage.set_trial_state_values(first, TrialState.COMPLETE, [1.0])
    assert storage.get_trial(first).params == {"x": 0.5}
    assert storage.get_trial(second).params == {}
