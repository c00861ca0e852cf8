"""CMA-ES sampler (needs the ``cmaes`` package: ``pip install "parzen[cmaes]"``)."""

from parzen.samplers._cmaes._sampler import CmaEsSampler

__all__ = ["CmaEsSampler"]
