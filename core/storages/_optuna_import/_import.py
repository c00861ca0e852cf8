"""``import_optuna_storage``: copy the studies of an Optuna storage into a parzen storage."""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from parzen._records.keys import CONSTRAINTS_KEY
from parzen.logging import get_logger
from parzen.storages._base import BaseStorage
from parzen.storages._optuna_import._source import SourceStudy, pickled_keys
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.storages._rdb import RDBStorage

_logger = get_logger(__name__)

_RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb")
_REDIS_SCHEMES = ("redis", "rediss", "unix")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CONSTRAINT_PREFIX = CONSTRAINTS_KEY + ":"


@dataclasses.dataclass(frozen=True)
class SkippedValue:
    """A value of the source that was not copied, and why.

    ``trial`` is the number of the trial it belongs to, or None for a study's attribute;
    ``kind`` says what it is (e.g. ``"trial system attribute"``).
    """

    study: str
    trial: int | None
    kind: str
    key: str
    reason: str


@dataclasses.dataclass(frozen=True)
class ImportedStudy:
    """A study of the source and what became of it: ``status`` is imported or skipped."""

    name: str
    status: str
    n_trials: int
    detail: str = ""


@dataclasses.dataclass
class OptunaImportReport:
    """What :func:`import_optuna_storage` copied and skipped.

    Attributes:
        studies: every study of the source that was asked for, imported or skipped (with the
            reason in ``detail``), in the source's order.
        skipped_values: values left out of imported studies: pickles, which parzen never
            stores or reads.
        notes: what the destination holds differently from the source (e.g. heartbeats a
            journal cannot date back).
    """

    studies: list[ImportedStudy] = dataclasses.field(default_factory=list)
    skipped_values: list[SkippedValue] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def imported(self) -> list[str]:
        """The names of the studies that were copied."""
        return [s.name for s in self.studies if s.status == "imported"]

    @property
    def skipped(self) -> list[str]:
        """The names of the studies that were not copied."""
        return [s.name for s in self.studies if s.status != "imported"]

    @property
    def n_trials(self) -> int:
        """The number of trials copied."""
        return sum(s.n_trials for s in self.studies if s.status == "imported")


def import_optuna_storage(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str] | BaseStorage,
    study_names: Iterable[str] | None = None,
    *,
    redis_prefix: str = "",
) -> OptunaImportReport:
    """Copy studies from a storage that Optuna wrote into a parzen storage.

    Everything Optuna stores about a study is copied: its name, directions, metric names, user
    and system attributes, and its trials with their numbers, states, parameters and
    distributions, values (``inf`` and ``-inf`` included), intermediate values, datetimes,
    attributes and constraints (stored as Optuna stores them, which parzen reads); and, into
    a relational destination, the last heartbeat of running trials. The
    source is only read (an SQLite file is opened read-only) and Optuna need not be installed.
    Nothing is unpickled: values Optuna stored as pickles (CMA-ES's sampler state) are skipped
    and listed in the report.

    A study whose name the destination already holds is skipped (and reported), so running
    the import again copies only what is missing. A study that fails half-way is removed
    from the destination before the error is raised.

    Args:
        src: the Optuna storage: a database URL (``sqlite:///optuna.db``,
            ``postgresql://...``, ``mysql://...``), the path of an SQLite file or of an
            Optuna journal file, or a ``redis://`` URL of an Optuna journal in Redis.
        dst: the parzen storage: a storage object, a database URL, a ``redis://`` URL (a
            journal), or a path (an SQLite file if it is one, else a journal file, created
            if missing).
        study_names: the studies to copy (default: all).
        redis_prefix: the ``prefix`` the Optuna journal in Redis was written with.

    Returns:
        What was copied and skipped.

    Raises:
        KeyError: a name in ``study_names`` is not a study of the source.
        ValueError: ``src`` is not an Optuna storage, or one this import cannot read.

    Examples:
        >>> import os, tempfile
        >>> import parzen
        >>> from parzen.storages import InMemoryStorage, import_optuna_storage
        >>> path = os.path.join(tempfile.mkdtemp(), "optuna.log")
        >>> with open(path, "w") as f:  # a journal as Optuna writes it
        ...     _ = f.write('{"op_code": 0, "worker_id": "w", "study_name": "demo", '
        ...                 '"directions": [1]}\\n')
        >>> storage = InMemoryStorage()
        >>> report = import_optuna_storage(path, storage)
        >>> report.imported, parzen.get_all_study_names(storage)
        (['demo'], ['demo'])
    """
    if isinstance(study_names, str):
        raise TypeError(f"study_names must be a list of names, got {study_names!r}: pass a list.")
    wanted = None if study_names is None else list(study_names)
    if wanted is not None and any(not isinstance(n, str) for n in wanted):
        raise TypeError(f"study_names must be strings, got {wanted!r}.")
    report = OptunaImportReport()
    with _Source(src, redis_prefix, report) as source:
        studies = _select(source, wanted, src)
        storage = _open_destination(dst)
        existing = {s.study_name for s in storage.get_all_studies()}
        for study in studies:
            if study.name in existing:
                n = storage.get_n_trials(storage.get_study_id_from_name(study.name))
                report.studies.append(
                    ImportedStudy(
                        study.name,
                        "skipped",
                        0,
                        f"the destination already has a study of this name ({n} trials; "
                        f"the source has {len(study.trials)}); delete it there to import "
                        "it again",
                    )
                )
                continue
            _copy_study(study, storage, report)
    return report


# -- the source -------------------------------------------------------------------------------


class _Source:
    """An Optuna storage being read; closes its connections on exit."""

    def __init__(self, src: str | os.PathLike[str], prefix: str, report: OptunaImportReport):
        self._src = os.fspath(src)
        self._prefix = prefix
        self._report = report
        self._close: list[Any] = []

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        for close in self._close:
            close()

    def read(self, names: set[str] | None) -> Iterator[tuple[str, SourceStudy | None]]:
        """Yield ``(name, study)`` for every study, ``study`` None for those not in ``names``."""
        spec = self._src
        scheme = spec.split("://", 1)[0].split("+", 1)[0].lower() if "://" in spec else ""
        if scheme in _RDB_SCHEMES:
            yield from self._read_rdb(spec, names)
        elif scheme in _REDIS_SCHEMES:
            yield from self._read_redis(spec, names)
        elif scheme:
            raise ValueError(
                f"Unknown scheme {scheme!r} in the source {spec!r}: expected an Optuna "
                "database URL (sqlite:///optuna.db, postgresql://..., mysql://...), a "
                "redis:// URL, or the path of an Optuna SQLite or journal file."
            )
        else:
            if not os.path.isfile(spec):
                raise ValueError(
                    f"No file at {spec!r}: pass the path of an Optuna SQLite or journal file, "
                    "or a database URL."
                )
            with open(spec, "rb") as f:
                head = f.read(len(_SQLITE_MAGIC))
            if head == _SQLITE_MAGIC:
                yield from self._read_rdb("sqlite:///" + os.path.abspath(spec), names)
            else:
                yield from self._read_journal_file(spec, names)

    def _read_rdb(self, url: str, names: set[str] | None) -> Iterator[tuple[str, Any]]:
        from parzen.storages._optuna_import import _rdb_reader

        engine = _rdb_reader.open_engine(url)
        self._close.append(engine.dispose)
        shown = engine.url.render_as_string(hide_password=True) if "sqlite" not in url else url
        with engine.connect() as conn:
            _rdb_reader.check_schema(conn, shown)
            yield from _rdb_reader.read_studies(conn, names)

    def _read_journal_file(self, path: str, names: set[str] | None) -> Iterator[tuple[str, Any]]:
        from parzen.storages._optuna_import._detect import is_optuna_journal_head
        from parzen.storages._optuna_import._journal_reader import Replay, file_records

        with open(path, "rb") as f:
            head = f.read(4096)
        if head and not is_optuna_journal_head(head):
            first_line = head.split(b"\n", 1)[0][:80]
            raise ValueError(
                f"{path} is not a journal file that Optuna wrote (its first line is "
                f"{first_line!r}); a parzen journal needs no import."
            )
        replay = Replay()
        replay.apply_all(file_records(path))
        yield from replay.source_studies(names)

    def _read_redis(self, url: str, names: set[str] | None) -> Iterator[tuple[str, Any]]:
        from parzen.storages._optuna_import._journal_reader import (
            Replay,
            has_redis_snapshot,
            redis_records,
        )
        from parzen.storages.journal._redis import _import_redis

        redis = _import_redis()
        client = redis.Redis.from_url(url, socket_connect_timeout=5.0)
        self._close.append(client.close)
        try:
            client.ping()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as e:
            raise ConnectionError(
                f"Could not reach the Redis server at {url!r}: {e}. Start it, or fix the URL."
            ) from e
        replay = Replay()
        replay.apply_all(redis_records(client, self._prefix))
        if has_redis_snapshot(client, self._prefix):
            self._report.notes.append(
                f"The snapshot {self._prefix}:snapshot that Optuna keeps in Redis was not "
                "read: it is a pickle, and a cache of the log, which was read whole."
            )
        if not replay.studies and not client.exists(f"{self._prefix}:log_number"):
            raise ValueError(
                f"The Redis server {url} holds no Optuna journal under the prefix "
                f"{self._prefix!r} (no key {self._prefix}:log_number). Pass the prefix the "
                "journal was written with (--redis-prefix, or redis_prefix=)."
            )
        yield from replay.source_studies(names)


def _select(source: _Source, wanted: list[str] | None, src: Any) -> list[SourceStudy]:
    """The studies to copy, after checking that every wanted name exists."""
    pairs = list(source.read(None if wanted is None else set(wanted)))
    present = [name for name, _ in pairs]
    missing = [n for n in (wanted or []) if n not in present]
    if missing:
        raise KeyError(
            f"The source {os.fspath(src)!r} has no study named {', '.join(map(repr, missing))}; "
            f"its studies are {present}."
        )
    return [study for _, study in pairs if study is not None]


# -- the destination --------------------------------------------------------------------------


def _open_destination(dst: str | os.PathLike[str] | BaseStorage) -> BaseStorage:
    if isinstance(dst, BaseStorage):
        return dst
    if not isinstance(dst, (str, os.PathLike)):
        raise TypeError(
            f"dst must be a parzen storage, a URL or a path, got {dst!r} ({type(dst).__name__})."
        )
    spec = os.fspath(dst)
    scheme = spec.split("://", 1)[0].split("+", 1)[0].lower() if "://" in spec else ""
    if scheme in _RDB_SCHEMES:
        from parzen.storages._factory import get_storage

        return get_storage(spec)
    if scheme in _REDIS_SCHEMES:
        from parzen.storages.journal import JournalRedisBackend, JournalStorage

        return JournalStorage(JournalRedisBackend(spec))
    if scheme:
        raise ValueError(
            f"Unknown scheme {scheme!r} in the destination {spec!r}: expected a database URL "
            "(sqlite:///parzen.db, postgresql://..., mysql://...), a redis:// URL, or the path "
            "of a journal file."
        )
    if os.path.isfile(spec):
        with open(spec, "rb") as f:
            if f.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC:
                from parzen.storages._factory import get_storage

                return get_storage("sqlite:///" + os.path.abspath(spec))
    from parzen.storages.journal import JournalFileBackend, JournalStorage

    return JournalStorage(JournalFileBackend(spec))


# -- copying ----------------------------------------------------------------------------------


def _copy_study(study: SourceStudy, storage: BaseStorage, report: OptunaImportReport) -> None:
    skipped: list[SkippedValue] = []
    user_attrs = _without_pickles(study.user_attrs, study.name, None, "study user", skipped)
    system_attrs = _without_pickles(study.system_attrs, study.name, None, "study system", skipped)
    trials = [_storable(t, study.name, skipped, report) for t in study.trials]
    study_id = storage.create_new_study(study.directions, study.name)
    try:
        for key, value in user_attrs.items():
            storage.set_study_user_attr(study_id, key, value)
        for key, value in system_attrs.items():
            storage.set_study_system_attr(study_id, key, value)
        trial_ids = [storage.create_new_trial(study_id, template_trial=t) for t in trials]
        _copy_heartbeats(study, storage, trials, trial_ids, report)
    except BaseException:
        # All of a study or none of it: a rerun of the import then copies it whole.
        try:
            storage.delete_study(study_id)
        except Exception as e:
            _logger.warning(f"Could not remove the half-imported study {study.name!r}: {e}")
        raise
    # The destination numbers the trials 0, 1, 2, ... in the order they are created.
    renumbered = [(t.number, n) for n, t in enumerate(trials) if t.number != n]
    if renumbered:
        before, after = renumbered[0]
        report.notes.append(
            f"Study {study.name!r}: the source's trial numbers are not 0, 1, 2, ...; trial "
            f"{before} became trial {after}, and so on (parzen numbers trials densely)."
        )
    for value in skipped:
        _logger.warning(
            f"Skipped the {value.kind} {value.key!r} of study {value.study!r}"
            + ("" if value.trial is None else f", trial {value.trial}")
            + f": {value.reason}."
        )
    report.skipped_values.extend(skipped)
    report.studies.append(ImportedStudy(study.name, "imported", len(trials)))


def _without_pickles(
    attrs: dict[str, Any],
    study: str,
    trial: int | None,
    kind: str,
    skipped: list[SkippedValue],
) -> dict[str, Any]:
    keys = pickled_keys(attrs)
    if not keys:
        return attrs
    for key in keys:
        skipped.append(
            SkippedValue(
                study,
                trial,
                f"{kind} attribute",
                key,
                "Optuna stored it as a pickle, which parzen never stores or unpickles",
            )
        )
    return {k: v for k, v in attrs.items() if k not in keys}


def _storable(
    trial: FrozenTrial, study: str, skipped: list[SkippedValue], report: OptunaImportReport
) -> FrozenTrial:
    """The trial as parzen can store it: without pickles, and without NaN objective values."""
    user_attrs = _without_pickles(trial.user_attrs, study, trial.number, "trial user", skipped)
    system_attrs = _without_pickles(
        trial.system_attrs, study, trial.number, "trial system", skipped
    )
    state = trial.state
    values = trial.values
    complete = trial.datetime_complete
    if values is not None and any(math.isnan(v) for v in values):
        # parzen refuses NaN objective values, as Optuna's own tell does (it fails the trial).
        report.notes.append(
            f"Study {study!r}, trial {trial.number}: its values {values} include NaN, which "
            "parzen does not store; imported as FAIL without values."
        )
        state, values = TrialState.FAIL, None
        complete = complete or trial.datetime_start
    if state.is_finished() and complete is None:
        complete = trial.datetime_start or datetime.datetime.now()
    if (
        user_attrs is trial.user_attrs
        and system_attrs is trial.system_attrs
        and state == trial.state
        and complete is trial.datetime_complete
    ):
        return trial
    return FrozenTrial(
        number=trial.number,
        state=state,
        value=None,
        values=values,
        datetime_start=trial.datetime_start,
        datetime_complete=complete,
        params=trial.params,
        distributions=trial.distributions,
        user_attrs=user_attrs,
        system_attrs=system_attrs,
        intermediate_values=trial.intermediate_values,
        trial_id=trial._trial_id,
    )


def _copy_heartbeats(
    study: SourceStudy,
    storage: BaseStorage,
    trials: list[FrozenTrial],
    trial_ids: list[int],
    report: OptunaImportReport,
) -> None:
    """Carry the last heartbeat of the source's running trials over, where storable.

    A relational storage keeps a heartbeat per trial: it gets the source's, so that a trial
    whose worker died before the import goes stale as it would have in Optuna. Other storages
    date a trial's last sign of life from its creation, that is, from the import.
    """
    beats = {
        trial_id: study.heartbeats[t.number]
        for t, trial_id in zip(trials, trial_ids)
        if t.state == TrialState.RUNNING and t.number in study.heartbeats
    }
    if not beats:
        return
    rdb = _as_rdb(storage)
    if rdb is None:
        report.notes.append(
            f"Study {study.name!r}: {len(beats)} running trial(s) had heartbeats; "
            f"{type(storage).__name__} keeps no heartbeat times of its own, so they count as "
            "alive from the import on."
        )
        return
    _write_rdb_heartbeats(rdb, beats)


def _as_rdb(storage: BaseStorage) -> RDBStorage | None:
    try:
        from parzen.storages._rdb import RDBStorage
    except ImportError:  # pragma: no cover - SQLAlchemy is a core dependency
        return None
    return storage if isinstance(storage, RDBStorage) else None


def _write_rdb_heartbeats(storage: RDBStorage, beats: dict[int, float]) -> None:
    import sqlalchemy as sa

    from parzen.storages._rdb import models

    h = models.trial_heartbeats
    db = storage._db

    def when(epoch: float) -> Any:
        utc = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).replace(tzinfo=None)
        if db.is_sqlite:
            # The text format parzen writes and compares heartbeats in on SQLite.
            return sa.literal(
                utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"
            )
        return utc

    def run(conn: Any) -> None:
        for trial_id, epoch in beats.items():
            conn.execute(sa.delete(h).where(h.c.trial_id == trial_id))
            conn.execute(sa.insert(h).values(trial_id=trial_id, heartbeat=when(epoch)))

    db.write(run)
