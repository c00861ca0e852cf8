"""The Tree-structured Parzen Estimator sampler (TPE, MOTPE, constrained and parallel)."""

from parzen.samplers._tpe._sampler import (
    TPESampler,
    default_gamma,
    default_weights,
    hyperopt_default_gamma,
)

__all__ = ["TPESampler", "default_gamma", "default_weights", "hyperopt_default_gamma"]
