"""A conformance suite that every sampler should pass.

Subclass :class:`SamplerConformance` in a test module, override :meth:`make_sampler`, set the
capability flags that differ from the defaults, and pytest collects the checks (the class
name must start with ``Test``)::

    from parzen.samplers import TPESampler
    from parzen.testing.samplers import SamplerConformance

    class TestTPESampler(SamplerConformance):
        n_trials = 16  # past n_startup_trials, so that the model itself is exercised

        def make_sampler(self, seed):
            return TPESampler(seed=seed, n_startup_trials=5)

The checks cover the contract of :class:`parzen.samplers.BaseSampler` that does not depend on
the sampling rule: values inside their distributions for every kind of distribution (float,
log, step, int, categorical with ``None``, ``bool`` and mixed-type choices, single-value
ones), conditional parameters, reproducibility with a seed and divergence after
``reseed_rng``, enqueued parameters, ``n_jobs=2``, multi-objective studies, ask-and-tell,
histories holding failed, pruned and added trials, and pickling. Each sampler's own
behaviour is tested in its own test module.

All checks optimize the objective of :meth:`SamplerConformance.objective` over
:meth:`SamplerConformance.search_space`; samplers that need to know the parameters up front
(e.g. a grid) can build themselves from ``self.search_space()`` in ``make_sampler``.
"""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pytest

import parzen
from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.exceptions import TrialPruned
from parzen.trial import TrialState, create_trial

if TYPE_CHECKING:
    from parzen.samplers import BaseSampler
    from parzen.study import Study
    from parzen.trial import BaseTrial, FrozenTrial

#: The conditional part of the objective: ``BRANCH`` chooses which parameters follow.
BRANCH = "branch"
BRANCH_PARAMS = {"left": ("left_x",), "right": ("right_n", "right_c")}


class _ObjectiveFailure(Exception):
    """Raised by the objective to make a trial FAIL on purpose."""


class SamplerConformance:
    """Checks every sampler must pass; override :meth:`make_sampler` in a ``Test*`` subclass.

    The class attributes below are capability flags and sizes; override those that differ.
    """

    #: Whether the sampler works in studies with several objectives. If False, that check is
    #: skipped.
    supports_multi_objective: bool = True
    #: Whether two samplers made with the same seed suggest the same values in one worker.
    deterministic_with_seed: bool = True
    #: Whether ``reseed_rng`` makes a seeded sampler suggest other values than before.
    reseed_changes_sequence: bool = True
    #: Whether the sampler needs every parameter to take finitely many values (a brute-force
    #: search); then :meth:`search_space` gives continuous floats a step.
    requires_finite_space: bool = False
    #: Whether the sampler refuses a search space that changes between trials, parameter
    #: order included (a tree search, as BruteForceSampler): then every trial of the
    #: ask-and-tell check asks for the same parameters first.
    requires_fixed_search_space: bool = False
    #: Whether both branches of the conditional parameters are reached within ``n_trials``.
    explores_every_branch: bool = True
    #: Trials per optimization in each check. Raise it past a sampler's startup trials so
    #: that its model is exercised; keep it small, the suite runs many optimizations.
    n_trials: int = 12

    def make_sampler(self, seed: int | None) -> BaseSampler:
        """Return a fresh sampler to check, seeded with ``seed`` (None: unseeded). Override."""
        raise NotImplementedError(
            "Subclasses of SamplerConformance must override make_sampler(seed) to return the "
            "sampler under test, e.g. `return TPESampler(seed=seed)`."
        )

    # -- the problem ------------------------------------------------------------------------

    def search_space(self) -> dict[str, BaseDistribution]:
        """Every parameter the objective may suggest, conditional ones included.

        Parameters named in :data:`BRANCH_PARAMS` are suggested only on their branch; the
        ``single_*`` ones hold exactly one value.
        """
        finite = self.requires_finite_space
        space: dict[str, BaseDistribution] = {
            "float": FloatDistribution(-3.0, 3.0, step=0.5 if finite else None),
            "float_step": FloatDistribution(0.0, 1.0, step=0.25),
            "int": IntDistribution(-5, 5),
            "int_log": IntDistribution(1, 64, log=True),
            "int_step": IntDistribution(0, 12, step=3),
            "cat_str": CategoricalDistribution(["a", "b", "c"]),
            "cat_mixed": CategoricalDistribution([None, True, False, 0, 1, 2.5, "x"]),
            "cat_bool": CategoricalDistribution([False, True]),
            "single_float": FloatDistribution(1.5, 1.5),
            "single_float_step": FloatDistribution(0.0, 0.4, step=0.5),
            "single_int": IntDistribution(3, 3),
            "single_cat": CategoricalDistribution(["only"]),
            BRANCH: CategoricalDistribution(list(BRANCH_PARAMS)),
            "left_x": FloatDistribution(0.0, 1.0, step=0.125 if finite else None),
            "right_n": IntDistribution(0, 3),
            "right_c": CategoricalDistribution([1, 2.0, "three"]),
        }
        if not finite:
            space["float_log"] = FloatDistribution(1e-4, 1.0, log=True)
        return space

    def objective(self, trial: BaseTrial) -> float:
        """Suggest every parameter of the search space (one branch) and return a number."""
        space = self.search_space()
        conditional = {name for names in BRANCH_PARAMS.values() for name in names}
        params = {
            name: _suggest(trial, name, distribution)
            for name, distribution in space.items()
            if name not in conditional
        }
        for name in BRANCH_PARAMS[params[BRANCH]]:
            params[name] = _suggest(trial, name, space[name])
        return _score(params)

    def enqueued_params(self) -> dict[str, Any]:
        """Values for some parameters, enqueued before an optimization in one check."""
        space = self.search_space()
        float_dist, int_dist = space["float"], space["int"]
        assert isinstance(float_dist, FloatDistribution)
        assert isinstance(int_dist, IntDistribution)
        return {"float": float_dist.high, "int": int_dist.low, "cat_mixed": None, BRANCH: "right"}

    # -- helpers ----------------------------------------------------------------------------

    def _added_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` for a trial added from elsewhere; for a sampler that needs a fixed search
        space, completed to every parameter the objective suggests, in its order."""
        if not self.requires_fixed_search_space:
            return params
        conditional = {name for names in BRANCH_PARAMS.values() for name in names}
        space = self.search_space()
        full = {
            name: params.get(name, _first_value(distribution))
            for name, distribution in space.items()
            if name not in conditional
        }
        for name in BRANCH_PARAMS[full[BRANCH]]:
            full[name] = params.get(name, _first_value(space[name]))
        return full

    def _study(
        self, sampler: BaseSampler | None = None, *, n_objectives: int = 1, seed: int = 0
    ) -> Study:
        return parzen.create_study(
            sampler=self.make_sampler(seed) if sampler is None else sampler,
            directions=["minimize", "maximize"][:n_objectives] if n_objectives > 1 else None,
        )

    def _optimize(
        self,
        study: Study,
        objective: Callable[[Any], Any] | None = None,
        *,
        n_trials: int | None = None,
        **kwargs: Any,
    ) -> None:
        with warnings.catch_warnings():
            # Samplers may warn by design (e.g. about independent sampling); the checks are
            # about what they suggest.
            warnings.simplefilter("ignore")
            study.optimize(
                objective or self.objective, n_trials=n_trials or self.n_trials, **kwargs
            )

    def _assert_valid(self, trial: FrozenTrial) -> None:
        """The trial's parameters are those of one branch, each inside its distribution."""
        space = self.search_space()
        assert BRANCH in trial.params, f"trial {trial.number} lacks {BRANCH!r}: {trial.params}"
        branch = trial.params[BRANCH]
        expected = {
            name for name in space if not any(name in names for names in BRANCH_PARAMS.values())
        } | set(BRANCH_PARAMS[branch])
        assert set(trial.params) == expected, (
            f"trial {trial.number} on branch {branch!r} has parameters {sorted(trial.params)}, "
            f"expected {sorted(expected)}"
        )
        for name, value in trial.params.items():
            _assert_in_distribution(name, value, space[name])
            assert trial.distributions[name] == space[name]

    def _sequence(self, study: Study) -> list[list[tuple[str, str, Any]]]:
        return [
            [(name, type(value).__name__, value) for name, value in sorted(trial.params.items())]
            for trial in study.get_trials(deepcopy=False)
        ]

    # -- checks -----------------------------------------------------------------------------

    def test_values_inside_distributions(self) -> None:
        study = self._study()
        self._optimize(study)
        trials = study.get_trials(deepcopy=False)
        assert len(trials) == self.n_trials
        for trial in trials:
            assert trial.state == TrialState.COMPLETE, trial
            self._assert_valid(trial)

    def test_single_value_distributions(self) -> None:
        study = self._study()
        self._optimize(study)
        for trial in study.get_trials(deepcopy=False):
            assert trial.params["single_float"] == 1.5
            assert trial.params["single_float_step"] == 0.0
            assert trial.params["single_int"] == 3
            assert trial.params["single_cat"] == "only"

    def test_conditional_parameters(self) -> None:
        study = self._study()
        self._optimize(study)
        branches = set()
        for trial in study.get_trials(deepcopy=False):
            self._assert_valid(trial)
            branches.add(trial.params[BRANCH])
        if self.explores_every_branch:
            assert branches == set(BRANCH_PARAMS), f"only branches {branches} were explored"

    def test_same_seed_same_sequence(self) -> None:
        if not self.deterministic_with_seed:
            pytest.skip("the sampler is not deterministic with a seed")
        runs = []
        for _ in range(2):
            study = self._study(seed=42)
            self._optimize(study)
            runs.append(self._sequence(study))
        assert runs[0] == runs[1]

    def test_reseed_rng_changes_sequence(self) -> None:
        if not self.reseed_changes_sequence:
            pytest.skip("reseed_rng does not change this sampler's suggestions")
        reference = self._study(seed=42)
        self._optimize(reference)
        reseeded = self.make_sampler(42)
        reseeded.reseed_rng()
        study = self._study(reseeded)
        self._optimize(study)
        assert self._sequence(study) != self._sequence(reference)

    def test_unseeded(self) -> None:
        study = parzen.create_study(sampler=self.make_sampler(None))
        self._optimize(study)
        for trial in study.get_trials(deepcopy=False):
            assert trial.state == TrialState.COMPLETE
            self._assert_valid(trial)

    def test_enqueued_params_are_used(self) -> None:
        study = self._study()
        enqueued = self.enqueued_params()
        study.enqueue_trial(enqueued)
        self._optimize(study, n_trials=3)
        self._optimize(study, n_trials=self.n_trials)
        study.enqueue_trial(enqueued)
        self._optimize(study, n_trials=2)
        trials = study.get_trials(deepcopy=False)
        for index in (0, 3 + self.n_trials):
            for name, value in enqueued.items():
                assert trials[index].params[name] == value
                assert type(trials[index].params[name]) is type(value)
        for trial in trials:
            assert trial.state == TrialState.COMPLETE, trial
            self._assert_valid(trial)

    def test_two_threads(self) -> None:
        study = self._study()
        self._optimize(study, n_jobs=2)
        trials = study.get_trials(deepcopy=False)
        assert len(trials) == self.n_trials
        assert len({trial.number for trial in trials}) == self.n_trials
        for trial in trials:
            assert trial.state == TrialState.COMPLETE, trial
            self._assert_valid(trial)

    def test_multi_objective(self) -> None:
        if not self.supports_multi_objective:
            pytest.skip("the sampler supports single-objective studies only")

        def objective(trial: BaseTrial) -> tuple[float, float]:
            value = self.objective(trial)
            return value, math.sin(value)

        study = self._study(n_objectives=2)
        self._optimize(study, objective)
        trials = study.get_trials(deepcopy=False)
        assert len(trials) == self.n_trials
        for trial in trials:
            assert trial.state == TrialState.COMPLETE, trial
            assert trial.values is not None and len(trial.values) == 2
            self._assert_valid(trial)

    def test_ask_and_tell(self) -> None:
        study = self._study()
        space = self.search_space()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for index in range(self.n_trials):
                if index % 3 == 2 or self.requires_fixed_search_space:
                    # Parameters given to ask() are sampled before the objective runs.
                    trial = study.ask({name: space[name] for name in ("float", "cat_mixed")})
                    assert set(trial.params) == {"float", "cat_mixed"}
                else:
                    trial = study.ask()
                frozen = study.tell(trial, self.objective(trial))
                assert frozen.state == TrialState.COMPLETE
        for trial in study.get_trials(deepcopy=False):
            self._assert_valid(trial)

    def test_history_with_failed_pruned_and_added_trials(self) -> None:
        study = self._study()
        space = self.search_space()
        # Trials the sampler did not sample: added from elsewhere, and ones with no params.
        for index, state in enumerate((TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)):
            params = self._added_params(
                {"float": float(index) - 1.0, BRANCH: "left", "left_x": 0.0}
            )
            study.add_trial(
                create_trial(
                    state=state,
                    value=float(index) if state == TrialState.COMPLETE else None,
                    params=params,
                    distributions={name: space[name] for name in params},
                )
            )
        study.tell(study.ask(), state=TrialState.FAIL)
        study.tell(study.ask(), state=TrialState.PRUNED)

        def objective(trial: BaseTrial) -> float:
            value = self.objective(trial)
            kind = trial.number % 4
            if kind == 1:
                raise TrialPruned()
            if kind == 2:
                raise _ObjectiveFailure("a failure on purpose")
            if kind == 3 and trial.number < 2 * self.n_trials // 3:
                return math.nan  # an invalid value: the trial FAILs
            return value

        self._optimize(study, objective, catch=(_ObjectiveFailure,))
        self._optimize(study)
        trials = study.get_trials(deepcopy=False)[5:]
        assert len(trials) == 2 * self.n_trials
        states = {trial.state for trial in trials}
        assert states == {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL}
        for trial in trials:
            self._assert_valid(trial)
        assert all(trial.state == TrialState.COMPLETE for trial in trials[self.n_trials :])

    def test_relative_search_space_holds_distributions(self) -> None:
        study = self._study()
        self._optimize(study)
        trial = study.ask()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search_space = trial.relative_search_space
            relative = trial.relative_params
        space = self.search_space()
        for name, distribution in search_space.items():
            assert isinstance(name, str) and isinstance(distribution, BaseDistribution)
            assert name in space, f"{name!r} is not a parameter of the study"
        for name, value in relative.items():
            assert name in search_space, f"{name!r} was sampled but is not in the search space"
            _assert_in_distribution(name, value, search_space[name])
        study.tell(trial, self.objective(trial))

    def test_survives_pickling(self) -> None:
        study = self._study()
        self._optimize(study, n_trials=max(self.n_trials // 2, 1))
        study.sampler = pickle.loads(pickle.dumps(study.sampler))
        self._optimize(study, n_trials=max(self.n_trials // 2, 1))
        for trial in study.get_trials(deepcopy=False):
            assert trial.state == TrialState.COMPLETE
            self._assert_valid(trial)


def _suggest(trial: BaseTrial, name: str, distribution: BaseDistribution) -> Any:
    if isinstance(distribution, FloatDistribution):
        return trial.suggest_float(
            name, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    if isinstance(distribution, IntDistribution):
        return trial.suggest_int(
            name, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    assert isinstance(distribution, CategoricalDistribution)
    return trial.suggest_categorical(name, distribution.choices)


def _first_value(distribution: BaseDistribution) -> Any:
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[0]
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    return distribution.low


def _score(params: dict[str, Any]) -> float:
    """A deterministic number from the parameters, so that model-based samplers see signal."""
    score = 0.0
    for name, value in sorted(params.items()):
        if isinstance(value, bool) or value is None or isinstance(value, str):
            score += len(repr(value)) * 0.1
        else:
            score += (float(value) - 0.3) ** 2 / (1.0 + len(name))
    return score


def _assert_in_distribution(name: str, value: Any, distribution: BaseDistribution) -> None:
    if isinstance(distribution, CategoricalDistribution):
        matches = [
            choice
            for choice in distribution.choices
            if type(choice) is type(value) and choice == value
        ]
        assert matches, (
            f"{name}={value!r} ({type(value).__name__}) is not one of {distribution.choices!r}"
        )
        return
    if isinstance(distribution, IntDistribution):
        assert type(value) is int, f"{name}={value!r} should be an int"
    else:
        assert type(value) is float, f"{name}={value!r} should be a float"
        assert math.isfinite(value), f"{name}={value!r}"
    assert distribution._contains(distribution.to_internal_repr(value)), (
        f"{name}={value!r} lies outside {distribution!r}"
    )


def grid_values(distribution: BaseDistribution, n: int = 3) -> Sequence[Any]:
    """Up to ``n`` values of ``distribution``, its bounds included (every categorical choice).

    Helps build a grid over :meth:`SamplerConformance.search_space`.
    """
    if isinstance(distribution, CategoricalDistribution):
        return list(distribution.choices)
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    low, high = distribution.low, distribution.high
    step = distribution.step
    if step is None:
        candidates = [low + (high - low) * i / max(n - 1, 1) for i in range(n)]
        if distribution.log:
            candidates = [
                math.exp(math.log(low) + (math.log(high) - math.log(low)) * i / max(n - 1, 1))
                for i in range(n)
            ]
        values = [min(max(v, low), high) for v in candidates]
    else:
        n_points = int(round((high - low) / step)) + 1
        indices = sorted({round(i * (n_points - 1) / max(n - 1, 1)) for i in range(n)})
        values = [low + index * step for index in indices]
    if isinstance(distribution, IntDistribution):
        values = [int(round(v)) for v in values]
    unique: list[Any] = []
    for value in values:
        if value not in unique:
            unique.append(value)
    return unique
