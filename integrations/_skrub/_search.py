"""ParzenParamSearch: a skrub DataOps plan's choices searched by a parzen study."""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import skrub
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from parzen.integrations._skrub import _results
from parzen.integrations._skrub._space import SearchSpace
from parzen.samplers import BaseSampler, GridSampler, TPESampler
from parzen.study import Study, create_study

if TYPE_CHECKING:
    import pandas as pd

    from parzen.storages import BaseStorage
    from parzen.trial import Trial

_NOT_FITTED = (
    "This ParzenParamSearch is not fitted yet: call fit(environment) first, or build it with "
    "make_randomized_search(..., fitted=True)."
)


class ParzenParamSearch(BaseEstimator):
    """Search a skrub DataOps plan's choices with a parzen study.

    The counterpart of skrub's ``OptunaParamSearch`` (what
    ``DataOp.skb.make_randomized_search(backend="optuna")`` returns), with any parzen sampler
    and storage. Each trial picks an outcome for every ``skrub.choose_float``, ``choose_int``,
    ``choose_from``, ``choose_bool`` and ``optional`` its branches use, sets them on the
    learner with ``set_params``, and scores it with ``skrub.cross_validate`` (skrub's default
    folds: 5, stratified for classifiers). Trials run in ``n_jobs`` threads.

    Each choice becomes one parameter of the study, named ``"<id>:<name>"`` as in skrub's
    Optuna backend (``"3:classifier"``; an unnamed choice goes by its description):

    - ``choose_float(low, high, log=...)``: ``FloatDistribution(low, high, log=...)``;
    - ``choose_int(low, high, log=...)``: ``IntDistribution(low, high, log=...)``;
    - either with ``n_steps``: a ``CategoricalDistribution`` of the grid's values;
    - ``choose_from``, ``choose_bool``, ``optional``: a ``CategoricalDistribution`` of the
      outcome *indices* (0, 1, ...), so any object can be an outcome and any storage (JSON
      only) can hold the trial; ``results_`` and ``best_learner_`` show the outcomes.

    A trial whose choices repeat an earlier trial's in the study (a grid's product over
    branches, a categorical space revisited) reuses its scores instead of refitting, and is
    left out of ``results_`` and ``cv_results_``.

    Args:
        data_op: The plan's final DataOp, or a ``SkrubLearner`` made from it.
        n_iter: The number of trials to run.
        scoring: As in skrub: None (the learner's ``score`` or the plan's
            ``.skb.with_scoring``), a scorer name or callable, or several (a list or dict),
            in which case ``refit`` names the one the study maximizes.
        n_jobs: Trials run at the same time, in threads (None: 1; -1: one per CPU).
        refit: Fit ``best_learner_`` on the whole environment at the end; with several
            metrics, the name of the metric to maximize.
        cv: Folds: None (5), an int, a scikit-learn splitter or an iterable of
            (train, test) index arrays. A splitter that shuffles needs a fixed
            ``random_state`` for every trial to see the same folds.
        random_state: Seed of the default sampler,
            ``TPESampler(seed=random_state, group=True)``.
        error_score: The score of a fold whose fit fails, or ``"raise"``. A trial all of
            whose folds fail ends FAIL.
        return_train_score: Also score the training folds.
        storage: A storage URL (``"sqlite:///search.db"``) or object; None keeps the study
            in memory.
        study_name: The study's name; an existing study of that name in ``storage`` is
            continued.
        sampler: Any parzen sampler (default: TPE, grouped by branch).
        timeout: Start no trial after this many seconds.

    Attributes:
        best_learner_: The best configuration, refit on the environment (``refit=True``).
        best_params_: The best trial's parameters (``study_.best_params``).
        best_score_: Its mean cross-validation score.
        results_: A DataFrame: the choices skrub describes and the mean test score(s), one
            row per trial, best first.
        detailed_results_: ``results_`` with standard deviations, train scores and times.
        cv_results_: The same in scikit-learn's ``cv_results_`` layout.
        study_: The :class:`parzen.study.Study` that ran the search.

    Examples:
        >>> import skrub
        >>> import parzen
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from parzen.integrations.skrub import ParzenParamSearch
        >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
        >>> X_a, y_a = make_classification(n_samples=60, random_state=0)
        >>> X, y = skrub.X(), skrub.y()
        >>> C = skrub.choose_float(0.01, 10.0, log=True, name="C")
        >>> pred = X.skb.apply(LogisticRegression(C=C), y=y)
        >>> search = ParzenParamSearch(pred, n_iter=4, cv=3, random_state=0)
        >>> search = search.fit({"X": X_a, "y": y_a})
        >>> list(search.best_params_)
        ['0:C']
        >>> list(search.results_.columns)
        ['C', 'mean_test_score']
        >>> search.predict({"X": X_a[:3]}).shape
        (3,)
    """

    def __init__(
        self,
        data_op: Any,
        n_iter: int = 10,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str = True,
        cv: Any = None,
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        storage: str | BaseStorage | None = None,
        study_name: str | None = None,
        sampler: BaseSampler | None = None,
        timeout: float | None = None,
    ) -> None:
        self.data_op = data_op
        self.n_iter = n_iter
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.random_state = random_state
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.storage = storage
        self.study_name = study_name
        self.sampler = sampler
        self.timeout = timeout

    # -- fitting -----------------------------------------------------------------------------

    def fit(self, environment: Mapping[str, Any]) -> ParzenParamSearch:
        """Run ``n_iter`` trials on ``environment``, then refit the best learner.

        Args:
            environment: The plan's variables by name, e.g. ``{"X": X, "y": y}``.

        Returns:
            self.

        Raises:
            ValueError: The plan has no choices, an argument is out of range, or every
                trial failed.
        """
        self._check_arguments()
        learner = _learner_of(self.data_op)
        space = SearchSpace(learner)
        study = create_study(
            storage=self.storage,
            sampler=self._make_sampler(),
            study_name=self.study_name,
            direction="maximize",
            load_if_exists=self.study_name is not None,
        )
        objective = _Objective(
            learner=learner,
            space=space,
            environment=environment,
            metric=self.refit if isinstance(self.refit, str) else None,
            study=study,
            cv_kwargs={
                "cv": self.cv,
                "scoring": self.scoring,
                "error_score": self.error_score,
                "return_train_score": self.return_train_score,
            },
        )
        n_jobs = 1 if self.n_jobs is None else self.n_jobs
        study.optimize(objective, n_trials=self.n_iter, n_jobs=n_jobs, timeout=self.timeout)
        self.study_ = study
        self._space = space
        trials = _results.recorded_trials(study)
        if not trials:
            raise ValueError(
                f"Every one of the {len(study.trials)} trials failed, so there is no best "
                "learner. Pass error_score='raise' to see the error of the first failing fit."
            )
        self._metric = (
            objective.metric
            or _results.metric_names(trials[0].user_attrs[_results.CV_RESULTS_ATTR])[0]
        )
        self.best_params_ = dict(study.best_params)
        self.best_score_ = float(study.best_value)
        if self.refit is not False:
            best = clone(learner)
            best.set_params(**space.set_params_from(self.best_params_))
            best.fit(environment)
            self.best_learner_ = best
        return self

    def _check_arguments(self) -> None:
        if not isinstance(self.n_iter, numbers.Integral) or self.n_iter < 1:
            raise ValueError(f"n_iter must be a positive int, got {self.n_iter!r}.")
        multi = isinstance(self.scoring, (list, tuple, set, dict))
        if multi and not isinstance(self.refit, str):
            raise ValueError(
                f"With several metrics (scoring={self.scoring!r}), refit must name the one the "
                f"study maximizes, got refit={self.refit!r}. Pass e.g. refit='accuracy'."
            )

    def _make_sampler(self) -> BaseSampler:
        if self.sampler is not None:
            return self.sampler
        seed = self.random_state
        if seed is not None and not isinstance(seed, numbers.Integral):
            seed = int(check_random_state(seed).randint(np.iinfo(np.int32).max))
        # group=True: a plan's branches make a conditional space, which grouped TPE models.
        return TPESampler(seed=seed, group=True)

    # -- results -----------------------------------------------------------------------------

    def _recorded(self) -> list[Any]:
        if not hasattr(self, "study_"):
            raise NotFittedError(_NOT_FITTED)
        return _results.recorded_trials(self.study_)

    @property
    def results_(self) -> pd.DataFrame:
        """The choices and mean test score(s) of each trial, best first."""
        trials = self._recorded()
        return _results.results_table(
            trials, self._space.display_order, self._metric, detailed=False
        )

    @property
    def detailed_results_(self) -> pd.DataFrame:
        """``results_`` with standard deviations, train scores, and fit and score times."""
        trials = self._recorded()
        return _results.results_table(
            trials, self._space.display_order, self._metric, detailed=True
        )

    @property
    def cv_results_(self) -> dict[str, Any]:
        """The results in scikit-learn's ``cv_results_`` layout (``params``: set_params keys)."""
        trials = self._recorded()
        params = [self._space.set_params_from(t.params) for t in trials]
        return _results.cv_results(trials, params)

    def plot_results(
        self,
        *,
        colorscale: str | None = None,
        min_score: float | None = None,
        show_scores: Iterable[str] | None = None,
        show_choices: Iterable[str] | None = None,
        show_times: Iterable[str] | None = None,
    ) -> Any:
        """A plotly parallel-coordinates plot of ``detailed_results_`` (needs plotly).

        Args:
            colorscale: A plotly colorscale name.
            min_score: Leave out the trials that scored lower.
            show_scores: The metrics to show (default: all).
            show_choices: The choices to show, by name (default: all).
            show_times: ``"fit"`` and/or ``"score"`` (default: both).
        """
        from parzen.integrations._skrub._plot import parallel_coordinates

        return parallel_coordinates(
            self.detailed_results_,
            metric=self._metric,
            colorscale=colorscale,
            min_score=min_score,
            show_scores=show_scores,
            show_choices=show_choices,
            show_times=show_times,
        )

    # -- the best learner's methods ---------------------------------------------------------

    def _best(self) -> Any:
        if "best_learner_" not in self.__dict__:
            if hasattr(self, "study_"):
                raise AttributeError(
                    "best_learner_ exists only with refit=True (or a metric name); this "
                    f"search ran with refit={self.refit!r}."
                )
            raise NotFittedError(_NOT_FITTED)
        return self.best_learner_

    @property
    def classes_(self) -> Any:
        return self._best().classes_

    def predict(self, environment: Mapping[str, Any]) -> Any:
        """``best_learner_.predict(environment)``."""
        return self._best().predict(environment)

    def predict_proba(self, environment: Mapping[str, Any]) -> Any:
        """``best_learner_.predict_proba(environment)``."""
        return self._best().predict_proba(environment)

    def predict_log_proba(self, environment: Mapping[str, Any]) -> Any:
        """``best_learner_.predict_log_proba(environment)``."""
        return self._best().predict_log_proba(environment)

    def decision_function(self, environment: Mapping[str, Any]) -> Any:
        """``best_learner_.decision_function(environment)``."""
        return self._best().decision_function(environment)

    def transform(self, environment: Mapping[str, Any]) -> Any:
        """``best_learner_.transform(environment)``."""
        return self._best().transform(environment)

    def score(self, environment: Mapping[str, Any]) -> Any:
        """``best_learner_.score(environment)``."""
        return self._best().score(environment)


def _learner_of(data_op: Any) -> Any:
    if isinstance(data_op, skrub.DataOp):
        return data_op.skb.make_learner()
    if isinstance(data_op, skrub.SkrubLearner):
        return clone(data_op)
    raise TypeError(
        "ParzenParamSearch searches a skrub plan: expected a skrub.DataOp (e.g. "
        "X.skb.apply(estimator, y=y)) or a SkrubLearner (DataOp.skb.make_learner()), got "
        f"{data_op!r} ({type(data_op).__name__}). For a scikit-learn estimator, use "
        "parzen.integrations.ParzenSearchCV."
    )


class _Objective:
    """One trial: suggest the choices, cross-validate the learner, record the scores."""

    def __init__(
        self,
        *,
        learner: Any,
        space: SearchSpace,
        environment: Mapping[str, Any],
        metric: str | None,
        study: Study,
        cv_kwargs: dict[str, Any],
    ) -> None:
        self._learner = learner
        self._space = space
        self._environment = environment
        self.metric = metric
        self._cv_kwargs = cv_kwargs
        self._lock = threading.Lock()
        # configuration -> the trial that evaluated it (a continued study's trials count)
        self._seen: dict[tuple[tuple[str, str], ...], Any] = {}
        for trial in _results.recorded_trials(study):
            self._seen[_configuration(trial.params)] = trial

    def __call__(self, trial: Trial) -> float:
        params = self._space.suggest(trial)
        configuration = _configuration(trial.params)
        with self._lock:
            earlier = self._seen.get(configuration)
        if earlier is not None:
            for key in (_results.CV_RESULTS_ATTR, _results.PARAMS_ATTR):
                trial.set_user_attr(key, earlier.user_attrs[key])
            trial.set_user_attr(_results.SAME_AS_ATTR, earlier.number)
            return self._value(earlier.user_attrs[_results.CV_RESULTS_ATTR])

        candidate = clone(self._learner)
        candidate.set_params(**params)
        scores = skrub.cross_validate(candidate, self._environment, **self._cv_kwargs)
        summary = _results.summarize_cv(scores)
        trial.set_user_attr(_results.CV_RESULTS_ATTR, summary)
        trial.set_user_attr(_results.PARAMS_ATTR, _results.json_safe(candidate.describe_params()))
        value = self._value(summary)
        if not math.isnan(value):
            with self._lock:
                self._seen.setdefault(configuration, _Recorded(trial.number, trial.user_attrs))
        return value

    def _value(self, summary: Mapping[str, Any]) -> float:
        names = _results.metric_names(summary)
        metric = self.metric or names[0]
        if len(names) > 1 and self.metric is None:
            raise ValueError(
                f"The scoring returns several metrics ({names}); pass refit=<one of them> to "
                "name the one the study maximizes."
            )
        if metric not in names:
            raise ValueError(
                f"refit={metric!r} is not one of the metrics the scoring returns: {names}."
            )
        value = summary.get(f"mean_test_{metric}")
        return math.nan if value is None else float(value)


class _Recorded:
    """The parts of an evaluated trial that a repeat of its configuration copies."""

    def __init__(self, number: int, user_attrs: Mapping[str, Any]) -> None:
        self.number = number
        self.user_attrs = dict(user_attrs)


def _configuration(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, repr(value)) for name, value in params.items()))


def make_randomized_search(
    data_op: Any,
    *,
    fitted: bool = False,
    n_iter: int = 10,
    scoring: Any = None,
    n_jobs: int | None = None,
    refit: bool | str = True,
    cv: Any = None,
    random_state: Any = None,
    error_score: Any = np.nan,
    return_train_score: bool = False,
    storage: str | BaseStorage | None = None,
    study_name: str | None = None,
    sampler: BaseSampler | None = None,
    timeout: float | None = None,
) -> ParzenParamSearch:
    """``data_op.skb.make_randomized_search(backend="optuna", ...)``, run by parzen.

    The arguments are skrub's (without ``backend``, ``verbose`` and ``pre_dispatch``: the
    trials run in parzen's threads); ``fitted=True`` fits on ``data_op.skb.get_data()``.
    See :class:`ParzenParamSearch` for the others.

    Examples:
        >>> import skrub
        >>> import parzen
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import Ridge
        >>> from parzen.integrations.skrub import make_randomized_search
        >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
        >>> X_a, y_a = make_regression(n_samples=40, n_features=3, noise=1.0, random_state=0)
        >>> alpha = skrub.choose_float(1e-3, 1e3, log=True, name="alpha")
        >>> pred = skrub.X(X_a).skb.apply(Ridge(alpha=alpha), y=skrub.y(y_a))
        >>> search = make_randomized_search(
        ...     pred, fitted=True, n_iter=5, cv=3, sampler=parzen.samplers.RandomSampler(seed=0)
        ... )
        >>> len(search.study_.trials), search.best_score_ > 0.9
        (5, True)
    """
    search = ParzenParamSearch(
        data_op,
        n_iter=n_iter,
        scoring=scoring,
        n_jobs=n_jobs,
        refit=refit,
        cv=cv,
        random_state=random_state,
        error_score=error_score,
        return_train_score=return_train_score,
        storage=storage,
        study_name=study_name,
        sampler=sampler,
        timeout=timeout,
    )
    return _fitted_if(search, data_op, fitted)


def make_grid_search(
    data_op: Any,
    *,
    fitted: bool = False,
    scoring: Any = None,
    n_jobs: int | None = None,
    refit: bool | str = True,
    cv: Any = None,
    error_score: Any = np.nan,
    return_train_score: bool = False,
    storage: str | BaseStorage | None = None,
    study_name: str | None = None,
    seed: int | None = None,
) -> ParzenParamSearch:
    """``data_op.skb.make_grid_search(...)``, run by :class:`parzen.samplers.GridSampler`.

    Every numeric choice needs ``n_steps`` (as in skrub). The grid is the product of every
    choice's values, :func:`grid_search_space`; points that differ only in choices their
    branch does not use are scored once.

    Args:
        seed: The order in which ``GridSampler`` visits the grid.

    Examples:
        >>> import skrub
        >>> import parzen
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from parzen.integrations.skrub import make_grid_search
        >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
        >>> X_a, y_a = make_classification(n_samples=60, random_state=0)
        >>> C = skrub.choose_float(0.01, 10.0, log=True, n_steps=4, name="C")
        >>> pred = skrub.X(X_a).skb.apply(LogisticRegression(C=C), y=skrub.y(y_a))
        >>> search = make_grid_search(pred, fitted=True, cv=3)
        >>> len(search.results_)
        4
    """
    grid = grid_search_space(data_op)
    search = ParzenParamSearch(
        data_op,
        n_iter=math.prod(len(values) for values in grid.values()),
        scoring=scoring,
        n_jobs=n_jobs,
        refit=refit,
        cv=cv,
        error_score=error_score,
        return_train_score=return_train_score,
        storage=storage,
        study_name=study_name,
        sampler=GridSampler(grid, seed=seed),
    )
    return _fitted_if(search, data_op, fitted)


def grid_search_space(data_op: Any) -> dict[str, list[Any]]:
    """The search space of :class:`parzen.samplers.GridSampler` for a plan's choices.

    Parameter names are :class:`ParzenParamSearch`'s (``"<id>:<name>"``); an enumerated
    choice's values are its outcome indices, a discretized numeric choice's its grid.

    Raises:
        ValueError: A numeric choice has no ``n_steps``, or the plan has no choices.

    Examples:
        >>> import skrub
        >>> from sklearn.linear_model import LogisticRegression
        >>> from parzen.integrations.skrub import grid_search_space
        >>> C = skrub.choose_from([0.1, 1.0, 10.0], name="C")
        >>> balanced = skrub.choose_bool(name="balanced")
        >>> weight = balanced.if_else("balanced", None)
        >>> pred = skrub.X().skb.apply(LogisticRegression(C=C, class_weight=weight), y=skrub.y())
        >>> grid_search_space(pred)
        {'0:C': [0, 1, 2], '1:balanced': [0, 1]}
    """
    return SearchSpace(_learner_of(data_op)).grid()


def _fitted_if(search: ParzenParamSearch, data_op: Any, fitted: bool) -> ParzenParamSearch:
    if not fitted:
        return search
    if not isinstance(data_op, skrub.DataOp):
        raise TypeError(
            f"fitted=True fits on the data the plan's variables hold, so it needs a skrub "
            f"DataOp, got {type(data_op).__name__}. Call .fit(environment) instead."
        )
    return search.fit(data_op.skb.get_data())
