"""Check a journal file for damage, and write a repaired copy of it.

``parzen storage verify PATH`` and ``parzen storage repair PATH OUT`` run these functions. The
journal itself skips a damaged line when it reads (the record's change is lost, nothing else);
these tools say which lines were lost and what they touched, and write a copy without them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

from parzen.exceptions import StorageInternalError
from parzen.storages.journal._base import BaseJournalBackend
from parzen.storages.journal._file import _decode, _encode, _not_a_journal
from parzen.storages.journal._storage import (
    _CREATE_STUDY,
    _CREATE_STUDY_WITH_ID,
    _CREATE_TRIAL,
    _CREATE_TRIAL_WITH_ID,
    JournalStorage,
)

# Records that carry a time stamp or create an id are never written twice with the same bytes,
# so an exact copy of one is damage (a duplicated line), not a second write.
_CREATION_OPS = (_CREATE_STUDY, _CREATE_STUDY_WITH_ID, _CREATE_TRIAL, _CREATE_TRIAL_WITH_ID)
_TRIAL_ID_OPS = range(5, 11)
_STUDY_ID_OPS = (1, 2, 3, _CREATE_TRIAL, _CREATE_TRIAL_WITH_ID)


@dataclasses.dataclass(frozen=True)
class JournalFinding:
    """One problem found in a journal file.

    Attributes:
        line: the line number (from 1).
        offset: the byte offset of the line.
        kind: ``"damaged"`` (checksum or format), ``"torn"`` (a last record without its line
            end), ``"duplicate"`` (an exact copy of an earlier record) or ``"orphan"`` (an
            intact record touching a study or trial whose creation record is missing).
        message: what was found, in words.
    """

    line: int
    offset: int
    kind: str
    message: str


@dataclasses.dataclass
class JournalReport:
    """What :func:`verify_journal_file` found.

    Attributes:
        path: the journal file.
        n_lines: its lines, a torn last record included.
        n_records: the records that replay reads (intact, not duplicated, not orphaned).
        findings: the problems, in file order.
        positional: whether the file has creation records of the older, positional format,
            whose ids are their positions (repair rewrites them with explicit ids).
    """

    path: str
    n_lines: int = 0
    n_records: int = 0
    findings: list[JournalFinding] = dataclasses.field(default_factory=list)
    positional: bool = False

    @property
    def intact(self) -> bool:
        """Whether no line is damaged, torn, duplicated or orphaned."""
        return not self.findings

    def summary(self) -> str:
        """The report as text, one finding per line."""
        lines = [
            f"{self.path}: {self.n_lines} lines, {self.n_records} records replayed, "
            f"{len(self.findings)} problems."
        ]
        lines += [
            f"  line {f.line} (byte {f.offset}): {f.kind}: {f.message}" for f in self.findings
        ]
        if self.positional:
            lines.append(
                "  note: this log was written by an older parzen, whose creation records name "
                "no ids: ids are positions, so a lost or duplicated creation record shifts the "
                "records after it onto other trials or studies. `parzen storage repair` writes "
                "a copy with explicit ids."
            )
        if self.findings:
            lines.append(
                f"  Run `parzen storage repair {self.path} REPAIRED` to write a copy without "
                "these lines (the file itself is never changed)."
            )
        return "\n".join(lines)


@dataclasses.dataclass
class _Line:
    number: int
    offset: int
    raw: bytes
    record: dict[str, Any] | None


class _ListBackend(BaseJournalBackend):
    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        return []

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        raise AssertionError("verify replays records; it never appends")


def _lines(path: str) -> Iterator[_Line]:
    offset = 0
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            payload = raw[:-1] if raw.endswith(b"\n") else raw
            record = _decode(payload) if raw.endswith(b"\n") else None
            yield _Line(number, offset, raw, record)
            offset += len(raw)


def _analyze(path: str) -> tuple[JournalReport, list[dict[str, Any]]]:
    """The report, and the records a repaired copy holds."""
    path = os.fspath(path)
    report = JournalReport(path=path)
    replay = JournalStorage(_ListBackend())
    seen: dict[bytes, int] = {}
    kept: list[dict[str, Any]] = []
    any_record = False
    first_damaged: _Line | None = None
    for line in _lines(path):
        report.n_lines = line.number
        record = line.record
        if record is None:
            if not line.raw.endswith(b"\n"):
                report.findings.append(
                    JournalFinding(
                        line.number,
                        line.offset,
                        "torn",
                        "a last record without its line end (a writer died mid-write); the "
                        "next writer cuts it off.",
                    )
                )
            else:
                first_damaged = first_damaged or line
                report.findings.append(
                    JournalFinding(
                        line.number,
                        line.offset,
                        "damaged",
                        f"checksum or format does not match: {line.raw[:60]!r}; its change "
                        "is lost.",
                    )
                )
            continue
        any_record = True
        op = record.get("op")
        if op in _CREATION_OPS or "t" in record:
            first = seen.setdefault(line.raw, line.number)
            if first != line.number:
                report.findings.append(
                    JournalFinding(
                        line.number,
                        line.offset,
                        "duplicate",
                        f"an exact copy of line {first}; replay ignores it, repair drops it.",
                    )
                )
                continue
        if op in (_CREATE_STUDY, _CREATE_TRIAL):
            report.positional = True
        try:
            outcome = replay._apply(record)
        except StorageInternalError as e:
            raise StorageInternalError(f"{path}, line {line.number}: {e}") from None
        orphan = _orphan(replay, record, outcome)
        if orphan is not None:
            report.findings.append(JournalFinding(line.number, line.offset, "orphan", orphan))
            continue
        if op in (_CREATE_STUDY, _CREATE_TRIAL):
            if not isinstance(outcome, int):
                continue  # a creation refused at replay (a taken name) changes nothing
            key = "sid" if op == _CREATE_STUDY else "tid"
            new_op = _CREATE_STUDY_WITH_ID if op == _CREATE_STUDY else _CREATE_TRIAL_WITH_ID
            record = {**record, "op": new_op, key: outcome}
        kept.append(record)
    if report.n_lines and not any_record and first_damaged is not None:
        raise StorageInternalError(_not_a_journal(path, first_damaged.raw.rstrip(b"\n")))
    report.n_records = len(kept)
    return report, kept


def _orphan(replay: JournalStorage, record: dict[str, Any], outcome: Any) -> str | None:
    """Why an intact record touches nothing that exists, or None."""
    if not isinstance(outcome, KeyError):
        return None
    op = record.get("op")
    if op in _TRIAL_ID_OPS:
        key, what = "tid", "trial"
    elif op in _STUDY_ID_OPS:
        key, what = "sid", "study"
    else:
        return None
    target = record.get(key)
    if not isinstance(target, int) or target in replay._retired_ids:
        return None  # a write racing a deletion: normal
    return (
        f"touches {what} id {target}, which no intact record creates (its creation record "
        "was lost); replay ignores it."
    )


def verify_journal_file(path: str | os.PathLike[str]) -> JournalReport:
    """Check every line of a journal file; change nothing.

    Args:
        path: the journal file.

    Returns:
        The report: damaged, torn, duplicated and orphaned lines.

    Raises:
        FileNotFoundError: if there is no such file.
        StorageInternalError: if the file is not a parzen journal at all.

    Examples:
        >>> import os, tempfile
        >>> import parzen
        >>> from parzen.storages.journal import JournalFileBackend, JournalStorage
        >>> from parzen.storages.journal._verify import verify_journal_file
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> study = parzen.create_study(storage=JournalStorage(JournalFileBackend(path)))
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        >>> verify_journal_file(path).intact
        True
    """
    return _analyze(os.fspath(path))[0]


def repair_journal_file(
    path: str | os.PathLike[str], out: str | os.PathLike[str]
) -> JournalReport:
    """Write to ``out`` a copy of the journal ``path`` without its damaged lines.

    The copy keeps every intact record except exact duplicates and records that touch a study
    or trial whose creation record was lost, and writes creation records of the older
    positional format with explicit ids. ``path`` is never changed; ``out`` must not exist.

    Args:
        path: the journal file.
        out: the new file.

    Returns:
        The report on ``path``, as :func:`verify_journal_file` gives it.

    Raises:
        FileExistsError: if ``out`` exists.
        StorageInternalError: if ``path`` is not a parzen journal at all.

    Examples:
        >>> import os, tempfile
        >>> import parzen
        >>> from parzen.storages.journal import JournalFileBackend, JournalStorage
        >>> from parzen.storages.journal._verify import repair_journal_file
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "journal.log")
        >>> study = parzen.create_study(
        ...     storage=JournalStorage(JournalFileBackend(path)), study_name="s")
        >>> with open(path, "ab") as f:
        ...     _ = f.write(b"00000000 damaged\\n")
        >>> repair_journal_file(path, os.path.join(folder, "repaired.log")).findings[0].kind
        'damaged'
    """
    path, out = os.fspath(path), os.fspath(out)
    report, records = _analyze(path)
    data = _encode(records)
    # "x": never overwrite, so the original cannot be lost by passing it twice.
    with open(out, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return report
