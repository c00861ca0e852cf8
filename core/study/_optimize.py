"""The optimize loop: run trials in one or several threads until a budget is spent."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen._records.keys import FAIL_REASON_KEY
from parzen.exceptions import TrialPruned, UpdateFinishedTrialError
from parzen.storages._heartbeat import fail_stale_trials, heartbeat
from parzen.study._tell import tell
from parzen.trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

_logger = parzen_logging.get_logger(__name__)

ObjectiveFuncType = Callable[[Trial], "float | Sequence[float]"]
CallbackType = Callable[["Study", FrozenTrial], None]


class _Budget:
    """Hands out trial slots to worker threads until n_trials, the timeout or stop() end it."""

    def __init__(self, study: Study, n_trials: int | None, timeout: float | None) -> None:
        self._study = study
        self._n_trials = n_trials
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._started = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._study._stop_flag:
                return False
            if self._n_trials is not None and self._started >= self._n_trials:
                return False
            if self._deadline is not None and time.monotonic() >= self._deadline:
                return False
            self._started += 1
            return True


def optimize(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch: Iterable[type[Exception]] | type[Exception],
    callbacks: Iterable[CallbackType] | None,
    gc_after_trial: bool,
    show_progress_bar: bool,
    executor: str = "thread",
) -> None:
    catch_tuple = _as_exception_tuple(catch)
    n_workers = _resolve_n_jobs(n_jobs)
    if executor not in ("thread", "process"):
        raise ValueError(
            f"executor must be 'thread' or 'process', got {executor!r}. Use 'process' for "
            "CPU-bound pure-Python objectives, 'thread' for the rest."
        )
    if n_trials is not None and (isinstance(n_trials, bool) or n_trials < 0):
        raise ValueError(f"n_trials must be None or an int >= 0, got {n_trials!r}.")
    if timeout is not None and timeout < 0:
        raise ValueError(f"timeout must be None or seconds >= 0, got {timeout!r}.")
    callback_list = list(callbacks or [])
    _enter(study)  # raises on nested optimization
    budget = _Budget(study, n_trials, timeout)
    progress = _ProgressBar(show_progress_bar, n_trials, timeout, n_jobs)
    first_error: list[BaseException] = []
    processes = None
    if executor == "process":
        from parzen.study._process import WorkerPool

        processes = WorkerPool(n_workers, func)
        func = processes.objective

    def worker() -> None:
        while not first_error and budget.take():
            try:
                frozen = run_trial(study, func, catch_tuple)
            except BaseException as e:
                first_error.append(e)
                study._stop_flag = True
                return
            finally:
                if gc_after_trial:
                    gc.collect()
            for callback in callback_list:
                callback(study, frozen)
            progress.update(study, frozen)

    def pool_worker() -> None:
        # Optuna reseeds the sampler in each worker thread; samplers written for it may
        # rely on that to make parallel workers diverge.
        study.sampler.reseed_rng()
        with _optimizing_in_this_thread(study):
            worker()

    try:
        if n_workers == 1:
            worker()
        else:
            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                futures = [pool.submit(pool_worker) for _ in range(n_workers)]
                for future in futures:
                    future.result()
    finally:
        _leave(study)
        progress.close()
        if processes is not None:
            processes.close()
        study._storage.remove_session()
    if first_error:
        raise first_error[0]


# Which studies each thread is optimizing (the caller of optimize and its worker threads):
# optimize called again from one of those threads is a nested call, refused; another thread
# may optimize the same study at the same time, as with Optuna.
_THREAD_STATE = threading.local()
# How many optimize calls run on each study object: stop() works while one does.
_ACTIVE_LOCK = threading.Lock()
_ACTIVE_CALLS: dict[int, int] = {}


def _studies_of_this_thread() -> set[int]:
    studies: set[int] | None = getattr(_THREAD_STATE, "studies", None)
    if studies is None:
        studies = _THREAD_STATE.studies = set()
    return studies


@contextlib.contextmanager
def _optimizing_in_this_thread(study: Study) -> Iterator[None]:
    studies = _studies_of_this_thread()
    studies.add(id(study))
    try:
        yield
    finally:
        studies.discard(id(study))


def _enter(study: Study) -> None:
    studies = _studies_of_this_thread()
    if id(study) in studies:
        raise RuntimeError(
            "Study.optimize was called from inside an objective of the same study; nested "
            "optimization is not allowed. Use a second study for an inner search."
        )
    studies.add(id(study))
    with _ACTIVE_LOCK:
        count = _ACTIVE_CALLS.get(id(study), 0)
        if count == 0:
            study._stop_flag = False
        _ACTIVE_CALLS[id(study)] = count + 1
        study._optimizing = True


def _leave(study: Study) -> None:
    _studies_of_this_thread().discard(id(study))
    with _ACTIVE_LOCK:
        count = _ACTIVE_CALLS.pop(id(study)) - 1
        if count:
            _ACTIVE_CALLS[id(study)] = count
        else:
            study._optimizing = False


def run_trial(
    study: Study, func: ObjectiveFuncType, catch: tuple[type[Exception], ...]
) -> FrozenTrial:
    """Run one trial of ``func``: ask, call with heartbeats, tell, log. Returns the result."""
    fail_stale_trials(study)
    trial = study.ask()
    # This loop tells the trial itself, whatever happens to the objective.
    study._storage.defer_param_writes(trial._trial_id)
    returned: Any = None
    state: TrialState | None = None
    error: BaseException | None = None
    # Without heartbeats (in memory, by default) the generator-based context is skipped.
    beating = study._storage.is_heartbeat_enabled()
    with heartbeat(study, trial._trial_id) if beating else contextlib.nullcontext():
        try:
            returned = func(trial)
        except TrialPruned as e:
            state = TrialState.PRUNED
            error = e
        except BaseException as e:
            state = TrialState.FAIL
            error = e
    if state == TrialState.FAIL:
        assert error is not None
        with contextlib.suppress(UpdateFinishedTrialError):  # heartbeats failed it already
            study._storage.set_trial_system_attr(
                trial._trial_id, FAIL_REASON_KEY, f"{type(error).__name__}: {error}"
            )
        frozen, _ = tell(study, trial, None, TrialState.FAIL, skip_if_finished=True)
        _logger.warning(
            f"Trial {frozen.number} failed with parameters: {frozen.params} because of the "
            f"following error: {error!r}.",
            exc_info=(type(error), error, error.__traceback__),
        )
        if not isinstance(error, catch):
            raise error
        return frozen
    if state == TrialState.PRUNED:
        frozen, _ = tell(study, trial, None, TrialState.PRUNED, skip_if_finished=True)
        _logger.info(f"Trial {frozen.number} pruned. {error}".rstrip())
        return frozen
    frozen, failure = tell(study, trial, returned, None, skip_if_finished=True)
    if failure is not None:
        _logger.warning(f"Trial {frozen.number} failed because {failure}.")
    else:
        _log_completed(study, frozen)
    return frozen


def _log_completed(study: Study, frozen: FrozenTrial) -> None:
    if not _logger.isEnabledFor(parzen_logging.INFO):
        return
    if study._is_multi_objective():
        _logger.info(
            f"Trial {frozen.number} finished with values: {frozen.values} and parameters: "
            f"{frozen.params}."
        )
        return
    try:
        best = study.best_trial
        best_text = f" Best is trial {best.number} with value: {best.value}."
    except ValueError:
        best_text = ""  # every completed trial so far is infeasible
    _logger.info(
        f"Trial {frozen.number} finished with value: {frozen.value} and parameters: "
        f"{frozen.params}.{best_text}"
    )


def _as_exception_tuple(
    catch: Iterable[type[Exception]] | type[Exception],
) -> tuple[type[Exception], ...]:
    if isinstance(catch, type):
        catch = (catch,)
    result = tuple(catch)
    for item in result:
        if not (isinstance(item, type) and issubclass(item, BaseException)):
            raise TypeError(
                f"catch must hold exception classes, got {item!r}. Example: "
                "catch=(ValueError, RuntimeError)."
            )
    return result


def _resolve_n_jobs(n_jobs: int) -> int:
    if n_jobs == -1:
        return os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(
            f"n_jobs must be a positive int, or -1 for one thread per CPU, got {n_jobs!r}."
        )
    return n_jobs


class _ProgressBar:
    """A tqdm bar over trials (or over the timeout, with only a timeout), showing the best
    value; it looks and warns as Optuna's does."""

    def __init__(
        self, enabled: bool, n_trials: int | None, timeout: float | None, n_jobs: int
    ) -> None:
        self._bar: Any = None
        self._n_trials = n_trials
        self._timeout = timeout
        self._start = time.monotonic()
        self._lock = threading.Lock()
        if not enabled:
            return
        if n_trials is None and timeout is None:
            warnings.warn(
                "The progress bar is not shown: it needs n_trials or timeout, and both are None.",
                UserWarning,
                stacklevel=4,
            )
            return
        if n_trials is None and n_jobs != 1:
            warnings.warn(
                "The progress bar over the timeout is not shown with n_jobs != 1; pass "
                "n_trials to see one over trials.",
                UserWarning,
                stacklevel=4,
            )
            return
        from tqdm.auto import tqdm

        if n_trials is not None:
            self._bar = tqdm(total=n_trials)
        else:
            assert timeout is not None
            total = tqdm.format_interval(timeout)
            self._bar = tqdm(total=timeout, bar_format="{l_bar}{bar}| {elapsed}/" + total)

    def update(self, study: Study, frozen: FrozenTrial) -> None:
        if self._bar is None:
            return
        with self._lock:
            elapsed = time.monotonic() - self._start
            if self._n_trials is None:
                assert self._timeout is not None
                self._bar.update(min(elapsed, self._timeout) - self._bar.n)
            else:
                self._bar.update(1)
                if self._timeout is not None:
                    self._bar.set_postfix_str(f"{elapsed:.2f}/{self._timeout} seconds")
            if not study._is_multi_objective():
                try:
                    best = study.best_trial
                    self._bar.set_description(
                        f"Best trial: {best.number}. Best value: {best.value:.6g}"
                    )
                except ValueError:
                    pass

    def close(self) -> None:
        if self._bar is None:
            return
        if self._n_trials is None:
            assert self._timeout is not None
            elapsed = time.monotonic() - self._start
            self._bar.update(min(elapsed, self._timeout) - self._bar.n)
        self._bar.close()
