"""Logging for parzen: a ``parzen`` logger tree over the standard :mod:`logging` module.

By default parzen logs at INFO to stderr through its own handler (one line per finished trial)
and does not propagate to the root logger, so that applications configuring ``logging`` get
no duplicate lines.

Examples:
    >>> import parzen
    >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
    >>> parzen.logging.get_verbosity() == parzen.logging.WARNING
    True
    >>> parzen.logging.set_verbosity(parzen.logging.INFO)
"""

from __future__ import annotations

import logging as _logging
import sys
import threading

CRITICAL = _logging.CRITICAL
FATAL = _logging.FATAL
ERROR = _logging.ERROR
WARNING = _logging.WARNING
WARN = _logging.WARN
INFO = _logging.INFO
DEBUG = _logging.DEBUG

_ROOT_NAME = "parzen"
_lock = threading.Lock()
_default_handler: _logging.Handler | None = None


def _root_logger() -> _logging.Logger:
    return _logging.getLogger(_ROOT_NAME)


def _configure_once() -> None:
    global _default_handler
    with _lock:
        if _default_handler is not None:
            return
        handler = _logging.StreamHandler(sys.stderr)
        handler.setFormatter(_logging.Formatter("[%(levelname)1.1s %(asctime)s] %(message)s"))
        # The handler looks up sys.stderr at emit time so pytest's capture and redirects work.
        handler.stream = _StderrProxy()
        _default_handler = handler
        root = _root_logger()
        root.addHandler(handler)
        root.setLevel(INFO)
        root.propagate = False


class _StderrProxy:
    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def get_logger(name: str) -> _logging.Logger:
    """Return a logger under the ``parzen`` tree, configuring the default handler once."""
    _configure_once()
    return _logging.getLogger(name)


def get_verbosity() -> int:
    """Return the level of the ``parzen`` logger (for example ``parzen.logging.INFO``)."""
    _configure_once()
    return _root_logger().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the level of the ``parzen`` logger, e.g. ``set_verbosity(parzen.logging.WARNING)``."""
    _configure_once()
    _root_logger().setLevel(verbosity)


def disable_default_handler() -> None:
    """Stop writing parzen's log lines to stderr."""
    _configure_once()
    assert _default_handler is not None
    _root_logger().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Write parzen's log lines to stderr again (the default)."""
    _configure_once()
    assert _default_handler is not None
    _root_logger().addHandler(_default_handler)


def disable_propagation() -> None:
    """Do not pass parzen's log records on to the root logger (the default)."""
    _configure_once()
    _root_logger().propagate = False


def enable_propagation() -> None:
    """Pass parzen's log records on to the root logger, e.g. for pytest's ``caplog``."""
    _configure_once()
    _root_logger().propagate = True


__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "disable_default_handler",
    "disable_propagation",
    "enable_default_handler",
    "enable_propagation",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
]
