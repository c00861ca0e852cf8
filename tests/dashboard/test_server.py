"""The dashboard's HTTP server: read-only, strict headers, local assets, lifecycle."""

from __future__ import annotations

import gzip
import html.parser
import json
import logging
import pathlib
import re
import socket
import subprocess
import sys
import urllib.request
from typing import Any, cast

import pytest

import parzen
from parzen.dashboard import run_server, start_server
from parzen.dashboard._server import CONTENT_SECURITY_POLICY, encode_json, plotly_available
from parzen.storages import BaseStorage

WRITE_METHODS = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize("path", ["/", "/api/studies", "/api/studies/0", "/api/studies/0/trials"])
def test_nothing_can_be_written(client: Any, storage: BaseStorage, method: str, path: str) -> None:
    before = [
        (s.study_name, len(storage.get_all_trials(s._study_id))) for s in storage.get_all_studies()
    ]
    response = client.request(
        path,
        method=method,
        body=b'{"study_name": "new"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert "read-only" in response.json()["error"]
    assert "content-security-policy" in response.headers
    after = [
        (s.study_name, len(storage.get_all_trials(s._study_id))) for s in storage.get_all_studies()
    ]
    assert after == before


def test_head_answers_like_get_without_a_body(client: Any) -> None:
    get = client.request("/api/studies")
    head = client.request("/api/studies", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["content-length"] == get.headers["content-length"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/static/app.js",
        "/static/style.css",
        "/api/studies",
        "/api/nothing",
        "/static/missing.js",
    ],
)
def test_every_response_carries_the_security_headers(client: Any, path: str) -> None:
    response = client.request(path)
    csp = response.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_json_has_the_json_content_type(client: Any) -> None:
    for path in ["/api/studies", "/api/studies/0", "/api/studies/999"]:
        assert client.request(path).headers["content-type"] == "application/json"


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_page_has_no_inline_script_or_style_and_loads_only_local_assets(client: Any) -> None:
    response = client.request("/")
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    parser = _Tags()
    parser.feed(response.body.decode())
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts and all((attrs.get("src") or "").startswith("/static/") for attrs in scripts)
    assert not [tag for tag, _ in parser.tags if tag == "style"]
    assert not [tag for tag, attrs in parser.tags if "style" in attrs]
    assert not [tag for tag, attrs in parser.tags if any(k.startswith("on") for k in attrs)]
    for tag, attrs in parser.tags:
        for key in ("src", "href"):
            if key in attrs and tag != "a":
                assert (attrs[key] or "").startswith("/static/"), (tag, attrs)
    # plotly.js finds its stylesheet marked, so it injects no <style> of its own.
    links = {attrs.get("id"): attrs for tag, attrs in parser.tags if tag == "link"}
    assert links["plotly.js-style-global"]["class"] == "no-inline-styles"


def test_static_assets_are_served_with_their_types(client: Any) -> None:
    js = client.request("/static/app.js")
    assert js.status == 200 and js.headers["content-type"].startswith("text/javascript")
    # The page builds the DOM with createElement and textContent, never by parsing HTML.
    assert not re.search(
        rb"\.(inner|outer)HTML\s*[+]?=|insertAdjacentHTML|document\.write|eval\(", js.body
    )
    css = client.request("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")
    assert client.request("/static/../_server.py").status == 404
    assert client.request("/static/missing.js").status == 404
    assert client.request("/elsewhere").status == 404


@pytest.mark.skipif(not plotly_available(), reason="plotly is not installed")
def test_plotly_js_is_served_locally_compressed_and_cacheable(client: Any) -> None:
    response = client.request("/static/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["content-encoding"] == "gzip"
    assert b"plotly" in gzip.decompress(response.body)[:2000].lower()
    etag = response.headers["etag"]
    again = client.request("/static/plotly.min.js", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""


def test_without_plotly_the_page_still_loads(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from parzen.dashboard import _server

    monkeypatch.setattr(_server, "_plotly_js_path", lambda: None)
    assert not _server.plotly_available()
    response = client.request("/static/plotly.min.js")
    assert response.status == 200
    assert b"pip install" in response.body
    assert client.request("/").status == 200


def test_large_json_is_gzipped_when_asked(client: Any) -> None:
    plain = client.request("/api/studies/0/trials")
    zipped = client.request("/api/studies/0/trials", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.body)) == plain.json()
    assert zipped.headers["etag"] == plain.headers["etag"]


def test_requests_for_other_host_names_are_refused_on_loopback(client: Any) -> None:
    # A page on another site that rebinds its DNS name to 127.0.0.1 sends its own Host.
    response = client.request("/api/studies", headers={"Host": "attacker.example:8080"})
    assert response.status == 403
    for host in ["localhost:1234", "127.0.0.1", "[::1]:80", "dash.localhost"]:
        assert client.request("/api/studies", headers={"Host": host}).status == 200, host


def test_json_escapes_markup_and_non_finite_numbers() -> None:
    text = encode_json({"a": "<b>&</b>\u2028", "x": [float("nan"), 1.5]}).decode()
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "<b>&</b>\u2028", "x": [None, 1.5]}


def test_start_server_binds_loopback_on_a_free_port_and_stops(storage: BaseStorage) -> None:
    server = start_server(storage)
    assert server.host == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/"
    with urllib.request.urlopen(server.url + "api/studies") as response:
        assert response.status == 200
    server.stop()
    server.stop()  # a second stop is harmless
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), 1):
        pass


def test_a_storage_url_works_too(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    study = parzen.create_study(storage=url, study_name="on-disk")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    with (
        start_server(url, refresh_interval=0.0) as server,
        urllib.request.urlopen(server.url + "api/studies") as response,
    ):
        studies = json.loads(response.read())["studies"]
    assert [(s["name"], s["n_trials"]) for s in studies] == [("on-disk", 3)]


def _dashboard_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("parzen.dashboard")]


def test_binding_beyond_loopback_warns(
    storage: BaseStorage, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("parzen")
    logger.addHandler(caplog.handler)
    try:
        with start_server(storage, host="0.0.0.0"):
            pass
        with start_server(storage, host="127.0.0.1"):
            pass
    finally:
        logger.removeHandler(caplog.handler)
    warnings = [r for r in _dashboard_records(caplog) if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "0.0.0.0" in warnings[0].getMessage()
    assert "no authentication" in warnings[0].getMessage()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="storage must be a URL"):
        start_server(cast(Any, 42))
    with pytest.raises(ValueError, match="refresh_interval"):
        start_server(parzen.storages.InMemoryStorage(), refresh_interval=-1)
    with pytest.raises(ValueError, match="Unknown storage URL scheme"):
        run_server("ftp://nowhere")


def test_importing_parzen_does_not_import_the_dashboard_and_the_dashboard_is_light() -> None:
    code = (
        "import sys, json, parzen\n"
        "before = 'parzen.dashboard' in sys.modules\n"
        "lazy = parzen.dashboard\n"  # through parzen's lazy attribute
        "import parzen.dashboard as direct\n"
        "heavy = [m for m in ('plotly', 'pandas', 'sqlalchemy', 'sklearn') if m in sys.modules]\n"
        "print(json.dumps([before, heavy, lazy is direct]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    before, heavy, same_module = json.loads(out.stdout.strip().splitlines()[-1])
    assert before is False
    assert heavy == []
    assert same_module is True
