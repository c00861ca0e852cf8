"""A scikit-learn search estimator whose candidates come from a parzen study.

:class:`ParzenSearchCV` goes wherever ``GridSearchCV`` or ``RandomizedSearchCV`` goes
(pipelines, ``clone``, nested cross-validation, ``parametrize_with_checks``), but each
candidate is a trial of a :class:`parzen.Study`, so the sampler learns from the scores
so far, and estimators with ``partial_fit`` can be pruned part-way through training.

Install with ``pip install "parzen[sklearn]"``.
"""

from __future__ import annotations

import copy
import numbers
import os
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parzen import logging as parzen_logging
from parzen.distributions import BaseDistribution
from parzen.exceptions import TrialPruned
from parzen.integrations._common import (
    missing_framework_error,
    require_version,
    version_tuple,
)
from parzen.pruners import BasePruner
from parzen.samplers import BaseSampler
from parzen.study import Study, StudyDirection, create_study
from parzen.terminator import report_cross_validation_scores
from parzen.trial import FrozenTrial, Trial

try:
    import sklearn
    from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
    from sklearn.exceptions import FitFailedWarning, NotFittedError
    from sklearn.metrics import check_scoring, get_scorer
    from sklearn.model_selection import check_cv
    from sklearn.utils import _safe_indexing, check_random_state, indexable
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.validation import check_is_fitted
except ImportError as e:
    raise missing_framework_error("ParzenSearchCV", "scikit-learn", "sklearn", e) from e

__all__ = ["OptunaSearchCV", "ParzenSearchCV"]

_MINIMUM_VERSION = (1, 4)
require_version("ParzenSearchCV", "scikit-learn", "sklearn", sklearn.__version__, _MINIMUM_VERSION)
# scikit-learn 1.6 replaced `_more_tags`/`_get_tags` with `__sklearn_tags__`.
_NEW_TAGS = version_tuple(sklearn.__version__) >= (1, 6)

_SINGLE_METRIC = "score"

ParamSpace = Mapping[str, BaseDistribution] | Callable[[Trial], Mapping[str, Any]]


# -- one fit's data and results ------------------------------------------------------------


@dataclass
class _Fold:
    """What one train/test split of one candidate gave."""

    test: dict[str, float]
    train: dict[str, float] | None
    fit_time: float
    score_time: float
    fit_error: str | None = None
    score_errors: list[str] = field(default_factory=list)


@dataclass
class _Record:
    """One trial's cross-validation: the row it becomes in ``cv_results_``."""

    number: int
    params: dict[str, Any]
    folds: list[_Fold]

    def scores(self, split: str, metric: str) -> np.ndarray:
        return np.array([getattr(fold, split)[metric] for fold in self.folds], dtype=np.float64)


@dataclass
class _PartialFold:
    """A fold trained incrementally (``partial_fit``) while pruning is enabled."""

    estimator: Any
    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    params: dict[str, Any]
    fit_time: float = 0.0
    error: BaseException | None = None
    score: float = float("nan")


@dataclass
class _Settings:
    """The validated parameters of one call to ``fit``."""

    scorers: dict[str, Callable[..., Any]]
    multimetric: bool
    study_metric: str
    n_trials: int | None
    timeout: float | None
    n_jobs: int
    error_score: float | str
    subsample: float | int
    max_iter: int
    seed: int | None
    conditional: bool
    callbacks: list[Callable[[Study, FrozenTrial], None]]
    catch: tuple[type[Exception], ...]


class _Objective:
    """Cross-validates the candidate that a trial proposes; called once per trial."""

    def __init__(
        self,
        search: ParzenSearchCV,
        settings: _Settings,
        X: Any,
        y: Any,
        groups: Any,
        fit_params: dict[str, Any],
    ) -> None:
        self.search = search
        self.settings = settings
        self.X, self.y, self.groups = X, y, groups
        self.fit_params = fit_params
        self.n_samples = _n_samples(X)
        self.pairwise = _is_pairwise(search.estimator)
        self.classifier = is_classifier(search.estimator)
        self.cv = check_cv(search.cv, y, classifier=self.classifier)
        # One subsample per fit, as in OptunaSearchCV, and every candidate sees the same
        # folds of it, as in scikit-learn's searches.
        size = self._subsample_size()
        if size is None:
            self.sample_indices = np.arange(self.n_samples)
        else:
            rng = np.random.default_rng(settings.seed)
            self.sample_indices = np.sort(rng.choice(self.n_samples, size=size, replace=False))
            self.X = _index_rows(X, self.sample_indices, self.pairwise)
            self.y = None if y is None else _safe_indexing(y, self.sample_indices)
            self.groups = None if groups is None else _safe_indexing(groups, self.sample_indices)
            self.fit_params = _index_fit_params(fit_params, self.sample_indices, self.n_samples)
        self.n_splits = self.cv.get_n_splits(self.X, self.y, self.groups)
        self.splits = list(self.cv.split(self.X, self.y, self.groups))
        self.lock = threading.Lock()
        self.records: dict[int, _Record] = {}
        self.numbers: list[int] = []

    # -- the trial's candidate ------------------------------------------------------------

    def __call__(self, trial: Trial) -> float:
        with self.lock:
            self.numbers.append(trial.number)
        params = self._sample(trial)
        X, y, fit_params, splits = self.X, self.y, self.fit_params, self.splits
        if self.search.enable_pruning:
            folds = self._evaluate_incrementally(trial, params, X, y, fit_params, splits)
        else:
            folds = [
                self._fit_and_score(params, X, y, fit_params, train, test)
                for train, test in splits
            ]
        record = _Record(trial.number, params, folds)
        with self.lock:
            self.records[trial.number] = record
        for key, value in _user_attrs(record, self.settings, self.search).items():
            trial.set_user_attr(key, value)
        test_scores = record.scores("test", self.settings.study_metric)
        if len(test_scores) > 1:
            # For parzen.terminator's CrossValidationErrorEvaluator.
            report_cross_validation_scores(trial, test_scores)
        # NaN (a fold failed, error_score=nan) makes the study record the trial as FAIL;
        # cv_results_ still lists it, as scikit-learn lists failed candidates.
        return float(np.mean(record.scores("test", self.settings.study_metric)))

    def _sample(self, trial: Trial) -> dict[str, Any]:
        space = self.search.param_distributions
        if callable(space):
            params = space(trial)
            if not isinstance(params, Mapping):
                raise TypeError(
                    "A callable param_distributions must return a dict of estimator "
                    f"parameters, got {params!r} ({type(params).__name__}). Example: "
                    'lambda trial: {"C": trial.suggest_float("C", 1e-3, 1e3, log=True)}.'
                )
            return dict(params)
        # `_suggest` takes any distribution, so the space needs no translation into
        # suggest_float/int/categorical calls.
        return {name: trial._suggest(name, dist) for name, dist in space.items()}

    def _subsample_size(self) -> int | None:
        subsample = self.search.subsample
        if isinstance(subsample, numbers.Integral):
            size = int(subsample)
        else:
            size = int(np.ceil(float(subsample) * self.n_samples))
        if size >= self.n_samples:
            return None
        cv = self.search.cv
        if not (cv is None or isinstance(cv, numbers.Integral) or hasattr(cv, "split")):
            raise ValueError(
                f"subsample={subsample!r} cannot be used with cv given as a list of "
                "(train, test) index pairs: those indices refer to the full data. Pass an "
                "int or a splitter (e.g. KFold(5)) as cv, or subsample=1.0."
            )
        return max(size, 1)

    def _estimator(self, params: Mapping[str, Any]) -> Any:
        # Estimators among the parameters (a callable space may return some) are cloned so
        # that no two fits share one.
        return clone(self.search.estimator).set_params(
            **{k: clone(v, safe=False) for k, v in params.items()}
        )

    # -- fitting and scoring --------------------------------------------------------------

    def _fit_and_score(
        self,
        params: Mapping[str, Any],
        X: Any,
        y: Any,
        fit_params: dict[str, Any],
        train: np.ndarray,
        test: np.ndarray,
    ) -> _Fold:
        estimator = self._estimator(params)
        X_train, y_train, X_test, y_test = self._split(X, y, train, test)
        train_params = _index_fit_params(fit_params, train, _n_samples(X))
        start = time.perf_counter()
        try:
            if y_train is None:
                estimator.fit(X_train, **train_params)
            else:
                estimator.fit(X_train, y_train, **train_params)
        except Exception as e:
            if self.settings.error_score == "raise":
                raise
            return self._failed_fold(time.perf_counter() - start, e)
        fit_time = time.perf_counter() - start
        return self._score_fold(estimator, X_train, y_train, X_test, y_test, fit_time)

    def _failed_fold(self, fit_time: float, error: BaseException) -> _Fold:
        error_score = float(self.settings.error_score)
        scores = dict.fromkeys(self.settings.scorers, error_score)
        return _Fold(
            test=scores,
            train=dict(scores) if self.search.return_train_score else None,
            fit_time=fit_time,
            score_time=0.0,
            fit_error="".join(traceback.format_exception(error)),
        )

    def _score_fold(
        self,
        estimator: Any,
        X_train: Any,
        y_train: Any,
        X_test: Any,
        y_test: Any,
        fit_time: float,
    ) -> _Fold:
        errors: list[str] = []
        start = time.perf_counter()
        test = self._score(estimator, X_test, y_test, errors)
        score_time = time.perf_counter() - start
        train = (
            self._score(estimator, X_train, y_train, errors)
            if self.search.return_train_score
            else None
        )
        return _Fold(test, train, fit_time, score_time, score_errors=errors)

    def _score(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        errors: list[str],
        scorers: Mapping[str, Callable[..., Any]] | None = None,
    ) -> dict[str, float]:
        scores: dict[str, float] = {}
        for name, scorer in (scorers or self.settings.scorers).items():
            try:
                value = scorer(estimator, X) if y is None else scorer(estimator, X, y)
            except Exception as e:
                if self.settings.error_score == "raise":
                    raise
                errors.append(f"{name}: " + "".join(traceback.format_exception(e)))
                scores[name] = float(self.settings.error_score)
                continue
            scores[name] = _as_score(value, name)
        return scores

    def _split(
        self, X: Any, y: Any, train: np.ndarray, test: np.ndarray
    ) -> tuple[Any, Any, Any, Any]:
        X_train = _index_rows(X, train, self.pairwise)
        X_test = _index_rows(X, test, self.pairwise, columns=train)
        y_train = None if y is None else _safe_indexing(y, train)
        y_test = None if y is None else _safe_indexing(y, test)
        return X_train, y_train, X_test, y_test

    def _evaluate_incrementally(
        self,
        trial: Trial,
        params: Mapping[str, Any],
        X: Any,
        y: Any,
        fit_params: dict[str, Any],
        splits: list[Any],
    ) -> list[_Fold]:
        """Train the folds one ``partial_fit`` call at a time, in lockstep; after each call
        report the folds' mean score to the trial and stop if the pruner says so."""
        error_score = self.settings.error_score
        metric = self.settings.study_metric
        pruning_scorer = {metric: self.settings.scorers[metric]}
        n = _n_samples(X)
        folds = [
            _PartialFold(
                self._estimator(params),
                *self._split(X, y, train, test),
                params=_index_fit_params(fit_params, train, n),
            )
            for train, test in splits
        ]
        classes = np.unique(y) if self.classifier and y is not None else None
        for step in range(self.settings.max_iter):
            for fold in folds:
                if fold.error is not None:
                    continue
                # Classifiers learn the full label set on the first call: a fold's training
                # part may lack a class.
                extra = {"classes": classes} if step == 0 and classes is not None else {}
                start = time.perf_counter()
                try:
                    fold.estimator.partial_fit(fold.X_train, fold.y_train, **fold.params, **extra)
                except Exception as e:
                    if error_score == "raise":
                        raise
                    fold.error = e
                    continue
                finally:
                    fold.fit_time += time.perf_counter() - start
                fold.score = self._score(
                    fold.estimator, fold.X_test, fold.y_test, [], pruning_scorer
                )[metric]
            current = [float(error_score) if f.error is not None else f.score for f in folds]
            mean = float(np.mean(current))
            if np.isfinite(mean):
                trial.report(mean, step)
            if trial.should_prune():
                raise TrialPruned(
                    f"Pruned after {step + 1} partial_fit iteration(s) with mean {metric} "
                    f"{mean:.6g}."
                )
        return [
            self._failed_fold(fold.fit_time, fold.error)
            if fold.error is not None
            else self._score_fold(
                fold.estimator,
                fold.X_train,
                fold.y_train,
                fold.X_test,
                fold.y_test,
                fold.fit_time,
            )
            for fold in folds
        ]


# -- the estimator -------------------------------------------------------------------------


def _estimator_has(attr: str) -> Callable[[ParzenSearchCV], bool]:
    """The availability test of a delegated method: the (best) estimator must have it."""

    def check(search: ParzenSearchCV) -> bool:
        _check_refit(search, attr)
        # Raises AttributeError, which hides the method, when the estimator lacks it.
        getattr(getattr(search, "best_estimator_", search.estimator), attr)
        return True

    return check


def _check_refit(search: ParzenSearchCV, attr: str) -> None:
    if not search.refit:
        raise AttributeError(
            f"This {type(search).__name__} was created with refit=False, so it has no {attr!r}: "
            "no estimator was refitted with the best parameters. Set refit=True, or fit one "
            "yourself: clone(search.estimator).set_params(**search.best_params_).fit(X, y)."
        )


class ParzenSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Cross-validated hyperparameter search whose candidates are the trials of a study.

    A drop-in replacement for ``GridSearchCV`` and ``RandomizedSearchCV``: the same
    ``cv``, ``scoring``, ``refit``, ``error_score`` and ``return_train_score`` semantics, the
    same fitted attributes (``cv_results_``, ``best_estimator_``, ``best_params_``,
    ``best_score_``, ``best_index_``, ...), and the best estimator's ``predict``,
    ``predict_proba``, ``decision_function``, ``transform``... exposed when it has them. Each
    candidate is a trial of a :class:`parzen.Study` that maximizes the mean cross-validated
    score, so the sampler (TPE by default) learns where good candidates lie.

    Each trial stores its folds' scores and times as user attributes (JSON; NaN as None):
    ``split<k>_test_<metric>``, ``mean_test_<metric>``, ``std_test_<metric>`` (and ``train``
    with ``return_train_score``), ``fit_times``, ``score_times``, ``mean_fit_time``,
    ``mean_score_time``. ``cv_results_`` has one row per trial of this ``fit`` that finished
    cross-validation, in trial order, plus a ``trial_number`` column; pruned trials, and
    trials stopped by an exception listed in ``catch``, are only in ``trials_``.

    Args:
        estimator: The scikit-learn estimator to tune (a pipeline works too).
        param_distributions: Either a dict of parameter name (``"C"``, or
            ``"svc__C"`` for a pipeline step) -> parzen distribution
            (:class:`~parzen.distributions.FloatDistribution`, ``IntDistribution``,
            ``CategoricalDistribution``), or a callable ``trial -> dict`` of estimator
            parameters, for conditional spaces: it calls ``trial.suggest_*`` itself.
        n_trials: How many trials (candidates) this ``fit`` runs; None to run until
            ``timeout``.
        timeout: Seconds after which no new trial starts; None for no limit.
        cv: An int (number of folds; stratified for classifiers), a splitter, or an
            iterable of (train, test) index pairs, as in scikit-learn.
        scoring: None (the estimator's ``score``), a scorer name, a callable scorer, or a
            list/tuple/set of names or a dict name -> scorer for several metrics.
        refit: Refit the best candidate on the whole data. With several metrics, the name
            of the metric that picks the best candidate; or a callable taking
            ``cv_results_`` and returning ``best_index_``; or False.
        error_score: ``"raise"`` to raise a failing fit's error, or the score (NaN by
            default) that a failing fit gets, with a ``FitFailedWarning``. A trial whose
            score is NaN fails; if every fit fails with NaN and ``refit`` is set, ``fit``
            raises a ValueError, as there is no best candidate to refit.
        return_train_score: Also score each fold's training part (``*_train_*`` columns).
        n_jobs: Trials run in parallel threads; None for 1, -1 for one per CPU.
        random_state: Seeds the default sampler and the subsampling; an int makes two
            fits give the same candidates (with ``n_jobs`` 1).
        study: A study (``direction="maximize"``) to run the trials in, e.g. one stored
            in a database; it keeps its trials across fits. By default every ``fit``
            starts a new in-memory study.
        sampler: The sampler of the new study; by default TPE seeded by ``random_state``
            (``group=True`` for a callable, possibly conditional, space).
        pruner: The pruner of the new study; median pruning by default.
        enable_pruning: Train with ``partial_fit`` for ``max_iter`` iterations, report
            the folds' mean score after each, and stop the trial when the pruner says so.
            The estimator must have ``partial_fit``.
        max_iter: ``partial_fit`` iterations per fold when ``enable_pruning``.
        subsample: The share (float in (0, 1]) or number (int) of samples that the
            trials cross-validate on, drawn at random once per ``fit`` (seeded by
            ``random_state``; see ``sample_indices_``); refitting uses all.
        callbacks: Called as ``callback(study, frozen_trial)`` after each trial.
        catch: Exception classes that fail a trial without stopping the search (with
            ``error_score="raise"``, or errors outside fitting and scoring).
        verbose: 0 shows warnings only, 1 logs each trial, 2 logs debug messages.

    Attributes:
        cv_results_: dict of numpy arrays, scikit-learn's layout: ``params``,
            ``param_<name>`` (masked arrays), ``split<k>_test_<metric>``,
            ``mean_test_<metric>``, ``std_test_<metric>``, ``rank_test_<metric>``
            (``<metric>`` is ``score`` with a single metric), fit and score times, train
            scores when asked, and ``trial_number``.
        best_estimator_: The estimator refitted with the best parameters (if ``refit``).
        best_index_: The best row of ``cv_results_``.
        best_score_: Its mean cross-validated score (not with a callable ``refit``).
        best_params_: Its parameters.
        best_trial_: Its trial.
        scorer_: The scorer, or a dict of scorers with several metrics.
        multimetric_: Whether several metrics were scored.
        n_splits_: The number of cross-validation splits.
        refit_time_: Seconds spent refitting the best estimator.
        study_: The study that ran the trials.
        trials_: The trials of this ``fit`` (all states), in order.
        n_trials_: How many trials this ``fit`` ran.
        n_iter_: The most training iterations a candidate ran: ``partial_fit`` calls per
            fold with ``enable_pruning`` (``max_iter`` unless every trial was pruned), else
            1 (one ``fit`` per fold).
        sample_indices_: The indices of the samples the trials cross-validated on (all of
            them unless ``subsample`` < 1).
        user_attrs_: The study's user attributes (see :meth:`set_user_attr`).
        classes_, n_features_in_, feature_names_in_: Those of ``best_estimator_``.

    Examples:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> from parzen.distributions import FloatDistribution
        >>> from parzen.integrations.sklearn import ParzenSearchCV
        >>> X, y = load_iris(return_X_y=True)
        >>> search = ParzenSearchCV(
        ...     SVC(),
        ...     {"C": FloatDistribution(1e-2, 1e2, log=True)},
        ...     n_trials=8,
        ...     cv=3,
        ...     random_state=0,
        ... )
        >>> search.fit(X, y).best_score_ > 0.9
        True
        >>> len(search.cv_results_["params"]), search.predict(X[:2]).shape
        (8, (2,))
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: ParamSpace,
        *,
        n_trials: int | None = 10,
        timeout: float | None = None,
        cv: Any = 5,
        scoring: Any = None,
        refit: bool | str | Callable[[dict[str, Any]], int] = True,
        error_score: float | str = np.nan,
        return_train_score: bool = False,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        study: Study | None = None,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
        enable_pruning: bool = False,
        max_iter: int = 1000,
        subsample: float | int = 1.0,
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.timeout = timeout
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.study = study
        self.sampler = sampler
        self.pruner = pruner
        self.enable_pruning = enable_pruning
        self.max_iter = max_iter
        self.subsample = subsample
        self.callbacks = callbacks
        self.catch = catch
        self.verbose = verbose

    # -- fitting ------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any) -> ParzenSearchCV:
        """Run the search, then refit the best candidate on all of ``X`` (if ``refit``).

        Args:
            X: Training data, ``(n_samples, n_features)`` (or a kernel matrix for pairwise
                estimators).
            y: Targets, or None for unsupervised estimators.
            groups: Group labels for group splitters such as ``GroupKFold``.
            **fit_params: Passed to the estimator's ``fit`` (``partial_fit`` when pruning);
                arrays of length ``n_samples``, such as ``sample_weight``, are split with
                the data.

        Returns:
            self

        Raises:
            ValueError, TypeError: A parameter is invalid (the message says which and how
                to fix it), or every fit failed.
        """
        settings = self._check_params()
        if y is None and _requires_y(self.estimator):
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                f"{type(self.estimator).__name__} is a supervised estimator. Call fit(X, y)."
            )
        # A refit must not keep attributes of an earlier fit that this one does not set
        # (best_score_ after switching to a callable refit, best_estimator_ after refit=False).
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)
        X, y, groups = indexable(X, y, groups)
        objective = _Objective(self, settings, X, y, groups, dict(fit_params))
        with _verbosity(self.verbose):
            study = self._make_study(settings)
            study.optimize(
                objective,
                n_trials=settings.n_trials,
                timeout=settings.timeout,
                n_jobs=settings.n_jobs,
                catch=settings.catch,
                callbacks=settings.callbacks,
            )
        records = [objective.records[number] for number in sorted(objective.records)]
        _raise_or_warn_about_failures(
            records, settings, len(objective.numbers), refit=bool(self.refit)
        )

        ran = set(objective.numbers)
        self.study_ = study
        self.trials_ = [t for t in study.get_trials(deepcopy=True) if t.number in ran]
        self.n_trials_ = len(self.trials_)
        self.sample_indices_ = objective.sample_indices
        self.n_iter_ = (
            max([len(t.intermediate_values) for t in self.trials_], default=0) or 1
            if self.enable_pruning
            else 1
        )
        self.multimetric_ = settings.multimetric
        self.scorer_ = (
            settings.scorers if settings.multimetric else settings.scorers[_SINGLE_METRIC]
        )
        self.n_splits_ = objective.n_splits
        self.cv_results_ = _build_cv_results(
            records, list(settings.scorers), return_train_score=self.return_train_score
        )
        self._select_best(settings)
        if self.refit:
            self._refit(X, y, fit_params)
        return self

    def _select_best(self, settings: _Settings) -> None:
        results = self.cv_results_
        if settings.multimetric and not self.refit:
            return  # scikit-learn leaves best_* unset: no metric was named to pick by
        if callable(self.refit):
            index = self.refit(results)
            n = len(results["params"])
            if isinstance(index, bool) or not isinstance(index, numbers.Integral):
                raise TypeError(
                    f"The refit callable must return an int index into cv_results_ (the "
                    f"best_index_), got {index!r} ({type(index).__name__})."
                )
            if not 0 <= index < n:
                raise IndexError(
                    f"The refit callable returned best_index_={index}, outside cv_results_, "
                    f"which has {n} rows (0 to {n - 1})."
                )
            best = int(index)
        else:
            metric = settings.study_metric
            best = int(np.argmin(results[f"rank_test_{metric}"]))
            self.best_score_ = float(results[f"mean_test_{metric}"][best])
        self.best_index_ = best
        self.best_params_ = results["params"][best]
        number = int(results["trial_number"][best])
        self.best_trial_ = next(t for t in self.trials_ if t.number == number)

    def _refit(self, X: Any, y: Any, fit_params: dict[str, Any]) -> None:
        estimator = clone(self.estimator).set_params(
            **{k: clone(v, safe=False) for k, v in self.best_params_.items()}
        )
        start = time.perf_counter()
        if y is None:
            estimator.fit(X, **fit_params)
        else:
            estimator.fit(X, y, **fit_params)
        self.refit_time_ = time.perf_counter() - start
        self.best_estimator_ = estimator

    def _make_study(self, settings: _Settings) -> Study:
        if self.study is not None:
            study = self.study
        else:
            sampler = self.sampler if self.sampler is not None else _default_sampler(settings)
            study = create_study(direction="maximize", sampler=sampler, pruner=self.pruner)
        if study.metric_names is None:
            study.set_metric_names([settings.study_metric])
        return study

    # -- parameter validation -----------------------------------------------------------

    def _check_params(self) -> _Settings:
        name = type(self).__name__
        if not hasattr(self.estimator, "fit"):
            raise ValueError(
                f"The 'estimator' parameter of {name} must be a scikit-learn estimator (with "
                f"a fit method), got {self.estimator!r}."
            )
        self._check_param_distributions()
        n_trials = self.n_trials
        if n_trials is not None and (
            isinstance(n_trials, bool)
            or not isinstance(n_trials, numbers.Integral)
            or n_trials < 1
        ):
            raise ValueError(
                f"The 'n_trials' parameter of {name} must be an int >= 1 or None, got "
                f"{n_trials!r}."
            )
        timeout = self.timeout
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0
        ):
            raise ValueError(
                f"The 'timeout' parameter of {name} must be a number of seconds > 0 or None, "
                f"got {timeout!r}."
            )
        if n_trials is None and timeout is None:
            raise ValueError(
                f"{name} needs a budget: set n_trials (e.g. n_trials=50), timeout (seconds), "
                "or both; both are None."
            )
        scorers, multimetric = _make_scorers(self.estimator, self.scoring)
        study_metric = self._check_refit(scorers, multimetric)
        error_score = self.error_score
        if not (
            error_score == "raise"
            if isinstance(error_score, str)
            else isinstance(error_score, numbers.Real) and not isinstance(error_score, bool)
        ):
            raise ValueError(
                f"The 'error_score' parameter of {name} must be 'raise' or a number (such as "
                f"np.nan or 0), got {error_score!r}."
            )
        self._check_search_parts()
        max_iter = self.max_iter
        if (
            isinstance(max_iter, bool)
            or not isinstance(max_iter, numbers.Integral)
            or max_iter < 1
        ):
            raise ValueError(
                f"The 'max_iter' parameter of {name} must be an int >= 1, got {max_iter!r}."
            )
        if self.enable_pruning and not hasattr(self.estimator, "partial_fit"):
            raise ValueError(
                f"enable_pruning=True trains with partial_fit, which "
                f"{type(self.estimator).__name__} does not have. Use an estimator with "
                "partial_fit (SGDClassifier, MLPClassifier, ...) or enable_pruning=False."
            )
        subsample = self.subsample
        valid_subsample = (
            not isinstance(subsample, bool)
            and isinstance(subsample, numbers.Real)
            and (
                subsample >= 1
                if isinstance(subsample, numbers.Integral)
                else 0 < float(subsample) <= 1
            )
        )
        if not valid_subsample:
            raise ValueError(
                f"The 'subsample' parameter of {name} must be a share in (0, 1] (float) or "
                f"a number of samples >= 1 (int), got {subsample!r}."
            )
        verbose = self.verbose
        if not isinstance(verbose, numbers.Integral) or verbose < 0:
            raise ValueError(
                f"The 'verbose' parameter of {name} must be an int >= 0, got {verbose!r}."
            )
        return _Settings(
            scorers=scorers,
            multimetric=multimetric,
            study_metric=study_metric,
            n_trials=None if n_trials is None else int(n_trials),
            timeout=None if timeout is None else float(timeout),
            n_jobs=self._n_threads(),
            error_score=error_score if isinstance(error_score, str) else float(error_score),
            subsample=subsample,
            max_iter=int(max_iter),
            seed=_seed(self.random_state),
            conditional=not isinstance(self.param_distributions, Mapping),
            callbacks=self._check_callbacks(),
            catch=_exception_tuple(self.catch),
        )

    def _check_param_distributions(self) -> None:
        space = self.param_distributions
        name = type(self).__name__
        if callable(space) and not isinstance(space, Mapping):
            return
        if not isinstance(space, Mapping):
            raise TypeError(
                f"The 'param_distributions' parameter of {name} must be a dict of parameter "
                "name -> parzen distribution, or a callable taking a trial and returning a "
                f"dict of estimator parameters; got {space!r} ({type(space).__name__}). "
                'Example: {"C": FloatDistribution(1e-3, 1e3, log=True)}.'
            )
        valid = self.estimator.get_params(deep=True)
        for key, distribution in space.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"param_distributions keys must be parameter names (str), got {key!r}."
                )
            if not isinstance(distribution, BaseDistribution):
                hint = ""
                if isinstance(distribution, (list, tuple)):
                    hint = (
                        " For a list of candidate values use "
                        f"CategoricalDistribution({list(distribution)!r})."
                    )
                raise ValueError(
                    f"param_distributions[{key!r}] must be a parzen distribution "
                    "(FloatDistribution, IntDistribution or CategoricalDistribution from "
                    f"parzen.distributions), got {distribution!r} "
                    f"({type(distribution).__name__}).{hint}"
                )
            if key not in valid:
                raise ValueError(
                    f"param_distributions has {key!r}, which is not a parameter of "
                    f"{type(self.estimator).__name__}. Valid parameters are: "
                    f"{sorted(valid)}."
                )

    def _check_refit(self, scorers: Mapping[str, Any], multimetric: bool) -> str:
        """Validate ``refit``; return the metric the study maximizes."""
        refit = self.refit
        if not (isinstance(refit, (bool, str)) or callable(refit)):
            raise TypeError(
                f"The 'refit' parameter of {type(self).__name__} must be a bool, a metric "
                f"name or a callable taking cv_results_ and returning best_index_, got "
                f"{refit!r} ({type(refit).__name__})."
            )
        if not multimetric:
            return _SINGLE_METRIC
        names = list(scorers)
        if isinstance(refit, str):
            if refit not in scorers:
                raise ValueError(
                    f"refit={refit!r} is not one of the scoring metrics {names}. Set refit to "
                    "one of them, to a callable returning best_index_ from cv_results_, or to "
                    "False."
                )
            return refit
        if refit is True:
            raise ValueError(
                f"With several metrics ({names}), refit must name the metric that picks the "
                "best candidate (e.g. refit="
                f"{names[0]!r}), or be a callable returning best_index_ from cv_results_, or "
                "False to skip refitting and best_*; refit=True was passed."
            )
        # refit=False or callable: the study follows the first metric.
        return names[0]

    def _check_search_parts(self) -> None:
        name = type(self).__name__
        if self.study is not None:
            if not isinstance(self.study, Study):
                raise TypeError(
                    f"The 'study' parameter of {name} must be a parzen Study or None, got "
                    f"{self.study!r}."
                )
            if self.study.directions != [StudyDirection.MAXIMIZE]:
                got = [d.name.lower() for d in self.study.directions]
                raise ValueError(
                    f"{name} maximizes the cross-validated score, so its study must have "
                    f"direction='maximize'; the study given has directions {got}. Create it "
                    "with parzen.create_study(direction='maximize')."
                )
            if self.sampler is not None or self.pruner is not None:
                raise ValueError(
                    f"{name} got a study and a sampler or pruner: a study has its own. Pass "
                    "them to parzen.create_study(sampler=..., pruner=...) instead."
                )
        if self.sampler is not None and not isinstance(self.sampler, BaseSampler):
            raise TypeError(
                f"The 'sampler' parameter of {name} must be a parzen sampler or None, got "
                f"{self.sampler!r}."
            )
        if self.pruner is not None and not isinstance(self.pruner, BasePruner):
            raise TypeError(
                f"The 'pruner' parameter of {name} must be a parzen pruner or None, got "
                f"{self.pruner!r}."
            )

    def _n_threads(self) -> int:
        n_jobs = self.n_jobs
        if n_jobs is None:
            return 1
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
            raise ValueError(
                f"The 'n_jobs' parameter of {type(self).__name__} must be None, a positive "
                f"int, or a negative int (-1: one thread per CPU), got {n_jobs!r}."
            )
        if n_jobs > 0:
            return int(n_jobs)
        # As in joblib: -1 is every CPU, -2 all but one, ...
        return max((os.cpu_count() or 1) + 1 + int(n_jobs), 1)

    def _check_callbacks(self) -> list[Callable[[Study, FrozenTrial], None]]:
        callbacks = list(self.callbacks or [])
        for callback in callbacks:
            if not callable(callback):
                raise TypeError(
                    f"The 'callbacks' parameter of {type(self).__name__} must hold callables "
                    f"taking (study, frozen_trial), got {callback!r}."
                )
        return callbacks

    # -- the best estimator's methods -----------------------------------------------------

    def _check_fitted(self) -> None:
        check_is_fitted(self)

    @available_if(_estimator_has("predict"))
    def predict(self, X: Any) -> Any:
        """``best_estimator_.predict(X)``."""
        self._check_fitted()
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """``best_estimator_.predict_proba(X)``."""
        self._check_fitted()
        return self.best_estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        """``best_estimator_.predict_log_proba(X)``."""
        self._check_fitted()
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """``best_estimator_.decision_function(X)``."""
        self._check_fitted()
        return self.best_estimator_.decision_function(X)

    @available_if(_estimator_has("score_samples"))
    def score_samples(self, X: Any) -> Any:
        """``best_estimator_.score_samples(X)``."""
        self._check_fitted()
        return self.best_estimator_.score_samples(X)

    @available_if(_estimator_has("transform"))
    def transform(self, X: Any) -> Any:
        """``best_estimator_.transform(X)``."""
        self._check_fitted()
        return self.best_estimator_.transform(X)

    @available_if(_estimator_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """``best_estimator_.inverse_transform(X)``."""
        self._check_fitted()
        return self.best_estimator_.inverse_transform(X)

    @available_if(_estimator_has("score"))
    def score(self, X: Any, y: Any = None) -> float:
        """Score ``best_estimator_`` on ``X, y`` with the search's scorer.

        That is ``scoring`` if given (the refit metric, or the first metric with a callable
        ``refit``), else the estimator's own ``score``.
        """
        self._check_fitted()
        scorer: Any = self.scorer_
        if self.multimetric_:
            metric = self.refit if isinstance(self.refit, str) else next(iter(scorer))
            scorer = scorer[metric]
        if y is None:
            return float(scorer(self.best_estimator_, X))
        return float(scorer(self.best_estimator_, X, y))

    @property
    def classes_(self) -> np.ndarray:
        """The class labels of ``best_estimator_``."""
        _estimator_has("classes_")(self)
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        """The number of features ``best_estimator_`` was fitted on."""
        try:
            check_is_fitted(self)
        except NotFittedError as e:
            raise AttributeError(
                f"{type(self).__name__} object has no n_features_in_ attribute: it is not "
                "fitted yet."
            ) from e
        return int(self.best_estimator_.n_features_in_)

    @property
    def feature_names_in_(self) -> np.ndarray:
        """The feature names ``best_estimator_`` was fitted on (X given as a DataFrame)."""
        try:
            check_is_fitted(self)
        except NotFittedError as e:
            raise AttributeError(
                f"{type(self).__name__} object has no feature_names_in_ attribute: it is not "
                "fitted yet."
            ) from e
        return self.best_estimator_.feature_names_in_

    # -- tags: a search is whatever kind of estimator it searches over ---------------------

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        try:
            inner = get_tags(self.estimator)
        except Exception:  # not a scikit-learn estimator yet, e.g. a placeholder
            return tags
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.transformer_tags = copy.deepcopy(inner.transformer_tags)
        tags.target_tags = copy.deepcopy(inner.target_tags)
        tags.input_tags = copy.deepcopy(inner.input_tags)
        return tags

    @property
    def _estimator_type(self) -> str | None:
        # OptunaSearchCV's, and older scikit-learn's, way of telling a classifier; newer
        # scikit-learn keeps it in the tags only.
        if _NEW_TAGS:
            from sklearn.utils import get_tags

            try:
                estimator_type: str | None = get_tags(self.estimator).estimator_type
            except Exception:  # not a scikit-learn estimator
                return None
            return estimator_type
        return getattr(self.estimator, "_estimator_type", None)

    if not _NEW_TAGS:

        def _more_tags(self) -> dict[str, Any]:
            return {"pairwise": _is_pairwise(self.estimator)}

    # -- the study, as OptunaSearchCV exposes it -----------------------------------------

    @property
    def user_attrs_(self) -> dict[str, Any]:
        """The study's user attributes.

        Raises:
            sklearn.exceptions.NotFittedError: ``fit`` has not run yet.
        """
        self._check_fitted()
        return self.study_.user_attrs

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute of the study (JSON data).

        Raises:
            sklearn.exceptions.NotFittedError: ``fit`` has not run yet.
        """
        self._check_fitted()
        self.study_.set_user_attr(key, value)

    def trials_dataframe(self, *args: Any, **kwargs: Any) -> Any:
        """The study's trials as a pandas DataFrame: :meth:`parzen.study.Study.trials_dataframe`.

        The objective's column is ``value``, as with OptunaSearchCV, although the study
        names its metric after the score (``values_score`` in the study's own frame).

        Raises:
            sklearn.exceptions.NotFittedError: ``fit`` has not run yet.
        """
        self._check_fitted()
        frame = self.study_.trials_dataframe(*args, **kwargs)
        names = self.study_.metric_names
        if names is not None and len(names) == 1:
            frame = frame.rename(columns={f"values_{names[0]}": "value"})
        return frame


OptunaSearchCV = ParzenSearchCV
"""Optuna's name for :class:`ParzenSearchCV`, so that ``optuna.integration.OptunaSearchCV``
code runs after ``import parzen as optuna``."""


# -- helpers -------------------------------------------------------------------------------


def _make_scorers(estimator: Any, scoring: Any) -> tuple[dict[str, Callable[..., Any]], bool]:
    """Scorers by metric name, and whether several metrics were asked for."""
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        try:
            return {_SINGLE_METRIC: check_scoring(estimator, scoring=scoring)}, False
        except ValueError as e:
            raise ValueError(f"Invalid scoring={scoring!r}: {e}") from e
    if isinstance(scoring, Mapping):
        named = dict(scoring)
        if not named or not all(isinstance(k, str) for k in named):
            raise ValueError(
                "scoring as a dict must map metric names (str) to scorers (names or "
                f"callables), and not be empty; got {scoring!r}."
            )
    elif isinstance(scoring, (list, tuple, set, frozenset)):
        names = sorted(scoring) if isinstance(scoring, (set, frozenset)) else list(scoring)
        if (
            not names
            or not all(isinstance(n, str) for n in names)
            or len(set(names)) != len(names)
        ):
            raise ValueError(
                "scoring as a list, tuple or set must hold distinct scorer names such as "
                f"['accuracy', 'f1_macro'], and not be empty; got {scoring!r}. Use a dict "
                "for callables."
            )
        named = {n: n for n in names}
    else:
        raise TypeError(
            "scoring must be None, a scorer name, a callable scorer, a list/tuple/set of "
            f"names or a dict of name -> scorer; got {scoring!r} ({type(scoring).__name__})."
        )
    scorers: dict[str, Callable[..., Any]] = {}
    for metric, scorer in named.items():
        if isinstance(scorer, str):
            try:
                scorers[metric] = get_scorer(scorer)
            except ValueError as e:
                raise ValueError(f"Invalid scoring[{metric!r}]={scorer!r}: {e}") from e
        elif callable(scorer):
            scorers[metric] = scorer
        else:
            raise TypeError(
                f"scoring[{metric!r}] must be a scorer name or a callable, got {scorer!r}."
            )
    return scorers, True


def _as_score(value: Any, metric: str) -> float:
    if isinstance(value, Mapping):
        raise TypeError(
            f"The scorer for {metric!r} returned a dict ({sorted(value)}). ParzenSearchCV "
            "needs one number per scorer: for several metrics pass scoring as a dict of "
            "scorers, e.g. {'acc': 'accuracy', 'f1': 'f1_macro'}."
        )
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"The scorer for {metric!r} must return a number, got {value!r} "
            f"({type(value).__name__})."
        )
    return float(value)


def _n_samples(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    return len(X)


def _is_pairwise(estimator: Any) -> bool:
    """Whether ``X`` is a (n_samples, n_samples) kernel or affinity matrix."""
    try:
        if _NEW_TAGS:
            from sklearn.utils import get_tags

            return bool(get_tags(estimator).input_tags.pairwise)
        return bool(estimator._get_tags().get("pairwise", False))
    except Exception:  # an estimator without scikit-learn's tag machinery
        return False


def _requires_y(estimator: Any) -> bool:
    try:
        if _NEW_TAGS:
            from sklearn.utils import get_tags

            return bool(get_tags(estimator).target_tags.required)
        return bool(estimator._get_tags().get("requires_y", False))
    except Exception:  # an estimator without scikit-learn's tag machinery
        return False


def _index_rows(
    X: Any, rows: np.ndarray, pairwise: bool, columns: np.ndarray | None = None
) -> Any:
    if not pairwise:
        return _safe_indexing(X, rows)
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(
            "A pairwise estimator (kernel='precomputed', metric='precomputed', ...) needs X to "
            f"be a square (n_samples, n_samples) matrix, got shape {shape}."
        )
    # A pairwise X's columns are samples too: a test fold keeps the training columns.
    return _safe_indexing(_safe_indexing(X, rows), rows if columns is None else columns, axis=1)


def _index_fit_params(
    params: Mapping[str, Any], indices: np.ndarray, n_samples: int
) -> dict[str, Any]:
    """Split the per-sample fit parameters (``sample_weight``, ...) with the data."""
    return {
        key: _safe_indexing(value, indices) if _per_sample(value, n_samples) else value
        for key, value in params.items()
    }


def _per_sample(value: Any, n_samples: int) -> bool:
    if value is None or isinstance(value, (str, bytes, Mapping)) or np.isscalar(value):
        return False
    if not (hasattr(value, "__len__") or hasattr(value, "shape")):
        return False
    try:
        return _n_samples(value) == n_samples
    except TypeError:
        return False


def _seed(random_state: Any) -> int | None:
    if random_state is None:
        return None
    rng = check_random_state(random_state)
    return int(rng.randint(np.iinfo(np.int32).max))


def _default_sampler(settings: _Settings) -> BaseSampler:
    try:
        from parzen.samplers import TPESampler  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        from parzen.samplers._tpe import TPESampler
    # A callable space may be conditional: group=True models the parameters that appear
    # together jointly, instead of falling back to one-at-a-time sampling for them.
    sampler: BaseSampler = TPESampler(seed=settings.seed, group=settings.conditional)
    return sampler


def _exception_tuple(catch: Any) -> tuple[type[Exception], ...]:
    items = (catch,) if isinstance(catch, type) else tuple(catch)
    for item in items:
        if not (isinstance(item, type) and issubclass(item, Exception)):
            raise TypeError(
                "The 'catch' parameter of ParzenSearchCV must be an exception class or a "
                f"tuple of them, e.g. (ValueError,); got {catch!r}."
            )
    return items


def _json_float(value: float) -> float | None:
    # Storages hold standard JSON, which has no NaN or infinity.
    return float(value) if np.isfinite(value) else None


def _user_attrs(record: _Record, settings: _Settings, search: ParzenSearchCV) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    splits = ("test", "train") if search.return_train_score else ("test",)
    for split in splits:
        for metric in settings.scorers:
            scores = record.scores(split, metric)
            for k, score in enumerate(scores):
                attrs[f"split{k}_{split}_{metric}"] = _json_float(score)
            attrs[f"mean_{split}_{metric}"] = _json_float(np.mean(scores))
            attrs[f"std_{split}_{metric}"] = _json_float(np.std(scores))
    for kind in ("fit", "score"):
        times = [getattr(fold, f"{kind}_time") for fold in record.folds]
        attrs[f"{kind}_times"] = times
        attrs[f"mean_{kind}_time"] = float(np.mean(times))
        attrs[f"std_{kind}_time"] = float(np.std(times))
    return attrs


def _raise_or_warn_about_failures(
    records: list[_Record], settings: _Settings, n_ran: int, *, refit: bool
) -> None:
    if not records:
        raise ValueError(
            f"None of the {n_ran} trial(s) finished cross-validation: every one was pruned or "
            "failed with an exception listed in catch. See the log, or study_ of a search "
            "with a study you passed, for the reasons."
        )
    n_fits = sum(len(r.folds) for r in records)
    fit_errors = [f.fit_error for r in records for f in r.folds if f.fit_error is not None]
    if len(fit_errors) == n_fits and refit and np.isnan(float(settings.error_score)):
        # Every trial failed (NaN): there is no best candidate to refit. Otherwise the search
        # ends as OptunaSearchCV's does: a numeric error_score gives complete trials with
        # that score, and without refit a NaN one leaves failed trials to look at.
        raise ValueError(
            f"All the {n_fits} fits failed; the estimator or its parameters are likely wrong. "
            f"The errors:\n{_summarize(fit_errors)}"
        )
    if fit_errors:
        warnings.warn(
            FitFailedWarning(
                f"{len(fit_errors)} fits failed out of {n_fits}; their scores are set to "
                f"error_score={settings.error_score!r}. If this is unexpected, set "
                f"error_score='raise' to see the error where it occurs. The errors:\n"
                f"{_summarize(fit_errors)}"
            ),
            stacklevel=3,
        )
    score_errors = [e for r in records for f in r.folds for e in f.score_errors]
    if score_errors:
        warnings.warn(
            f"Scoring failed {len(score_errors)} time(s); those scores are set to "
            f"error_score={settings.error_score!r}. The errors:\n{_summarize(score_errors)}",
            UserWarning,
            stacklevel=3,
        )


def _summarize(errors: Sequence[str]) -> str:
    counts = Counter(errors)
    return "\n".join(
        f"--- {count} time(s):\n{text.rstrip()}" for text, count in counts.most_common()
    )


_MISSING = object()


def _param_column(values: list[Any]) -> np.ma.MaskedArray:
    """A ``param_<name>`` column: numeric dtype when every value is a number, masked where a
    candidate has no such parameter (conditional spaces)."""
    present = [v for v in values if v is not _MISSING]
    mask = [v is _MISSING for v in values]
    dtype: Any = object
    try:
        probe = np.asarray(present)
        if probe.ndim == 1 and probe.dtype.kind in "biuf":
            dtype = probe.dtype
    except (ValueError, TypeError):
        pass
    data = np.empty(len(values), dtype=dtype)
    for i, value in enumerate(values):
        if value is not _MISSING:
            data[i] = value
    return np.ma.MaskedArray(data, mask=mask)


def _rank(means: np.ndarray) -> np.ndarray:
    """Rank 1 for the best mean, ties sharing the smallest rank; NaN ranks last."""
    from scipy.stats import rankdata

    filled = np.where(np.isnan(means), -np.inf, means)
    return np.asarray(rankdata(-filled, method="min"), dtype=np.int32)


def _build_cv_results(
    records: list[_Record], metrics: list[str], *, return_train_score: bool
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for kind in ("fit", "score"):
        times = np.array([[getattr(f, f"{kind}_time") for f in r.folds] for r in records])
        results[f"mean_{kind}_time"] = times.mean(axis=1)
        results[f"std_{kind}_time"] = times.std(axis=1)
    for name in sorted({name for r in records for name in r.params}):
        results[f"param_{name}"] = _param_column([r.params.get(name, _MISSING) for r in records])
    results["params"] = [r.params for r in records]
    for metric in metrics:
        for split in ("test", "train") if return_train_score else ("test",):
            scores = np.array([r.scores(split, metric) for r in records])
            for k in range(scores.shape[1]):
                results[f"split{k}_{split}_{metric}"] = scores[:, k]
            results[f"mean_{split}_{metric}"] = scores.mean(axis=1)
            results[f"std_{split}_{metric}"] = scores.std(axis=1)
            if split == "test":
                results[f"rank_test_{metric}"] = _rank(results[f"mean_test_{metric}"])
    results["trial_number"] = np.array([r.number for r in records], dtype=np.int64)
    return results


# Several fits may run at once (nested searches, threads); the verbosity they share is set
# by the first to start and restored by the last to finish.
_verbosity_lock = threading.Lock()
_verbosity_users = 0
_verbosity_saved = parzen_logging.WARNING


class _verbosity:
    """Within a fit: warnings only (verbose=0), each trial (1), debug messages (2+)."""

    def __init__(self, verbose: int) -> None:
        self.verbose = verbose

    def __enter__(self) -> None:
        global _verbosity_users, _verbosity_saved
        with _verbosity_lock:
            if _verbosity_users == 0:
                _verbosity_saved = parzen_logging.get_verbosity()
            _verbosity_users += 1
            if self.verbose <= 0:
                level = max(_verbosity_saved, parzen_logging.WARNING)
            else:
                wanted = parzen_logging.INFO if self.verbose == 1 else parzen_logging.DEBUG
                level = min(_verbosity_saved, wanted)
            parzen_logging.set_verbosity(level)

    def __exit__(self, *exc_info: object) -> None:
        global _verbosity_users
        with _verbosity_lock:
            _verbosity_users -= 1
            if _verbosity_users == 0:
                parzen_logging.set_verbosity(_verbosity_saved)
