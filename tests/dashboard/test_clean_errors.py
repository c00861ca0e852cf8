"""The dashboard's errors are one line each: no tracebacks, and in the right order."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import parzen
from parzen.dashboard import start_server
from parzen.storages.journal import JournalFileBackend, JournalStorage


def _dashboard(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "parzen.cli", "dashboard", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    "spec",
    ["postgresql://postgres@127.0.0.1:1/test", "mysql://root@127.0.0.1:1/test"],
)
def test_an_unreachable_database_is_one_error_line(spec: str) -> None:
    process = _dashboard(spec)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.startswith("parzen dashboard: error: Could not connect"), err
    assert len(err.strip().splitlines()) == 1 + err.count("\n\t"), err  # libpq's own line breaks
    assert "Traceback" not in err and out == ""


def test_a_bad_host_is_refused_before_any_network_warning(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    parzen.create_study(storage=JournalStorage(JournalFileBackend(path)), study_name="s")
    process = _dashboard(str(path), "--host", "no-such-host.invalid", "--port", "0")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.startswith("parzen dashboard: error: Cannot bind the dashboard to host"), err
    assert "anyone who can reach" not in err and "Traceback" not in err


def test_clients_resetting_connections_print_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with start_server(parzen.storages.InMemoryStorage()) as server:
        for partial in (b"", b"GET /api/stu", b"GET /api/studies HTTP/1.1\r\nHost: loc"):
            client = socket.create_connection((server.host, server.port))
            client.sendall(partial)
            # SO_LINGER 0: close with a reset, as a crashed client or a proxy does.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        time.sleep(0.5)
        with urllib.request.urlopen(server.url + "api/studies", timeout=30) as response:
            assert response.status == 200  # still serving
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err, err


def test_banner_says_how_to_stop_without_ctrl_c_and_sigterm_stops_cleanly(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.log"
    parzen.create_study(storage=JournalStorage(JournalFileBackend(path)), study_name="s")
    # stdin is not a terminal: Ctrl-C cannot reach it, as for a background job or service.
    process = _dashboard(str(path), "--port", "0")
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"kill {process.pid} (SIGTERM)" in banner, banner
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert os.path.exists(path)
