"""CMA-ES through the ``cmaes`` package, with state kept as JSON and rebuilt by replay."""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    distribution_to_json,
    json_to_distribution,
)
from parzen.logging import get_logger
from parzen.samplers._base import BaseSampler
from parzen.samplers._feed import FinishedTrialFeed
from parzen.samplers._nsga._transform import NumericTransform
from parzen.samplers._random import RandomSampler
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

__all__ = ["CmaEsSampler"]

_logger = get_logger(__name__)

#: Trial system attributes: the run and generation a trial was sampled for, and (CMA-ES with
#: margin) the raw vector to tell, which cannot be recovered from the rounded parameters.
_GENERATION_KEY = "cma:generation"
_RUN_KEY = "cma:run"
_X_FOR_TELL_KEY = "cma:x_for_tell"
#: Study system attribute prefix of each run's settings (JSON), shared by all workers.
_RUN_CONFIG_PREFIX = "cma:run_config:"
_RESTART_STRATEGIES = ("ipop", "bipop")
# cmaes refuses coordinates this large; told values are clamped to stay finite.
_MAX_ABS_VALUE = 1e300


def _import_cmaes() -> Any:
    try:
        import cmaes
    except ImportError as e:
        raise ImportError(
            "CmaEsSampler needs the cmaes package. Install it with "
            '`pip install "parzen[cmaes]"` (or `pip install cmaes`).'
        ) from e
    return cmaes


def _space_json(space: dict[str, BaseDistribution]) -> list[list[str]]:
    return [[name, distribution_to_json(dist)] for name, dist in space.items()]


class _Run:
    """One CMA-ES run: its settings (JSON, as stored) and the live optimizer."""

    def __init__(
        self,
        index: int,
        config: dict[str, Any],
        space: dict[str, BaseDistribution],
        optimizer: Any,
        transform: NumericTransform,
    ) -> None:
        self.index = index
        self.config = config
        self.space = space
        self.optimizer = optimizer
        self.transform = transform
        self.popsize = int(config["popsize"])


class _StudyState:
    """What the sampler knows about one study; every field follows from the stored trials and
    run settings, so any worker rebuilds the same optimizer by replaying them."""

    def __init__(self) -> None:
        self.feed = FinishedTrialFeed()
        self.space: dict[str, BaseDistribution] | None = None
        self.n_usable = 0
        self.run: _Run | None = None
        # Finished trials tagged (run, generation) that have not been told yet.
        self.pending: dict[tuple[int, int], list[FrozenTrial]] = {}
        self.max_run_seen = -1
        # Evaluations told per BIPOP regime, and the number of large-population restarts.
        self.evaluations = {"large": 0, "small": 0}
        self.n_large = 0


class CmaEsSampler(BaseSampler):
    """Covariance matrix adaptation evolution strategy, with the ``cmaes`` package.

    CMA-ES samples each generation of ``popsize`` trials from a multivariate normal
    distribution and moves its mean, step size and covariance towards the best of them
    (Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772). Parameters are
    optimized in a space where each spans ``[0, 1]`` (log-scaled ones in log space); ints and
    floats with ``step`` are rounded (or, with ``with_margin``, kept from collapsing to one
    value by CMA-ES with margin). Categorical parameters, parameters that not every finished
    trial has, and the first ``n_startup_trials`` trials go to ``independent_sampler``.

    Restarts (``restart_strategy``): when a run converges (``cmaes``' stopping criteria), a
    new run starts from a uniformly random mean. ``"ipop"`` multiplies the population by
    ``inc_popsize`` each time (Auger and Hansen, CEC 2005). ``"bipop"`` alternates between
    such large populations and small ones with a smaller step size, ``popsize_small =
    floor(popsize0 * (popsize_large / (2 * popsize0)) ** (u ** 2))`` and ``sigma_small =
    sigma0 * 10 ** (-2 u)`` for ``u`` uniform in ``[0, 1]``, choosing whichever regime has
    used fewer evaluations (Hansen, GECCO BBOB workshop 2009; the first run counts as small, so
    the first restart is a large one).
    A change of the search space (a new intersection of the parameters of finished trials)
    also starts a new run, with the same population size.

    State is JSON only; nothing is pickled. Each trial records its run and generation
    (``system_attrs["cma:run"]``, ``["cma:generation"]``, and ``["cma:x_for_tell"]`` with
    margin), each run its settings (study ``system_attrs["cma:run_config:<r>"]``: search
    space, population size, initial mean and step size). The optimizer itself is not stored: a
    worker rebuilds it by telling each generation the first ``popsize`` usable trials of that
    generation, in the order the storage reports them finishing. This is deterministic, works
    across processes and machines, and costs one ``tell`` per generation, done incrementally.
    Trials of a generation that finish after it was told are ignored, as in Optuna.

    Differences from Optuna 5: ``restart_strategy`` and ``inc_popsize`` work (Optuna 5
    ignores them); the independent-sampling warning is logged once per parameter rather than
    for every trial; a search space that shrinks starts a new run instead of falling back to
    independent sampling for good.

    Args:
        x0: Initial mean as parameter values (external); missing parameters start at the
            centre of their range. Used by the first run only.
        sigma0: Initial step size in the normalized space where every parameter spans
            ``[0, 1]``; default ``1 / 6``.
        n_startup_trials: Sample with ``independent_sampler`` until this many trials have
            finished (COMPLETE, or PRUNED with ``consider_pruned_trials``).
        independent_sampler: Sampler for the parameters CMA-ES does not handle; default
            :class:`~parzen.samplers.RandomSampler` with ``seed``.
        warn_independent_sampling: Log a warning (once per parameter) when a parameter is
            sampled by ``independent_sampler`` after the startup trials.
        seed: Seed for reproducible suggestions in a single worker.
        consider_pruned_trials: Tell CMA-ES about PRUNED trials too, valued at their last
            intermediate value.
        restart_strategy: None (no restart), ``"ipop"`` or ``"bipop"``.
        popsize: Population size of the first run; default ``4 + floor(3 ln(n_params))``.
        inc_popsize: Population multiplier at each IPOP restart or BIPOP large restart; ``-1``
            for 2.
        use_separable_cma: Diagonal covariance (sep-CMA-ES; Ros and Hansen, PPSN 2008).
        with_margin: CMA-ES with margin for ints and stepped floats (Hamano et al., GECCO 2022).
        lr_adapt: Learning-rate adaptation (Nomura et al., GECCO 2023), for multimodal or noisy
            problems.
        source_trials: COMPLETE trials of a similar task: the first run starts from the
            distribution they suggest (warm-starting CMA-ES; Nomura et al., AAAI 2021).

    Raises:
        ValueError: an argument is out of range, or arguments that exclude each other are
            combined (``source_trials`` with ``x0``/``sigma0``/``use_separable_cma``;
            ``with_margin`` or ``lr_adapt`` with ``use_separable_cma``; ``lr_adapt`` with
            ``with_margin``). At sampling time: a study with several objectives (use
            :class:`~parzen.samplers.NSGAIISampler` or TPE), or ``source_trials`` none of
            which fits the search space.
        ImportError: ``cmaes`` is not installed (``pip install "parzen[cmaes]"``), raised when
            the sampler first needs it.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     y = trial.suggest_int("y", -1, 1)
        ...     return x**2 + y
        >>> sampler = parzen.samplers.CmaEsSampler(seed=0)
        >>> study = parzen.create_study(sampler=sampler)
        >>> study.optimize(objective, n_trials=20)
        >>> study.best_value < 0
        True
    """

    def __init__(
        self,
        *,
        x0: dict[str, Any] | None = None,
        sigma0: float | None = None,
        n_startup_trials: int = 1,
        independent_sampler: BaseSampler | None = None,
        warn_independent_sampling: bool = True,
        seed: int | None = None,
        consider_pruned_trials: bool = False,
        restart_strategy: str | None = None,
        popsize: int | None = None,
        inc_popsize: int = -1,
        use_separable_cma: bool = False,
        with_margin: bool = False,
        lr_adapt: bool = False,
        source_trials: list[FrozenTrial] | None = None,
    ) -> None:
        if x0 is not None and not isinstance(x0, dict):
            raise ValueError(f"x0 must be a dict of parameter values or None, got {x0!r}.")
        if sigma0 is not None and not (
            isinstance(sigma0, (int, float))
            and not isinstance(sigma0, bool)
            and math.isfinite(sigma0)
            and sigma0 > 0
        ):
            raise ValueError(f"sigma0 must be a finite number > 0 or None, got {sigma0!r}.")
        if (
            isinstance(n_startup_trials, bool)
            or not isinstance(n_startup_trials, int)
            or (n_startup_trials < 0)
        ):
            raise ValueError(f"n_startup_trials must be an int >= 0, got {n_startup_trials!r}.")
        if restart_strategy is not None and restart_strategy not in _RESTART_STRATEGIES:
            raise ValueError(
                f"restart_strategy must be None, 'ipop' or 'bipop', got {restart_strategy!r}."
            )
        if popsize is not None and (
            isinstance(popsize, bool) or not isinstance(popsize, int) or popsize < 2
        ):
            raise ValueError(
                f"popsize must be an int >= 2 or None (default 4 + floor(3 ln(n_params))), "
                f"got {popsize!r}: CMA-ES needs two solutions per generation to rank them."
            )
        if (
            isinstance(inc_popsize, bool)
            or not isinstance(inc_popsize, int)
            or (inc_popsize != -1 and inc_popsize < 1)
        ):
            raise ValueError(f"inc_popsize must be an int >= 1, or -1 for 2; got {inc_popsize!r}.")
        if source_trials is not None and (x0 is not None or sigma0 is not None):
            raise ValueError(
                "source_trials cannot be combined with x0 or sigma0: warm starting derives the "
                "initial mean and step size from the source trials. Drop one of them."
            )
        if source_trials is not None and use_separable_cma:
            raise ValueError(
                "source_trials cannot be combined with use_separable_cma=True: warm starting "
                "estimates a full covariance matrix. Drop one of them."
            )
        if with_margin and use_separable_cma:
            raise ValueError(
                "with_margin=True cannot be combined with use_separable_cma=True. Drop one."
            )
        if lr_adapt and (use_separable_cma or with_margin):
            raise ValueError(
                "lr_adapt=True cannot be combined with use_separable_cma=True or "
                "with_margin=True. Drop one of them."
            )
        self._x0 = x0
        self._sigma0 = None if sigma0 is None else float(sigma0)
        self._n_startup_trials = n_startup_trials
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._warn_independent_sampling = warn_independent_sampling
        self._seed = seed
        self._rng = np.random.RandomState(seed)
        self._consider_pruned_trials = consider_pruned_trials
        self._restart_strategy = restart_strategy
        self._popsize = popsize
        self._inc_popsize = 2 if inc_popsize == -1 else inc_popsize
        self._use_separable_cma = use_separable_cma
        self._with_margin = with_margin
        self._lr_adapt = lr_adapt
        self._source_trials = source_trials
        self._lock = threading.RLock()
        self._states: dict[Hashable, _StudyState] = {}
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return (
            f"CmaEsSampler(restart_strategy={self._restart_strategy!r}, popsize={self._popsize}, "
            f"use_separable_cma={self._use_separable_cma}, with_margin={self._with_margin}, "
            f"lr_adapt={self._lr_adapt}, seed={self._seed})"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        state["_states"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def reseed_rng(self) -> None:
        with self._lock:
            self._rng.seed()
        self._independent_sampler.reseed_rng()

    # -- hooks ------------------------------------------------------------------------------

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

    # -- BaseSampler ------------------------------------------------------------------------

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        if len(study.directions) > 1:
            raise ValueError(
                f"CmaEsSampler optimizes a single objective, and this study has "
                f"{len(study.directions)}. Use NSGAIISampler or TPESampler for several "
                "objectives."
            )
        with self._lock:
            state = self._state(study)
            return {
                name: dist
                for name, dist in sorted((state.space or {}).items())
                if not dist.single() and not isinstance(dist, CategoricalDistribution)
            }

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        with self._lock:
            state = self._state(study, sync=False)
            if state.n_usable < self._n_startup_trials:
                return {}
            self._advance(study, state)
            run = state.run
            if run is None:
                run = self._start_run(study, state, 0, search_space, "space")
            if not _same_space(run.space, search_space) and state.max_run_seen <= run.index:
                run = self._start_run(study, state, run.index + 1, search_space, "space")
            if not _covers(search_space, run.space):
                # Another worker already moved to a search space this one does not see yet.
                return {}
            optimizer = run.optimizer
            optimizer.reseed_rng(int(self._rng.randint(1, 2**31 - 1)))
            if self._with_margin:
                x, x_for_tell = optimizer.ask()
                study.set_trial_system_attr(trial, _X_FOR_TELL_KEY, [float(v) for v in x_for_tell])
            else:
                x = optimizer.ask()
            study.set_trial_system_attr(trial, _RUN_KEY, run.index)
            study.set_trial_system_attr(trial, _GENERATION_KEY, optimizer.generation)
            return run.transform.untransform(x)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling and not param_distribution.single():
            with self._lock:
                state = self._state(study, sync=False)
                warn = state.n_usable >= self._n_startup_trials and param_name not in self._warned
                if warn:
                    self._warned.add(param_name)
            if warn:
                reason = (
                    "CmaEsSampler does not handle categorical parameters"
                    if isinstance(param_distribution, CategoricalDistribution)
                    else "it is not in every finished trial with the same distribution "
                    "(a dynamic search space)"
                )
                _logger.warning(
                    f"The parameter {param_name!r} in trial {trial.number} is sampled by "
                    f"{type(self._independent_sampler).__name__}, not by CMA-ES: {reason}. "
                    "If the search space has only such parameters, CmaEsSampler behaves as "
                    "its independent sampler; TPESampler handles categorical and conditional "
                    "parameters. (Logged once per parameter; warn_independent_sampling=False "
                    "silences it.)"
                )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    # -- state ------------------------------------------------------------------------------

    def _state(self, study: Study, *, sync: bool = True) -> _StudyState:
        """The study's state; read the newly finished trials if ``sync``
        (``infer_relative_search_space`` does, so the later calls of the same trial need not
        read the storage again)."""
        state = self._states.get(study.cache_key)
        if state is None:
            state = self._states[study.cache_key] = _StudyState()
            sync = True
        if sync:
            self._sync(study, state)
        return state

    def _usable(self, trial: FrozenTrial) -> bool:
        if trial.state == TrialState.COMPLETE:
            return True
        return (
            self._consider_pruned_trials
            and trial.state == TrialState.PRUNED
            and trial.last_step is not None
        )

    def _sync(self, study: Study, state: _StudyState) -> None:
        current = (state.run.index, state.run.optimizer.generation) if state.run else None
        for trial in state.feed.poll(study):
            if not self._usable(trial):
                continue
            state.n_usable += 1
            if state.space is None:
                state.space = dict(trial.distributions)
            elif any(trial.distributions.get(n) != d for n, d in state.space.items()):
                state.space = {
                    n: d for n, d in state.space.items() if trial.distributions.get(n) == d
                }
            run = trial.system_attrs.get(_RUN_KEY)
            generation = trial.system_attrs.get(_GENERATION_KEY)
            if not (_is_index(run) and _is_index(generation)):
                continue
            if current is not None and (run, generation) < current:
                continue  # Its generation was told already.
            state.pending.setdefault((run, generation), []).append(trial)
            state.max_run_seen = max(state.max_run_seen, run)

    def _advance(self, study: Study, state: _StudyState) -> None:
        """Tell every complete generation, restarting or switching runs as the trials say."""
        while True:
            run = state.run
            if run is None:
                if state.max_run_seen < 0:
                    return
                # Trials of stored runs exist (another worker, or an earlier session): replay.
                self._start_run(study, state, 0, state.space or {}, "space")
                continue
            key = (run.index, run.optimizer.generation)
            trials = state.pending.get(key)
            solutions = (
                self._solutions(study, run, trials)
                if trials and len(trials) >= run.popsize
                else []
            )
            if len(solutions) >= run.popsize:
                del state.pending[key]
                run.optimizer.tell(solutions[: run.popsize])
                # The first run counts as small, so that the first BIPOP restart is large.
                regime = "large" if run.config.get("regime") == "large" else "small"
                state.evaluations[regime] += run.popsize
                if self._restart_strategy is not None and run.optimizer.should_stop():
                    self._start_run(study, state, run.index + 1, run.space, "restart")
                continue
            if state.max_run_seen > run.index:
                self._start_run(study, state, run.index + 1, run.space, "space")
                continue
            return

    def _solutions(
        self, study: Study, run: _Run, trials: list[FrozenTrial]
    ) -> list[tuple[np.ndarray, float]]:
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        bounds = run.transform.bounds
        solutions = []
        for trial in trials:
            if trial.state == TrialState.COMPLETE:
                value = trial.value
            else:
                assert trial.last_step is not None
                value = trial.intermediate_values[trial.last_step]
            if value is None or math.isnan(value):
                continue
            x = None
            stored = trial.system_attrs.get(_X_FOR_TELL_KEY) if self._with_margin else None
            if isinstance(stored, list) and len(stored) == run.transform.dim:
                x = np.asarray(stored, dtype=float)
            if x is None or not np.all(np.isfinite(x)):
                x = run.transform.transform_partial(trial.params)
                if not np.all(np.isfinite(x)):
                    continue
                x = np.clip(x, bounds[:, 0], bounds[:, 1])
            y = min(max(sign * float(value), -_MAX_ABS_VALUE), _MAX_ABS_VALUE)
            solutions.append((x, y))
        return solutions

    # -- runs -------------------------------------------------------------------------------

    def _start_run(
        self,
        study: Study,
        state: _StudyState,
        index: int,
        space: dict[str, BaseDistribution],
        reason: str,
    ) -> _Run:
        """Adopt run ``index``'s stored settings, or choose and store them."""
        key = f"{_RUN_CONFIG_PREFIX}{index}"
        config = study.system_attrs.get(key)
        if not _valid_config(config):
            config = self._new_config(state, index, space, reason)
            study.set_system_attr(key, config)
        assert isinstance(config, dict)
        run_space = _config_space(config, space)
        if config.get("regime") == "large" and index > 0:
            state.n_large = max(state.n_large, int(config.get("n_large", 0)))
        transform = NumericTransform(
            run_space, normalize=True, extend_discrete=not self._with_margin
        )
        optimizer = self._make_optimizer(study, config, transform)
        run = _Run(index, config, run_space, optimizer, transform)
        state.run = run
        state.pending = {k: v for k, v in state.pending.items() if k[0] >= index}
        return run

    def _new_config(
        self,
        state: _StudyState,
        index: int,
        space: dict[str, BaseDistribution],
        reason: str,
    ) -> dict[str, Any]:
        dim = len(space)
        default_popsize = 4 + math.floor(3 * math.log(dim)) if dim > 0 else 4
        previous = state.run.config if state.run is not None else None
        base_popsize = (
            int(previous["base_popsize"]) if previous else (self._popsize or default_popsize)
        )
        sigma0 = self._sigma0 if self._sigma0 is not None else 1.0 / 6.0
        config: dict[str, Any] = {
            "space": _space_json(space),
            "base_popsize": base_popsize,
            "popsize": base_popsize,
            "sigma0": sigma0,
            "mean": None,
            "regime": "default",
            "n_large": state.n_large,
            "warm_start": False,
        }
        if index == 0 or previous is None:
            config["warm_start"] = self._source_trials is not None
            if self._x0 is not None:
                config["mean"] = self._x0_vector(space)
            return config
        if reason == "space":
            # Same population and regime as the run it replaces, on the new search space.
            config["popsize"] = int(previous["popsize"])
            config["regime"] = previous.get("regime", "default")
            return config
        config["mean"] = [float(v) for v in self._rng.uniform(0.0, 1.0, dim)]
        if self._restart_strategy == "ipop":
            config["popsize"] = int(previous["popsize"]) * self._inc_popsize
            config["regime"] = "large"
            return config
        # BIPOP: run the regime that has used fewer evaluations.
        if state.evaluations["small"] < state.evaluations["large"]:
            large_popsize = base_popsize * self._inc_popsize**state.n_large
            u = float(self._rng.uniform(0.0, 1.0))
            config["popsize"] = max(
                2, math.floor(base_popsize * (0.5 * large_popsize / base_popsize) ** (u**2))
            )
            config["sigma0"] = sigma0 * 10 ** (-2.0 * u)
            config["regime"] = "small"
        else:
            state.n_large += 1
            config["popsize"] = base_popsize * self._inc_popsize**state.n_large
            config["regime"] = "large"
            config["n_large"] = state.n_large
        return config

    def _x0_vector(self, space: dict[str, BaseDistribution]) -> list[float]:
        assert self._x0 is not None
        transform = NumericTransform(space, normalize=True, extend_discrete=not self._with_margin)
        x = transform.transform_partial(self._x0)
        for name, value in zip(transform.names, x):
            if name in self._x0 and not np.isfinite(value):
                raise ValueError(
                    f"x0[{name!r}] = {self._x0[name]!r} lies outside the parameter's "
                    f"distribution {space[name]!r}. Give a value inside it, or drop it."
                )
        centre = transform.bounds.mean(axis=1)
        return [float(v) for v in np.where(np.isfinite(x), x, centre)]

    def _make_optimizer(
        self, study: Study, config: dict[str, Any], transform: NumericTransform
    ) -> Any:
        cmaes = _import_cmaes()
        dim = transform.dim
        bounds = transform.bounds
        mean = (
            np.asarray(config["mean"], dtype=float)
            if config.get("mean") is not None
            else bounds.mean(axis=1)
        )
        mean = np.clip(mean, bounds[:, 0], bounds[:, 1])
        sigma = float(config["sigma0"])
        popsize = int(config["popsize"])
        cov = None
        if config.get("warm_start"):
            mean, sigma, cov = self._warm_start(study, transform)
        common = {"n_max_resampling": 10 * dim, "seed": 0, "population_size": popsize}
        # With popsize <= 3 a learning rate of cmaes is 0 and it divides by it on the way to
        # taking a minimum, which comes out right; the warning would only confuse.
        with np.errstate(divide="ignore", invalid="ignore"):
            if self._use_separable_cma and dim > 1:
                return cmaes.SepCMA(mean=mean, sigma=sigma, bounds=bounds, **common)
            if self._with_margin:
                return cmaes.CMAwM(
                    mean=mean, sigma=sigma, bounds=bounds, steps=transform.steps, cov=cov, **common
                )
            return cmaes.CMA(
                mean=mean, sigma=sigma, bounds=bounds, cov=cov, lr_adapt=self._lr_adapt, **common
            )

    def _warm_start(
        self, study: Study, transform: NumericTransform
    ) -> tuple[np.ndarray, float, np.ndarray]:
        cmaes = _import_cmaes()
        assert self._source_trials is not None
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        solutions = []
        for trial in self._source_trials:
            if trial.state != TrialState.COMPLETE or trial.value is None:
                continue
            x = transform.transform_partial(trial.params)
            if np.all(np.isfinite(x)):
                solutions.append((x, sign * float(trial.value)))
        if not solutions:
            raise ValueError(
                f"None of the {len(self._source_trials)} source_trials is COMPLETE with every "
                f"parameter of the search space {transform.names} inside its distribution; "
                "warm starting needs such trials. Pass trials of a study with the same "
                "parameters, or drop source_trials."
            )
        mean, sigma, cov = cmaes.get_warm_start_mgd(solutions)
        bounds = transform.bounds
        return np.clip(mean, bounds[:, 0], bounds[:, 1]), float(sigma), cov


def _covers(space: dict[str, BaseDistribution], part: dict[str, BaseDistribution]) -> bool:
    """Whether ``space`` holds every parameter of ``part`` with the same distribution."""
    for name, dist in part.items():
        other = space.get(name)
        if other is not dist and other != dist:
            return False
    return True


def _same_space(a: dict[str, BaseDistribution], b: dict[str, BaseDistribution]) -> bool:
    return len(a) == len(b) and _covers(a, b)


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _valid_config(config: Any) -> bool:
    return (
        isinstance(config, dict)
        and isinstance(config.get("space"), list)
        and _is_index(config.get("popsize"))
        and int(config["popsize"]) >= 2
        and isinstance(config.get("sigma0"), (int, float))
        and _is_index(config.get("base_popsize"))
    )


def _config_space(
    config: dict[str, Any], fallback: dict[str, BaseDistribution]
) -> dict[str, BaseDistribution]:
    space = {}
    for name, encoded in config["space"]:
        known = fallback.get(name)
        # Reuse the caller's distribution object when it is the same distribution.
        if known is not None and distribution_to_json(known) == encoded:
            space[name] = known
        else:
            space[name] = json_to_distribution(encoded)
    return space
