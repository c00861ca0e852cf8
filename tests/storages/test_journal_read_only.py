"""A read-only journal file can be read: by load_study, the CLI's read commands and the dashboard.

The readers run in a subprocess that cannot write the file. Root ignores file modes, so as root
the subprocess runs without the capability that lets it (``setpriv``, util-linux).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import parzen
from parzen.storages.journal import JournalFileBackend, JournalStorage


def _run_without_write_access(code: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", textwrap.dedent(code)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot drop the right to write")
        command = [setpriv, "--bounding-set", "-dac_override", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture
def read_only_journal(tmp_path: Path) -> Path:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "journal.log"
    study = parzen.create_study(storage=JournalStorage(JournalFileBackend(path)), study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    # A damaged line in the middle (lost nothing) makes readers take the locked path too.
    lines = path.read_bytes().splitlines(keepends=True)
    lines.insert(2, b"0badc0de damaged\n")
    path.write_bytes(b"".join(lines))
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    yield path
    folder.chmod(stat.S_IRWXU)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_the_subprocess_really_cannot_write(read_only_journal: Path) -> None:
    result = _run_without_write_access(
        f"""
        try:
            open({str(read_only_journal)!r}, "ab")
        except PermissionError:
            print("refused")
        """
    )
    assert result.stdout.strip() == "refused", result.stderr


@pytest.mark.parametrize("lock", ["default", "symlink"])
def test_load_study_reads_a_read_only_journal(read_only_journal: Path, lock: str) -> None:
    before = read_only_journal.read_bytes()
    lock_arg = ""
    if lock == "symlink":
        lock_arg = f"lock_obj=JournalFileSymlinkLock({str(read_only_journal)!r})"
    result = _run_without_write_access(
        f"""
        import json, parzen
        from parzen.storages.journal import (
            JournalFileBackend, JournalFileSymlinkLock, JournalStorage)
        backend = JournalFileBackend({str(read_only_journal)!r}, {lock_arg})
        study = parzen.load_study(study_name="s", storage=JournalStorage(backend))
        print(json.dumps([t.state.name for t in study.trials]))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["COMPLETE"] * 3
    assert read_only_journal.read_bytes() == before
    assert sorted(os.listdir(read_only_journal.parent)) == ["journal.log"]


def test_cli_read_commands_read_a_read_only_journal(read_only_journal: Path) -> None:
    result = _run_without_write_access(
        f"""
        import sys
        from parzen.cli import main
        path = {str(read_only_journal)!r}
        codes = [
            main(["studies", "--storage", path, "-f", "json"]),
            main(["trials", "--storage", path, "--study-name", "s", "-f", "json"]),
            main(["best-trial", "--storage", path, "--study-name", "s", "-f", "json"]),
            main(["storage", "verify", path]),
        ]
        print(codes, file=sys.stderr)
        sys.exit(0 if codes == [0, 0, 0, 1] else 1)
        """
    )
    assert result.returncode == 0, result.stderr
    assert '"name": "s"' in result.stdout or '"name":"s"' in result.stdout
    assert "damaged" in result.stdout


def test_dashboard_lists_a_read_only_journal(read_only_journal: Path) -> None:
    result = _run_without_write_access(
        f"""
        import json
        from parzen.dashboard import _api
        from parzen.dashboard._cache import Registry
        from parzen.dashboard._cli import open_storage
        listed = _api.study_list(Registry(open_storage({str(read_only_journal)!r})))
        print(json.dumps([(s["name"], s["n_trials"]) for s in listed["studies"]]))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["s", 3]]
