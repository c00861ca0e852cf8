"""``parzen dashboard STORAGE``: storage arguments, errors, and a real run."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

import parzen
from parzen.dashboard import main
from parzen.dashboard._cli import open_storage
from parzen.storages.journal import JournalFileBackend, JournalStorage


def _journal(path: str) -> None:
    study = parzen.create_study(
        storage=JournalStorage(JournalFileBackend(path)), study_name="from-journal"
    )
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)


def test_open_storage_recognizes_journals_sqlite_files_and_urls(tmp_path: pathlib.Path) -> None:
    journal = str(tmp_path / "journal.log")
    _journal(journal)
    opened = open_storage(journal)
    assert isinstance(opened, JournalStorage)
    assert [s.study_name for s in opened.get_all_studies()] == ["from-journal"]

    db = tmp_path / "db.sqlite3"
    parzen.create_study(storage=f"sqlite:///{db}", study_name="from-sqlite")
    for spec in (str(db), f"sqlite:///{db}"):
        names = [s.study_name for s in open_storage(spec).get_all_studies()]
        assert names == ["from-sqlite"], spec


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sqlite:///{tmp}/missing.db", "No SQLite database"),
        ("{tmp}/missing.log", "No file at"),
        ("ftp://host/x", "Unknown storage URL scheme"),
    ],
)
def test_open_storage_creates_nothing_and_says_why(
    tmp_path: pathlib.Path, spec: str, message: str
) -> None:
    spec = spec.format(tmp=tmp_path)
    with pytest.raises(ValueError, match=message):
        open_storage(spec)
    assert os.listdir(tmp_path) == []


def test_main_without_a_storage_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARZEN_STORAGE", raising=False)
    assert main([]) == 2
    assert "no storage given" in capsys.readouterr().err


def test_main_reports_errors_without_a_traceback(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "missing.log")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("parzen dashboard: error: No file at")
    assert main(["x.log", "--port", "99999"]) == 2
    assert main(["--help"]) == 0
    assert "--host" in capsys.readouterr().out
    assert main(["--port", "nope"]) == 2


def test_main_serves_until_interrupted(tmp_path: pathlib.Path) -> None:
    journal = str(tmp_path / "journal.log")
    _journal(journal)
    # As in a terminal, Ctrl-C raises KeyboardInterrupt: a process started in the background
    # by a shell (as CI runners may start the tests) inherits SIGINT ignored, and Python then
    # keeps ignoring it. SIGUSR1 makes the server print every thread's stack, should it hang.
    code = (
        "import faulthandler, signal, sys; "
        "signal.signal(signal.SIGINT, signal.default_int_handler); "
        "faulthandler.register(signal.SIGUSR1); "
        "from parzen.dashboard import main; sys.exit(main(sys.argv[1:]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, journal, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert "serving http://127.0.0.1:" in line, line + process.stderr.read()
        url = line.split("serving ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(url + "api/studies", timeout=30) as response:
            studies = json.loads(response.read())["studies"]
        assert [(s["name"], s["n_trials"]) for s in studies] == [("from-journal", 2)]
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)
            time.sleep(1)  # the stacks are written from the signal handler
            process.kill()
            _, err = process.communicate()
            pytest.fail(f"the dashboard did not stop on Ctrl-C within 30 s; its threads:\n{err}")
        assert process.returncode == 0, err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
