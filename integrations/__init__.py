"""Adapters for other libraries: pruning callbacks, search estimators, trackers, Dask.

Each pruning callback reports a framework's metric to a trial at every training step and
stops training when the study's pruner says so. Importing this package imports no
framework: an adapter's module, and its framework, load on first access to the adapter's
name.

Pruning callbacks, and the extra that installs each one's framework:

- ``LightGBMPruningCallback``: LightGBM >= 3.3, ``pip install "parzen[lightgbm]"``
- ``XGBoostPruningCallback``: XGBoost >= 1.7, ``pip install "parzen[xgboost]"``
- ``CatBoostPruningCallback``: CatBoost >= 1.2, ``pip install "parzen[catboost]"``
- ``PyTorchLightningPruningCallback``: Lightning >= 2.0 (``import lightning.pytorch``),
  ``pip install "parzen[lightning]"``
- ``KerasPruningCallback``: Keras >= 3 on any backend, ``pip install "parzen[keras]"``
- ``PyTorchIgnitePruningHandler``: pytorch-ignite >= 0.4.11, ``pip install "parzen[ignite]"``
- ``FastAIV2PruningCallback`` (alias ``FastAIPruningCallback``): fastai >= 2.8.7,
  ``pip install "parzen[fastai]"``
- ``TFKerasPruningCallback``: the legacy ``tf_keras`` (Keras 2) package, tf-keras >= 2.16,
  ``pip install "parzen[tensorflow]"`` and tf-keras at TensorFlow's version

Other adapters:

- ``ParzenSearchCV`` (also ``OptunaSearchCV``): a scikit-learn search estimator,
  ``pip install "parzen[sklearn]"``
- ``ParzenParamSearch``: a skrub DataOps plan's choices searched by a study (also
  ``parzen.integrations.skrub.make_randomized_search``), skrub >= 0.7,
  ``pip install "parzen[skrub]"``
- ``MLflowCallback``: MLflow >= 2.18, ``pip install "parzen[mlflow]"``
- ``TensorBoardCallback``: TensorBoard >= 2.6, no TensorFlow, ``pip install "parzen[tensorboard]"``
- ``WeightsAndBiasesCallback``: wandb >= 0.19.10, ``pip install "parzen[wandb]"``
- ``TorchDistributedTrial``: one trial shared by the ranks of a ``torch.distributed`` job,
  ``pip install "parzen[torch]"``
- ``DaskStorage``, ``optimize_on_dask``: trials on a dask.distributed cluster,
  ``pip install "parzen[dask]"``

``parzen.integration`` is an alias of this package, so code written for
``optuna.integration`` runs after ``import parzen as optuna``.

Examples:
    >>> import parzen
    >>> callback_class = parzen.integrations.LightGBMPruningCallback  # imports lightgbm now
    >>> callback_class.__module__
    'parzen.integrations.lightgbm'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parzen._lazy import lazy_exports

if TYPE_CHECKING:
    from parzen.integrations.catboost import CatBoostPruningCallback
    from parzen.integrations.dask import DaskStorage, optimize_on_dask
    from parzen.integrations.fastai import FastAIPruningCallback, FastAIV2PruningCallback
    from parzen.integrations.keras import KerasPruningCallback
    from parzen.integrations.lightgbm import LightGBMPruningCallback
    from parzen.integrations.lightning import PyTorchLightningPruningCallback
    from parzen.integrations.mlflow import MLflowCallback
    from parzen.integrations.pytorch_distributed import TorchDistributedTrial
    from parzen.integrations.pytorch_ignite import PyTorchIgnitePruningHandler
    from parzen.integrations.sklearn import ParzenSearchCV
    from parzen.integrations.skrub import ParzenParamSearch
    from parzen.integrations.tensorboard import TensorBoardCallback
    from parzen.integrations.tfkeras import TFKerasPruningCallback
    from parzen.integrations.wandb import WeightsAndBiasesCallback
    from parzen.integrations.xgboost import XGBoostPruningCallback

# Public name -> the submodule that defines it.
_MODULES = {
    "CatBoostPruningCallback": "catboost",
    "DaskStorage": "dask",
    "FastAIPruningCallback": "fastai",
    "FastAIV2PruningCallback": "fastai",
    "KerasPruningCallback": "keras",
    "LightGBMPruningCallback": "lightgbm",
    "LightGBMTuner": "lightgbm",
    "LightGBMTunerCV": "lightgbm",
    "MLflowCallback": "mlflow",
    "OptunaSearchCV": "sklearn",
    "ParzenParamSearch": "skrub",
    "ParzenSearchCV": "sklearn",
    "PyTorchIgnitePruningHandler": "pytorch_ignite",
    "PyTorchLightningPruningCallback": "lightning",
    "TFKerasPruningCallback": "tfkeras",
    "TensorBoardCallback": "tensorboard",
    "TorchDistributedTrial": "pytorch_distributed",
    "WeightsAndBiasesCallback": "wandb",
    "XGBoostPruningCallback": "xgboost",
    "optimize_on_dask": "dask",
}

__all__ = [
    "CatBoostPruningCallback",
    "DaskStorage",
    "FastAIPruningCallback",
    "FastAIV2PruningCallback",
    "KerasPruningCallback",
    "LightGBMPruningCallback",
    "LightGBMTuner",
    "LightGBMTunerCV",
    "MLflowCallback",
    "OptunaSearchCV",
    "ParzenParamSearch",
    "ParzenSearchCV",
    "PyTorchIgnitePruningHandler",
    "PyTorchLightningPruningCallback",
    "TFKerasPruningCallback",
    "TensorBoardCallback",
    "TorchDistributedTrial",
    "WeightsAndBiasesCallback",
    "XGBoostPruningCallback",
    "optimize_on_dask",
]


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f".{module}" for name, module in _MODULES.items()}
)
