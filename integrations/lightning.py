"""Pruning callback for Lightning 2 (``import lightning.pytorch as pl``), DDP included."""

from __future__ import annotations

import copy
import os
import warnings
from typing import TYPE_CHECKING, Any

from parzen.integrations._common import (
    Reporter,
    guess_higher_is_better,
    missing_framework_error,
    require_version,
    unknown_name_message,
)

_import_error: ImportError | None = None
if TYPE_CHECKING:
    import lightning
    from lightning.pytorch import LightningModule, Trainer
    from lightning.pytorch.callbacks import Callback
    from lightning.pytorch.trainer.states import TrainerFn

    from parzen.trial import Trial
else:
    try:
        import lightning
        from lightning.pytorch.callbacks import Callback
        from lightning.pytorch.trainer.states import TrainerFn
    except ImportError as e:
        # The class below still defines; constructing it raises an ImportError naming the extra.
        Callback = object
        _import_error = e

_MINIMUM_VERSION = (2, 0)
# Written by rank 0 into the trial's system attributes when it prunes a multi-process run, so
# that the process that called fit() learns it (it may not be a rank itself, as under
# ddp_spawn). The value is the pruned epoch.
PRUNED_KEY = "parzen.integrations.lightning:pruned_epoch"


class PyTorchLightningPruningCallback(Callback):
    """Report a Lightning metric after each validation and prune the trial.

    The value reported is ``trainer.callback_metrics[monitor]`` when a validation run of
    ``trainer.fit`` ends (the sanity check is skipped), at the 0-based epoch as step; when
    several validations run per epoch (``val_check_interval`` < 1), the epoch's first is
    reported. A ``monitor`` missing from the metrics warns and training goes on, as with
    Optuna's callback; ``trainer.validate`` and ``trainer.test`` runs warn and report nothing.

    In a single process, the callback raises :class:`parzen.TrialPruned` out of
    ``trainer.fit`` when the pruner asks to stop. With several processes (``strategy="ddp"``,
    ``"ddp_spawn"``, ...), rank 0 reports and asks the pruner, every rank learns the decision
    through ``trainer.strategy.broadcast`` and stops (``trainer.should_stop``), ``fit``
    returns, and :meth:`check_pruned`, called after ``fit``, raises ``TrialPruned``. Call it
    after ``fit`` in every case; it does nothing if the trial was not pruned. A multi-process
    run needs a storage that every process reaches (an RDB URL or a journal file), and the
    monitored metric should be logged with ``sync_dist=True`` so that rank 0's value is the
    mean over ranks.

    Args:
        trial: The trial to report to.
        monitor: The logged metric, e.g. ``"val_loss"`` (what ``self.log`` named it).

    Raises:
        ImportError: ``lightning>=2.0`` is not installed.

    Examples:
        >>> import lightning.pytorch as pl
        >>> import parzen
        >>> import torch
        >>> from parzen.integrations import PyTorchLightningPruningCallback
        >>> class Regression(pl.LightningModule):
        ...     def __init__(self, lr):
        ...         super().__init__()
        ...         self.layer, self.lr = torch.nn.Linear(4, 1), lr
        ...     def training_step(self, batch, batch_idx):
        ...         x, y = batch
        ...         return torch.nn.functional.mse_loss(self.layer(x), y)
        ...     def validation_step(self, batch, batch_idx):
        ...         x, y = batch
        ...         self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))
        ...     def configure_optimizers(self):
        ...         return torch.optim.SGD(self.parameters(), lr=self.lr)
        >>> x = torch.randn(64, 4)
        >>> data = torch.utils.data.TensorDataset(x, x.sum(dim=1, keepdim=True))
        >>> loader = torch.utils.data.DataLoader(data, batch_size=16)
        >>> def objective(trial):
        ...     pruning = PyTorchLightningPruningCallback(trial, monitor="val_loss")
        ...     trainer = pl.Trainer(
        ...         max_epochs=3, callbacks=[pruning], accelerator="cpu", logger=False,
        ...         enable_checkpointing=False, enable_progress_bar=False,
        ...         enable_model_summary=False,
        ...     )
        ...     trainer.fit(Regression(trial.suggest_float("lr", 1e-3, 1e-1)), loader, loader)
        ...     pruning.check_pruned()
        ...     return trainer.callback_metrics["val_loss"].item()
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=2)
    """

    def __init__(self, trial: Trial, monitor: str) -> None:
        if _import_error is not None:
            raise missing_framework_error(
                type(self).__name__, "lightning", "lightning", _import_error
            )
        require_version(
            type(self).__name__, "lightning", "lightning", lightning.__version__, _MINIMUM_VERSION
        )
        super().__init__()
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self._monitor = monitor
        # A process other than the one that built the callback (a spawned rank) cannot raise
        # TrialPruned to the caller of fit(), so it stops training and leaves a mark instead.
        self._creator_pid = os.getpid()
        self._pruned_epoch: int | None = None
        self._last_reported_epoch: int | None = None
        self._reporter.check_direction(monitor, guess_higher_is_better(monitor))

    def __getstate__(self) -> dict[str, Any]:
        # Strategies that spawn processes pickle the trainer with its callbacks; an in-memory
        # study cannot follow, and would fail with an obscure error about a lock.
        if _is_in_memory(self._reporter.trial):
            raise ValueError(self._in_memory_message("a strategy that spawns processes"))
        return self.__dict__.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> PyTorchLightningPruningCallback:
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return clone

    def _in_memory_message(self, strategy: str) -> str:
        return (
            f"{type(self).__name__} under {strategy} needs a storage that every process "
            "shares, but the study keeps its trials in memory. Create the study with a "
            "storage, e.g. parzen.create_study(storage='sqlite:///study.db')."
        )

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        """Reject a multi-process run over a storage that the other processes cannot reach.

        Raises:
            ValueError: ``trainer.world_size > 1`` with an in-memory storage.
        """
        self._pruned_epoch = None
        self._last_reported_epoch = None
        if trainer.world_size > 1 and _is_in_memory(self._reporter.trial):
            raise ValueError(self._in_memory_message(f"{trainer.world_size} processes"))

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Report the monitored metric and stop training if the pruner asks to.

        Raises:
            parzen.TrialPruned: the pruner asks to stop, in a single-process run.
            RuntimeError: under several processes, on every rank, when rank 0 failed to
                report (the message quotes rank 0's error).
        """
        if trainer.sanity_checking:
            return
        if trainer.state.fn != TrainerFn.FITTING:
            # Optuna's callback would report this value as one more step of the trial.
            stage = getattr(trainer.state.fn, "value", "validation")
            warnings.warn(
                f"{type(self).__name__} reports only the validations of Trainer.fit; this "
                f"{stage} run's {self._monitor!r} is not reported to trial "
                f"{self._reporter.trial.number}.",
                UserWarning,
                stacklevel=2,
            )
            return
        epoch = int(trainer.current_epoch)
        if epoch == self._last_reported_epoch:
            return
        self._last_reported_epoch = epoch
        if trainer.world_size == 1 and os.getpid() == self._creator_pid:
            if self._report(trainer, epoch):
                self._pruned_epoch = epoch
                raise self._reporter.pruned(epoch)
            return

        # Only rank 0 talks to the storage; every rank must then call broadcast, so rank 0
        # sends its failure too, and every rank raises it rather than waiting forever.
        decision: tuple[bool, str | None] = (False, None)
        if trainer.is_global_zero:
            try:
                prune = self._report(trainer, epoch)
                if prune:
                    self._reporter.trial.set_system_attr(PRUNED_KEY, epoch)
                decision = (prune, None)
            except Exception as e:
                decision = (False, f"{type(e).__name__}: {e}")
        prune, error = trainer.strategy.broadcast(decision, src=0)
        if error is not None:
            raise RuntimeError(f"{type(self).__name__} failed on rank 0: {error}")
        if prune:
            self._pruned_epoch = epoch
            trainer.should_stop = True

    def check_pruned(self) -> None:
        """Raise :class:`parzen.TrialPruned` if the pruner stopped the last ``fit``.

        Raises:
            parzen.TrialPruned: training was stopped by the pruner.
        """
        epoch = self._pruned_epoch
        if epoch is None:
            epoch = _stored_pruned_epoch(self._reporter.trial)
        if epoch is not None:
            raise self._reporter.pruned(epoch)

    def _report(self, trainer: Trainer, epoch: int) -> bool:
        metrics = trainer.callback_metrics
        if self._monitor not in metrics:
            # As Optuna's callback: warn, and train on unpruned.
            warnings.warn(
                unknown_name_message(
                    self._monitor,
                    metrics,
                    what="metric",
                    where=" in trainer.callback_metrics, so the trial is not pruned",
                    hint=(
                        "Pass one of them as monitor=, or log it with self.log() in "
                        "validation_step."
                    ),
                ),
                UserWarning,
                stacklevel=3,
            )
            return False
        return self._reporter.report(float(metrics[self._monitor]), epoch)


def _is_in_memory(trial: Any) -> bool:
    storage = getattr(trial, "storage", None)
    if storage is None:
        return False
    from parzen.storages import InMemoryStorage

    return isinstance(storage, InMemoryStorage)


def _stored_pruned_epoch(trial: Any) -> int | None:
    """The epoch at which another process pruned the trial, read from the storage."""
    storage = getattr(trial, "storage", None)
    trial_id = getattr(trial, "_trial_id", None)
    if storage is None or trial_id is None:
        return None
    epoch = storage.get_trial(trial_id).system_attrs.get(PRUNED_KEY)
    return None if epoch is None else int(epoch)
