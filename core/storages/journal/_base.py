"""BaseJournalBackend: the append-only log that a JournalStorage replays.

The journal storage is backend-agnostic; the file and Redis backends implement this
interface, and so can a user's own.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable
from typing import Any

from parzen.exceptions import StorageInternalError

# The key a generic backend's first appended record carries so that the writer can find where
# its records landed in the log; replay ignores it.
_TAG_KEY = "_tag"


class BaseJournalBackend(abc.ABC):
    """Where a :class:`~parzen.storages.JournalStorage` keeps its log of operations.

    A backend stores an append-only sequence of records (JSON objects). Each record has a log
    number: its position in the sequence, starting at 0. Every process that shares the backend
    must see the same records in the same order; the order decides every conflict (which worker
    took a WAITING trial, which number a new trial gets).

    Subclasses implement two methods, and may override a third for speed:

    - :meth:`read_logs` returns the records from a log number on.
    - :meth:`append_logs` appends records atomically: they land together, in order, and
      records of concurrent writers never interleave with them.
    - :meth:`append_logs_and_read` appends records and returns those that landed before
      them since a given log number. The default calls the two methods above and finds the
      appended records by a tag; :class:`JournalFileBackend` and :class:`JournalRedisBackend`
      do it in one atomic step.

    Records are JSON data; backends must store nothing else (no pickle).

    Examples:
        >>> import parzen
        >>> from parzen.storages.journal import BaseJournalBackend
        >>> class ListBackend(BaseJournalBackend):
        ...     def __init__(self):
        ...         self.logs = []
        ...     def read_logs(self, log_number_from):
        ...         return list(self.logs[log_number_from:])
        ...     def append_logs(self, logs):
        ...         self.logs.extend(logs)
        >>> from parzen.storages.journal import JournalStorage
        >>> storage = JournalStorage(ListBackend())
        >>> study = parzen.create_study(storage=storage)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> len(study.trials)
        3
    """

    @abc.abstractmethod
    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        """Return the records whose log number is ``log_number_from`` or later, in order."""

    @abc.abstractmethod
    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append ``logs`` at the end of the log, atomically and in order."""

    # Checkpoints (see ``_checkpoint``): a backend that supports them overrides these three. They
    # are private: a user's backend needs none of them.

    def _checkpoint_log_number(self) -> int | None:
        """The record count of the newest checkpoint (0 if none), or None if unsupported."""
        return None

    def _load_checkpoint(self) -> tuple[int, dict[str, Any]] | None:
        """``(log_number, state)`` of a checkpoint matching the log, or None.

        Called before anything was read; on success, the next read starts after the checkpoint.
        """
        return None

    def _reject_checkpoint(self) -> None:
        """The checkpoint :meth:`_load_checkpoint` gave cannot be restored: never trust it."""

    def _save_checkpoint(self, log_number: int, state: dict[str, Any]) -> bool:
        """Save the state replayed from the first ``log_number`` records; whether it was saved."""
        return False

    def append_logs_and_read(
        self, log_number_from: int, logs: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        """Append ``logs`` and return what came before them.

        Args:
            log_number_from: the log number the caller has read up to.
            logs: records to append (at least one).

        Returns:
            The records numbered from ``log_number_from`` up to the first appended one, and
            the log number of the first appended record.
        """
        tag = uuid.uuid4().hex
        tagged = [{**logs[0], _TAG_KEY: tag}, *logs[1:]]
        self.append_logs(tagged)
        before: list[dict[str, Any]] = []
        for record in self.read_logs(log_number_from):
            if record.get(_TAG_KEY) == tag:
                return before, log_number_from + len(before)
            before.append(record)
        raise StorageInternalError(
            f"{type(self).__name__}.read_logs({log_number_from}) did not return the records "
            "that append_logs had just appended. A journal backend must return every appended "
            "record, in append order."
        )
