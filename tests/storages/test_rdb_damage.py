"""A damaged SQLite file or stored value is reported as what it is, and where it is."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest

import parzen
from parzen.exceptions import StorageInternalError
from parzen.storages import RDBStorage


def _study(path: Path) -> parzen.Study:
    study = parzen.create_study(storage=f"sqlite:///{path}", study_name="s")
    study.set_user_attr("note", "fine")
    study.optimize(lambda t: t.set_user_attr("k", 1) or t.suggest_float("x", 0, 1), n_trials=3)
    return study


def test_a_file_that_is_not_sqlite_is_called_corrupt_not_unwritable(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)
    with pytest.raises(StorageInternalError, match="is corrupt") as info:
        RDBStorage(f"sqlite:///{path}")
    assert "writable" not in str(info.value)


def test_a_damaged_sqlite_file_is_called_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    study = _study(path)
    study._storage._db.dispose()  # type: ignore[attr-defined]
    del study
    gc.collect()
    data = bytearray(path.read_bytes())
    for i in range(4096, len(data), 7):  # every page but the header
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    for leftover in tmp_path.glob("study.db-*"):
        leftover.unlink()
    with pytest.raises(StorageInternalError, match="is corrupt"):
        _ = parzen.load_study(study_name="s", storage=f"sqlite:///{path}").trials


def _damage(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    conn.close()


def test_damaged_json_in_a_trial_attribute_names_the_trial_and_study(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    study = _study(path)
    trial_id = study.trials[1]._trial_id
    _damage(
        path,
        f"UPDATE parzen_trial_attrs SET value_json = '{{broken' WHERE trial_id = {trial_id}",
    )
    storage = RDBStorage(f"sqlite:///{path}")
    with pytest.raises(StorageInternalError) as info:
        _ = parzen.load_study(study_name="s", storage=storage).trials
    message = str(info.value)
    assert f"trial id {trial_id}" in message and f"study {study._study_id}" in message
    assert "'k'" in message and "damaged" in message


def test_damaged_json_in_a_study_attribute_names_the_study(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    study = _study(path)
    _damage(path, "UPDATE parzen_study_attrs SET value_json = 'nope'")
    storage = RDBStorage(f"sqlite:///{path}")
    with pytest.raises(StorageInternalError, match=f"'note' of study {study._study_id}"):
        storage.get_study_user_attrs(study._study_id)
    with pytest.raises(StorageInternalError, match="damaged"):
        storage.get_all_studies()


def test_a_damaged_distribution_names_the_parameter_and_trial(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    _study(path)
    _damage(path, "UPDATE parzen_trial_params SET distribution_json = '{\"name\": 3}'")
    storage = RDBStorage(f"sqlite:///{path}")
    with pytest.raises(StorageInternalError, match="parameter 'x' of trial id"):
        _ = parzen.load_study(study_name="s", storage=storage).trials
