"""The dashboard lists a trial's artifacts with their metadata, and, given the artifact store,
serves them as downloads: opaque bytes with ``Content-Disposition: attachment``."""

from __future__ import annotations

import io
import mimetypes
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import parzen
from parzen.artifacts import FileSystemArtifactStore, upload_artifact
from parzen.dashboard import DashboardServer, main, start_server
from parzen.storages import BaseStorage

from . import test_browser
from .conftest import HOSTILE_ATTR_VALUE, Client
from .test_browser import Watched

# The browser fixtures of test_browser.py, shared rather than written twice.
browser = test_browser.browser
page = test_browser.page

HOSTILE_FILENAME = '<img src=x onerror=window.__pwned=1>"\r\nX-Injected: 1.html'
CONTENTS = [b"\x1f\x8b weights", b"<script>window.__pwned=1</script>"]


class Uploaded:
    def __init__(self, store: FileSystemArtifactStore, number: int) -> None:
        self.store = store
        self.number = number
        self.expected: list[dict[str, Any]] = []


@pytest.fixture
def uploaded(storage: BaseStorage, tmp_path: Path) -> Uploaded:
    """A running trial of study 0 with two artifacts, one with a hostile name and MIME type."""
    root = tmp_path / "store"
    root.mkdir()
    store = FileSystemArtifactStore(root)
    study = parzen.load_study(study_name="training", storage=storage)
    trial = study.ask()
    result = Uploaded(store, trial.number)
    for (name, mimetype), data in zip(
        [("model.bin.gz", None), (HOSTILE_FILENAME, HOSTILE_ATTR_VALUE)], CONTENTS
    ):
        directory = tmp_path / f"upload-{len(result.expected)}"
        directory.mkdir()
        path = directory / name
        path.write_bytes(data)
        artifact_id = upload_artifact(
            artifact_store=store, file_path=str(path), study_or_trial=trial, mimetype=mimetype
        )
        result.expected.append(
            {
                "artifact_id": artifact_id,
                "filename": name,
                "mimetype": mimetype or mimetypes.guess_type(name)[0],
                "encoding": mimetypes.guess_type(name)[1],
            }
        )
    return result


@pytest.fixture
def serving(storage: BaseStorage, uploaded: Uploaded) -> Iterator[DashboardServer]:
    """A dashboard given the artifact store, so that it serves downloads."""
    with start_server(storage, refresh_interval=0.0, artifact_store=uploaded.store) as running:
        yield running


def _url(uploaded: Uploaded, index: int) -> str:
    artifact_id = uploaded.expected[index]["artifact_id"]
    return f"/api/studies/0/trials/{uploaded.number}/artifacts/{artifact_id}"


def test_trial_detail_lists_artifacts(client: Client, uploaded: Uploaded) -> None:
    detail = client.get_json(f"/api/studies/0/trials/{uploaded.number}")
    assert detail["artifacts"] == uploaded.expected
    assert detail["artifact_downloads"] is False
    assert client.get_json("/api/studies/0/trials/0")["artifacts"] == []


def test_without_a_store_nothing_is_downloadable(client: Client, uploaded: Uploaded) -> None:
    response = client.request(_url(uploaded, 0))
    assert response.status == 404
    assert "--artifact-dir" in response.json()["error"]


def test_download_is_an_attachment_of_opaque_bytes(
    serving: DashboardServer, uploaded: Uploaded
) -> None:
    client = Client(serving)
    assert client.get_json(f"/api/studies/0/trials/{uploaded.number}")["artifact_downloads"]
    for index, data in enumerate(CONTENTS):
        response = client.request(_url(uploaded, index))
        assert response.status == 200
        assert response.body == data
        # The recorded MIME type (text/html-like or worse) is never what the browser gets.
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "content-encoding" not in response.headers  # served as stored, not unpacked
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment; ")
        name = uploaded.expected[index]["filename"]
        assert disposition.endswith("filename*=UTF-8''" + urllib.parse.quote(name, safe=""))
        assert "x-injected" not in response.headers
    head = client.request(_url(uploaded, 0), method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(CONTENTS[0]))


def test_only_artifacts_recorded_on_the_trial_are_served(
    serving: DashboardServer, uploaded: Uploaded, storage: BaseStorage, tmp_path: Path
) -> None:
    client = Client(serving)
    # In the store, but recorded on another trial: not served through this trial.
    source = tmp_path / "other.txt"
    source.write_text("other trial")
    study = parzen.load_study(study_name="training", storage=storage)
    other = study.ask()
    other_id = upload_artifact(
        artifact_store=uploaded.store, file_path=str(source), study_or_trial=other
    )
    assert (
        client.request(f"/api/studies/0/trials/{uploaded.number}/artifacts/{other_id}").status
        == 404
    )
    assert (
        client.request(f"/api/studies/0/trials/{other.number}/artifacts/{other_id}").status == 200
    )
    # In the store only, recorded nowhere.
    uploaded.store.write("stray", io.BytesIO(b"stray"))
    assert client.request(f"/api/studies/0/trials/{uploaded.number}/artifacts/stray").status == 404
    # Recorded, but its bytes are gone.
    uploaded.store.remove(uploaded.expected[0]["artifact_id"])
    assert client.request(_url(uploaded, 0)).status == 404
    for path in (
        f"/api/studies/0/trials/{uploaded.number}/artifacts/..%2F..%2Fstudy.db",
        f"/api/studies/0/trials/{uploaded.number}/artifacts/../../etc/passwd",
        f"/api/studies/0/trials/{uploaded.number}/artifacts/",
        f"/api/studies/9/trials/{uploaded.number}/artifacts/{other_id}",
    ):
        assert client.request(path).status == 404, path


def test_downloads_are_read_only(serving: DashboardServer, uploaded: Uploaded) -> None:
    client = Client(serving)
    for method in ("PUT", "DELETE", "POST"):
        assert client.request(_url(uploaded, 0), method=method, body=b"x").status == 405
    assert client.request(_url(uploaded, 0)).body == CONTENTS[0]


def test_trial_page_lists_artifacts_as_text(
    server: DashboardServer, page: Watched, uploaded: Uploaded
) -> None:
    page.page.goto(f"{server.url}#/studies/0/trials/{uploaded.number}")
    page.page.wait_for_selector("#trial-artifacts tbody tr")
    rows = page.page.locator("#trial-artifacts tbody tr")
    assert rows.count() == 2
    cells = [rows.nth(i).locator("td").all_text_contents() for i in range(2)]
    # HTML collapses the file name's CR LF to spaces when it renders text.
    shown = [[" ".join(c.split()) for c in row] for row in cells]
    assert shown == [
        [" ".join(str(v).split()) for v in (e["filename"], e["mimetype"])]
        + [e["encoding"] or "—", e["artifact_id"]]
        for e in uploaded.expected
    ]
    assert page.page.locator("#trial-artifacts a").count() == 0  # no store, no links
    assert page.page.locator("#app img, #app script").count() == 0
    page.assert_clean()


def test_trial_page_downloads_an_artifact(
    serving: DashboardServer, page: Watched, uploaded: Uploaded, tmp_path: Path
) -> None:
    page.page.goto(f"{serving.url}#/studies/0/trials/{uploaded.number}")
    link = page.page.locator("#trial-artifacts a").first
    with page.page.expect_download() as info:
        link.click()
    download = info.value
    target = tmp_path / "downloaded"
    download.save_as(target)
    assert target.read_bytes() == CONTENTS[0]
    assert download.suggested_filename == "model.bin.gz"
    page.assert_clean()


def test_cli_refuses_a_missing_artifact_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([f"sqlite:///{tmp_path / 'x.db'}", "--artifact-dir", str(tmp_path / "absent")])
    assert code == 2
    assert "is not a directory" in capsys.readouterr().err


def test_a_store_failing_mid_read_is_a_500_and_the_server_goes_on(
    storage: BaseStorage, uploaded: Uploaded
) -> None:
    class Failing(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            raise ConnectionError("store went away")

    class BrokenStore(FileSystemArtifactStore):
        def open_reader(self, artifact_id: str) -> Any:
            return Failing()

    broken = BrokenStore(uploaded.store._base_path)
    with start_server(storage, refresh_interval=0.0, artifact_store=broken) as running:
        client = Client(running)
        response = client.request(_url(uploaded, 0))
        assert response.status == 500
        assert "Internal error" in response.json()["error"]
        assert client.get_json(f"/api/studies/0/trials/{uploaded.number}")["artifacts"]
