"""BaseSampler: the contract of every sampler, its hooks' call order, and the narrow
interface through which samplers read and write the study."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from parzen.distributions import BaseDistribution
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study


class BaseSampler(abc.ABC):
    """Chooses the parameters of each trial.

    For every trial the study calls, in this order:

    1. ``before_trial(study, trial)``, when the trial starts (``Study.ask``);
    2. ``infer_relative_search_space(study, trial)``, then ``sample_relative(study, trial,
       space)``, once, when the objective asks for its first parameter that is not enqueued
       (``sample_relative`` is called even when ``space`` is empty, as in Optuna): joint
       sampling of the parameters the sampler knows from earlier trials. It must return
       only keys of ``space`` (another key is a ``ValueError`` when the objective asks for it);
    3. ``sample_independent(study, trial, name, distribution)`` for each parameter that
       relative sampling did not cover (new, conditional or dynamic ones);
    4. ``after_trial(study, trial, state, values)`` once the objective has returned, before
       the trial's final state is stored.

    The hooks are no-ops; a sampler that keeps random state re-seeds it in ``reseed_rng``,
    which parzen calls in each worker thread of ``optimize(n_jobs > 1)``, as Optuna does.

    **Reading the study.** A sampler reads and writes the study only through these
    :class:`~parzen.study.Study` members (the narrow interface; never ``study._storage``):

    - ``study.get_trials(deepcopy=False, states=...)``: the trials, by number (read only);
    - ``study.get_finished_trials_since(cursor)``: the trials that finished since ``cursor``
      (start at 0), and the next cursor: the incremental feed for histories that are updated,
      not rebuilt, at each suggestion (delivery is at-least-once: remember the ``_trial_id``
      of each trial seen);
    - ``study.count_trials(states=...)``: how many trials, without listing them;
    - ``study.get_trial_system_attrs(trial)`` and ``study.set_trial_system_attr(trial, key,
      value)``: a trial's system attributes, fresh from the storage, and a JSON write;
    - ``study.system_attrs`` and ``study.set_system_attr(key, value)``: the study's;
    - ``study.cache_key``: a hashable key for per-study caches (one sampler may serve several
      studies, and views of one);
    - ``study.directions`` (several means multi-objective), ``study.direction`` and
      ``study.study_name``.

    The ``study`` a hook receives may be a view that overrides the reads: under a
    :class:`~parzen.pruners.HyperbandPruner`, every hook gets a view of the current trial's
    bracket (as in Optuna), so ``get_trials``, ``get_finished_trials_since``,
    ``count_trials`` and ``cache_key`` show that bracket only; writes go to the study. Samplers
    written for Optuna that read ``study._storage`` and ``study._study_id`` keep working, but
    see every trial.

    Examples:
        >>> import parzen
        >>> class MidpointSampler(parzen.samplers.BaseSampler):
        ...     def infer_relative_search_space(self, study, trial):
        ...         return {}
        ...     def sample_relative(self, study, trial, search_space):
        ...         return {}
        ...     def sample_independent(self, study, trial, param_name, param_distribution):
        ...         return (param_distribution.low + param_distribution.high) / 2
        >>> study = parzen.create_study(sampler=MidpointSampler())
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 4), n_trials=1)
        >>> study.best_params
        {'x': 2.0}
    """

    @abc.abstractmethod
    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """The parameters to sample jointly in ``sample_relative`` (may be empty)."""

    @abc.abstractmethod
    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """Sample the parameters of ``search_space`` jointly; return external values."""

    @abc.abstractmethod
    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Sample one parameter on its own; return its external value."""

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Called when a trial starts, before any parameter is sampled."""

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Called when the objective has returned, before the final state is stored."""

    def reseed_rng(self) -> None:
        """Draw a fresh seed, so that copies of this sampler in other processes diverge."""

    def _raise_error_if_multi_objective(self, study: Study) -> None:
        if len(study.directions) > 1:
            raise ValueError(
                f"{type(self).__name__} supports single-objective studies only, and this study "
                f"has {len(study.directions)} objectives. Use TPESampler or NSGAIISampler."
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
