"""LightGBMTunerCV: the stepwise tuner over ``lightgbm.cv``."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from parzen.integrations._lightgbm_tuner._base import BaseTuner, StudyCallback

if TYPE_CHECKING:
    import lightgbm as lgb
    from sklearn.model_selection import BaseCrossValidator

    from parzen.study import Study


class LightGBMTunerCV(BaseTuner):
    """Stepwise hyperparameter tuner for ``lightgbm.cv``, as Optuna's LightGBMTunerCV.

    The same steps, budgets, study layout and public API as
    :class:`~parzen.integrations.lightgbm.LightGBMTuner`; a trial's score is the mean over the
    folds of the scored metric at the last round ``lightgbm.cv`` returns (its best round under
    early stopping). Arguments of ``lightgbm.cv`` are passed through, except ``metrics``,
    ``init_model`` and ``eval_train_metric``.

    Args:
        params: LightGBM parameters (see ``LightGBMTuner``).
        train_set: the ``lightgbm.Dataset`` to cross-validate on.
        num_boost_round: boosting rounds per fold.
        folds: as in ``lightgbm.cv``.
        nfold: as in ``lightgbm.cv``.
        stratified: as in ``lightgbm.cv``.
        shuffle: as in ``lightgbm.cv``.
        feval: as in ``lightgbm.cv``.
        fpreproc: as in ``lightgbm.cv``.
        seed: as in ``lightgbm.cv`` (the folds' seed, not the samplers').
        callbacks: LightGBM callbacks, called in every trial's training.
        feature_name: deprecated (as in optuna-integration); set it on the ``Dataset``.
        categorical_feature: deprecated (as in optuna-integration); set it on the ``Dataset``.
        time_budget: seconds after which no new trial starts.
        sample_size: unused, as in optuna-integration.
        study: the study to store trials in; its direction must match the metric's.
        optuna_callbacks: ``callback(study, frozen_trial)`` functions called after each trial.
        show_progress_bar: show a tqdm bar per step.
        model_dir: a directory in which, with ``return_cvbooster=True``, every trial's
            ``lightgbm.CVBooster`` is saved as ``{trial_number}.cvbooster.json`` (the folds'
            LightGBM text models in JSON).
        return_cvbooster: keep each trial's ``CVBooster``, so that :meth:`get_best_booster`
            can return it.
        optuna_seed: seed of the grid and TPE samplers.

    Examples:
        >>> import lightgbm as lgb
        >>> import parzen
        >>> from parzen.integrations.lightgbm import LightGBMTunerCV
        >>> from sklearn.datasets import load_breast_cancer
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
        >>> tuner = LightGBMTunerCV(
        ...     {"objective": "binary", "metric": "auc", "verbosity": -1},
        ...     lgb.Dataset(X, y),
        ...     num_boost_round=5,
        ...     nfold=3,
        ...     return_cvbooster=True,
        ...     show_progress_bar=False,
        ... )
        >>> tuner.tune_min_data_in_leaf()
        >>> len(tuner.study.trials), tuner.study.direction.name
        (5, 'MAXIMIZE')
        >>> len(tuner.get_best_booster().boosters)
        3
    """

    _is_cv = True

    def __init__(
        self,
        params: dict[str, Any],
        train_set: lgb.Dataset,
        num_boost_round: int = 1000,
        folds: (
            Generator[tuple[int, int], None, None]
            | Iterator[tuple[int, int]]
            | BaseCrossValidator
            | None
        ) = None,
        nfold: int = 5,
        stratified: bool = True,
        shuffle: bool = True,
        feval: Callable[..., Any] | None = None,
        feature_name: str | None = None,
        categorical_feature: str | None = None,
        fpreproc: Callable[..., Any] | None = None,
        seed: int = 0,
        callbacks: list[Callable[..., Any]] | None = None,
        time_budget: int | None = None,
        sample_size: int | None = None,
        study: Study | None = None,
        optuna_callbacks: Sequence[StudyCallback] | None = None,
        *,
        show_progress_bar: bool = True,
        model_dir: str | None = None,
        return_cvbooster: bool = False,
        optuna_seed: int | None = None,
    ) -> None:
        super().__init__(
            params,
            train_set,
            adapter=type(self).__name__,
            time_budget=time_budget,
            sample_size=sample_size,
            study=study,
            optuna_callbacks=optuna_callbacks,
            model_dir=model_dir,
            show_progress_bar=show_progress_bar,
            optuna_seed=optuna_seed,
            feature_name=feature_name,
            categorical_feature=categorical_feature,
        )
        self._return_cvbooster = return_cvbooster
        self._cv_kwargs: dict[str, Any] = {
            "num_boost_round": num_boost_round,
            "folds": folds,
            "nfold": nfold,
            "stratified": stratified,
            "shuffle": shuffle,
            "feval": feval,
            "fpreproc": fpreproc,
            "seed": seed,
            "callbacks": callbacks,
            "return_cvbooster": return_cvbooster,
        }

    def get_best_booster(self) -> lgb.CVBooster:
        """The ``lightgbm.CVBooster`` of the best trial.

        Raises:
            ValueError: the tuner was built without ``return_cvbooster=True``, no trial has
                completed, or the best trial's booster is neither in memory nor in
                ``model_dir``.
        """
        if not self._return_cvbooster:
            raise ValueError(
                "LightGBMTunerCV requires `return_cvbooster=True` for method "
                "`get_best_booster()`: without it, lightgbm.cv discards the folds' boosters."
            )
        return super().get_best_booster()

    def _train(self, params: dict[str, Any]) -> tuple[float, int, Any]:
        import lightgbm

        results = lightgbm.cv(params, self.train_set, **self._cv_kwargs)
        # lightgbm>=4 prefixes the set name ("valid l2-mean"); lightgbm<4 does not.
        for key in (f"valid {self._metric}-mean", f"{self._metric}-mean"):
            if key in results:
                means: list[float] = results[key]  # type: ignore[assignment]
                return float(means[-1]), len(means), results.get("cvbooster")
        reported = sorted(k for k in results if k.endswith("-mean"))
        raise KeyError(
            f"lightgbm.cv reported no metric {self._metric!r}; it reported {reported}. "
            "Set params['metric'] to one of them."
        )
