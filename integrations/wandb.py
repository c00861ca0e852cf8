"""Log a study's trials to Weights & Biases, as Optuna's ``WeightsAndBiasesCallback`` does.

W&B is reached through the module attribute ``wandb``, which imports the real package on first
use: tests and users patch ``parzen.integrations.wandb.wandb`` as they patch Optuna's.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from parzen.integrations._common import missing_framework_error, require_version
from parzen.integrations._tracking import check_metric_name, metric_names

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

_EXTRA = "wandb"
# reinit="create_new" (several runs alive in one process) arrived in 0.19.10.
_MINIMUM_VERSION = (0, 19, 10)


def _import_wandb() -> Any:
    try:
        import wandb as module
    except ImportError as e:
        raise missing_framework_error("WeightsAndBiasesCallback", "wandb", _EXTRA, e) from e
    require_version(
        "WeightsAndBiasesCallback", "wandb", _EXTRA, module.__version__, _MINIMUM_VERSION
    )
    return module


class _LazyWandb:
    """Stands for the ``wandb`` module and imports it on first attribute access."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_import_wandb(), name)

    def __repr__(self) -> str:
        return "<wandb, imported on first use>"


wandb: Any = _LazyWandb()
"""The ``wandb`` module, imported on first use; patch it to fake W&B."""


class WeightsAndBiasesCallback:
    """Log each finished trial to Weights & Biases.

    By default all trials go to one W&B run, started with ``wandb.init(**wandb_kwargs)``
    when the callback is created. After each trial the callback calls, on ``wandb.run``:

    * ``config.update({"direction": [...]})`` with the study's direction names;
    * ``log({**params, **values}, step=trial.number)``: one row per trial, holding the
      trial's parameters and its objective values under their metric names (a pruned
      trial's value is its last intermediate value; a failed trial has none).

    With ``as_multirun=True`` no run starts with the callback: every trial gets its own run,
    started with ``wandb.init(**wandb_kwargs)`` (by :meth:`track_in_wandb` before the
    objective, or by the callback after it), whose config also holds the trial's parameters,
    whose one row also holds ``trial_number``, and which the callback finishes.

    When :meth:`track_in_wandb` decorates the objective, the row is logged without a step,
    since the objective may have logged steps of its own. Call ``wandb.finish()`` between two
    studies run in one process.

    Args:
        metric_name: The objective's metric name, or one name per objective. A single name
            for a multi-objective study is suffixed ``_0``, ``_1``, ...
        wandb_kwargs: Arguments of ``wandb.init`` (``project``, ``entity``, ``mode``,
            ``dir``, ``tags``, ``config``...), used for every run the callback starts.
        as_multirun: One W&B run per trial instead of one per study.

    Raises:
        ImportError: wandb>=0.19.10 is not installed.
        TypeError: ``metric_name`` or ``wandb_kwargs`` is not what is described above.
        ValueError: ``metric_name`` is an empty list or repeats a name.

    Examples:
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
        >>> wandb.run.config["direction"]
        ['MINIMIZE']
        >>> wandb.finish()
    """

    def __init__(
        self,
        metric_name: str | Sequence[str] = "value",
        wandb_kwargs: Mapping[str, Any] | None = None,
        as_multirun: bool = False,
    ) -> None:
        if isinstance(wandb, _LazyWandb):
            _import_wandb()  # a missing or old wandb fails here, not after the first trial
        self._metric_name = check_metric_name(metric_name)
        if wandb_kwargs is not None and not isinstance(wandb_kwargs, Mapping):
            raise TypeError(
                f"wandb_kwargs must be a dict of wandb.init arguments, got "
                f"{type(wandb_kwargs).__name__}."
            )
        self._wandb_kwargs = dict(wandb_kwargs or {})
        self._as_multirun = as_multirun
        self._lock = threading.Lock()
        # trial id -> the trial's run, started by track_in_wandb (as_multirun=True)
        self._trial_runs: dict[int, Any] = {}
        # ids of the trials whose objective track_in_wandb decorates
        self._tracked: set[int] = set()
        self._warned_shared_run = False
        if not as_multirun:
            wandb.init(**self._wandb_kwargs)

    # -- the callback -------------------------------------------------------------------------

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        names = metric_names("WeightsAndBiasesCallback", self._metric_name, study)
        with self._lock:
            tracked = trial._trial_id in self._tracked
            self._tracked.discard(trial._trial_id)
            run = self._trial_runs.pop(trial._trial_id, None)
        row: dict[str, Any] = dict(trial.params)
        if trial.values is not None:
            row.update(zip(names, trial.values))
        config: dict[str, Any] = {"direction": [d.name for d in study.directions]}
        if self._as_multirun:
            row["trial_number"] = trial.number
            config.update(trial.params)
        if run is None:
            run = wandb.run
            if run is None:
                run = wandb.init(**self._wandb_kwargs)
        run.log(row, step=None if tracked else trial.number)
        run.config.update(config)
        if self._as_multirun:
            run.finish()

    # -- logging from the objective -----------------------------------------------------------

    def track_in_wandb(self) -> Callable[[Callable[[Trial], Any]], Callable[[Trial], Any]]:
        """Decorate an objective so that it can log to the trial's W&B run itself.

        Inside the decorated objective, ``wandb.log`` writes to the run the callback logs the
        trial to: the study's run, or with ``as_multirun=True`` the trial's own run, started
        with ``wandb.init(**wandb_kwargs)`` before the objective and finished by the callback
        after it.

        W&B has one ``wandb.run`` per process. With ``as_multirun=True`` and ``n_jobs > 1``,
        trials overlap and only the first of them can be ``wandb.run``: log through
        ``callback.get_run(trial)`` instead, which always returns the trial's run.

        Returns:
            A decorator for objective functions.

        Examples:
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
                # Fail before the trial runs on a metric_name that does not fit the study.
                metric_names("WeightsAndBiasesCallback", self._metric_name, trial.study)
                with self._lock:
                    self._tracked.add(trial._trial_id)
                if self._as_multirun:
                    self._start_trial_run(trial)
                return func(trial)

            return wrapper

        return decorator

    def get_run(self, trial: Trial | FrozenTrial) -> Any:
        """The W&B run that receives ``trial``'s data.

        With ``as_multirun=True``, the trial's own run while a :meth:`track_in_wandb`-decorated
        objective runs; otherwise ``wandb.run``, the study's run.

        Raises:
            RuntimeError: With ``as_multirun=True``, the trial has no run open: its objective
                is not decorated with :meth:`track_in_wandb`, or the trial has finished.
        """
        if not self._as_multirun:
            return wandb.run
        with self._lock:
            run = self._trial_runs.get(trial._trial_id)
        if run is None:
            raise RuntimeError(
                f"Trial {trial.number} has no W&B run open. With as_multirun=True a trial's run "
                "exists while its objective runs only if the objective is decorated with "
                "@callback.track_in_wandb()."
            )
        return run

    def _start_trial_run(self, trial: Trial) -> None:
        with self._lock:
            if not self._trial_runs:
                run = wandb.init(**self._wandb_kwargs)
            else:
                # W&B has one wandb.run: a trial that overlaps another gets a run aside.
                run = wandb.init(**{**self._wandb_kwargs, "reinit": "create_new"})
                if not self._warned_shared_run:
                    self._warned_shared_run = True
                    warnings.warn(
                        "Trials run in parallel with as_multirun=True: wandb.log() inside the "
                        "objective writes to wandb.run, which is one trial's run only. Log with "
                        "WeightsAndBiasesCallback.get_run(trial).log(...) instead.",
                        stacklevel=4,
                    )
            self._trial_runs[trial._trial_id] = run
