"""Pruning callback for Keras 3 (any backend: torch, JAX or TensorFlow)."""

from __future__ import annotations

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
    import keras
    from keras.callbacks import Callback

    from parzen.trial import Trial
else:
    try:
        import keras
        from keras.callbacks import Callback
    except ImportError as e:
        # The class below still defines; constructing it raises an ImportError naming the extra.
        Callback = object
        _import_error = e

_MINIMUM_VERSION = (3, 0)
_BACKEND_NOTE = (
    "Keras also needs a backend: install torch, jax or tensorflow and set the KERAS_BACKEND "
    "environment variable to its name before importing keras."
)


class KerasPruningCallback(Callback):
    """Report a Keras metric at the end of each epoch and prune the trial.

    The value reported is ``logs[monitor]`` from ``Callback.on_epoch_end``, at the 0-based
    epoch as step. When the pruner asks to stop, the callback raises
    :class:`parzen.TrialPruned` out of ``model.fit``. Needs Keras 3 (``tf.keras`` of Keras 2 is
    not supported).

    Args:
        trial: The trial to report to.
        monitor: The logged quantity, e.g. ``"val_loss"`` or ``"val_accuracy"``.
        interval: Report every ``interval``-th epoch only.

    Raises:
        ImportError: Keras>=3 is not installed, or has no usable backend.
        ValueError: ``interval`` is not a positive int.

    Examples:
        >>> import os
        >>> os.environ.setdefault("KERAS_BACKEND", "torch")
        'torch'
        >>> import keras
        >>> import numpy as np
        >>> import parzen
        >>> from parzen.integrations import KerasPruningCallback
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(64, 4)).astype("float32")
        >>> y = X @ np.array([1.0, -2.0, 0.5, 0.0], dtype="float32")
        >>> def objective(trial):
        ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        ...     model.compile(keras.optimizers.SGD(trial.suggest_float("lr", 1e-3, 1e-1)), "mse")
        ...     history = model.fit(
        ...         X, y, validation_split=0.25, epochs=3, verbose=0,
        ...         callbacks=[KerasPruningCallback(trial, "val_loss")],
        ...     )
        ...     return history.history["val_loss"][-1]
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=2)
    """

    def __init__(self, trial: Trial, monitor: str, interval: int = 1) -> None:
        if _import_error is not None:
            raise missing_framework_error(
                type(self).__name__, "keras", "keras", _import_error, note=_BACKEND_NOTE
            )
        require_version(type(self).__name__, "keras", "keras", keras.__version__, _MINIMUM_VERSION)
        if isinstance(interval, bool) or not isinstance(interval, int):
            raise ValueError(f"interval must be a positive int, got {interval!r}.")
        if interval < 1:
            raise ValueError(f"interval must be >= 1, got {interval}.")
        super().__init__()
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self._monitor = monitor
        self._interval = interval
        self._reporter.check_direction(monitor, guess_higher_is_better(monitor))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Report ``logs[monitor]`` at ``epoch``; raise if the trial is pruned.

        A ``monitor`` that Keras did not log this epoch (a misspelled name, or a ``val_``
        metric without validation data) warns, naming the metrics that exist, and training
        goes on unpruned, as with Optuna's callback.

        Raises:
            parzen.TrialPruned: the pruner asks to stop.
        """
        if (epoch + 1) % self._interval != 0:
            return
        logs = logs or {}
        if self._monitor not in logs:
            warnings.warn(
                unknown_name_message(
                    self._monitor,
                    logs,
                    what="metric",
                    where=" in the epoch's Keras logs, so the trial is not pruned",
                    hint=(
                        "Pass one of them as monitor=; 'val_' names need validation_data= or "
                        "validation_split= in fit()."
                    ),
                ),
                UserWarning,
                stacklevel=2,
            )
            return
        value = logs[self._monitor]
        step = int(epoch)
        if self._reporter.report(float(value), step):
            raise self._reporter.pruned(step)
