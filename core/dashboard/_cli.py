"""``parzen dashboard STORAGE``: serve the dashboard of a storage from a shell."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from parzen.storages import BaseStorage, get_storage

STORAGE_ENV = "PARZEN_STORAGE"
_RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parzen dashboard",
        description=(
            "Serve a live, read-only web dashboard of the studies in a storage. Open the "
            "printed address in a browser; stop with Ctrl-C."
        ),
    )
    parser.add_argument(
        "storage",
        nargs="?",
        metavar="STORAGE",
        help=(
            "a database URL (sqlite:///example.db, postgresql://..., mysql://...), a "
            "redis:// URL of a journal, or the path of a journal file or SQLite file "
            f"(default: --storage or ${STORAGE_ENV})"
        ),
    )
    parser.add_argument("--storage", dest="storage_option", metavar="URL", help="as STORAGE")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default: 127.0.0.1, this machine only; the dashboard has no "
        "authentication)",
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    return parser


def open_storage(spec: str) -> BaseStorage:
    """The storage a command-line argument names; raise ValueError if there is none.

    Database URLs open an RDB storage (an SQLite file must exist: the dashboard creates
    nothing); ``redis://`` URLs a Redis journal; a path an SQLite database if the file is one,
    else a journal file.

    Example:
        >>> import os, tempfile
        >>> from parzen.dashboard._cli import open_storage
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> open(path, "w").close()
        >>> type(open_storage(path)).__name__
        'JournalStorage'
    """
    scheme = spec.split("://", 1)[0].split("+", 1)[0].lower() if "://" in spec else ""
    if scheme in _RDB_SCHEMES:
        if scheme == "sqlite":
            path = spec.split(":///", 1)[1] if ":///" in spec else ""
            path = path.split("?", 1)[0]
            if path and not path.startswith(":") and not os.path.exists(path):
                raise ValueError(
                    f"No SQLite database at {path!r} (from {spec!r}): check the path; the "
                    "dashboard does not create databases."
                )
        return get_storage(spec)
    if scheme in ("redis", "rediss", "unix"):
        from parzen.storages.journal import JournalRedisBackend, JournalStorage

        return JournalStorage(JournalRedisBackend(spec))
    if scheme:
        raise ValueError(
            f"Unknown storage URL scheme {scheme!r} in {spec!r}: expected sqlite:///path.db, "
            "postgresql://..., mysql://..., redis://... or the path of a journal file."
        )
    if not os.path.isfile(spec):
        raise ValueError(
            f"No file at {spec!r}: pass a database URL (e.g. sqlite:///example.db) or the "
            "path of an existing journal or SQLite file."
        )
    with open(spec, "rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if head == _SQLITE_MAGIC:
        return get_storage("sqlite:///" + os.path.abspath(spec))
    from parzen.storages.journal import JournalFileBackend, JournalStorage

    return JournalStorage(JournalFileBackend(spec))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``parzen dashboard`` with ``argv`` (default: ``sys.argv[1:]``); return its status.

    Example:
        >>> from parzen.dashboard import main
        >>> main(["sqlite:///example.db", "--port", "8080"])  # doctest: +SKIP
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, or a usage error already printed
        return e.code if isinstance(e.code, int) else 2
    spec = args.storage or args.storage_option or os.environ.get(STORAGE_ENV)
    if not spec:
        print(
            "parzen dashboard: error: no storage given: pass STORAGE (e.g. "
            f"sqlite:///example.db) or set the {STORAGE_ENV} environment variable.",
            file=sys.stderr,
        )
        return 2
    if not 0 <= args.port <= 65535:
        print(
            f"parzen dashboard: error: --port must be 0-65535, got {args.port}.", file=sys.stderr
        )
        return 2
    from parzen.dashboard._server import run_server

    try:
        storage = open_storage(spec)
        run_server(storage, host=args.host, port=args.port)
    except (ValueError, ImportError, OSError) as e:
        print(f"parzen dashboard: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
