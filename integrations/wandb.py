"""Log a study's trials to Weights & Biases: all in one run, or one run per trial."""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from parzen.integrations._common import missing_framework_error, require_version
from parzen.integrations._tracking import check_metric_name, metric_names
from parzen.study import StudyDirection
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

_EXTRA = "wandb"
# reinit="create_new" (several runs alive in one process) arrived in 0.19.10.
_MINIMUM_VERSION = (0, 19, 10)

INTERMEDIATE_METRIC = "intermediate_value"
"""The metric under which a trial's own run holds its intermediate values."""
INTERMEDIATE_STEP = "intermediate_step"
"""The step metric that the intermediate values are plotted against."""
TRIAL_NUMBER = "trial_number"
"""The step metric that a study run's per-trial values are plotted against."""


def _import_wandb() -> Any:
    try:
        import wandb
    except ImportError as e:
        raise missing_framework_error("WeightsAndBiasesCallback", "wandb", _EXTRA, e) from e
    require_version(
        "WeightsAndBiasesCallback", "wandb", _EXTRA, wandb.__version__, _MINIMUM_VERSION
    )
    return wandb


class WeightsAndBiasesCallback:
    """Log each finished trial to Weights & Biases.

    By default all trials go to one W&B run, the study's: each trial logs a row with its
    parameters, its objective values under their metric names, ``trial_number`` (the step the
    values are plotted against) and ``trial_state``; the run's summary keeps the best value of
    each objective (``summary["loss"]["min"]``, or ``["max"]`` for a maximized one). The
    study's run is the active W&B run (``wandb.run``) if there is one, else one started with
    ``wandb.init(**wandb_kwargs)``; finish it with ``wandb.finish()`` when the study is done.

    With ``as_multirun=True`` every trial gets its own run, named ``trial-<number>`` and
    grouped under the study's name (unless ``wandb_kwargs`` names them otherwise): its config
    holds the trial's parameters, its history the intermediate values (``intermediate_value``
    against ``intermediate_step``) and the objective values, its summary also
    ``trial_number`` and ``trial_state``; the run finishes with the trial, with exit code 1 if
    the trial failed. These runs never replace the active ``wandb.run``.

    To log from inside the objective, decorate it with :meth:`track_in_wandb`.

    Args:
        metric_name: The objective's metric name, or one name per objective. A single name
            for a multi-objective study is suffixed ``_0``, ``_1``, ...; with the default
            ``"value"``, names set with :meth:`~parzen.study.Study.set_metric_names` are used
            instead.
        wandb_kwargs: Arguments of ``wandb.init`` (``project``, ``entity``, ``mode``,
            ``dir``, ``tags``, ``config``...), used for every run the callback starts.
        as_multirun: One W&B run per trial instead of one per study.

    Raises:
        ImportError: wandb>=0.19.10 is not installed.
        TypeError: ``metric_name`` or ``wandb_kwargs`` is not what is described above.
        ValueError: ``metric_name`` is an empty list or repeats a name.

    Example:
        >>> import tempfile
        >>> import parzen
        >>> import wandb
        >>> from parzen.integrations.wandb import WeightsAndBiasesCallback
        >>> wandbc = WeightsAndBiasesCallback(
        ...     metric_name="loss",
        ...     wandb_kwargs={"project": "demo", "mode": "offline", "dir": tempfile.mkdtemp()},
        ... )
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     return (x - 2) ** 2
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=3, callbacks=[wandbc])
        >>> wandb.run.summary["loss"]["min"] == study.best_value
        True
        >>> wandb.finish()
    """

    def __init__(
        self,
        metric_name: str | Sequence[str] = "value",
        wandb_kwargs: Mapping[str, Any] | None = None,
        *,
        as_multirun: bool = False,
    ) -> None:
        self._wandb = _import_wandb()
        self._metric_name = check_metric_name(metric_name)
        if wandb_kwargs is not None and not isinstance(wandb_kwargs, Mapping):
            raise TypeError(
                f"wandb_kwargs must be a dict of wandb.init arguments, got "
                f"{type(wandb_kwargs).__name__}."
            )
        self._wandb_kwargs = dict(wandb_kwargs or {})
        self._as_multirun = as_multirun
        self._lock = threading.Lock()
        # Runs already given their metric definitions (W&B run id -> metric names).
        self._defined: dict[str, set[str]] = {}
        # trial id -> the trial's run, started by track_in_wandb before the trial finished
        self._trial_runs: dict[int, Any] = {}
        self._warned_shared_run = False

    # -- the callback -------------------------------------------------------------------------

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        metric_names = self._metric_names(study)
        if self._as_multirun:
            self._log_trial_run(study, trial, metric_names)
        else:
            self._log_to_study_run(study, trial, metric_names)

    def _log_to_study_run(self, study: Study, trial: FrozenTrial, metric_names: list[str]) -> None:
        row: dict[str, Any] = dict(trial.params)
        row[TRIAL_NUMBER] = trial.number
        row["trial_state"] = trial.state.name
        if trial.state == TrialState.COMPLETE and trial.values is not None:
            row.update(zip(metric_names, trial.values))
        with self._lock:
            run = self._study_run(study, metric_names)
            run.log(row)

    def _log_trial_run(self, study: Study, trial: FrozenTrial, metric_names: list[str]) -> None:
        with self._lock:
            run = self._trial_runs.pop(trial._trial_id, None)
        if run is None:
            run = self._init(self._trial_run_kwargs(study, trial, trial.params), new=True)
        else:
            run.config.update(trial.params, allow_val_change=True)
        self._define(run, [INTERMEDIATE_METRIC], INTERMEDIATE_STEP, study)
        for step, value in sorted(trial.intermediate_values.items()):
            run.log({INTERMEDIATE_METRIC: value, INTERMEDIATE_STEP: step})
        if trial.state == TrialState.COMPLETE and trial.values is not None:
            run.log(dict(zip(metric_names, trial.values)))
        run.summary.update({TRIAL_NUMBER: trial.number, "trial_state": trial.state.name})
        run.finish(exit_code=1 if trial.state == TrialState.FAIL else 0)

    # -- logging from the objective -----------------------------------------------------------

    def track_in_wandb(self) -> Callable[[Callable[[Trial], Any]], Callable[[Trial], Any]]:
        """Decorate an objective so that it can log to the trial's W&B run itself.

        Inside the decorated objective, ``wandb.log`` writes to the run the callback logs the
        trial to: the study's run, or with ``as_multirun=True`` the trial's own run, started
        before the objective and finished by the callback after it.

        W&B has one ``wandb.run`` per process. With ``as_multirun=True`` and ``n_jobs > 1``,
        trials overlap and only the first of them can be ``wandb.run``: log through
        ``callback.get_run(trial)`` instead, which always returns the trial's run.

        Returns:
            A decorator for objective functions.

        Example:
            >>> import tempfile
            >>> import parzen
            >>> import wandb
            >>> from parzen.integrations.wandb import WeightsAndBiasesCallback
            >>> wandbc = WeightsAndBiasesCallback(
            ...     wandb_kwargs={"mode": "offline", "dir": tempfile.mkdtemp()},
            ...     as_multirun=True,
            ... )
            >>> @wandbc.track_in_wandb()
            ... def objective(trial):
            ...     x = trial.suggest_float("x", -10, 10)
            ...     for epoch in range(3):
            ...         wandb.log({"train_loss": (x - 2) ** 2 / (epoch + 1)})
            ...     return (x - 2) ** 2
            >>> study = parzen.create_study()
            >>> study.optimize(objective, n_trials=2, callbacks=[wandbc])
        """

        def decorator(func: Callable[[Trial], Any]) -> Callable[[Trial], Any]:
            @functools.wraps(func)
            def wrapper(trial: Trial) -> Any:
                study = trial.study
                metric_names = self._metric_names(study)  # fail before the trial runs
                if self._as_multirun:
                    self._start_trial_run(study, trial)
                else:
                    with self._lock:
                        self._study_run(study, metric_names)
                return func(trial)

            return wrapper

        return decorator

    def get_run(self, trial: Trial | FrozenTrial) -> Any:
        """The W&B run that receives ``trial``'s data.

        With ``as_multirun=True``, the trial's own run while a :meth:`track_in_wandb`-decorated
        objective runs; otherwise the study's run.

        Raises:
            RuntimeError: With ``as_multirun=True``, the trial has no run open: its objective
                is not decorated with :meth:`track_in_wandb`, or the trial has finished.
        """
        if not self._as_multirun:
            with self._lock:
                return self._study_run(trial.study, self._metric_names(trial.study))
        with self._lock:
            run = self._trial_runs.get(trial._trial_id)
        if run is None:
            raise RuntimeError(
                f"Trial {trial.number} has no W&B run open. With as_multirun=True a trial's run "
                "exists while its objective runs only if the objective is decorated with "
                "@callback.track_in_wandb()."
            )
        return run

    def _start_trial_run(self, study: Study, trial: Trial) -> None:
        kwargs = self._trial_run_kwargs(study, trial, {})
        with self._lock:
            # The trial becomes wandb.run when no other run is open, so that plain wandb.log
            # works; W&B has only one, so trials that overlap it get runs of their own aside.
            if self._wandb.run is None and not self._trial_runs:
                run = self._init(kwargs, new=False)
            else:
                run = self._init(kwargs, new=True)
                if self._trial_runs and not self._warned_shared_run:
                    self._warned_shared_run = True
                    warnings.warn(
                        "Trials run in parallel with as_multirun=True: wandb.log() inside the "
                        "objective writes to wandb.run, which is one trial's run only. Log with "
                        "WeightsAndBiasesCallback.get_run(trial).log(...) instead.",
                        stacklevel=4,
                    )
            self._trial_runs[trial._trial_id] = run

    # -- W&B runs -----------------------------------------------------------------------------

    def _init(self, kwargs: dict[str, Any], *, new: bool) -> Any:
        if new:
            kwargs = {**kwargs, "reinit": "create_new"}
        return self._wandb.init(**kwargs)

    def _study_run(self, study: Study, metric_names: list[str]) -> Any:
        """The active W&B run, started if there is none. Call with the lock held."""
        run = self._wandb.run
        if run is None:
            run = self._init(self._wandb_kwargs, new=False)
        if run.id not in self._defined:
            directions = [d.name for d in study.directions]
            run.config.update(
                {"parzen_study_name": study.study_name, "parzen_directions": directions},
                allow_val_change=True,
            )
        self._define(run, metric_names, TRIAL_NUMBER, study)
        return run

    def _define(self, run: Any, names: list[str], step_metric: str, study: Study) -> None:
        defined = self._defined.setdefault(run.id, set())
        missing = [n for n in names if n not in defined]
        if not missing:
            return
        if step_metric not in defined:
            run.define_metric(step_metric)
            defined.add(step_metric)
        for name in missing:
            summary = None
            if name != INTERMEDIATE_METRIC:
                # W&B's summary keeps the best value of each objective, not the last one.
                direction = study.directions[names.index(name)]
                summary = "max" if direction == StudyDirection.MAXIMIZE else "min"
            run.define_metric(name, step_metric=step_metric, summary=summary)
            defined.add(name)

    def _trial_run_kwargs(
        self, study: Study, trial: Trial | FrozenTrial, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        kwargs = dict(self._wandb_kwargs)
        kwargs.setdefault("name", f"trial-{trial.number}")
        kwargs.setdefault("group", study.study_name)
        config = dict(kwargs.get("config") or {})
        config.update(params)
        kwargs["config"] = config
        return kwargs

    def _metric_names(self, study: Study) -> list[str]:
        return metric_names("WeightsAndBiasesCallback", self._metric_name, study)
