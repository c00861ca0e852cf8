"""Finishing a trial: checking what the objective returned and storing the final state."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen._records.keys import FAIL_REASON_KEY
from parzen.exceptions import UpdateFinishedTrialError
from parzen.trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

_logger = parzen_logging.get_logger(__name__)


def check_values(returned: Any, n_objectives: int) -> tuple[list[float] | None, str | None]:
    """Convert what an objective returned to a list of floats, or explain why it cannot be.

    Returns ``(values, None)`` when valid, ``(None, reason)`` otherwise.
    """
    if n_objectives == 1 and type(returned) is float and not math.isnan(returned):
        return [returned], None  # the common case, spared the general checks
    if isinstance(returned, (str, bytes)) or returned is None:
        candidates: list[Any] = [returned]
    elif isinstance(returned, Sequence) or (hasattr(returned, "__array__") and _ndim(returned)):
        candidates = list(returned)
    else:
        candidates = [returned]
    if len(candidates) != n_objectives:
        return None, (
            f"it returned {len(candidates)} value(s) ({returned!r}) but the study has "
            f"{n_objectives} objective(s); return one number per direction"
        )
    values = []
    for candidate in candidates:
        if isinstance(candidate, (str, bytes, bool)) or candidate is None:
            return None, (
                f"it returned {candidate!r} ({type(candidate).__name__}); the objective must "
                "return a number"
            )
        try:
            value = float(candidate)
        except (TypeError, ValueError):
            return None, (
                f"it returned {candidate!r} ({type(candidate).__name__}), which is not a number"
            )
        if math.isnan(value):
            return None, "it returned NaN; return a number, or raise TrialPruned to stop"
        values.append(value)
    return values, None


def _ndim(value: Any) -> int:
    return int(getattr(value, "ndim", 1))


class FinishedTrialTellError(UpdateFinishedTrialError, ValueError):
    """Telling a trial that has already finished.

    A ``ValueError``, as Optuna raises, and an
    :class:`~parzen.exceptions.UpdateFinishedTrialError`, so either ``except`` clause works.
    """


def tell(
    study: Study,
    trial: Trial | int,
    values: float | Sequence[float] | None,
    state: TrialState | None,
    skip_if_finished: bool,
) -> tuple[FrozenTrial, str | None]:
    """Store the outcome of a trial; return the stored trial and a failure reason, if any.

    With ``state=None`` (what an objective's return value gets), values that cannot be
    stored (None, NaN, a string, the wrong count) make the trial FAIL, so that one bad trial
    never stops a study. With ``state=COMPLETE`` given explicitly they raise ``ValueError``
    and the trial stays RUNNING, as in Optuna.
    """
    storage = study._storage
    trial_id, trial_number = _resolve_trial(study, trial)
    # A Trial's own copy is current (this process is its only writer) and saves a read; it
    # is the Trial's private copy, not the storage's, so the sampler may be handed it as is.
    frozen = (
        trial._cached_frozen_trial if isinstance(trial, Trial) else storage.get_trial(trial_id)
    )

    if frozen.state.is_finished():
        if skip_if_finished:
            _logger.info(f"Trial {trial_number} has already finished ({frozen.state.name}).")
            return storage.get_trial(trial_id), None
        raise FinishedTrialTellError(
            f"Trial {trial_number} has already finished ({frozen.state.name}); a finished "
            "trial cannot be told again. Pass skip_if_finished=True to ignore such calls."
        )
    if frozen.state != TrialState.RUNNING:
        raise ValueError(
            f"Trial {trial_number} is {frozen.state.name}; only RUNNING trials can be told. "
            "Get a running trial from Study.ask()."
        )
    if state not in (None, TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL):
        raise ValueError(f"state must be COMPLETE, PRUNED or FAIL, got {state!r}.")
    if state in (TrialState.PRUNED, TrialState.FAIL) and values is not None:
        raise ValueError(
            f"Values cannot be told with state={state.name}: only COMPLETE trials have "
            "objective values. Drop values=, or use state=TrialState.COMPLETE."
        )

    failure: str | None = None
    final_values: list[float] | None = None
    if state is None or state == TrialState.COMPLETE:
        final_values, failure = check_values(values, len(study._directions))
        if failure is not None and state == TrialState.COMPLETE:
            raise ValueError(
                f"Cannot tell trial {trial_number} COMPLETE: {failure}. The trial is still "
                "RUNNING; tell it again with valid values, or with state=TrialState.FAIL."
            )
        state = TrialState.COMPLETE if failure is None else TrialState.FAIL
    elif state == TrialState.PRUNED and frozen.last_step is not None:
        last = frozen.intermediate_values[frozen.last_step]
        if not math.isnan(last):
            final_values = [last]

    try:
        if failure is not None:
            reason = f"The objective failed: {failure}."
            storage.set_trial_system_attr(trial_id, FAIL_REASON_KEY, reason)
        try:
            study.sampler.after_trial(study._sampler_view(frozen), frozen, state, final_values)
        finally:
            storage.set_trial_state_values(trial_id, state, final_values)
    except UpdateFinishedTrialError as e:
        # Another worker finished it meanwhile, e.g. heartbeats failed it as stale.
        if not skip_if_finished:
            raise FinishedTrialTellError(
                f"Trial {trial_number} has already finished; a finished trial cannot be told "
                "again. Pass skip_if_finished=True to ignore such calls."
            ) from e
        return storage.get_trial(trial_id), None
    if isinstance(trial, Trial):
        # The trial's own copy must not claim RUNNING any more: a second tell of this
        # object is then refused before the sampler hears of it again.
        trial._cached_frozen_trial.state = state
    return storage.get_trial(trial_id), failure


def _resolve_trial(study: Study, trial: Trial | int) -> tuple[int, int]:
    if isinstance(trial, Trial):
        if trial.study._study_id != study._study_id or trial.study._storage is not study._storage:
            raise ValueError(
                f"Trial {trial.number} belongs to another study; tell it to the study that "
                "asked for it."
            )
        return trial._trial_id, trial.number
    if isinstance(trial, int) and not isinstance(trial, bool):
        try:
            trial_id = study._storage.get_trial_id_from_study_id_trial_number(
                study._study_id, trial
            )
        except KeyError as e:
            raise ValueError(f"Cannot tell trial number {trial}: {e.args[0]}") from None
        return trial_id, trial
    raise TypeError(
        f"tell() expects a Trial or a trial number, got {trial!r} ({type(trial).__name__})."
    )
