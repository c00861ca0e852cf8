"""QMCSampler: points of a Sobol' or Halton sequence, Optuna's dimensions and seeding."""

from __future__ import annotations

import decimal
import hashlib
import json
import math
import threading
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen import logging as parzen_logging
from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
    json_to_distribution,
)
from parzen.samplers._base import BaseSampler
from parzen.samplers._random import RandomSampler
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

_logger = parzen_logging.get_logger(__name__)

# Study system attributes shared by all workers: the search space (from the study's first
# trial with parameters), and per sequence the index of the last point taken.
_SEARCH_SPACE_KEY = "qmc:search_space"
_SAMPLE_ID_KEY_PREFIX = "qmc:sample_id:"
_SPACE_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
_QMC_TYPES = ("sobol", "halton")


class QMCSampler(BaseSampler):
    """Samples from a low-discrepancy (quasi-Monte Carlo) sequence: Sobol' or Halton.

    QMC sequences cover the search space more evenly than independent random draws, which
    makes them a good choice for the first, exploratory trials (Bergstra and Bengio, *Random
    search for hyper-parameter optimization*, JMLR 2012). The sequences come from
    :mod:`scipy.stats.qmc`.

    As in Optuna, the search space is that of the study's first trial (by number) that has
    parameters and did not fail, running trials included; while there is none, a trial is
    sampled by ``independent_sampler`` and the next trials use its search space. Its
    parameters, in the order that trial suggested them, are the sequence's dimensions, so the
    same seed gives the same points as Optuna's ``QMCSampler``. Once set (it is stored in the
    study), the search space does not change; parameters outside it are sampled by
    ``independent_sampler``. Every kind of parameter is supported: a coordinate in ``[0, 1)``
    maps to a float (log-scaled if ``log``), to one of the ints or steps of the range, or to
    one of the choices.

    Each trial sampled from the search space takes the next point of the sequence: a counter
    stored in the study, so trials asked before any is told still get consecutive points, and
    workers sharing a storage continue one sequence (with ``scramble``, they must share
    ``seed``). As in Optuna, the counter is read and written without a cross-process lock:
    two processes that sample at the same instant may take the same point.

    Args:
        qmc_type: ``"sobol"`` (default) or ``"halton"``. Sobol' points are best balanced in
            runs of a power of two (``n_trials=2**m``).
        scramble: randomize the sequence (Owen scrambling), keeping its low discrepancy.
        seed: the seed of the scrambling and of the default ``independent_sampler``. Without
            one, a random seed is drawn; with ``scramble`` every worker must get the same seed.
        independent_sampler: samples the first trial and the parameters outside the search
            space. Default: :class:`~parzen.samplers.RandomSampler` with ``seed``.
        warn_asynchronous_seeding: log a warning when ``scramble`` is on without a ``seed``
            (workers would then draw from different sequences).
        warn_independent_sampling: log a warning when a parameter outside the search space is
            sampled by ``independent_sampler``.

    Raises:
        ValueError: ``qmc_type`` is not ``"sobol"`` or ``"halton"``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     y = trial.suggest_int("y", -1, 1)
        ...     return x**2 + y
        >>> sampler = parzen.samplers.QMCSampler(qmc_type="sobol", seed=0)
        >>> study = parzen.create_study(sampler=sampler)
        >>> study.optimize(objective, n_trials=8)
        >>> [t.params["x"] for t in study.trials[1:4]]  # points 0, 1, 2 of Sobol's sequence
        [-1.0, 0.0, 0.5]
    """

    def __init__(
        self,
        *,
        qmc_type: str = "sobol",
        scramble: bool = False,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        warn_asynchronous_seeding: bool = True,
        warn_independent_sampling: bool = True,
    ) -> None:
        if qmc_type not in _QMC_TYPES:
            raise ValueError(
                f"QMCSampler: qmc_type must be one of {list(_QMC_TYPES)!r}, got {qmc_type!r}. "
                'Use qmc_type="sobol" (the default) or qmc_type="halton".'
            )
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                "QMCSampler: independent_sampler must be a sampler (a BaseSampler) or None, got "
                f"{independent_sampler!r} ({type(independent_sampler).__name__})."
            )
        if seed is None:
            if scramble and warn_asynchronous_seeding:
                _logger.warning(
                    "No seed is given to QMCSampler, so its scrambling is seeded at random. "
                    "Parallel or distributed workers must share one seed to draw from one QMC "
                    "sequence: pass seed=... to every QMCSampler."
                )
            seed = int(np.random.SeedSequence().generate_state(1)[0] % (2**31))
        self._qmc_type = qmc_type
        self._scramble = bool(scramble)
        self._seed = int(seed)
        self._independent_sampler = independent_sampler or RandomSampler(seed=self._seed)
        self._warn_independent_sampling = bool(warn_independent_sampling)
        self._lock = threading.Lock()
        self._spaces: dict[Hashable, dict[str, BaseDistribution]] = {}
        self._engine: Any = None

    def __repr__(self) -> str:
        return (
            f"QMCSampler(qmc_type={self._qmc_type!r}, scramble={self._scramble!r}, "
            f"seed={self._seed!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_engine"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        # The QMC seed stays: every worker must draw from the same sequence.
        self._independent_sampler.reseed_rng()

    def _search_space(self, study: Study) -> dict[str, BaseDistribution] | None:
        """The study's QMC search space, in the order its first trial suggested the parameters
        (the sequence's dimensions, as in Optuna), or None while no trial has parameters."""
        key = study.cache_key
        cached = self._spaces.get(key)
        if cached is not None:
            return cached
        stored = study.system_attrs.get(_SEARCH_SPACE_KEY)
        if not isinstance(stored, dict) or not isinstance(stored.get("params"), list):
            # As Optuna: the first trial (by number) with parameters, unless it FAILed.
            first = next(
                (
                    t
                    for t in study.get_trials(deepcopy=False, states=_SPACE_STATES)
                    if t.distributions
                ),
                None,
            )
            if first is None:
                return None
            study.set_system_attr(
                _SEARCH_SPACE_KEY,
                {
                    "params": [
                        [name, distribution_to_json(distribution)]
                        for name, distribution in first.distributions.items()
                        if not distribution.single()
                    ]
                },
            )
            # Read back: if workers raced to store a search space, all adopt the last one.
            stored = study.system_attrs[_SEARCH_SPACE_KEY]
        space = {name: json_to_distribution(encoded) for name, encoded in stored["params"]}
        self._spaces[key] = space
        return space

    def _next_sample_id(self, study: Study, search_space: dict[str, BaseDistribution]) -> int:
        """The index of the next point: a counter in the study, one step per relative sample,
        so that trials asked before any is told still take consecutive points (as Optuna)."""
        signature = json.dumps(
            [self._qmc_type, self._scramble, self._seed]
            + [[name, distribution_to_json(d)] for name, d in search_space.items()]
        )
        key = _SAMPLE_ID_KEY_PREFIX + hashlib.sha256(signature.encode()).hexdigest()
        last = study.system_attrs.get(key)
        sample_id = last + 1 if isinstance(last, int) and not isinstance(last, bool) else 0
        study.set_system_attr(key, sample_id)
        return sample_id

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        with self._lock:
            found = self._search_space(study)
        return {} if found is None else dict(found)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        with self._lock:
            point = self._point(len(search_space), self._next_sample_id(study, search_space))
        return {
            name: _from_unit(float(u), distribution)
            for (name, distribution), u in zip(search_space.items(), point)
        }

    def _point(self, dimension: int, sample_id: int) -> np.ndarray:
        from scipy.stats import qmc

        engine = self._engine
        if engine is None or engine.d != dimension:
            engine_class = qmc.Sobol if self._qmc_type == "sobol" else qmc.Halton
            try:
                # ``seed=`` (not SciPy 1.15's ``rng=``, which seeds another generator) gives
                # the scrambling Optuna's QMCSampler uses: the same seed, the same points.
                engine = engine_class(dimension, scramble=self._scramble, seed=self._seed)
            except TypeError:  # a SciPy that no longer accepts ``seed``
                engine = engine_class(dimension, scramble=self._scramble, rng=self._seed)
            self._engine = engine
        if engine.num_generated > sample_id:
            engine.reset()
        if engine.num_generated < sample_id:
            engine.fast_forward(sample_id - engine.num_generated)
        point: np.ndarray = engine.random(1)[0]
        return point

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        found = self._spaces.get(study.cache_key)
        if self._warn_independent_sampling and found is not None:
            _logger.warning(
                f"QMCSampler: parameter {param_name!r} of trial {trial.number} is outside the "
                "search space of the study's first trial, so "
                f"{type(self._independent_sampler).__name__} samples it instead (optimization "
                "may suffer). Pass warn_independent_sampling=False to QMCSampler if this is "
                "intended."
            )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._independent_sampler.after_trial(study, trial, state, values)


def _from_unit(u: float, distribution: BaseDistribution) -> Any:
    """Map a coordinate in ``[0, 1)`` to a value of ``distribution``, uniformly."""
    if isinstance(distribution, CategoricalDistribution):
        n = len(distribution.choices)
        return distribution.choices[min(int(u * n), n - 1)]
    if isinstance(distribution, IntDistribution):
        if distribution.log:
            low = math.log(distribution.low - 0.5)
            high = math.log(distribution.high + 0.5)
            value = int(round(math.exp(low + u * (high - low))))
            return min(max(value, distribution.low), distribution.high)
        n = (distribution.high - distribution.low) // distribution.step + 1
        return distribution.low + min(int(u * n), n - 1) * distribution.step
    assert isinstance(distribution, FloatDistribution)
    if distribution.log:
        low, high = math.log(distribution.low), math.log(distribution.high)
        return min(max(math.exp(low + u * (high - low)), distribution.low), distribution.high)
    if distribution.step is not None:
        step = decimal.Decimal(str(distribution.step))
        low_d = decimal.Decimal(str(distribution.low))
        n = int((decimal.Decimal(str(distribution.high)) - low_d) / step) + 1
        on_grid = float(low_d + min(int(u * n), n - 1) * step)
        return min(on_grid, distribution.high)
    value = distribution.low + u * (distribution.high - distribution.low)
    return min(max(value, distribution.low), distribution.high)
