"""``parzen dashboard STORAGE``: serve the dashboard of a storage from a shell."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from parzen.exceptions import ParzenError
from parzen.storages import BaseStorage

STORAGE_ENV = "PARZEN_STORAGE"


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
    parser.add_argument(
        "--artifact-dir",
        metavar="DIR",
        help="the directory of a FileSystemArtifactStore: trial pages then offer the "
        "artifacts uploaded there for download (they are listed either way)",
    )
    return parser


def open_storage(spec: str) -> BaseStorage:
    """The storage a command-line argument names; raise ValueError if there is none.

    Database URLs open an RDB storage (an SQLite file must exist: the dashboard creates
    nothing); ``redis://`` URLs a Redis journal; a path an SQLite database if the file is one,
    else a journal file.

    Examples:
        >>> import os, tempfile
        >>> from parzen.dashboard._cli import open_storage
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> open(path, "w").close()
        >>> type(open_storage(path)).__name__
        'JournalStorage'
    """
    from parzen.storages._open import open_storage as open_any

    return open_any(spec, create=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``parzen dashboard`` with ``argv`` (default: ``sys.argv[1:]``); return its status.

    Examples:
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

    artifact_store = None
    if args.artifact_dir is not None:
        if not os.path.isdir(args.artifact_dir):
            print(
                f"parzen dashboard: error: --artifact-dir {args.artifact_dir!r} is not a "
                "directory; pass the directory given to FileSystemArtifactStore.",
                file=sys.stderr,
            )
            return 2
        from parzen.artifacts import FileSystemArtifactStore

        artifact_store = FileSystemArtifactStore(args.artifact_dir)
    try:
        storage = open_storage(spec)
        run_server(storage, host=args.host, port=args.port, artifact_store=artifact_store)
    except (ValueError, ImportError, OSError, RuntimeError, ParzenError) as e:
        # One line, no traceback: the message says what is wrong and how to fix it.
        print(f"parzen dashboard: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
