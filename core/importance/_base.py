"""The importance-evaluator interface and the trial-to-array encoding all evaluators share."""

from __future__ import annotations

import abc
import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study


class BaseImportanceEvaluator(abc.ABC):
    """Abstract parameter-importance evaluator.

    An evaluator reads the COMPLETE trials of a study and returns one non-negative importance
    per parameter; :func:`~parzen.importance.get_param_importances` normalizes and sorts them.

    Examples:
        >>> import parzen
        >>> from parzen.importance import BaseImportanceEvaluator
        >>> class FirstParamWins(BaseImportanceEvaluator):
        ...     def evaluate(self, study, params=None, *, target=None):
        ...         names = params or sorted(study.trials[0].params)
        ...         return {name: float(i == 0) for i, name in enumerate(names)}
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> parzen.importance.get_param_importances(study, evaluator=FirstParamWins())
        {'x': 1.0}
    """

    @abc.abstractmethod
    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        """Return the importance of each parameter (non-negative, not necessarily normalized).

        Args:
            study: The study whose COMPLETE trials are evaluated.
            params: Names of the parameters to evaluate; ``None`` lets the evaluator choose
                (see its documentation for how conditional parameters are treated).
            target: Maps a trial to the value to explain; ``None`` uses the objective value.

        Returns:
            A dict from parameter name to importance, sorted by decreasing importance.
        """


@dataclass(frozen=True)
class _ParamSpace:
    """How one parameter is encoded as floats.

    Numeric parameters are encoded as their value (its natural log for log-scaled ones);
    categorical parameters as the index of the choice in ``choices``.
    """

    name: str
    categorical: bool
    low: float
    high: float
    log: bool
    step: float | None
    choices: tuple[Any, ...]

    @property
    def n_choices(self) -> int:
        return len(self.choices)

    def single(self) -> bool:
        return self.n_choices <= 1 if self.categorical else self.low >= self.high


@dataclass
class _TrialMatrix:
    """Encoded parameters (NaN where a trial lacks the parameter) and target values."""

    spaces: dict[str, _ParamSpace]
    columns: dict[str, np.ndarray]
    values: np.ndarray
    trials: list[FrozenTrial]


def _choice_key(choice: Any) -> tuple[str, Any]:
    # True == 1 == 1.0 in Python; categorical choices must still be told apart.
    return (type(choice).__name__, choice)


def _merge_spaces(name: str, distributions: list[BaseDistribution]) -> _ParamSpace:
    """One encoding for a parameter whose distribution may have changed between trials."""
    if all(isinstance(d, CategoricalDistribution) for d in distributions):
        seen: dict[tuple[str, Any], Any] = {}
        for dist in distributions:
            assert isinstance(dist, CategoricalDistribution)
            for choice in dist.choices:
                seen.setdefault(_choice_key(choice), choice)
        return _ParamSpace(name, True, 0.0, 0.0, False, None, tuple(seen.values()))
    if all(isinstance(d, (FloatDistribution, IntDistribution)) for d in distributions):
        log = all(getattr(d, "log", False) for d in distributions)
        low = min(float(d.low) for d in distributions)
        high = max(float(d.high) for d in distributions)
        steps = {getattr(d, "step", None) for d in distributions}
        step = steps.pop() if len(steps) == 1 else None
        if log:
            low, high = math.log(low), math.log(high)
        return _ParamSpace(name, False, low, high, log, step, ())
    # The same name was suggested with a numeric and a categorical distribution: treat every
    # value that was seen as a category of its own.
    seen = {}
    for dist in distributions:
        if isinstance(dist, CategoricalDistribution):
            for choice in dist.choices:
                seen.setdefault(_choice_key(choice), choice)
    return _ParamSpace(name, True, 0.0, 0.0, False, None, tuple(seen.values()))


def _encode(space: _ParamSpace, values: Sequence[Any]) -> tuple[np.ndarray, _ParamSpace]:
    """Encode external values; a categorical space grows to hold values it did not list."""
    if space.categorical:
        index = {_choice_key(c): i for i, c in enumerate(space.choices)}
        choices = list(space.choices)
        codes = np.empty(len(values))
        for i, value in enumerate(values):
            key = _choice_key(value)
            if key not in index:
                index[key] = len(choices)
                choices.append(value)
            codes[i] = index[key]
        if len(choices) != len(space.choices):
            space = dataclasses.replace(space, choices=tuple(choices))
        return codes, space
    encoded = np.asarray(values, dtype=float)
    if space.log:
        encoded = np.log(encoded)
    return encoded, space


def _complete_trials(study: Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def _check_enough_trials(n: int, what: str = "COMPLETE trials") -> None:
    if n < 2:
        raise ValueError(
            f"Parameter importances need at least 2 {what}; got {n}. "
            "Run more trials (study.optimize(..., n_trials=...)) before evaluating importances."
        )


def _check_target(study: Study, target: Callable[[FrozenTrial], float] | None) -> None:
    if target is None and study._is_multi_objective():
        raise ValueError(
            f"This evaluator explains one value, but the study has {len(study.directions)} "
            "objectives and no target was given. Pass target=lambda t: t.values[0] (or the "
            "objective you want), or use PedAnovaImportanceEvaluator, which explains reaching "
            "the Pareto front."
        )


def _collect(
    trials: list[FrozenTrial],
    params: list[str] | None,
    *,
    require_all: bool,
) -> tuple[list[FrozenTrial], list[str], dict[str, _ParamSpace]]:
    """Choose the parameters to evaluate and the trials to use.

    With ``require_all`` (tree-based evaluators, which need a full matrix) ``params=None``
    means the parameters present in every trial, and only trials holding all of ``params``
    are kept. Without it every parameter seen in some trial is evaluated on the trials that
    hold it.
    """
    distributions: dict[str, list[BaseDistribution]] = {}
    for trial in trials:
        for name, dist in trial.distributions.items():
            bucket = distributions.setdefault(name, [])
            if not bucket or bucket[-1] != dist:
                bucket.append(dist)
    if params is None:
        if require_all:
            common: set[str] | None = None
            for trial in trials:
                names = set(trial.params)
                common = names if common is None else common & names
            params = sorted(common or ())
        else:
            params = sorted(distributions)
    else:
        missing = [p for p in params if p not in distributions]
        if missing:
            raise ValueError(
                f"Parameters {missing} do not appear in any COMPLETE trial of the study; "
                f"the parameters that do are {sorted(distributions)}."
            )
        if require_all:
            wanted = set(params)
            trials = [t for t in trials if wanted.issubset(t.params)]
            _check_enough_trials(len(trials), f"COMPLETE trials that hold all of {params}")
    spaces = {name: _merge_spaces(name, distributions[name]) for name in params}
    return trials, list(params), spaces


def _build_matrix(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    *,
    require_all: bool,
) -> _TrialMatrix:
    """Encode the COMPLETE trials; ``values`` is (n,) or, for several objectives and no
    target, (n, n_objectives)."""
    trials = _complete_trials(study)
    _check_enough_trials(len(trials))
    trials, names, spaces = _collect(trials, params, require_all=require_all)
    if target is not None:
        values = np.array([target(t) for t in trials], dtype=float)
    elif study._is_multi_objective():
        values = np.array([t.values for t in trials], dtype=float)
    else:
        values = np.array([t.value for t in trials], dtype=float)
    columns: dict[str, np.ndarray] = {}
    for name in names:
        present = [i for i, t in enumerate(trials) if name in t.params]
        column = np.full(len(trials), np.nan)
        if present:
            codes, spaces[name] = _encode(spaces[name], [trials[i].params[name] for i in present])
            column[present] = codes
        columns[name] = column
    return _TrialMatrix(spaces, columns, values, trials)


def _sort_by_importance(importances: dict[str, float]) -> dict[str, float]:
    return dict(sorted(importances.items(), key=lambda kv: kv[1], reverse=True))
