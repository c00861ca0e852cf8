"""What LightGBMTuner and LightGBMTunerCV share: the stepwise search over one study."""

from __future__ import annotations

import abc
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import parzen
from parzen.integrations._common import missing_framework_error, require_version
from parzen.integrations._lightgbm_tuner import _persistence
from parzen.integrations._lightgbm_tuner._params import (
    canonical_params,
    higher_is_better,
    scored_metric,
)
from parzen.integrations._lightgbm_tuner._sampling import STEP_NAME_KEY, StepSampler
from parzen.integrations._lightgbm_tuner._steps import (
    BAGGING,
    DEFAULT_TUNED_PARAMS,
    FEATURE_FRACTION,
    FEATURE_FRACTION_STAGE2,
    MIN_CHILD_SAMPLES,
    NUM_LEAVES,
    REGULARIZATION_FACTORS,
    STEPS,
    Step,
)
from parzen.study import StudyDirection
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.samplers import BaseSampler
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

# Trial system attributes, under Optuna's tuner's names so that code reading them keeps working.
ELAPSED_SECS_KEY = "lightgbm_tuner:elapsed_secs"
AVERAGE_ITERATION_TIME_KEY = "lightgbm_tuner:average_iteration_time"
LGBM_PARAMS_KEY = "lightgbm_tuner:lgbm_params"

_MINIMUM_VERSION = (3, 3)
_logger = parzen.logging.get_logger(__name__)

StudyCallback = Callable[["Study", "FrozenTrial"], None]


class BaseTuner(abc.ABC):
    """The stepwise search; subclasses say how one set of parameters is trained and scored."""

    def __init__(
        self,
        params: dict[str, Any],
        train_set: Any,
        *,
        adapter: str,
        time_budget: float | None,
        sample_size: int | None,
        study: Study | None,
        optuna_callbacks: Sequence[StudyCallback] | None,
        model_dir: str | None,
        show_progress_bar: bool,
        optuna_seed: int | None,
        feature_name: Any,
        categorical_feature: Any,
    ) -> None:
        try:
            import lightgbm
        except ImportError as e:
            raise missing_framework_error(adapter, "lightgbm", "lightgbm", e) from e
        require_version(adapter, "lightgbm", "lightgbm", lightgbm.__version__, _MINIMUM_VERSION)
        if not isinstance(train_set, lightgbm.Dataset):
            raise TypeError(
                f"{adapter} expects train_set to be a lightgbm.Dataset, got "
                f"{type(train_set).__name__}. Wrap the data: lightgbm.Dataset(X, y)."
            )
        if time_budget is not None and not time_budget > 0:
            raise ValueError(
                f"time_budget must be a positive number of seconds or None, got {time_budget!r}."
            )
        if sample_size is not None:
            warnings.warn(
                "sample_size has no effect (as in optuna-integration); remove it.",
                FutureWarning,
                stacklevel=3,
            )
        for name, value, setter in (
            ("feature_name", feature_name, train_set.set_feature_name),
            ("categorical_feature", categorical_feature, train_set.set_categorical_feature),
        ):
            if value is not None:
                warnings.warn(
                    f"{name} is deprecated (as in optuna-integration): pass it to "
                    f"lightgbm.Dataset({name}=...) instead.",
                    FutureWarning,
                    stacklevel=3,
                )
                setter(value)

        user_params = canonical_params(params)
        self._metric = scored_metric(user_params)
        # LightGBM refuses to change min_child_samples on a Dataset that pre-filtered
        # features for the first value; the last step changes it.
        self.lgbm_params: dict[str, Any] = {**user_params, "feature_pre_filter": False}
        for key, value in DEFAULT_TUNED_PARAMS.items():
            self.lgbm_params.setdefault(key, value)
        self.train_set = train_set
        self._adapter = adapter
        self._time_budget = time_budget
        self._optuna_callbacks = list(optuna_callbacks or [])
        self._model_dir = model_dir
        self._show_progress_bar = show_progress_bar
        self._optuna_seed = optuna_seed
        self._start_time: float | None = None
        self._best_booster: tuple[int, Any] | None = None  # (trial number, booster) in memory
        self._best_booster_score: float | None = None

        direction = StudyDirection.MAXIMIZE if self.higher_is_better() else StudyDirection.MINIMIZE
        if study is None:
            sampler = parzen.samplers.TPESampler(seed=optuna_seed)
            study = parzen.create_study(direction=direction, sampler=sampler)
        elif len(study.directions) != 1:
            raise ValueError(
                f"{adapter} optimizes one metric, but the study has {len(study.directions)} "
                "objectives. Pass a single-objective study."
            )
        elif study.direction != direction:
            raise ValueError(
                f"Study direction is inconsistent with the metric {self._metric}. Please set "
                f"'{direction.name.lower()}' as the direction (the study is "
                f"{study.direction.name.lower()})."
            )
        self._study = study
        if model_dir is not None:
            os.makedirs(model_dir, exist_ok=True)

    # == public API ===========================================================================

    @property
    def study(self) -> Study:
        """The study that holds every step's trials."""
        return self._study

    @property
    def best_score(self) -> float:
        """The best validation score so far; ``inf`` (``-inf`` when maximizing) before any."""
        best = self._best_trial()
        if best is None:
            return -math.inf if self.higher_is_better() else math.inf
        assert best.value is not None
        return best.value

    @property
    def best_params(self) -> dict[str, Any]:
        """The LightGBM parameters of the best trial so far (the starting ones before any)."""
        best = self._best_trial()
        if best is None:
            return dict(self.lgbm_params)
        stored = best.system_attrs.get(LGBM_PARAMS_KEY)
        if stored is None:  # a trial that the tuner did not run
            return {**self.lgbm_params, **best.params}
        params: dict[str, Any] = json.loads(stored)
        return params

    def higher_is_better(self) -> bool:
        """Whether the scored metric improves upwards (e.g. ``auc``)."""
        return higher_is_better(self._metric)

    def compare_validation_metrics(self, val_score: float, best_score: float) -> bool:
        """Whether ``val_score`` is better than ``best_score`` for the scored metric."""
        if self.higher_is_better():
            return val_score > best_score
        return val_score < best_score

    def run(self) -> None:
        """Run every step in order: feature_fraction, num_leaves, bagging,
        feature_fraction_stage2, regularization_factors, min_child_samples.

        Trials of a step that the study already holds count towards its budget, so running
        again on a stored study resumes where it stopped.
        """
        for step in STEPS:
            self._tune(step, step.n_trials)

    def tune_feature_fraction(self, n_trials: int = 7) -> None:
        """Grid-search ``feature_fraction`` over 0.4, 0.5, ..., 1.0."""
        self._tune(FEATURE_FRACTION, n_trials)

    def tune_num_leaves(self, n_trials: int = 20) -> None:
        """TPE-search ``num_leaves`` in [2, 2 ** max_depth]."""
        self._tune(NUM_LEAVES, n_trials)

    def tune_bagging(self, n_trials: int = 10) -> None:
        """TPE-search ``bagging_fraction`` in [0.4, 1] and ``bagging_freq`` in [1, 7]."""
        self._tune(BAGGING, n_trials)

    def tune_feature_fraction_stage2(self, n_trials: int = 6) -> None:
        """Grid-search ``feature_fraction`` within 0.08 of the best value so far."""
        self._tune(FEATURE_FRACTION_STAGE2, n_trials)

    def tune_regularization_factors(self, n_trials: int = 20) -> None:
        """TPE-search ``lambda_l1`` and ``lambda_l2`` in [1e-8, 10] on a log scale."""
        self._tune(REGULARIZATION_FACTORS, n_trials)

    def tune_min_data_in_leaf(self) -> None:
        """Grid-search ``min_child_samples`` (``min_data_in_leaf``) over 5, 10, 25, 50, 100."""
        self._tune(MIN_CHILD_SAMPLES, MIN_CHILD_SAMPLES.n_trials)

    def get_best_booster(self) -> Any:
        """The booster of the best trial.

        Kept in memory when this tuner trained it, else read from ``model_dir``.

        Raises:
            ValueError: no trial has completed, or the best trial ran elsewhere (another
                process, an earlier run) and ``model_dir`` does not hold its booster.
        """
        best = self._best_trial()
        if best is None:
            raise ValueError("The best booster is not available because no trials completed.")
        if self._best_booster is not None and self._best_booster[0] == best.number:
            return self._best_booster[1]
        if self._model_dir is None:
            raise ValueError(
                f"The best booster cannot be found: trial {best.number} ran in another process "
                "or an earlier run, and boosters are kept in memory only. Pass model_dir= to "
                f"{self._adapter} (a directory shared by all processes) to keep every trial's "
                "booster."
            )
        booster = _persistence.load_booster(self._model_dir, best.number, cv=self._is_cv)
        if booster is None:
            expected = _persistence.booster_path(self._model_dir, best.number, cv=self._is_cv)
            raise ValueError(
                f"The best booster cannot be found in {self._model_dir}: {expected} does not "
                "exist. Workers that share the study must share model_dir too (e.g. on NFS)."
            )
        return booster

    # == subclass interface ===================================================================

    _is_cv: bool = False

    @abc.abstractmethod
    def _train(self, params: dict[str, Any]) -> tuple[float, int, Any]:
        """Train with ``params``: (score, boosting rounds run, booster or None)."""

    # == the search ===========================================================================

    def _best_trial(self) -> FrozenTrial | None:
        if self._study.count_trials(states=(TrialState.COMPLETE,)) == 0:
            return None
        return self._study.best_trial

    def _current_params(self) -> dict[str, Any]:
        """The starting parameters with the tuned ones at the best values so far."""
        params = dict(self.lgbm_params)
        best = self.best_params
        for key in DEFAULT_TUNED_PARAMS:
            if key in best:
                params[key] = best[key]
        return params

    def _remaining_time(self) -> float | None:
        if self._time_budget is None:
            return None
        if self._start_time is None:
            self._start_time = time.perf_counter()
        return self._time_budget - (time.perf_counter() - self._start_time)

    def _tune(self, step: Step, n_trials: int) -> None:
        remaining_time = self._remaining_time()
        if remaining_time is not None and remaining_time <= 0:
            _logger.info("Step %s skipped: the time budget is spent.", step.name)
            return
        base = self._current_params()
        sampler: BaseSampler
        if step.grid is not None:
            grid = step.grid(base)
            n_trials = min(n_trials, math.prod(len(v) for v in grid.values()))
            sampler = parzen.samplers.GridSampler(grid, seed=self._optuna_seed)
        else:
            sampler = parzen.samplers.TPESampler(seed=self._optuna_seed)
        done = sum(
            1
            for t in self._study.get_trials(deepcopy=False)
            if t.system_attrs.get(STEP_NAME_KEY) == step.name
        )
        n_trials -= done
        if n_trials <= 0:
            return

        def objective(trial: Trial) -> float:
            return self._objective(trial, step, base)

        progress = _Progress(step.name, n_trials, self) if self._show_progress_bar else None
        callbacks: list[StudyCallback] = list(self._optuna_callbacks)
        if progress is not None:
            callbacks.append(progress)
        user_sampler = self._study.sampler
        self._study.sampler = StepSampler(sampler, step.name)
        try:
            self._study.optimize(
                objective, n_trials=n_trials, timeout=remaining_time, callbacks=callbacks
            )
        finally:
            self._study.sampler = user_sampler
            if progress is not None:
                progress.close()

    def _objective(self, trial: Trial, step: Step, base: Mapping[str, Any]) -> float:
        params = {**base, **step.suggest(trial, base)}
        start = time.perf_counter()
        score, n_rounds, booster = self._train(params)
        elapsed = time.perf_counter() - start
        trial.set_system_attr(ELAPSED_SECS_KEY, elapsed)
        trial.set_system_attr(AVERAGE_ITERATION_TIME_KEY, elapsed / max(n_rounds, 1))
        trial.set_system_attr(LGBM_PARAMS_KEY, json.dumps(params, default=_json_scalar))
        if booster is not None:
            if self._model_dir is not None:
                _persistence.save_booster(booster, self._model_dir, trial.number)
            if self._best_booster_score is None or self.compare_validation_metrics(
                score, self._best_booster_score
            ):
                self._best_booster = (trial.number, booster)
                self._best_booster_score = score
        return score


def _json_scalar(value: Any) -> Any:
    # numpy scalars in params (e.g. a seed from np.random) are plain numbers to LightGBM.
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(
        f"The tuner stores each trial's LightGBM parameters as JSON, and a parameter value of "
        f"type {type(value).__name__} is not JSON data: {value!r}. Pass numbers, strings, "
        "booleans or lists of them in params."
    )


class _Progress:
    """A tqdm bar for one step: ``"{step}, val_score: {best}"``, one tick per trial."""

    def __init__(self, step_name: str, total: int, tuner: BaseTuner) -> None:
        import tqdm

        self._step_name = step_name
        self._tuner = tuner
        self._bar = tqdm.tqdm(total=total, desc=self._description())

    def _description(self) -> str:
        return f"{self._step_name}, val_score: {self._tuner.best_score:.6f}"

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        self._bar.update(1)
        self._bar.set_description(self._description())

    def close(self) -> None:
        self._bar.close()
