"""The newly suggested parameters of this process's running trials, written in batches.

A trial's parameters are mostly suggested in a burst when it starts. Writing each at once
would cost one write transaction per parameter, and every write transaction on SQLite takes
the file's one write lock: with five parameters, two processes sharing a file spent most of
their time handing that lock back and forth and together ran fewer trials than one.

So :class:`PendingParams` holds the parameters that the storage's own running trials have
just been given, and the storage writes them all at once:

* in the transaction that finishes the trial, for a trial that ends quickly;
* from a background thread, one transaction per trial, once they have waited ``delay``
  seconds (10 ms), for a trial that runs on: other workers, dashboards and the failed-trial
  callback see its parameters almost at once, and a worker killed later leaves them behind;
* at interpreter exit, should a trial be left running.

Only the trials that ``Study.optimize`` runs are held this way: it tells them itself, in the
same process. A trial from ``Study.ask`` may be told by another process at any moment, so its
parameters are written at once.

Reads by the same storage see pending parameters as if they were written.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from parzen.distributions import BaseDistribution
from parzen.trial import FrozenTrial

_logger = logging.getLogger(__name__)

FLUSH_DELAY = 0.01
"""Seconds a suggested parameter may wait before a background thread writes it."""

_IDLE_EXIT = 5.0
"""Seconds with nothing pending after which the background thread ends (it restarts)."""


@dataclass(frozen=True)
class PendingParam:
    """One suggested parameter, as the storage will write it."""

    name: str
    value: float
    """The internal representation, as ``set_trial_param`` received it."""
    distribution: BaseDistribution
    distribution_json: str


class PendingParams:
    """The unwritten parameters of the running trials that one storage owns.

    A storage *owns* a trial that it was told it runs to its end
    (:meth:`~parzen.storages.BaseStorage.defer_param_writes`), until it finishes the trial.
    It writes the parameters of any other trial at once.

    Args:
        write: writes one trial's parameters in one transaction. It must raise if they could
            not be written for a reason that may pass (the parameters are kept for the next
            attempt) and return normally otherwise, also when the trial has been finished
            meanwhile by another process (they are then dropped, as that trial is over).
        delay: seconds before the background thread writes a parameter.

    Examples:
        >>> from parzen.distributions import FloatDistribution
        >>> written = []
        >>> pending = PendingParams(lambda trial_id, params: written.append(params), delay=60)
        >>> pending.own(7)
        >>> x = FloatDistribution(0, 1)
        >>> pending.add(7, PendingParam("x", 0.5, x, '{"name": "FloatDistribution"}'))
        True
        >>> [p.name for p in pending.peek(7)]
        ['x']
        >>> with pending.taken(7) as params:  # to be written with the trial's end
        ...     print([p.value for p in params])
        [0.5]
        >>> pending.peek(7), written
        ([], [])
    """

    def __init__(
        self,
        write: Callable[[int, list[PendingParam]], None],
        delay: float = FLUSH_DELAY,
    ) -> None:
        self._write = write
        self._delay = delay
        self._init_state()
        _LIVE.add(self)

    def _init_state(self) -> None:
        self._lock = threading.Lock()
        # Signalled when a background write ends: a trial must not finish while its
        # parameters are on their way, or they would arrive after it ended and be refused.
        self._written = threading.Condition(self._lock)
        self._owned: set[int] = set()
        self._by_trial: dict[int, dict[str, PendingParam]] = {}
        self._since: dict[int, float] = {}
        # Parameters a background write has taken but not yet committed: this storage's own
        # reads must still see them, since the database does not show them yet.
        self._in_flight: dict[int, list[PendingParam]] = {}
        self._thread: threading.Thread | None = None

    def _note_pending(self) -> None:
        # Called under the lock. While parameters wait, this object (and with it the storage
        # that writes them) must outlive every other reference, until they are written.
        if self._by_trial:
            _HOLDING.add(self)
        else:
            _HOLDING.discard(self)

    # -- ownership --------------------------------------------------------------------------

    def own(self, trial_id: int) -> None:
        """This storage has just started the trial running."""
        with self._lock:
            self._owned.add(trial_id)

    def disown(self, trial_id: int) -> None:
        """The trial is no longer running here; anything still pending is dropped."""
        with self._lock:
            self._owned.discard(trial_id)
            self._by_trial.pop(trial_id, None)
            self._since.pop(trial_id, None)
            self._note_pending()

    # -- parameters -------------------------------------------------------------------------

    def add(self, trial_id: int, param: PendingParam) -> bool:
        """Keep ``param`` for later if this storage owns the trial; False if it does not.

        A parameter already pending under that name is replaced. The caller writes the
        parameters of trials it does not own itself.
        """
        with self._lock:
            if trial_id not in self._owned:
                return False
            params = self._by_trial.get(trial_id)
            if params is None:
                params = self._by_trial[trial_id] = {}
                self._since[trial_id] = time.monotonic()
                self._note_pending()
            params[param.name] = param
            if self._thread is None:
                self._thread = threading.Thread(
                    target=_flush_loop,
                    args=(weakref.ref(self),),
                    name="parzen-param-writer",
                    daemon=True,
                )
                self._thread.start()
        return True

    def peek(self, trial_id: int) -> list[PendingParam]:
        """The trial's pending parameters, in the order they were suggested."""
        with self._lock:
            merged = {p.name: p for p in self._in_flight.get(trial_id, ())}
            merged.update(self._by_trial.get(trial_id, {}))
            return list(merged.values())

    def peek_all(self) -> dict[int, list[PendingParam]]:
        """:meth:`peek` of every trial that has pending parameters."""
        with self._lock:
            ids = set(self._in_flight) | set(self._by_trial)
        return {trial_id: self.peek(trial_id) for trial_id in ids} if ids else {}

    def overlay(
        self, trial: FrozenTrial, params: Sequence[PendingParam] | None = None
    ) -> FrozenTrial:
        """Add the trial's pending parameters to ``trial`` (changed in place) and return it.

        ``params``: those :meth:`peek` returned *before* the trial was read from the
        database. Peeking after the read could miss parameters whose write committed
        between the read and the peek.
        """
        if params is None:
            params = self.peek(trial._trial_id)
        for param in params:
            trial._params[param.name] = param.distribution.to_external_repr(param.value)
            trial._distributions[param.name] = param.distribution
        return trial

    @contextmanager
    def taken(self, trial_id: int) -> Iterator[list[PendingParam]]:
        """Take the trial's pending parameters, to write them in the caller's transaction.

        Waits for a background write of the trial's parameters to end first. If the block
        raises, the parameters are put back: a transaction that failed loses nothing.
        """
        with self._written:
            while trial_id in self._in_flight:
                self._written.wait()
            params = self._by_trial.pop(trial_id, None)
            self._since.pop(trial_id, None)
            self._note_pending()
        taken = list(params.values()) if params else []
        try:
            yield taken
        except BaseException:
            if taken:
                self._put_back(trial_id, taken)
            raise

    # -- writing ----------------------------------------------------------------------------

    def flush(self, *, older_than: float = 0.0) -> bool:
        """Write the parameters that have waited at least ``older_than`` seconds.

        Returns whether anything was pending.
        """
        now = time.monotonic()
        with self._lock:
            if not self._since:
                return False
            due = [t for t, since in self._since.items() if now - since >= older_than]
            batches = [(t, list(self._by_trial.pop(t).values())) for t in due]
            for t in due:
                del self._since[t]
            self._in_flight.update(batches)
            self._note_pending()
        for trial_id, params in batches:
            try:
                self._write(trial_id, params)
            except Exception:
                _logger.warning(
                    "Could not write the parameters of trial id %d yet; will retry.",
                    trial_id,
                    exc_info=True,
                )
                self._put_back(trial_id, params)
            finally:
                with self._written:
                    self._in_flight.pop(trial_id, None)
                    self._written.notify_all()
        return True

    def _put_back(self, trial_id: int, params: list[PendingParam]) -> None:
        with self._lock:
            if trial_id not in self._owned:
                return
            merged = {p.name: p for p in params}
            merged.update(self._by_trial.get(trial_id, {}))
            self._by_trial[trial_id] = merged
            self._since.setdefault(trial_id, time.monotonic())
            self._note_pending()

    def _thread_may_end(self) -> bool:
        """Called by the idle background thread: True (and forgotten) if nothing is pending."""
        with self._lock:
            if self._by_trial:
                return False
            self._thread = None
            return True


def _flush_loop(ref: weakref.ref[PendingParams]) -> None:
    idle_since = time.monotonic()
    while True:
        pending = ref()
        if pending is None:
            return
        delay = pending._delay
        if pending.flush(older_than=delay):
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > _IDLE_EXIT and pending._thread_may_end():
            return
        del pending
        time.sleep(delay)


_LIVE: weakref.WeakSet[PendingParams] = weakref.WeakSet()
_HOLDING: set[PendingParams] = set()


@atexit.register
def _flush_all_at_exit() -> None:
    # Parameters of a trial left running are stored, as they would have been without batching.
    for pending in list(_HOLDING):
        try:
            pending.flush()
        except Exception:  # pragma: no cover - logged, and the interpreter is exiting
            _logger.warning("Could not write pending parameters at exit.", exc_info=True)


if hasattr(os, "register_at_fork"):
    # The parent owns its trials and writes their parameters; the child starts empty.
    def _after_fork_in_child() -> None:
        _HOLDING.clear()
        for pending in list(_LIVE):
            pending._init_state()

    os.register_at_fork(after_in_child=_after_fork_in_child)
