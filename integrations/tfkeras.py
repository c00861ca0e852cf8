"""Pruning callback for the legacy ``tf_keras`` package (Keras 2 on TensorFlow).

TensorFlow >= 2.16 ships Keras 3 as ``tf.keras``; tune those models with
:class:`parzen.integrations.KerasPruningCallback`. This module is for models built with the
``tf_keras`` package, which keeps Keras 2 alive beside TensorFlow (``import tf_keras``, or
``tf.keras`` under ``TF_USE_LEGACY_KERAS=1``).
"""

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
    from tf_keras.callbacks import Callback

    from parzen.trial import Trial
else:
    try:
        from tf_keras.callbacks import Callback
    except ImportError as e:
        # The class below still defines; constructing it raises an ImportError naming the extra.
        Callback = object
        _import_error = e

_MINIMUM_VERSION = (2, 16)
_INSTALL_NOTE = (
    "tf-keras must match TensorFlow's minor version; beside tensorflow-cpu install it with "
    'pip install --no-deps "tf-keras==<TensorFlow version>" (its own requirement names the '
    "'tensorflow' package, not 'tensorflow-cpu'). For Keras 3 models (tf.keras in TensorFlow "
    ">= 2.16) use KerasPruningCallback instead."
)


class TFKerasPruningCallback(Callback):
    """Report a ``tf_keras`` metric at the end of each epoch and prune the trial.

    The value reported is ``logs[monitor]`` from ``Callback.on_epoch_end``, at the 0-based
    epoch as step. When the pruner asks to stop, the callback raises
    :class:`parzen.TrialPruned` out of ``model.fit``. A ``monitor`` missing from the epoch's
    logs warns and training goes on unpruned, as with Optuna's callback.

    Args:
        trial: The trial to report to.
        monitor: The logged quantity, e.g. ``"val_loss"`` or ``"val_accuracy"``.

    Raises:
        ImportError: tf-keras>=2.16 is not installed (``pip install "parzen[tensorflow]"``,
            then tf-keras at TensorFlow's version).

    Examples:
        >>> import numpy as np
        >>> import tf_keras
        >>> import parzen
        >>> from parzen.integrations import TFKerasPruningCallback
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(64, 4)).astype("float32")
        >>> y = X @ np.array([1.0, -2.0, 0.5, 0.0], dtype="float32")
        >>> def objective(trial):
        ...     model = tf_keras.Sequential([tf_keras.layers.Dense(1, input_shape=(4,))])
        ...     lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
        ...     model.compile(tf_keras.optimizers.SGD(lr), "mse")
        ...     history = model.fit(
        ...         X, y, validation_split=0.25, epochs=3, verbose=0,
        ...         callbacks=[TFKerasPruningCallback(trial, "val_loss")],
        ...     )
        ...     return history.history["val_loss"][-1]
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=2)
        >>> len(study.trials)
        2
    """

    def __init__(self, trial: Trial, monitor: str) -> None:
        if _import_error is not None:
            raise missing_framework_error(
                type(self).__name__, "tf-keras", "tensorflow", _import_error, note=_INSTALL_NOTE
            )
        import tf_keras

        require_version(
            type(self).__name__, "tf-keras", "tensorflow", tf_keras.__version__, _MINIMUM_VERSION
        )
        super().__init__()
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self._monitor = monitor
        self._reporter.check_direction(monitor, guess_higher_is_better(monitor))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Report ``logs[monitor]`` at ``epoch``; raise if the trial is pruned.

        Raises:
            parzen.TrialPruned: the pruner asks to stop.
        """
        logs = logs or {}
        if self._monitor not in logs:
            warnings.warn(
                unknown_name_message(
                    self._monitor,
                    logs,
                    what="metric",
                    where=" in the epoch's tf_keras logs, so the trial is not pruned",
                    hint=(
                        "Pass one of them as monitor=; 'val_' names need validation_data= or "
                        "validation_split= in fit()."
                    ),
                ),
                UserWarning,
                stacklevel=2,
            )
            return
        step = int(epoch)
        if self._reporter.report(float(logs[self._monitor]), step):
            raise self._reporter.pruned(step)
