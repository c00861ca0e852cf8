"""PartialFixedSampler: fix some parameters and delegate the rest to another sampler.

A wrapper over any :class:`~parzen.samplers.BaseSampler`: it forwards every hook to the
base sampler, removing the fixed parameters from its relative search space.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from parzen.distributions import BaseDistribution, CategoricalDistribution
from parzen.samplers._base import BaseSampler
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study


class PartialFixedSampler(BaseSampler):
    """Fixes some parameters to given values and lets another sampler choose the rest.

    A fixed value outside the range the objective asks for is used as given, with a warning;
    a fixed categorical value must be one of the choices. Values enqueued with
    :meth:`~parzen.study.Study.enqueue_trial` take precedence over fixed ones.

    Args:
        fixed_params: parameter name -> the value every trial uses.
        base_sampler: the sampler that chooses the other parameters.

    Raises:
        TypeError: ``fixed_params`` is not a dict or ``base_sampler`` not a sampler.

    Examples:
        After some optimization, fix ``y`` to its best value and re-optimize ``x``.

        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     y = trial.suggest_int("y", -1, 1)
        ...     return x**2 + y
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=10)
        >>> fixed_params = {"y": study.best_params["y"]}
        >>> study.sampler = parzen.samplers.PartialFixedSampler(fixed_params, study.sampler)
        >>> study.optimize(objective, n_trials=10)
        >>> {t.params["y"] for t in study.trials[10:]} == {fixed_params["y"]}
        True
    """

    def __init__(self, fixed_params: dict[str, Any], base_sampler: BaseSampler) -> None:
        if not isinstance(fixed_params, Mapping):
            raise TypeError(
                "PartialFixedSampler: fixed_params must be a dict of parameter name -> value, "
                f"got {fixed_params!r} ({type(fixed_params).__name__})."
            )
        if not isinstance(base_sampler, BaseSampler):
            raise TypeError(
                "PartialFixedSampler: base_sampler must be a sampler (a BaseSampler), got "
                f"{base_sampler!r} ({type(base_sampler).__name__}). Pass e.g. "
                "parzen.samplers.TPESampler()."
            )
        self._fixed_params = dict(fixed_params)
        self._base_sampler = base_sampler

    def __repr__(self) -> str:
        return f"PartialFixedSampler({self._fixed_params!r}, {self._base_sampler!r})"

    def reseed_rng(self) -> None:
        self._base_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        search_space = self._base_sampler.infer_relative_search_space(study, trial)
        return {
            name: distribution
            for name, distribution in search_space.items()
            if name not in self._fixed_params
        }

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        # The fixed parameters were left out of the search space, so the base sampler
        # chooses only the free ones.
        return self._base_sampler.sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name not in self._fixed_params:
            return self._base_sampler.sample_independent(
                study, trial, param_name, param_distribution
            )
        value = self._fixed_params[param_name]
        try:
            internal = param_distribution.to_internal_repr(value)
        except ValueError as e:
            expected = (
                f"one of the choices {list(param_distribution.choices)!r}"
                if isinstance(param_distribution, CategoricalDistribution)
                else f"a value of {param_distribution!r}"
            )
            raise ValueError(
                f"PartialFixedSampler: the fixed value {value!r} of {param_name!r} cannot be "
                f"used: the objective asks for {expected}. Fix {param_name!r} to such a value."
            ) from e
        if not param_distribution._contains(internal):
            warnings.warn(
                f"Fixed parameter {param_name!r} with value {value!r} is out of range for "
                f"distribution {param_distribution!r}; the value is used as given.",
                stacklevel=2,
            )
        return value

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._base_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._base_sampler.after_trial(study, trial, state, values)
