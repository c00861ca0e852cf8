"""GPSampler: the sampler that ties the encoding, the GP, the acquisition and its optimizer.

Per suggestion it costs one Cholesky factorization per model (plus, every few trials, a
hyperparameter fit of a few dozen), one batch of candidate scores and a short local search; the
history is read incrementally and encoded once per trial.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import BaseDistribution
from parzen.logging import get_logger
from parzen.samplers._base import BaseSampler
from parzen.samplers._constraints import record_constraints
from parzen.samplers._gp._search_space import SearchSpaceEncoding, encode_trials
from parzen.samplers._random import RandomSampler
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.samplers._gp._gp import GPRegressor
    from parzen.study import Study

_logger = get_logger(__name__)

_N_INCUMBENTS = 8
_N_CANDIDATES = 1024
# Up to this many observations the linear algebra runs on one BLAS thread.
_MAX_SINGLE_THREAD_N = 1000
# Suggestions remembered for running trials are dropped beyond this many (asked, never told).
_MAX_SUGGESTED = 1024
# threadpoolctl's controller (False: not installed), created on first use; the active limit
# and how many suggestions run under it.
_BLAS_CONTROLLER: Any = None
_BLAS_LIMITER: Any = None
_BLAS_USERS = 0
_BLAS_LOCK = threading.Lock()
# Hyperparameters are refitted once the data have grown by this fraction since the last fit
# (so every trial up to 50 trials, every other trial up to 100, and so on).
_REFIT_FRACTION = 0.02


class GPSampler(BaseSampler):
    """Gaussian-process Bayesian optimization, in numpy and scipy.

    Each suggestion fits a Gaussian process to the finished trials and picks the point that
    maximizes an acquisition function:

    * the model is a Matérn 5/2 kernel with one lengthscale per parameter (ARD), on parameters
      scaled to ``[0, 1]`` (log-scaled where ``log=True``); ints and stepped floats are rounded
      onto their grid and categorical parameters are compared by equality;
    * the lengthscales, signal variance and noise are the maximum a posteriori estimate under
      log-normal priors, found by L-BFGS-B on the analytic gradient of the log marginal
      likelihood and warm-started from the previous trial's fit;
    * the acquisition is log expected improvement (Ament et al., 2023), or log expected
      hypervolume improvement for several objectives, plus the log probability that every
      constraint is satisfied when the study has constraints;
    * it is maximized by scoring a Sobol set and perturbations of the best trials, then refining
      the best candidates with L-BFGS-B on continuous parameters and a neighbourhood search on
      discrete and categorical ones;
    * trials still running in other workers are added to the model at its posterior mean
      (the "kriging believer"), so parallel workers do not suggest the same point.

    Parameters that are not in every completed trial (conditional or dynamic ones) and the first
    ``n_startup_trials`` trials are sampled by ``independent_sampler``.

    Args:
        seed: Seed for the random number generator; the same seed gives the same suggestions
            in a single worker.
        independent_sampler: Sampler for the startup trials and for parameters outside the
            joint search space. Defaults to :class:`~parzen.samplers.RandomSampler` with
            ``seed``.
        n_startup_trials: Number of completed trials before the Gaussian process is used.
        deterministic_objective: Whether the objective is noise-free; the noise variance is
            then fixed at a tiny value instead of being fitted.
        constraints_func: Optional function of a finished trial returning constraint values;
            a trial is feasible when every value is ``<= 0``. The values are stored in the
            trial's system attribute ``"constraints"`` as ``[v0, v1, ...]``.
            Constraints set with ``trial.set_constraint`` are used as well.
        warn_independent_sampling: Whether to log a warning when a parameter is sampled by
            ``independent_sampler`` after the startup trials.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -5.0, 5.0)
        ...     n = trial.suggest_int("n", 1, 10, log=True)
        ...     return (x - 1.0) ** 2 + (n - 3) ** 2
        >>> sampler = parzen.samplers.GPSampler(seed=0, n_startup_trials=5)
        >>> study = parzen.create_study(sampler=sampler)
        >>> study.optimize(objective, n_trials=15)
        >>> study.best_value < 2.0
        True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        n_startup_trials: int = 10,
        deterministic_objective: bool = False,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        warn_independent_sampling: bool = True,
    ) -> None:
        if isinstance(n_startup_trials, bool) or not isinstance(n_startup_trials, int):
            raise TypeError(
                f"GPSampler: n_startup_trials must be an int, got {n_startup_trials!r}."
            )
        if n_startup_trials < 0:
            raise ValueError(f"GPSampler: n_startup_trials must be >= 0, got {n_startup_trials}.")
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                "GPSampler: independent_sampler must be a BaseSampler, got "
                f"{type(independent_sampler).__name__}."
            )
        if constraints_func is not None and not callable(constraints_func):
            raise TypeError(
                "GPSampler: constraints_func must be callable (trial -> sequence of floats), "
                f"got {constraints_func!r}."
            )
        self._seed = seed
        self._rng = np.random.RandomState(seed)
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._n_startup_trials = n_startup_trials
        self._deterministic = bool(deterministic_objective)
        self._constraints_func = constraints_func
        self._warn_independent_sampling = bool(warn_independent_sampling)
        self._lock = threading.Lock()
        self._histories: dict[Hashable, _History] = {}
        self._sobol_engines: dict[int, Any] = {}
        # What this sampler suggested for trials still running, by trial id: the search space
        # and the parameters. A parallel worker of this process may ask before those trials
        # have written their parameters, and must not suggest the same point.
        self._suggested: dict[int, tuple[dict[str, BaseDistribution], dict[str, Any]]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_histories"] = {}
        state["_suggested"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GPSampler(seed={self._seed!r}, n_startup_trials={self._n_startup_trials})"

    def reseed_rng(self) -> None:
        self._rng.seed()
        self._sobol_engines.clear()
        self._independent_sampler.reseed_rng()

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent_sampler.before_trial(study, trial)

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        with self._lock:
            history = self._history(study)
            return {
                name: dist for name, dist in history.search_space().items() if not dist.single()
            }

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        with self._lock:
            history = self._history(study)
            encoding = SearchSpaceEncoding(search_space)
            data = history.data(encoding)
            if len(data.x) < max(self._n_startup_trials, 1):
                return {}
            running = _running_rows(study, trial, encoding, self._suggested)
            with _blas_threads_limited(len(data.x) + len(running)):
                x = self._suggest(study, history, encoding, data, running)
            params = encoding.decode(x)
            if len(self._suggested) >= _MAX_SUGGESTED:  # trials asked and never told
                self._suggested.clear()
            self._suggested[trial._trial_id] = (search_space, params)
        return params

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling:
            with self._lock:
                n_complete = self._history(study).n_complete
            if n_complete >= self._n_startup_trials:
                _logger.warning(
                    f"Trial {trial.number}: GPSampler samples parameter {param_name!r} with "
                    f"{type(self._independent_sampler).__name__}, because it is not in the "
                    "joint search space this trial was given (the parameters of every "
                    "completed trial when it started): conditional and dynamic parameters are "
                    "not modelled. Pass warn_independent_sampling=False to silence this."
                )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._suggested.pop(trial._trial_id, None)
        record_constraints(study, trial, state, self._constraints_func)
        self._independent_sampler.after_trial(study, trial, state, values)

    def _history(self, study: Study) -> _History:
        history = self._histories.get(study.cache_key)
        if history is None:
            history = self._histories[study.cache_key] = _History()
        history.update(study)
        return history

    def _fit(
        self,
        history: _History,
        key: tuple[Any, ...],
        x: np.ndarray,
        y: np.ndarray,
        is_cat: np.ndarray,
    ) -> GPRegressor:
        from parzen.samplers._gp._gp import GPRegressor, fit_theta

        previous = history.warm_starts.get(key)
        if previous is not None and len(x) - previous[1] < len(x) * _REFIT_FRACTION:
            # The MAP hyperparameters move little when a few points join many; reusing them
            # saves the O(n^3) cost of every likelihood evaluation of a refit.
            theta = previous[0]
        else:
            theta = fit_theta(
                x,
                y,
                is_cat,
                initial=None if previous is None else previous[0],
                deterministic=self._deterministic,
            )
            history.warm_starts[key] = (theta, len(x))
        return GPRegressor(x, y, is_cat, theta)

    def _suggest(
        self,
        study: Study,
        history: _History,
        encoding: SearchSpaceEncoding,
        data: _Data,
        running: np.ndarray,
    ) -> np.ndarray:
        from parzen._records.direction import StudyDirection
        from parzen.samplers._gp._acqf import Acquisition, nondominated_boxes
        from parzen.samplers._gp._optim import optimize_acquisition

        directions = study.directions
        signs = np.array([1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in directions])
        x, is_cat = data.x, encoding.is_categorical
        key = encoding.signature

        constraint_models: list[tuple[GPRegressor, float]] = []
        feasible = np.ones(len(x), dtype=bool)
        if data.constraints is not None:
            cx, cvals = data.constraint_x, data.constraints
            assert cx is not None
            feasible = data.feasible
            for j in range(cvals.shape[1]):
                c, (c_mean, c_std) = _standardize(cvals[:, j])
                model = self._fit(history, (key, "constraint", j), cx, c, is_cat)
                threshold = -c_mean / c_std
                if len(running):
                    model = model.condition_on(running, model.posterior(running)[0])
                constraint_models.append((model, threshold))

        running_feasible = np.ones(len(running), dtype=bool)
        for model, threshold in constraint_models:
            running_feasible &= model.y[len(model.y) - len(running) :] <= threshold

        if not feasible.any():
            acqf = Acquisition([], constraint_models)
            incumbents = x[np.argsort(data.violation(), kind="stable")[:_N_INCUMBENTS]]
        else:
            objective_models: list[GPRegressor] = []
            y_all = np.empty((len(x), len(directions)))
            for j in range(len(directions)):
                yj, _ = _standardize(signs[j] * data.values[:, j])
                model = self._fit(history, (key, "objective", j), x, yj, is_cat)
                if len(running):
                    model = model.condition_on(running, model.posterior(running)[0])
                objective_models.append(model)
                y_all[:, j] = yj
            y_feasible = y_all[feasible]
            x_feasible = x[feasible]
            y_running = np.stack([m.y[len(x) :] for m in objective_models], axis=1)[
                running_feasible
            ]
            if len(directions) == 1:
                best = float(np.max(np.concatenate([y_feasible[:, 0], y_running[:, 0]])))
                acqf = Acquisition(objective_models, constraint_models, best=best)
                incumbents = x_feasible[np.argsort(-y_feasible[:, 0], kind="stable")]
                incumbents = incumbents[:_N_INCUMBENTS]
            else:
                points = np.vstack([y_feasible, y_running])
                spread = np.ptp(y_all, axis=0)
                ref = np.min(y_all, axis=0) - 0.1 * np.maximum(spread, 1e-6)
                boxes = nondominated_boxes(points, ref)
                acqf = Acquisition(objective_models, constraint_models, boxes=boxes)
                incumbents = _pareto_rows(x_feasible, y_feasible)[: 2 * _N_INCUMBENTS]
        return optimize_acquisition(
            acqf,
            encoding,
            self._rng,
            self._sobol_points(encoding.dim),
            incumbents=incumbents,
        )

    def _sobol_points(self, dim: int) -> np.ndarray:
        """The next points of one scrambled Sobol sequence per dimension (its set-up is slow)."""
        engine = self._sobol_engines.get(dim)
        if engine is None or engine.num_generated > 2**29:
            from scipy.stats import qmc

            engine = qmc.Sobol(dim, scramble=True, seed=self._rng.randint(2**31))
            self._sobol_engines[dim] = engine
        return np.asarray(engine.random(_N_CANDIDATES))


@contextlib.contextmanager
def _blas_threads_limited(n: int) -> Iterator[None]:
    """Run BLAS on one thread while the matrices are small, if threadpoolctl is installed.

    A suggestion makes thousands of BLAS calls on matrices of a few hundred rows; waking and
    synchronizing BLAS threads for each costs more than it saves, and far more when other
    processes compete for the cores. The limit is process-wide, so concurrent suggestions share
    one limit (counted) and the last to finish restores the previous setting.
    """
    global _BLAS_CONTROLLER, _BLAS_LIMITER, _BLAS_USERS
    if n > _MAX_SINGLE_THREAD_N:
        yield
        return
    with _BLAS_LOCK:
        if _BLAS_CONTROLLER is None:
            try:
                import scipy.linalg  # noqa: F401  (load scipy's BLAS so that it is limited too)
                from threadpoolctl import ThreadpoolController
            except ImportError:
                _BLAS_CONTROLLER = False
            else:
                _BLAS_CONTROLLER = ThreadpoolController()
        if _BLAS_CONTROLLER is not False:
            if _BLAS_USERS == 0:
                _BLAS_LIMITER = _BLAS_CONTROLLER.limit(limits=1, user_api="blas")
            _BLAS_USERS += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            if _BLAS_CONTROLLER is not False:
                _BLAS_USERS -= 1
                if _BLAS_USERS == 0 and _BLAS_LIMITER is not None:
                    _BLAS_LIMITER.restore_original_limits()
                    _BLAS_LIMITER = None


def _standardize(values: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Zero-mean, unit-variance copy of ``values``; non-finite values are clipped to the finite
    range first."""
    finite = np.isfinite(values)
    if not finite.all():
        if finite.any():
            lo, hi = values[finite].min(), values[finite].max()
        else:
            lo, hi = 0.0, 0.0
        values = np.clip(np.nan_to_num(values, nan=lo, posinf=hi, neginf=lo), lo, hi)
    mean = float(values.mean())
    std = float(values.std())
    if not std > 1e-12:
        std = 1.0
    return (values - mean) / std, (mean, std)


def _pareto_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rows of ``x`` whose objectives ``y`` (maximized) no other row dominates."""
    ge = np.all(y[:, None, :] >= y[None, :, :], axis=2)
    gt = np.any(y[:, None, :] > y[None, :, :], axis=2)
    dominated = np.any(ge & gt, axis=0)
    return x[~dominated]


def _running_rows(
    study: Study,
    trial: FrozenTrial,
    encoding: SearchSpaceEncoding,
    suggested: Mapping[int, tuple[dict[str, BaseDistribution], dict[str, Any]]],
) -> np.ndarray:
    """Encoded parameters of the other running trials that have the whole search space.

    A trial's parameters come from the storage, completed by what this sampler suggested for
    it (which the trial may not have written yet).
    """
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    rows = []
    for t in running:
        if t._trial_id == trial._trial_id:
            continue
        distributions, params = t.distributions, t.params
        if t._trial_id in suggested:
            space, values = suggested[t._trial_id]
            distributions, params = {**space, **distributions}, {**values, **params}
        if all(distributions.get(name) == dist for name, dist in encoding.signature):
            rows.append(params)
    return encode_trials(encoding, rows)


class _Data:
    """Arrays of the completed trials that hold every parameter of one search space.

    ``constraints`` (when the study has any) holds the rows ``constraint_rows`` of ``x``: the
    trials that recorded every constraint.
    """

    def __init__(
        self,
        x: np.ndarray,
        values: np.ndarray,
        constraints: np.ndarray | None = None,
        constraint_rows: np.ndarray | None = None,
        feasible: np.ndarray | None = None,
    ) -> None:
        self.x = x
        self.values = values
        self.constraints = constraints
        self.constraint_rows = (
            np.zeros(0, dtype=np.int64) if constraint_rows is None else constraint_rows
        )
        self.constraint_x = None if constraints is None else x[self.constraint_rows]
        self.feasible = np.ones(len(x), dtype=bool) if feasible is None else feasible

    def violation(self) -> np.ndarray:
        """Total constraint violation per trial; ``inf`` where constraints are missing."""
        out = np.full(len(self.x), np.inf)
        if self.constraints is None:
            return np.zeros(len(self.x))
        out[self.constraint_rows] = np.maximum(self.constraints, 0.0).sum(axis=1)
        return out


class _History:
    """The finished trials of one study, fetched incrementally and encoded once per space."""

    def __init__(self) -> None:
        from parzen.search_space import IntersectionSearchSpace

        # Last fitted hyperparameters of each model and the number of points they were fitted on.
        self.warm_starts: dict[tuple[Any, ...], tuple[np.ndarray, int]] = {}
        self._space = IntersectionSearchSpace()
        self._cursor = 0
        self._seen: set[int] = set()
        self.complete: list[FrozenTrial] = []
        self._space_cache: dict[Any, dict[str, BaseDistribution]] = {}
        self._encoded_signature: Any = None
        self._encoded_rows: list[np.ndarray | None] = []
        self._space_study: Study | None = None

    @property
    def n_complete(self) -> int:
        return len(self.complete)

    def update(self, study: Study) -> None:
        self._space_study = study
        new, self._cursor = study.get_finished_trials_since(self._cursor)
        for t in new:
            if t._trial_id in self._seen:
                continue
            self._seen.add(t._trial_id)
            if t.state == TrialState.COMPLETE and t.values is not None:
                self.complete.append(t)

    def search_space(self) -> dict[str, BaseDistribution]:
        assert self._space_study is not None
        return self._space.calculate(self._space_study)

    def data(self, encoding: SearchSpaceEncoding) -> _Data:
        from parzen._records.constraints import get_constraints

        if self._encoded_signature != encoding.signature:
            self._encoded_signature = encoding.signature
            self._encoded_rows = []
        start = len(self._encoded_rows)
        new_rows: list[np.ndarray | None] = []
        usable = []
        for t in self.complete[start:]:
            ok = all(t.distributions.get(name) == dist for name, dist in encoding.signature)
            usable.append(ok)
        encoded = encode_trials(
            encoding, [t.params for t, ok in zip(self.complete[start:], usable) if ok]
        )
        it = iter(encoded)
        for ok in usable:
            new_rows.append(next(it) if ok else None)
        self._encoded_rows.extend(new_rows)

        idx = [i for i, row in enumerate(self._encoded_rows) if row is not None]
        trials = [self.complete[i] for i in idx]
        x = np.array([self._encoded_rows[i] for i in idx]) if idx else np.zeros((0, encoding.dim))
        values = np.array([t.values for t in trials], dtype=float).reshape(len(trials), -1)

        constraint_lists = [get_constraints(t) for t in trials]
        lengths = {len(c) for c in constraint_lists if c}
        if not lengths:
            return _Data(x, values)
        n_constraints = max(lengths)
        rows = np.array(
            [i for i, c in enumerate(constraint_lists) if c and len(c) == n_constraints],
            dtype=np.int64,
        )
        constraints = np.array([constraint_lists[i] for i in rows], dtype=float)
        feasible = np.array([all(v <= 0.0 for v in (c or [])) for c in constraint_lists])
        return _Data(x, values, constraints, rows, feasible)
