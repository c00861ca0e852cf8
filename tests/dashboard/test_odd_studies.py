"""One odd study (written by an older parzen) never breaks the dashboard's list of the others."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import parzen
from parzen.dashboard import _api
from parzen.dashboard._cache import Registry, StudyCache
from parzen.storages.journal import JournalFileBackend, JournalStorage


def _line(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def test_a_study_with_non_str_attr_keys_from_an_older_log_lists_with_the_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(path))
    good = parzen.create_study(storage=storage, study_name="good")
    good.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    odd = parzen.create_study(storage=storage, study_name="odd")
    running = odd.ask()
    # What an older parzen wrote for set_user_attr(123, ...): a key that is not a str.
    with open(path, "ab") as f:
        f.write(_line({"op": 8, "tid": running._trial_id, "k": 123, "v": "int key"}))
        f.write(_line({"op": 8, "tid": running._trial_id, "k": "s", "v": "str key"}))
        f.write(_line({"op": 2, "sid": odd._study_id, "k": 7, "v": "study"}))

    reader = JournalStorage(JournalFileBackend(path))
    trial = reader.get_trial(running._trial_id)
    assert trial.user_attrs == {"123": "int key", "s": "str key"}
    assert reader.get_study_user_attrs(odd._study_id) == {"7": "study"}
    listed = _api.study_list(Registry(reader))["studies"]
    assert [(s["name"], s["n_trials"]) for s in listed] == [("good", 2), ("odd", 1)]
    assert not any("error" in s for s in listed)


def test_a_study_that_cannot_be_summarized_is_listed_with_its_error(
    tmp_path: Path, monkeypatch: Any
) -> None:
    storage = JournalStorage(JournalFileBackend(tmp_path / "journal.log"))
    for name in ("first", "broken", "last"):
        parzen.create_study(storage=storage, study_name=name).optimize(
            lambda t: t.suggest_float("x", 0, 1), n_trials=1
        )
    real_snapshot = StudyCache.snapshot

    def snapshot(self: StudyCache) -> Any:
        if self.name == "broken":
            raise TypeError("'<' not supported between instances of 'str' and 'int'")
        return real_snapshot(self)

    monkeypatch.setattr(StudyCache, "snapshot", snapshot)
    listed = _api.study_list(Registry(storage))["studies"]
    assert [(s["name"], s["n_trials"]) for s in listed] == [
        ("first", 1),
        ("broken", 0),
        ("last", 1),
    ]
    assert "not supported" in listed[1]["error"]
