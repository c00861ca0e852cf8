"""The stepwise LightGBM tuner (Optuna's ``LightGBMTuner``), on parzen's samplers.

Modules: ``_steps`` (what each step searches), ``_params`` (LightGBM aliases and the scored
metric), ``_sampling`` (the per-step view of the study), ``_base`` (the search),
``_tuner`` (``lightgbm.train``), ``_tuner_cv`` (``lightgbm.cv``), ``_persistence`` (boosters
as LightGBM text models). The public names are re-exported by
:mod:`parzen.integrations.lightgbm`.
"""

from parzen.integrations._lightgbm_tuner._tuner import LightGBMTuner, train
from parzen.integrations._lightgbm_tuner._tuner_cv import LightGBMTunerCV

__all__ = ["LightGBMTuner", "LightGBMTunerCV", "train"]
