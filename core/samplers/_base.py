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

    The ``study`` a hook receives may be a view that overrides the reads
    (``parzen.samplers._study_view.StudyView``): under a
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
        """Choose the parameters to sample jointly in ``sample_relative``.

        Called once per trial, just before ``sample_relative``, when the objective asks for its
        first parameter that is not enqueued. Typically the intersection of the finished
        trials' search spaces (see :class:`~parzen.search_space.IntersectionSearchSpace`).

        Args:
            study: the study (or a view of it, see the class docstring); read it only through
                the narrow interface.
            trial: the trial being sampled, as stored when it started (not to be mutated).

        Returns:
            The distributions by parameter name; empty when the sampler samples every
            parameter independently.

        Raises:
            Exception: any error (e.g. ``ValueError`` for a study the sampler cannot serve)
                propagates out of the objective's ``suggest_*`` call, and the trial fails as
                for an error of the objective.
        """

    @abc.abstractmethod
    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """Sample the parameters of ``search_space`` jointly.

        Called once per trial, right after ``infer_relative_search_space``, with what it
        returned (also when that is empty).

        Args:
            study: the study (or a view of it); read it only through the narrow interface.
            trial: the trial being sampled (not to be mutated).
            search_space: the distributions ``infer_relative_search_space`` returned.

        Returns:
            Values by parameter name, in external representation (e.g. the category itself,
            not its index). A subset of ``search_space`` is fine: the parameters left out go
            to ``sample_independent``. A key outside ``search_space`` raises ``ValueError``
            when the objective asks for that parameter.

        Raises:
            Exception: any error propagates out of the objective's ``suggest_*`` call, and the
                trial fails as for an error of the objective.
        """

    @abc.abstractmethod
    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Sample one parameter on its own.

        Called for each parameter the objective asks for that is neither enqueued nor covered
        by ``sample_relative``'s result: new, conditional or dynamic parameters.

        Args:
            study: the study (or a view of it); read it only through the narrow interface.
            trial: the trial being sampled (not to be mutated).
            param_name: the parameter's name.
            param_distribution: the distribution the objective asked for.

        Returns:
            A value in external representation that ``param_distribution`` contains.

        Raises:
            ValueError: the sampler cannot give this parameter a value (e.g. a
                :class:`~parzen.samplers.GridSampler` asked for a name not in its grid). Any
                error propagates out of the objective's ``suggest_*`` call, and the trial fails
                as for an error of the objective.
        """

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Prepare for a trial; called when it starts (``Study.ask``), before any sampling.

        The default does nothing.

        Args:
            study: the study (or a view of it); read it only through the narrow interface.
            trial: the new trial (not to be mutated); it may carry enqueued fixed parameters
                in its system attributes.

        Raises:
            Exception: any error propagates out of ``Study.ask``.
        """

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Finish a trial; called once the objective has returned, before the trial's final
        state is stored.

        The default does nothing. A sampler may write system attributes of the trial here
        (e.g. constraint values), since the trial is still running.

        Args:
            study: the study (or a view of it); read it only through the narrow interface.
            trial: the trial, still RUNNING in the storage (not to be mutated).
            state: the state the trial is about to get: COMPLETE, PRUNED or FAIL.
            values: the values the trial is about to be stored with: the objective values
                for COMPLETE, the last intermediate value for a PRUNED trial that reported
                one (not NaN), else ``None``.

        Raises:
            Exception: any error propagates out of ``Study.tell`` (or ``optimize``); the
                trial's final state is stored anyway.
        """

    def reseed_rng(self) -> None:
        """Draw a fresh seed, so that copies of this sampler in other workers diverge.

        ``Study.optimize`` calls it in each worker thread when ``n_jobs > 1``; the default
        does nothing (a sampler without random state needs no re-seeding).
        """

    def _raise_error_if_multi_objective(self, study: Study) -> None:
        if len(study.directions) > 1:
            raise ValueError(
                f"{type(self).__name__} supports single-objective studies only, and this study "
                f"has {len(study.directions)} objectives. Use TPESampler or NSGAIISampler."
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
