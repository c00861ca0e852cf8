"""Pruning callback for fast.ai v2: report a recorded metric after each epoch."""

from __future__ import annotations

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
    from fastai.callback.core import Callback, CancelFitException

    from parzen.trial import Trial
else:
    try:
        from fastai.callback.core import Callback, CancelFitException
    except ImportError as e:
        # The class below still defines; constructing it raises an ImportError naming the extra.
        Callback = object
        CancelFitException = Exception
        _import_error = e

_MINIMUM_VERSION = (2, 8, 7)
# fastai's Recorder lists these beside the metrics, but records no value for them per epoch.
_NOT_RECORDED = frozenset({"epoch", "time"})


class FastAIV2PruningCallback(Callback):
    """Report a fast.ai metric after each epoch and prune the trial.

    After every epoch the callback reads the value that the learner's ``Recorder`` logged for
    ``monitor`` (``"valid_loss"``, ``"train_loss"`` or a metric's name, as in the table
    ``fit`` prints), reports it at the 0-based epoch, and asks the study's pruner. When the
    pruner says stop, the callback cancels the fit (fast.ai's ``CancelFitException``, so the
    other callbacks see a cancelled fit) and then raises :class:`parzen.TrialPruned` out of
    ``learn.fit``, which ends the trial PRUNED. The passes that ``lr_find``, ``get_preds`` and
    ``validate`` run are not reported.

    With ``n_jobs`` > 1, build the DataLoaders with ``num_workers=0``: fastai's default
    forks worker processes, and a process forked while another thread trains can hang.

    Args:
        trial: The trial to report to.
        monitor: The recorded quantity to report, e.g. ``"valid_loss"`` or ``"accuracy"``.

    Raises:
        ImportError: fastai>=2.8.7 is not installed (``pip install "parzen[fastai]"``).

    Examples:
        >>> import torch
        >>> from fastai.basics import DataLoaders, Learner, MSELossFlat
        >>> import parzen
        >>> from parzen.integrations import FastAIV2PruningCallback
        >>> X = torch.linspace(-1, 1, 64).unsqueeze(1)
        >>> data = list(zip(X, 2 * X))
        >>> dls = DataLoaders.from_dsets(data[:48], data[48:], bs=16, device="cpu", num_workers=0)
        >>> def objective(trial):
        ...     learn = Learner(
        ...         dls, torch.nn.Linear(1, 1), loss_func=MSELossFlat(),
        ...         cbs=[FastAIV2PruningCallback(trial, monitor="valid_loss")],
        ...     )
        ...     with learn.no_logging():
        ...         learn.fit(3, lr=trial.suggest_float("lr", 1e-3, 1e-1, log=True))
        ...     return learn.validate()[0]
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=2)
        >>> len(study.trials)
        2
    """

    # After fastai's Recorder (order 50), which logs the epoch's values, as fastai's own
    # TrackerCallback does.
    order = 60

    def __init__(self, trial: Trial, monitor: str = "valid_loss") -> None:
        if _import_error is not None:
            raise missing_framework_error(type(self).__name__, "fastai", "fastai", _import_error)
        import fastai

        require_version(
            type(self).__name__, "fastai", "fastai", fastai.__version__, _MINIMUM_VERSION
        )
        super().__init__()
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self.monitor = monitor
        self._index = 0
        self._pruned_step: int | None = None
        self._trained = False
        self._reporter.check_direction(monitor, guess_higher_is_better(monitor))

    def before_fit(self) -> None:
        """Find ``monitor`` among the recorder's columns.

        Raises:
            ValueError: the recorder records no value named ``monitor``.
        """
        self._pruned_step = None
        # lr_find and get_preds run fits of their own, which are not training epochs.
        self.run = not hasattr(self, "lr_finder") and not hasattr(self, "gather_preds")
        if not self.run:
            return
        recorded = [n for n in self.recorder.metric_names if n not in _NOT_RECORDED]
        if self.monitor not in recorded:
            raise ValueError(
                unknown_name_message(
                    self.monitor,
                    recorded,
                    what="metric",
                    where=" among the values fastai's Recorder logs each epoch",
                    hint="Pass one of them as monitor=, or add the metric to the Learner's "
                    "metrics=.",
                )
            )
        # Recorder.values rows hold the metric_names columns without the leading "epoch".
        self._index = list(self.recorder.metric_names[1:]).index(self.monitor)

    def before_epoch(self) -> None:
        """Forget the previous epoch's training phase."""
        self._trained = False

    def before_train(self) -> None:
        """Note that this epoch trains, unlike the epoch ``learn.validate()`` runs."""
        self._trained = True

    def after_epoch(self) -> None:
        """Report the epoch's value of ``monitor``; cancel the fit if the trial is pruned."""
        # learn.validate() runs the fit and epoch events too, recording the validation
        # columns only, at the last training epoch's number: nothing to report then.
        if not self._trained:
            return
        value: Any = self.recorder.values[-1][self._index]
        step = int(self.epoch)
        if self._reporter.report(float(value), step):
            self._pruned_step = step
            raise CancelFitException()

    def after_fit(self) -> None:
        """Raise :class:`parzen.TrialPruned` if this fit was cancelled for the pruner."""
        if self._pruned_step is not None:
            step, self._pruned_step = self._pruned_step, None
            raise self._reporter.pruned(step)


FastAIPruningCallback = FastAIV2PruningCallback
"""The same class as :class:`FastAIV2PruningCallback`, under Optuna's other name for it."""
