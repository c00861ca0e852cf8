"""Heartbeats: a running trial's worker proves it is alive, so dead workers' trials end as FAIL.

A storage with heartbeats enabled receives one from each running trial every
``heartbeat_interval`` seconds. ``fail_stale_trials`` (called by ``Study.optimize`` before each
trial) moves RUNNING trials whose last heartbeat, or start if they never sent one, is older
than ``grace_period`` to FAIL, then runs the storage's heartbeat-stale-trial callback on each,
for example :class:`RetryHeartbeatStaleTrialCallback` to run it again.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen.exceptions import UpdateFinishedTrialError
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

_logger = parzen_logging.get_logger(__name__)

FAILED_TRIAL_KEY = "failed_trial"
RETRY_HISTORY_KEY = "retry_history"


def fail_stale_trials(study: Study) -> list[int]:
    """Fail the study's RUNNING trials whose worker stopped sending heartbeats.

    Returns the numbers of the trials this call failed; another worker racing on the same
    trial makes it fail only once.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> parzen.storages.fail_stale_trials(study)  # in-memory: no heartbeats, nothing to do
        []
    """
    storage = study._storage
    if not storage.is_heartbeat_enabled():
        return []
    failed: list[FrozenTrial] = []
    for trial_id in storage.get_stale_trial_ids(study._study_id):
        try:
            if storage.set_trial_state_values(trial_id, TrialState.FAIL):
                failed.append(storage.get_trial(trial_id))
        except UpdateFinishedTrialError:
            continue  # another worker failed it first, or its worker finished it just now
    callback = storage.get_failed_trial_callback()
    for trial in failed:
        _logger.warning(
            f"Trial {trial.number} failed: its worker sent no heartbeat within the grace period."
        )
        if callback is not None:
            callback(study, trial)
    return [t.number for t in failed]


def check_heartbeat_settings(
    heartbeat_interval: Any, grace_period: Any, failed_trial_callback: Any
) -> float | None:
    """Validate a persistent storage's heartbeat arguments; return the grace period in force.

    The grace period defaults to twice ``heartbeat_interval``; it is None when heartbeats are
    off. Every persistent storage calls this, so they all accept and refuse the same things.
    """

    def positive(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0

    if heartbeat_interval is not None and not positive(heartbeat_interval):
        raise ValueError(
            f"heartbeat_interval must be a positive number of seconds or None, got "
            f"{heartbeat_interval!r}."
        )
    if grace_period is not None and not positive(grace_period):
        raise ValueError(
            f"grace_period must be a positive number of seconds or None, got {grace_period!r}."
        )
    # Optuna accepts these without heartbeats (they then do nothing); so do we, but say so.
    if heartbeat_interval is None and (grace_period is not None or failed_trial_callback):
        given = "grace_period" if grace_period is not None else "the stale-trial callback"
        warnings.warn(
            f"{given} has no effect without heartbeats: also pass heartbeat_interval "
            "(e.g. heartbeat_interval=60) to fail, and retry, trials whose worker died.",
            UserWarning,
            stacklevel=3,
        )
    if heartbeat_interval is None:
        return None
    return grace_period if grace_period is not None else 2 * heartbeat_interval


@contextmanager
def heartbeat(study: Study, trial_id: int) -> Iterator[None]:
    """Send heartbeats for ``trial_id`` while the block runs (no-op when disabled)."""
    storage = study._storage
    if not storage.is_heartbeat_enabled():
        yield
        return
    interval = storage.get_heartbeat_interval()
    assert interval is not None
    storage.record_heartbeat(trial_id)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                storage.record_heartbeat(trial_id)
            except Exception as e:  # a missed beat must not kill the trial
                _logger.warning(f"Could not record a heartbeat for trial id {trial_id}: {e}")

    thread = threading.Thread(target=beat, name=f"parzen-heartbeat-{trial_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class RetryHeartbeatStaleTrialCallback:
    """Re-enqueue a trial that heartbeats failed (its worker went stale), with the same
    parameters.

    Pass it as a storage's ``heartbeat_stale_trial_callback``. The new trial records the number
    of the first failed attempt (``failed_trial``) and every attempt before it
    (``retry_history``) in its system attributes.

    Args:
        max_retry: how many times one trial may be retried; None means without limit.
        inherit_intermediate_values: copy the failed trial's intermediate values.

    Examples:
        >>> import parzen
        >>> storage = parzen.storages.RDBStorage(
        ...     "sqlite:///:memory:",
        ...     heartbeat_interval=60,
        ...     heartbeat_stale_trial_callback=parzen.storages.RetryHeartbeatStaleTrialCallback(
        ...         max_retry=2
        ...     ),
        ... )
        >>> storage.get_heartbeat_stale_trial_callback()._max_retry
        2
    """

    def __init__(
        self, max_retry: int | None = None, inherit_intermediate_values: bool = False
    ) -> None:
        if max_retry is not None and max_retry < 0:
            raise ValueError(f"max_retry must be None or >= 0, got {max_retry}.")
        self._max_retry = max_retry
        self._inherit_intermediate_values = inherit_intermediate_values

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        from parzen.trial import create_trial

        history = list(trial.system_attrs.get(RETRY_HISTORY_KEY, []))
        if self._max_retry is not None and len(history) >= self._max_retry:
            return
        system_attrs: dict[str, Any] = {
            **trial.system_attrs,
            FAILED_TRIAL_KEY: trial.system_attrs.get(FAILED_TRIAL_KEY, trial.number),
            RETRY_HISTORY_KEY: [*history, trial.number],
        }
        study.add_trial(
            create_trial(
                state=TrialState.WAITING,
                params=trial.params,
                distributions=trial.distributions,
                user_attrs=trial.user_attrs,
                system_attrs=system_attrs,
                intermediate_values=(
                    trial.intermediate_values if self._inherit_intermediate_values else None
                ),
            )
        )

    @staticmethod
    def retried_trial_number(trial: FrozenTrial) -> int | None:
        """The number of the first failed attempt this trial retries, or None."""
        return trial.system_attrs.get(FAILED_TRIAL_KEY)

    @staticmethod
    def retry_history(trial: FrozenTrial) -> list[int]:
        """The numbers of every earlier attempt of this trial, oldest first."""
        return list(trial.system_attrs.get(RETRY_HISTORY_KEY, []))


class RetryFailedTrialCallback(RetryHeartbeatStaleTrialCallback):
    """The former name of :class:`RetryHeartbeatStaleTrialCallback`; it warns, as in Optuna 5.

    Examples:
        >>> import warnings
        >>> import parzen
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = parzen.storages.RetryFailedTrialCallback(max_retry=1)
        >>> caught[0].category.__name__
        'FutureWarning'
    """

    def __init__(
        self, max_retry: int | None = None, inherit_intermediate_values: bool = False
    ) -> None:
        warnings.warn(
            "RetryFailedTrialCallback is deprecated (as in Optuna 5): use "
            "RetryHeartbeatStaleTrialCallback, which behaves the same.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(max_retry, inherit_intermediate_values)


StaleTrialCallback = Callable[["Study", FrozenTrial], None]


def resolve_stale_trial_callback(
    heartbeat_stale_trial_callback: StaleTrialCallback | None,
    failed_trial_callback: StaleTrialCallback | None,
) -> StaleTrialCallback | None:
    """The callback a storage runs on trials that heartbeats failed, from its two keywords.

    ``failed_trial_callback`` is the older name: it still works, with Optuna 5's FutureWarning.

    Raises:
        ValueError: both keywords were given.
    """
    if failed_trial_callback is None:
        return heartbeat_stale_trial_callback
    if heartbeat_stale_trial_callback is not None:
        raise ValueError(
            "Specify only one of `heartbeat_stale_trial_callback` and `failed_trial_callback`: "
            "they name the same callback (failed_trial_callback is the older name). Pass "
            "heartbeat_stale_trial_callback=... only."
        )
    warnings.warn(
        "`failed_trial_callback` is deprecated (as in Optuna 5): pass the same callback as "
        "`heartbeat_stale_trial_callback`.",
        FutureWarning,
        stacklevel=3,
    )
    return failed_trial_callback
