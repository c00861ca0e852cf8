"""Trial: the running trial an objective receives from ``Study.optimize`` or ``Study.ask``.

Each ``suggest_*`` call takes the sampler's relative value if it has one, else asks
``sample_independent``, and writes the parameter to storage; ``report`` and
``should_prune`` connect the objective to the pruner.
"""

from __future__ import annotations

import datetime
import warnings
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen._json import require_json
from parzen._records.constraints import named_constraint_key
from parzen.distributions import (
    _DEPRECATED,
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    _to_current,
    check_distribution_compatibility,
)
from parzen.trial._base import BaseTrial
from parzen.trial._constraints import read_constraints, with_constraint

if TYPE_CHECKING:
    from parzen.study import Study

_logger = parzen_logging.get_logger(__name__)

FIXED_PARAMS_KEY = "fixed_params"


class Trial(BaseTrial):
    """A running trial: the objective asks it for parameters and reports progress to it.

    Trials are made by :meth:`Study.optimize` or :meth:`Study.ask`; do not build one yourself.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     kind = trial.suggest_categorical("kind", ["linear", "quadratic"])
        ...     x = trial.suggest_float("x", -10, 10)
        ...     return abs(x) if kind == "linear" else x**2
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=5)
        >>> len(study.trials)
        5
    """

    def __init__(self, study: Study, trial_id: int) -> None:
        self.study = study
        self._trial_id = trial_id
        self.storage = study._storage
        # This process is the only writer of a running trial, so a local copy stays true
        # and spares a storage read per suggestion.
        self._cached_frozen_trial = self.storage.get_trial(trial_id)
        self._relative_search_space: dict[str, BaseDistribution] | None = None
        self._relative_params: dict[str, Any] | None = None
        self._sampler_study: Study | None = None

    # -- suggestions ------------------------------------------------------------------------

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        # On the hot path of every study: the cached trial's containers are read directly.
        if type(distribution) in _DEPRECATED:
            distribution = _to_current(distribution)
        frozen = self._cached_frozen_trial
        distributions = frozen._distributions
        if name in distributions:
            first = distributions[name]
            if first is not distribution:
                check_distribution_compatibility(first, distribution)
                if first != distribution:
                    warnings.warn(
                        f'Inconsistent parameter values for distribution with name "{name}"! '
                        f"It was suggested with {first!r} and now with {distribution!r}; the "
                        f"first value, {frozen.params[name]!r}, is returned. Suggest a name "
                        "with one range per trial, or use different names.",
                        RuntimeWarning,
                        stacklevel=3,
                    )
            return frozen._params[name]

        fixed_params = frozen._system_attrs.get(FIXED_PARAMS_KEY)
        if fixed_params and name in fixed_params:
            value = fixed_params[name]
            if not distribution._contains(distribution.to_internal_repr(value)):
                warnings.warn(
                    f"The enqueued value {name}={value!r} lies outside {distribution!r}; "
                    "it is used as given.",
                    stacklevel=3,
                )
        elif distribution.single():
            value = _only_value(distribution)
        elif name in self.relative_params and self._is_relative_param(name, distribution):
            value = self.relative_params[name]
        else:
            value = self.study.sampler.sample_independent(
                self._sampler_study or self._sampler_view(), frozen, name, distribution
            )

        internal = distribution.to_internal_repr(value)
        external = distribution.to_external_repr(internal)
        self.storage.set_trial_param(self._trial_id, name, internal, distribution)
        distributions[name] = distribution
        frozen._params[name] = external
        return external

    def _is_relative_param(self, name: str, distribution: BaseDistribution) -> bool:
        """Whether the relative value of ``name`` (which the sampler returned) fits
        ``distribution``."""
        relative = self.relative_search_space.get(name)
        if relative is None:
            raise ValueError(
                f"The parameter {name!r} was returned by {type(self.study.sampler).__name__}."
                "sample_relative but is not in the relative search space it was given "
                f"({sorted(self.relative_search_space)}). sample_relative must return only "
                "parameters of its search_space argument."
            )
        check_distribution_compatibility(relative, distribution)
        value = self.relative_params[name]
        return distribution._contains(distribution.to_internal_repr(value))

    def _sampler_view(self) -> Study:
        """What the sampler sees of the study while it samples this trial."""
        if self._sampler_study is not None:
            return self._sampler_study
        view = self.study._sampler_view(self._cached_frozen_trial)
        # The whole study stays the whole study; a pruner's view (Hyperband's bracket) may
        # change within the trial, so it is asked for again each time.
        if view is self.study:
            self._sampler_study = view
        return view

    @property
    def relative_search_space(self) -> dict[str, BaseDistribution]:
        if self._relative_search_space is None:
            frozen = self._cached_frozen_trial
            self._relative_search_space = self.study.sampler.infer_relative_search_space(
                self._sampler_view(), frozen
            )
        return self._relative_search_space

    @property
    def relative_params(self) -> dict[str, Any]:
        """Parameters the sampler chose jointly for this trial (computed on first use)."""
        if self._relative_params is None:
            space = self.relative_search_space
            # Called even with an empty space, as Optuna does: a sampler may act on it.
            frozen = self._cached_frozen_trial
            self._relative_params = self.study.sampler.sample_relative(
                self._sampler_view(), frozen, space
            )
        return self._relative_params

    # -- reporting and pruning --------------------------------------------------------------

    def report(self, value: float, step: int) -> None:
        """Record an intermediate ``value`` at ``step`` (an int >= 0) for pruners to judge.

        A step reported twice keeps its first value and warns.

        Raises:
            NotImplementedError: the study has several objectives.
            TypeError: ``value`` or ``step`` is not a number.
            ValueError: ``step`` is negative or not finite.
        """
        if self.study._is_multi_objective():
            raise NotImplementedError(
                "Trial.report is not supported in multi-objective studies: pruners compare a "
                "single learning curve. Report one objective through a single-objective study, "
                "or drop report()/should_prune()."
            )
        try:
            value = float(value)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"Trial.report expects a number as value, got {value!r} ({type(value).__name__})."
            ) from e
        step = _step_as_int(step)
        if step < 0:
            raise ValueError(
                f"Trial.report expects step >= 0, got step={step}. Count steps from 0."
            )
        frozen = self._cached_frozen_trial
        if step in frozen.intermediate_values:
            warnings.warn(
                f"Step {step} of trial {self.number} was already reported; the value {value} "
                "is ignored.",
                stacklevel=2,
            )
            return
        self.storage.set_trial_intermediate_value(self._trial_id, step, value)
        frozen.intermediate_values[step] = value

    def should_prune(self) -> bool:
        """Ask the study's pruner whether to stop this trial now.

        Raises:
            NotImplementedError: the study has several objectives.
        """
        if self.study._is_multi_objective():
            raise NotImplementedError(
                "Trial.should_prune is not supported in multi-objective studies."
            )
        # The local copy holds everything written through this trial. A pruner that keeps
        # state of its own in the storage (successive halving's rungs) reads it back itself,
        # only when it needs it, instead of every call paying a storage read.
        return bool(self.study.pruner.prune(self.study, self._cached_frozen_trial._copy()))

    # -- attributes -------------------------------------------------------------------------

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value (number, string, bool, None, list, dict) to the trial."""
        require_json(value, f"user attribute {key!r}")
        self.storage.set_trial_user_attr(self._trial_id, key, value)
        self._cached_frozen_trial.user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value for parzen's own components (samplers, pruners)."""
        require_json(value, f"system attribute {key!r}")
        self.storage.set_trial_system_attr(self._trial_id, key, value)
        self._cached_frozen_trial.system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value; the trial is feasible when every constraint is <= 0.

        Samplers that support constraints steer away from infeasible regions, and
        ``best_trial``/``best_trials`` only return feasible trials.

        Examples:
            >>> import parzen
            >>> def objective(trial):
            ...     x = trial.suggest_float("x", 0, 10)
            ...     trial.set_constraint("x_at_least_3", 3 - x)
            ...     return x
            >>> study = parzen.create_study()
            >>> study.optimize(objective, n_trials=20)
            >>> study.best_value >= 3
            True
        """
        number = with_constraint(self._cached_frozen_trial.system_attrs, key, value)
        if number is not None:
            self.set_system_attr(named_constraint_key(str(key)), number)

    @property
    def constraints(self) -> dict[str, float]:
        """The constraint values recorded with :meth:`set_constraint`."""
        return read_constraints(self._cached_frozen_trial.system_attrs)

    # -- read-only views --------------------------------------------------------------------

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._cached_frozen_trial.params)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return dict(self._cached_frozen_trial.distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._cached_frozen_trial.user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._cached_frozen_trial.system_attrs)

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._cached_frozen_trial.datetime_start

    @property
    def number(self) -> int:
        return self._cached_frozen_trial.number


def _step_as_int(step: Any) -> int:
    """``report``'s step as an int: integral floats are accepted, as in Optuna, and other
    floats are truncated as Optuna truncates them, with a warning."""
    if isinstance(step, (bool, str, bytes)) or not hasattr(step, "__int__"):
        raise TypeError(
            f"Trial.report expects an int as step, got {step!r} ({type(step).__name__})."
        )
    if hasattr(step, "__index__"):
        return int(step.__index__())
    try:
        as_int = int(step)
    except (OverflowError, ValueError) as e:
        raise ValueError(f"Trial.report expects a finite step, got {step!r}.") from e
    if as_int != step:
        warnings.warn(
            f"Trial.report: step={step!r} is not an integer; it is truncated to {as_int}.",
            UserWarning,
            stacklevel=3,
        )
    return as_int


def _only_value(distribution: BaseDistribution) -> Any:
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[0]
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    return distribution.to_external_repr(distribution.low)
