"""The dashboard's HTTP server: the standard library's ThreadingHTTPServer, read-only.

Routes (GET and HEAD only; every other method gets 405):

- ``/``: the page (one HTML file; the study list and study pages are ``#/`` routes);
- ``/static/<file>``: its script and styles, and plotly.js from the installed plotly package;
- ``/api/studies``: the study list;
- ``/api/studies/<id>``: one study's summary, polled by the page for live updates;
- ``/api/studies/<id>/trials``: a page of the trial table (see ``_api.trials_page``);
- ``/api/studies/<id>/trials/<number>``: one trial;
- ``/api/studies/<id>/plots/<name>``: plot data (see ``_plots``);
- ``/api/studies/<id>/trials/<number>/artifacts/<artifact_id>``: an artifact recorded on that
  trial, as a download (``application/octet-stream``, ``Content-Disposition: attachment``),
  when the server was given an artifact store.

Every response carries a strict Content-Security-Policy and ``nosniff``; JSON responses carry
a weak ETag of their body, and a request whose ``If-None-Match`` matches gets 304, which makes
polling cheap. When bound to a loopback address, requests whose ``Host`` is not a loopback name
are refused, so that a web page cannot read the dashboard through DNS rebinding.
"""

from __future__ import annotations

import collections
import contextlib
import gzip
import hashlib
import http.server
import importlib.util
import ipaddress
import json
import math
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from importlib import resources
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen.artifacts.exceptions import ArtifactNotFound
from parzen.dashboard import _api, _plots
from parzen.dashboard._cache import NotFound, Registry
from parzen.storages import BaseStorage, get_storage

if TYPE_CHECKING:
    from parzen.artifacts import ArtifactStore

_logger = parzen_logging.get_logger(__name__)

# plotly.js sets `style=""` on colorbar rectangles; the hash of the empty string allows exactly
# that attribute value and no other inline style. plotly's own stylesheet is replaced by
# static/plotly-base.css (the page marks it with the id plotly.js looks for), so plotly.js
# injects no <style> element. No 'unsafe-eval': the page uses no WebGL trace types, which are
# the only ones whose code generation needs it.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_STATIC_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "plotly-base.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
_PLOTLY_JS = "plotly.min.js"
_JSON_TYPE = "application/json"
_GZIP_MIN_BYTES = 1024
_ENCODED_CACHE_SIZE = 128
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

_GUARDS_MARKER = b"<!--plotly-style-guards-->"
_STYLE_ID = re.compile(rb'createElement\("style"\);\w+\.id="([A-Za-z0-9_-]{1,128})"')

_STUDY = re.compile(r"/api/studies/(\d+)")
_TRIALS = re.compile(r"/api/studies/(\d+)/trials")
_TRIAL = re.compile(r"/api/studies/(\d+)/trials/(\d+)")
_PLOT = re.compile(r"/api/studies/(\d+)/plots/([a-z]+)")
_ARTIFACT = re.compile(r"/api/studies/(\d+)/trials/(\d+)/artifacts/([A-Za-z0-9._-]{1,255})")
_ARTIFACT_SPOOL_BYTES = 16 * 1024 * 1024


class _NotFound(Exception):
    pass


# -- assets ----------------------------------------------------------------------------------


class _Asset:
    """A static file's bytes, with its gzip form and ETag computed once."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body = body
        self.content_type = content_type
        self.etag = _etag(body)
        self._gzipped: bytes | None = None
        self._lock = threading.Lock()

    def gzipped(self) -> bytes:
        with self._lock:
            if self._gzipped is None:
                self._gzipped = _gzip(self.body)
            return self._gzipped


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=5, mtime=0)


class _Assets:
    def __init__(self) -> None:
        # Reentrant: loading index.html reads plotly.js through get().
        self._lock = threading.RLock()
        self._cache: dict[str, _Asset] = {}

    def get(self, name: str) -> _Asset:
        with self._lock:
            asset = self._cache.get(name)
            if asset is None:
                asset = self._cache[name] = self._load(name)
            return asset

    def _load(self, name: str) -> _Asset:
        if name == _PLOTLY_JS:
            return _Asset(_plotly_js(), "text/javascript; charset=utf-8")
        if name not in _STATIC_TYPES:
            raise _NotFound(name)
        path = resources.files("parzen.dashboard").joinpath("static").joinpath(name)
        body = path.read_bytes()
        if name == "index.html":
            body = body.replace(_GUARDS_MARKER, _style_guards(self.get(_PLOTLY_JS).body))
        return _Asset(body, _STATIC_TYPES[name])


def _plotly_js_path() -> str | None:
    # find_spec locates the package without importing it (plotly's import is slow).
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = next(iter(spec.submodule_search_locations))
    path = os.path.join(root, "package_data", _PLOTLY_JS)
    return path if os.path.exists(path) else None


def _plotly_js() -> bytes:
    path = _plotly_js_path()
    if path is None:
        # The page then finds no window.Plotly and says how to install plotly.
        return b"/* plotly is not installed: pip install 'parzen[plotly]' */\n"
    with open(path, "rb") as f:
        return f.read()


def _style_guards(plotly_js: bytes) -> bytes:
    """Elements carrying the ids of the ``<style>`` elements plotly.js would inject.

    plotly.js adds the stylesheet of its map traces (which this page never draws) unless an
    element with that stylesheet's id exists; the id changes with plotly's version, so it is
    read from the served plotly.js. Without this the Content-Security-Policy blocks the
    injection and the browser reports a violation.
    """
    ids = sorted(set(_STYLE_ID.findall(plotly_js)))
    return b"".join(b'<meta name="plotly-style-guard" id="' + i + b'">' for i in ids)


def plotly_available() -> bool:
    """Whether the installed plotly package ships plotly.js, which the charts need."""
    return _plotly_js_path() is not None


def _etag(body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


# -- JSON -----------------------------------------------------------------------------------


def encode_json(data: Any) -> bytes:
    """Compact JSON with ``<``, ``>``, ``&`` and the JavaScript line separators escaped.

    Escaping them (legal inside JSON strings) means that no response body contains markup,
    even if some client were to render it as HTML. Non-finite floats, which JSON cannot hold,
    become null.
    """
    try:
        text = json.dumps(data, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        text = json.dumps(
            _finite(data), allow_nan=False, separators=(",", ":"), ensure_ascii=False
        )
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return text.encode("utf-8")


def _attachment(filename: str) -> str:
    """A ``Content-Disposition`` value that saves the body as ``filename``, safely quoted."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", filename).strip() or "artifact"
    encoded = urllib.parse.quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


# -- the server ----------------------------------------------------------------------------


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        registry: Registry,
        *,
        loopback_only_hosts: bool,
        artifact_store: ArtifactStore | None = None,
    ) -> None:
        self.registry = registry
        self.artifact_store = artifact_store
        self.assets = _Assets()
        # Encoded plot responses by request path, reused while the API returns the very same
        # (memoized) object: polling an unchanged 150 KB plot then costs no JSON encoding.
        self._encoded: collections.OrderedDict[str, tuple[Any, _Asset]] = collections.OrderedDict()
        self._encoded_lock = threading.Lock()
        self.loopback_only_hosts = loopback_only_hosts
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a closed tab, a reset connection) is routine: no traceback.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        _logger.warning(f"Error while answering {client_address[0]}: {error!r}")

    def encoded(self, path: str, data: Any) -> _Asset:
        """``data`` encoded as JSON, from the cache if ``path`` last returned this object."""
        with self._encoded_lock:
            hit = self._encoded.get(path)
            if hit is not None and hit[0] is data:
                self._encoded.move_to_end(path)
                return hit[1]
        encoded = _Asset(encode_json(data), _JSON_TYPE)
        if len(encoded.body) >= _GZIP_MIN_BYTES:
            with self._encoded_lock:
                self._encoded[path] = (data, encoded)
                self._encoded.move_to_end(path)
                while len(self._encoded) > _ENCODED_CACHE_SIZE:
                    self._encoded.popitem(last=False)
        return encoded


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "parzen-dashboard"
    sys_version = ""
    # Idle keep-alive connections release their thread after this many seconds.
    timeout = 60

    # -- methods ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def _method_not_allowed(self) -> None:
        # The request body is not read: close the connection rather than parse it as the next
        # request.
        self.close_connection = True
        body = encode_json(
            {"error": f"{self.command} is not allowed: the dashboard is read-only."}
        )
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            body,
            _JSON_TYPE,
            extra={"Allow": "GET, HEAD", "Connection": "close"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = (
        _method_not_allowed
    )

    def log_message(self, format: str, *args: Any) -> None:
        _logger.debug("%s - %s", self.address_string(), format % args)

    # -- dispatch ---------------------------------------------------------------------------

    def _handle(self, *, head: bool) -> None:
        try:
            if not self._host_allowed():
                self._send_json(
                    HTTPStatus.FORBIDDEN,
                    {"error": "This dashboard serves only requests addressed to localhost."},
                    head=head,
                )
                return
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            self._route(url.path, query, head=head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            # A storage's session trouble must not break the response already sent.
            with contextlib.suppress(Exception):
                self.server.registry.storage.remove_session()

    def _route(self, path: str, query: dict[str, list[str]], *, head: bool) -> None:
        if not path.startswith("/api/"):
            self._static(path, head=head)
            return
        registry = self.server.registry
        if m := _ARTIFACT.fullmatch(path):
            self._artifact(int(m[1]), int(m[2]), m[3], head=head)
            return
        handler: Callable[[], Any] | None = None
        is_plot = False
        if path == "/api/studies":
            handler = lambda: _api.study_list(registry)  # noqa: E731
        elif m := _STUDY.fullmatch(path):
            study_id = int(m[1])
            handler = lambda: _api.study_detail(registry.get(study_id))  # noqa: E731
        elif m := _TRIALS.fullmatch(path):
            study_id = int(m[1])
            handler = lambda: _api.trials_page(registry.get(study_id), query)  # noqa: E731
        elif m := _TRIAL.fullmatch(path):
            study_id, number = int(m[1]), int(m[2])
            handler = lambda: {  # noqa: E731
                **_api.trial_detail(registry.get(study_id), number),
                "artifact_downloads": self.server.artifact_store is not None,
            }
        elif m := _PLOT.fullmatch(path):
            study_id, name = int(m[1]), m[2]
            handler = lambda: _plots.plot_data(registry.get(study_id), name, query)  # noqa: E731
            is_plot = True
        if handler is None:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": f"No API at {path}."}, head=head)
            return
        try:
            data = handler()
            fresh = True
            if is_plot:
                data, fresh = data
        except NotFound as e:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": str(e)}, head=head)
            return
        except _api.BadRequest as e:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(e)}, head=head)
            return
        except Exception:
            _logger.exception(f"The dashboard failed to answer GET {self.path}.")
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"error": "Internal error; the server's log has the details."},
                head=head,
            )
            return
        # A stale plot (see _plots.plot_data) tells the page to ask again soon.
        extra = None if fresh else {"X-Parzen-Stale": "1"}
        self._send_json(HTTPStatus.OK, data, head=head, etag=True, reuse=is_plot, extra=extra)

    def _artifact(self, study_id: int, number: int, artifact_id: str, *, head: bool) -> None:
        """Send an artifact's bytes as a download; never rendered by the browser."""
        store = self.server.artifact_store
        if store is None:
            self._send_json(
                HTTPStatus.NOT_FOUND,
                {
                    "error": "This dashboard serves no artifact files: start it with an "
                    "artifact store (parzen dashboard --artifact-dir DIR, or "
                    "start_server(..., artifact_store=...))."
                },
                head=head,
            )
            return
        # The length must be known before the headers; large artifacts spill to disk.
        body = tempfile.SpooledTemporaryFile(max_size=_ARTIFACT_SPOOL_BYTES)  # noqa: SIM115
        try:
            meta = _api.artifact_meta(self.server.registry.get(study_id), number, artifact_id)
            with store.open_reader(meta.artifact_id) as reader:
                shutil.copyfileobj(reader, body)
        except (NotFound, ArtifactNotFound) as e:
            body.close()
            self._send_json(HTTPStatus.NOT_FOUND, {"error": str(e)}, head=head)
            return
        except Exception:
            body.close()
            _logger.exception(f"The dashboard failed to answer GET {self.path}.")
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"error": "Internal error; the server's log has the details."},
                head=head,
            )
            return
        with body:
            size = body.tell()
            body.seek(0)
            self.send_response(HTTPStatus.OK)
            # Whatever MIME type the record claims, the bytes are served as opaque data.
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Disposition", _attachment(meta.filename))
            self._security_headers()
            self.end_headers()
            if not head:
                shutil.copyfileobj(body, self.wfile)

    def _static(self, path: str, *, head: bool) -> None:
        if path == "/":
            name = "index.html"
        elif path.startswith("/static/"):
            name = path[len("/static/") :]
        else:
            name = ""
        try:
            asset = self.server.assets.get(name)
        except (_NotFound, FileNotFoundError):
            self._send(
                HTTPStatus.NOT_FOUND,
                b"Not found.\n",
                "text/plain; charset=utf-8",
                head=head,
            )
            return
        if self._not_modified(asset.etag):
            return
        body = asset.body
        encoding = None
        if self._accepts_gzip() and len(body) >= _GZIP_MIN_BYTES:
            body, encoding = asset.gzipped(), "gzip"
        self._send(
            HTTPStatus.OK,
            body,
            asset.content_type,
            head=head,
            etag=asset.etag,
            encoding=encoding,
            cache="no-cache",
        )

    # -- responses ----------------------------------------------------------------------

    def _send_json(
        self,
        status: HTTPStatus,
        data: Any,
        *,
        head: bool,
        etag: bool = False,
        reuse: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        """Send ``data`` as JSON; with ``etag``, answer 304 if the client has it already.

        ``reuse``: ``data`` is a memoized object (plot data), so its encoding is kept for the
        next request that gets the same object.
        """
        encoded = self.server.encoded(self.path, data) if reuse else None
        body = encoded.body if encoded is not None else encode_json(data)
        tag = None
        if etag:
            tag = encoded.etag if encoded is not None else _etag(body)
            if self._not_modified(tag, extra):
                return
        encoding = None
        if self._accepts_gzip() and len(body) >= _GZIP_MIN_BYTES:
            body = encoded.gzipped() if encoded is not None else _gzip(body)
            encoding = "gzip"
        self._send(status, body, _JSON_TYPE, head=head, etag=tag, encoding=encoding, extra=extra)

    def _not_modified(self, etag: str, extra: dict[str, str] | None = None) -> bool:
        wanted = self.headers.get("If-None-Match")
        if wanted is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
        if etag.removeprefix("W/") not in tags and "*" not in tags:
            return False
        self.send_response(HTTPStatus.NOT_MODIFIED)
        self.send_header("ETag", etag)
        self.send_header("Vary", "Accept-Encoding")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self._security_headers()
        self.end_headers()
        return True

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        *,
        head: bool = False,
        etag: str | None = None,
        encoding: str | None = None,
        cache: str = "no-store",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("Vary", "Accept-Encoding")
        if etag is not None:
            self.send_header("ETag", etag)
        if encoding is not None:
            self.send_header("Content-Encoding", encoding)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self._security_headers()
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _security_headers(self) -> None:
        for key, value in _SECURITY_HEADERS.items():
            self.send_header(key, value)

    def _accepts_gzip(self) -> bool:
        accepted = self.headers.get("Accept-Encoding", "")
        return any(part.split(";")[0].strip() == "gzip" for part in accepted.split(","))

    def _host_allowed(self) -> bool:
        if not self.server.loopback_only_hosts:
            return True
        host = self.headers.get("Host")
        if host is None:
            return True  # HTTP/1.0 clients; a browser always sends Host
        return _host_name(host) in _LOOPBACK_NAMES or _host_name(host).endswith(".localhost")


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- public entry points -----------------------------------------------------------------


class DashboardServer:
    """A dashboard serving in a background thread, as :func:`start_server` returns it.

    Attributes:
        url: The address of the page, e.g. ``http://127.0.0.1:51234/``.
        host: The address the server is bound to.
        port: The port it listens on (the one chosen, when started with ``port=0``).

    Examples:
        >>> import urllib.request
        >>> import parzen
        >>> from parzen.dashboard import start_server
        >>> storage = parzen.storages.InMemoryStorage()
        >>> _ = parzen.create_study(storage=storage, study_name="demo")
        >>> with start_server(storage) as server:
        ...     with urllib.request.urlopen(server.url + "api/studies") as response:
        ...         response.headers["Content-Type"]
        'application/json'
    """

    def __init__(self, httpd: _HTTPServer) -> None:
        self._httpd = httpd
        address = httpd.server_address
        host = address[0]
        self.host: str = host if isinstance(host, str) else host.decode()
        self.port: int = address[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        if shown in ("0.0.0.0", "[::]"):
            shown = "127.0.0.1"
        self.url = f"http://{shown}:{self.port}/"
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"parzen-dashboard-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` or Ctrl-C."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and release the port. Calling it again does nothing."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> DashboardServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _create(
    storage: str | BaseStorage,
    host: str,
    port: int,
    refresh_interval: float,
    artifact_store: ArtifactStore | None = None,
) -> DashboardServer:
    if not isinstance(storage, (str, BaseStorage)):
        raise TypeError(
            "storage must be a URL such as 'sqlite:///example.db' or a parzen BaseStorage "
            f"(e.g. JournalStorage(JournalFileBackend('journal.log'))); got {storage!r}."
        )
    if refresh_interval < 0:
        raise ValueError(f"refresh_interval must be >= 0 seconds, got {refresh_interval}.")
    registry = Registry(get_storage(storage), min_interval=refresh_interval)
    loopback = _is_loopback(host)
    try:
        httpd = _HTTPServer(
            (host, port), registry, loopback_only_hosts=loopback, artifact_store=artifact_store
        )
    except socket.gaierror as e:
        raise ValueError(
            f"Cannot bind the dashboard to host {host!r}: {e.strerror}. Pass an address of "
            "this machine, e.g. 127.0.0.1 (the default) or 0.0.0.0 for every interface."
        ) from None
    # Warned once bound, so that a host that cannot be bound gets its error alone.
    if not loopback:
        _logger.warning(
            f"The dashboard is bound to {host!r}, so anyone who can reach this machine on port "
            f"{port} can read every study in the storage (it has no authentication). Bind to "
            "127.0.0.1 (the default) and use an SSH tunnel to view it from elsewhere."
        )
    if not plotly_available():
        _logger.warning(
            "plotly is not installed, so the dashboard shows tables but no charts; install it "
            'with: pip install "parzen[plotly]".'
        )
    return DashboardServer(httpd)


def start_server(
    storage: str | BaseStorage,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    refresh_interval: float = 1.0,
    artifact_store: ArtifactStore | None = None,
) -> DashboardServer:
    """Serve the dashboard of ``storage`` from a background thread and return at once.

    Args:
        storage: A storage URL (``sqlite:///example.db``, ``postgresql://...``) or a storage
            object, e.g. a :class:`~parzen.storages.JournalStorage`.
        host: The address to bind. The default serves this machine only; any other address
            logs a warning, since the dashboard has no authentication.
        port: The port; 0 picks a free one (read it from the result's ``url``).
        refresh_interval: The shortest time, in seconds, between two reads of a study from
            the storage; requests in between are answered from the cache.
        artifact_store: The store the studies' artifacts were uploaded to (e.g. a
            :class:`~parzen.artifacts.FileSystemArtifactStore`); given, trial pages offer
            their artifacts for download. Without it they are listed only.

    Returns:
        The running server; call ``stop()`` (or use it as a context manager) to stop it.

    Examples:
        >>> import parzen
        >>> from parzen.dashboard import start_server
        >>> server = start_server(parzen.storages.InMemoryStorage())
        >>> server.url.startswith("http://127.0.0.1:")
        True
        >>> server.stop()
    """
    server = _create(storage, host, port, refresh_interval, artifact_store)
    server._start()
    _logger.info(f"Dashboard serving at {server.url}")
    return server


def _how_to_stop() -> str:
    """The banner's hint: Ctrl-C where it reaches the server, else the SIGTERM to send."""
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if interactive and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        return "Ctrl-C to stop"
    # A background job, a service, or a shell that ignores SIGINT: Ctrl-C cannot stop it.
    return f"stop it with: kill {os.getpid()} (SIGTERM)"


def run_server(
    storage: str | BaseStorage,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    refresh_interval: float = 1.0,
    artifact_store: ArtifactStore | None = None,
) -> None:
    """Serve the dashboard of ``storage`` until interrupted (Ctrl-C); blocks.

    The dashboard is read-only: no request can change the storage. Arguments are those of
    :func:`start_server`; ``port`` defaults to 8080.

    Examples:
        >>> import parzen
        >>> from parzen.dashboard import run_server
        >>> run_server("sqlite:///example.db")  # doctest: +SKIP
    """
    server = _create(storage, host, port, refresh_interval, artifact_store)
    # The handler goes in before the banner: whoever reads the banner may send SIGTERM at once.
    with _sigterm_interrupts(), contextlib.suppress(KeyboardInterrupt):
        print(f"parzen dashboard: serving {server.url} ({_how_to_stop()})", flush=True)
        server.serve_forever()


@contextlib.contextmanager
def _sigterm_interrupts() -> Any:
    """Let SIGTERM stop the server as Ctrl-C does: cleanly, with exit status 0."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
