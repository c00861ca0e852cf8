"""Pruning handler for PyTorch Ignite: report an evaluator's metric after each epoch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parzen.integrations._common import (
    Reporter,
    missing_framework_error,
    require_version,
    unknown_name_message,
)

if TYPE_CHECKING:
    from ignite.engine import Engine

    from parzen.trial import Trial

_MINIMUM_VERSION = (0, 4, 11)


class PyTorchIgnitePruningHandler:
    """Report an Ignite evaluator's metric at the trainer's epoch, and prune the trial.

    Attach it to the evaluator's ``Events.COMPLETED``. Each time the evaluator finishes,
    the handler reports ``evaluator.state.metrics[metric]`` at step ``trainer.state.epoch``
    and asks the study's pruner; when the pruner says stop, it raises
    :class:`parzen.TrialPruned`, which ends the evaluator's and the trainer's runs and the
    trial (PRUNED).

    Args:
        trial: The trial to report to.
        metric: The name of a metric attached to the evaluator, e.g. ``"accuracy"``.
        trainer: The trainer engine, whose epoch is the step reported.

    Raises:
        ImportError: pytorch-ignite>=0.4.11 is not installed (``pip install ".[ignite]"``).

    Examples:
        >>> import torch
        >>> from ignite.engine import Events, create_supervised_evaluator
        >>> from ignite.engine import create_supervised_trainer
        >>> from ignite.metrics import Loss
        >>> import parzen
        >>> from parzen.integrations import PyTorchIgnitePruningHandler
        >>> X = torch.linspace(-1, 1, 32).unsqueeze(1)
        >>> data = [(X, 2 * X)]
        >>> def objective(trial):
        ...     model = torch.nn.Linear(1, 1)
        ...     lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
        ...     optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        ...     trainer = create_supervised_trainer(model, optimizer, torch.nn.MSELoss())
        ...     evaluator = create_supervised_evaluator(
        ...         model, metrics={"mse": Loss(torch.nn.MSELoss())}
        ...     )
        ...     pruning = PyTorchIgnitePruningHandler(trial, "mse", trainer)
        ...     evaluator.add_event_handler(Events.COMPLETED, pruning)
        ...     trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run(data))
        ...     trainer.run(data, max_epochs=5)
        ...     return evaluator.state.metrics["mse"]
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=3)
        >>> len(study.trials)
        3
    """

    def __init__(self, trial: Trial, metric: str, trainer: Engine) -> None:
        try:
            import ignite
        except ImportError as e:
            raise missing_framework_error(
                type(self).__name__, "pytorch-ignite", "ignite", e
            ) from e
        require_version(
            type(self).__name__, "pytorch-ignite", "ignite", ignite.__version__, _MINIMUM_VERSION
        )
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self._metric = metric
        self._trainer = trainer

    def __call__(self, engine: Engine) -> None:
        metrics: dict[str, Any] = engine.state.metrics
        if self._metric not in metrics:
            # KeyError, as Optuna's handler raises, with the names that do exist.
            raise KeyError(
                unknown_name_message(
                    self._metric,
                    metrics,
                    what="metric",
                    where=" in the evaluator's state.metrics",
                    hint="Attach the metric to the evaluator, or monitor one of these names.",
                )
            )
        epoch = int(self._trainer.state.epoch)
        if self._reporter.report(float(metrics[self._metric]), step=epoch):
            raise self._reporter.pruned(epoch)
