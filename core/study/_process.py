"""Run objectives in worker processes while the study stays in this one.

Threads cannot run a pure-Python objective on several cores at once. With
``optimize(..., executor="process")`` each objective call runs in a worker process; every
``trial.suggest_*``, ``report``, ``should_prune`` and attribute call is answered by the real
trial in the parent over a pipe. The sampler, the pruner and the storage stay in the parent,
so a process-run study is the same, in content, as a threaded one: same storage (in-memory
included), same trial numbers, every trial seen by the sampler.

The cost is one pipe round trip (tens of microseconds) per trial call, which CPU-bound
objectives, the ones that need processes, do not notice.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import pickle
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from parzen.distributions import BaseDistribution
from parzen.trial import BaseTrial, Trial

# The trial methods a worker may call on the parent's trial; nothing else is reachable.
_FORWARDED = frozenset(
    {
        "_suggest",
        "report",
        "should_prune",
        "set_user_attr",
        "set_system_attr",
        "set_constraint",
    }
)
_READABLE = frozenset(
    {"params", "distributions", "user_attrs", "system_attrs", "constraints", "relative_params"}
)


class WorkerDied(RuntimeError):
    """The worker process running a trial ended without answering (crash, kill, OOM)."""


class RemoteTrial(BaseTrial):
    """The trial an objective sees inside a worker process; forwards calls to the parent."""

    def __init__(
        self, conn: multiprocessing.connection.Connection, number: int, datetime_start: Any
    ) -> None:
        self._conn = conn
        self._number = number
        self._datetime_start = datetime_start

    def _call(self, kind: str, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((kind, name, args, kwargs))
        status, payload = self._conn.recv()
        if status == "raise":
            raise payload
        return payload

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        # Checked and built here by BaseTrial.suggest_*; the parent samples and stores it.
        return self._call("call", "_suggest", name, distribution)

    def report(self, value: float, step: int) -> None:
        self._call("call", "report", value, step)

    def should_prune(self) -> bool:
        return bool(self._call("call", "should_prune"))

    def set_user_attr(self, key: str, value: Any) -> None:
        self._call("call", "set_user_attr", key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        self._call("call", "set_system_attr", key, value)

    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value (feasible when <= 0), as :meth:`Trial.set_constraint`."""
        self._call("call", "set_constraint", key, value)

    @property
    def constraints(self) -> dict[str, float]:
        return dict(self._call("get", "constraints"))

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._call("get", "params"))

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return dict(self._call("get", "distributions"))

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._call("get", "user_attrs"))

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._call("get", "system_attrs"))

    @property
    def datetime_start(self) -> Any:
        return self._datetime_start

    @property
    def number(self) -> int:
        return self._number


def _worker_main(
    conn: multiprocessing.connection.Connection, func: Callable[[BaseTrial], Any]
) -> None:
    """The loop of a worker process: run the objective for each trial the parent sends."""
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == "stop":
            return
        _, number, datetime_start = message
        trial = RemoteTrial(conn, number, datetime_start)
        try:
            result = func(trial)
        except BaseException as e:
            conn.send(("exception", _picklable(e), traceback.format_exc()))
            if not isinstance(e, Exception):
                return  # KeyboardInterrupt, SystemExit: the worker stops too
        else:
            conn.send(("return", _picklable_result(result), None))


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _picklable_result(result: Any) -> Any:
    try:
        pickle.dumps(result)
    except Exception:
        return repr(result)  # the study then fails the trial: not a number
    return result


class WorkerProcess:
    """One worker process and the pipe to it; runs one trial at a time."""

    def __init__(
        self, context: multiprocessing.context.BaseContext, func: Callable[[Any], Any]
    ) -> None:
        self._context = context
        self._func = func
        self._start()

    def _start(self) -> None:
        parent_conn, child_conn = self._context.Pipe()
        self._conn = parent_conn
        self._process = self._context.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child_conn, self._func), daemon=True
        )
        self._process.start()
        child_conn.close()

    def run(self, trial: Trial) -> Any:
        """Run the objective on ``trial`` in the worker, serving its calls; return its value.

        Re-raises what the objective raised (``TrialPruned`` included).
        """
        try:
            self._conn.send(("run", trial.number, trial.datetime_start))
            while True:
                message = self._conn.recv()
                kind = message[0]
                if kind == "return":
                    return message[1]
                if kind == "exception":
                    error = message[1]
                    error.__cause__ = _RemoteTraceback(message[2])
                    raise error
                self._serve(trial, *message)
        except (EOFError, BrokenPipeError, ConnectionResetError) as e:
            self._process.join(timeout=5)  # reap it, so that its exit code is known
            code = self._process.exitcode
            self._start()
            raise WorkerDied(
                f"The worker process running trial {trial.number} died (exit code {code}); "
                "the trial fails and a new worker takes its place."
            ) from e

    def _serve(
        self, trial: Trial, kind: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        allowed = _FORWARDED if kind == "call" else _READABLE
        if name not in allowed:
            self._conn.send(("raise", AttributeError(f"Trial.{name} is not available here.")))
            return
        try:
            attribute = getattr(trial, name)
            result = attribute(*args, **kwargs) if kind == "call" else attribute
        except Exception as e:
            self._conn.send(("raise", _picklable(e)))
        else:
            self._conn.send(("ok", result))

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the worker may be gone already
            self._conn.send(("stop",))
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()


class _RemoteTraceback(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)

    def __str__(self) -> str:
        return "\n\nTraceback in the worker process:\n" + str(self.args[0])


class WorkerPool:
    """Worker processes handed out to the threads of ``optimize``, one per thread."""

    def __init__(self, n_workers: int, func: Callable[[Any], Any]) -> None:
        context = _context()
        self._free = [WorkerProcess(context, func) for _ in range(n_workers)]
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all = list(self._free)

    def objective(self, trial: Trial) -> Any:
        """The objective as the threads see it: run in this thread's worker process."""
        worker = getattr(self._local, "worker", None)
        if worker is None:
            with self._lock:
                worker = self._free.pop()
            self._local.worker = worker
        return worker.run(trial)

    def close(self) -> None:
        for worker in self._all:
            worker.close()


def _context() -> multiprocessing.context.BaseContext:
    # fork hands the objective to workers without pickling it (lambdas and closures work);
    # where fork is unavailable, spawn needs a picklable, importable objective.
    if sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
