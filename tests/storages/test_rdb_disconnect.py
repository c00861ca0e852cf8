"""The database server killing parzen's connections never aborts ``optimize`` nor loses data.

Against the real PostgreSQL (``pg_terminate_backend``) and MariaDB (``KILL``): connections are
killed between trials, in the middle of trials, and at random moments by another thread.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

import parzen
from parzen.storages._rdb import RDBStorage
from parzen.trial import TrialState

N_TRIALS = 30


class _Killer:
    """Ends the server sessions of one storage, and only those (other tests share the server)."""

    def __init__(self, backend: str, url: str, tag: str) -> None:
        self.backend = backend
        self.tag = tag
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.kills = 0

    def __call__(self) -> None:
        with self.engine.connect() as conn:
            if self.backend == "postgresql":
                killed = conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :tag AND pid <> pg_backend_pid()"
                    ),
                    {"tag": self.tag},
                ).all()
            else:
                ids = conn.execute(
                    sa.text(
                        "SELECT id FROM information_schema.processlist "
                        "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                    )
                ).scalars()
                killed = []
                for session in ids:
                    try:
                        conn.execute(sa.text(f"KILL {int(session)}"))
                        killed.append(session)
                    except sa.exc.DBAPIError:
                        pass  # it ended meanwhile
        self.kills += len(killed)


@pytest.fixture(params=["postgresql", "mysql"])
def killable(
    request: pytest.FixtureRequest, url_of: Callable[[str], str]
) -> Iterator[tuple[RDBStorage, _Killer]]:
    backend = request.param
    url = url_of(backend)
    tag = f"parzen-kill-{uuid.uuid4().hex[:12]}"
    engine_kwargs = {}
    if backend == "postgresql":
        engine_kwargs = {"connect_args": {"application_name": tag}}
    storage = RDBStorage(url, engine_kwargs=engine_kwargs)
    killer = _Killer(backend, url, tag)
    yield storage, killer
    killer.engine.dispose()
    storage._db.dispose()


def _objective(kill_inside: Callable[[], None] | None) -> Callable[[parzen.Trial], float]:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.report(x, 0)
        if kill_inside is not None:
            kill_inside()
        y = trial.suggest_float("y", 0, 1)
        trial.set_user_attr("xy", [x, y])
        trial.report(x + y, 1)
        return x + y

    return objective


def _assert_complete_and_intact(study: parzen.Study, n_trials: int) -> None:
    trials = study.get_trials()
    assert [t.number for t in trials] == list(range(n_trials))
    assert all(t.state == TrialState.COMPLETE for t in trials), [t.state for t in trials]
    for t in trials:
        x, y = t.params["x"], t.params["y"]
        assert t.value == x + y and t.user_attrs == {"xy": [x, y]}
        assert t.intermediate_values == {0: x, 1: x + y}


def test_connections_killed_between_trials(killable: tuple[RDBStorage, _Killer]) -> None:
    storage, kill = killable
    study = parzen.create_study(storage=storage)
    study.optimize(_objective(None), n_trials=N_TRIALS, callbacks=[lambda s, t: kill()])
    assert kill.kills >= N_TRIALS  # every trial's connections really were killed
    _assert_complete_and_intact(study, N_TRIALS)


def test_connections_killed_in_the_middle_of_trials(
    killable: tuple[RDBStorage, _Killer],
) -> None:
    storage, kill = killable
    study = parzen.create_study(storage=storage)
    study.optimize(_objective(kill), n_trials=N_TRIALS)
    assert kill.kills >= N_TRIALS
    _assert_complete_and_intact(study, N_TRIALS)


def test_connections_killed_at_random_moments_by_another_thread(
    killable: tuple[RDBStorage, _Killer],
) -> None:
    storage, kill = killable
    study = parzen.create_study(storage=storage)
    stop = threading.Event()

    def keep_killing() -> None:
        while not stop.wait(0.05):
            kill()

    killer = threading.Thread(target=keep_killing, daemon=True)
    killer.start()
    try:
        study.optimize(_objective(None), n_trials=N_TRIALS * 3, n_jobs=2)
    finally:
        stop.set()
        killer.join()
    assert kill.kills > 0
    _assert_complete_and_intact(study, N_TRIALS * 3)
