"""A conformance suite that every pruner should pass.

Subclass :class:`PrunerConformance` in a test module, override :meth:`make_pruner`, and
pytest collects the checks (the class name must start with ``Test``)::

    from parzen.pruners import MedianPruner
    from parzen.testing.pruners import PrunerConformance

    class TestMyPruner(PrunerConformance):
        def make_pruner(self):
            return MedianPruner(n_startup_trials=2)

The checks cover the contract of :meth:`parzen.pruners.BasePruner.prune` that does not
depend on the pruning rule: no pruning without intermediate values, a plain ``bool`` answer,
robustness to empty histories, NaN, infinity, steps out of order and trials in every state,
determinism for a given history, both directions, thread safety under ``n_jobs=2``,
pickling, and a clear refusal of multi-objective studies. Each pruner's own rule is tested
in its own test module.
"""

from __future__ import annotations

import math
import pickle
import warnings
from typing import TYPE_CHECKING

import pytest

import parzen
from parzen.exceptions import TrialPruned
from parzen.trial import TrialState, create_trial

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from parzen.pruners import BasePruner
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

_N_STEPS = 12


def run_curves(
    study: Study,
    curves: Sequence[Mapping[int, float]],
    *,
    final_values: Sequence[float] | None = None,
) -> list[tuple[str, int | None]]:
    """Run one trial per learning curve through ``study.optimize`` and report the outcomes.

    Trial ``i`` of this call reports ``curves[i]`` step by step, in the mapping's order, and
    raises :class:`~parzen.TrialPruned` as soon as ``should_prune()`` says so. A trial that is
    not pruned returns ``final_values[i]`` (by default its last reported value).

    Returns:
        For each curve, the trial's final state name and the last step it reported, e.g.
        ``[("COMPLETE", 9), ("PRUNED", 3)]``: exactly what a pruning test wants to assert.

    Examples:
        >>> import parzen
        >>> from parzen.testing.pruners import run_curves
        >>> study = parzen.create_study(pruner=parzen.pruners.ThresholdPruner(upper=1.0))
        >>> run_curves(study, [{0: 0.5, 1: 0.7, 2: 0.9}, {0: 0.5, 1: 2.0, 2: 0.1}])
        [('COMPLETE', 2), ('PRUNED', 1)]
    """
    first_number = len(study.get_trials(deepcopy=False))

    def objective(trial: Trial) -> float:
        index = trial.number - first_number
        curve = curves[index]
        for step, value in curve.items():
            trial.report(value, step)
            if trial.should_prune():
                raise TrialPruned()
        if final_values is not None:
            return final_values[index]
        return list(curve.values())[-1] if curve else 0.0

    study.optimize(objective, n_trials=len(curves))
    trials = study.get_trials(deepcopy=False)[first_number:]
    return [(t.state.name, t.last_step) for t in trials]


def _curve(
    trial_index: int, n_steps: int = _N_STEPS, *, maximize: bool = False
) -> dict[int, float]:
    """A decreasing learning curve whose level depends on ``trial_index`` (varied, fixed)."""
    level = ((trial_index * 7) % 11) / 10.0
    values = {
        step: level + 1.0 / (step + 1) + 0.01 * ((step * 3 + trial_index) % 5)
        for step in range(n_steps)
    }
    if maximize:
        return {step: -v for step, v in values.items()}
    return values


def _decisive_curves(*, maximize: bool = False) -> list[dict[int, float]]:
    """Curves on which a pruner that can prune decides both ways against a normal history.

    Good curves (below every history curve, improving, inside [-1, 1]) are never pruned;
    terrible ones (huge and flat: worse than any history, above any sane threshold, and
    stagnating for a patient pruner) always are. A check run on these can tell a pruner that
    decides from one that answers False whatever it is shown.
    """
    good = [{s: 0.5 / (s + 1) + 0.001 * k for s in range(_N_STEPS)} for k in range(4)]
    # Getting worse at every step: a flat curve does not exhaust a patient pruner's patience.
    terrible = [{s: 1e6 * (k + 1) + s for s in range(_N_STEPS)} for k in range(4)]
    # Alternating, and eight of them, so that each of Hyperband's brackets sees a few.
    curves = [curve for pair in zip(terrible, good) for curve in pair]
    if maximize:
        return [{s: -v for s, v in curve.items()} for curve in curves]
    return curves


class PrunerConformance:
    """Checks every pruner must pass; override :meth:`make_pruner` in a ``Test*`` subclass.

    pytest runs every ``test_*`` method of the subclass; they can also be called directly.

    Examples:
        >>> from parzen.pruners import MedianPruner
        >>> from parzen.testing.pruners import PrunerConformance
        >>> class TestMedianPruner(PrunerConformance):
        ...     def make_pruner(self):
        ...         return MedianPruner(n_startup_trials=2)
        >>> TestMedianPruner().test_never_prunes_without_intermediate_values("minimize")
    """

    #: Whether the pruner refuses multi-objective studies with ``NotImplementedError``
    #: (parzen's pruners do). Set to False for a pruner that answers False there instead.
    refuses_multi_objective: bool = True

    #: Whether the pruner ever prunes (False for NopPruner): the checks below then assert
    #: that their inputs made it decide both ways, so they cannot pass by answering False.
    prunes: bool = True

    def make_pruner(self) -> BasePruner:
        """Return a fresh pruner to check. Override this."""
        raise NotImplementedError(
            "Subclasses of PrunerConformance must override make_pruner() to return the "
            "pruner under test, e.g. `return MedianPruner(n_startup_trials=2)`."
        )

    # -- helpers ----------------------------------------------------------------------------

    def _study(
        self, direction: str = "minimize", *, study_name: str | None = None, history: int = 0
    ) -> Study:
        study = parzen.create_study(
            direction=direction, pruner=self.make_pruner(), study_name=study_name
        )
        maximize = direction == "maximize"
        for index in range(history):
            curve = _curve(index, maximize=maximize)
            study.add_trial(create_trial(value=curve[_N_STEPS - 1], intermediate_values=curve))
        return study

    @staticmethod
    def _running(study: Study, values: dict[int, float]) -> tuple[Trial, FrozenTrial]:
        trial = study.ask()
        for step, value in values.items():
            trial.report(value, step)
        frozen = next(t for t in study.get_trials() if t.number == trial.number)
        return trial, frozen

    def _decisions(self, study: Study, curves: list[dict[int, float]]) -> list[bool]:
        decisions = []
        for values in curves:
            _, frozen = self._running(study, values)
            decisions.append(study.pruner.prune(study, frozen))
        return decisions

    def _assert_decides_both_ways(self, decisions: list[bool]) -> None:
        # A pruner that answered False whatever it was shown would pass a comparison of two
        # runs; these inputs must make it prune (a bootstrapping successive-halving rung, asked
        # once per trial, may prune them all).
        if self.prunes:
            assert True in decisions, f"the check's inputs never made it prune: {decisions}"
        else:
            assert decisions == [False] * len(decisions)

    # -- checks -----------------------------------------------------------------------------

    @pytest.mark.parametrize("direction", ["minimize", "maximize"])
    def test_never_prunes_without_intermediate_values(self, direction: str) -> None:
        study = self._study(direction, history=6)
        trial, frozen = self._running(study, {})
        assert study.pruner.prune(study, frozen) is False
        assert trial.should_prune() is False

    @pytest.mark.parametrize("direction", ["minimize", "maximize"])
    def test_answers_a_plain_bool(self, direction: str) -> None:
        study = self._study(direction, history=6)
        maximize = direction == "maximize"
        curves = [_curve(index, maximize=maximize) for index in range(10)]
        # Also very bad and very good curves, so that both answers are likely exercised.
        sign = -1.0 if maximize else 1.0
        curves += [{s: sign * 1e6 for s in range(_N_STEPS)}, {s: -sign * 1e6 for s in range(3)}]
        for answer in self._decisions(study, curves):
            assert type(answer) is bool

    @pytest.mark.parametrize("direction", ["minimize", "maximize"])
    def test_works_without_completed_trials(self, direction: str) -> None:
        study = self._study(direction)
        for n_steps in (1, 2, _N_STEPS):
            _, frozen = self._running(study, _curve(0, n_steps, maximize=direction == "maximize"))
            assert type(study.pruner.prune(study, frozen)) is bool

    def test_ignores_trials_in_other_states(self) -> None:
        # FAILed, WAITING and RUNNING trials must not change any decision: two studies with
        # the same name, history and judged trials, one of them also holding such trials
        # (numbered after the judged ones, so that Hyperband's brackets match). PRUNED trials
        # may count, as in Optuna, so none is added.
        def judge(with_other_states: bool) -> list[bool]:
            study = self._study(study_name="conformance-states", history=6)
            judged = [self._running(study, curve)[1] for curve in _decisive_curves()]
            if with_other_states:
                # Better than everything: counted, they would get the good curves pruned.
                best_ever = {s: -1e9 for s in range(_N_STEPS)}
                for _ in range(8):
                    study.add_trial(
                        create_trial(state=TrialState.FAIL, intermediate_values=best_ever)
                    )
                study.add_trial(create_trial(state=TrialState.FAIL))
                study.enqueue_trial({})  # a WAITING trial
                self._running(study, {s: -1e9 for s in range(_N_STEPS)})  # left RUNNING
            return [study.pruner.prune(study, frozen) for frozen in judged]

        expected = judge(with_other_states=False)
        self._assert_decides_both_ways(expected)
        assert judge(with_other_states=True) == expected

    def test_same_history_same_decisions(self) -> None:
        curves = [_curve(index) for index in range(12)] + _decisive_curves()
        runs = []
        for _ in range(2):
            # Same name in separate storages: name-dependent pruners (Hyperband) match too.
            study = self._study(study_name="conformance-determinism", history=8)
            runs.append(self._decisions(study, curves))
        assert runs[0] == runs[1]
        self._assert_decides_both_ways(runs[0])

    def test_unusual_values_do_not_raise(self) -> None:
        study = self._study(history=6)
        nan, inf = math.nan, math.inf
        curves = [
            {0: nan},
            {0: nan, 1: nan, 2: nan},
            {0: 1.0, 1: nan, 2: 0.5},
            {0: inf, 1: inf},
            {0: -inf, 1: 1.0},
            {0: 1e308, 1: -1e308},
            {0: 0.0, 5: 0.0, 1000: 0.0},  # sparse steps, far beyond the history
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. WilcoxonPruner warns on NaN, by design
            for answer in self._decisions(study, curves):
                assert type(answer) is bool

    def test_steps_reported_out_of_order(self) -> None:
        forward = _decisive_curves()
        backward = [dict(reversed(list(curve.items()))) for curve in forward]
        # The decision depends on the reported values, not on the order they came in.
        name = "conformance-order"
        decisions = self._decisions(self._study(study_name=name, history=6), forward)
        assert self._decisions(self._study(study_name=name, history=6), backward) == decisions
        self._assert_decides_both_ways(decisions)

    def test_does_not_modify_the_trial(self) -> None:
        study = self._study(history=6)
        _, frozen = self._running(study, _curve(5))
        before = (dict(frozen.intermediate_values), frozen.state, frozen.number)
        study.pruner.prune(study, frozen)
        assert (dict(frozen.intermediate_values), frozen.state, frozen.number) == before

    def test_optimize_with_two_threads(self) -> None:
        study = self._study(history=4)

        def objective(trial: Trial) -> float:
            curve = _curve(trial.number)
            for step, value in curve.items():
                trial.report(value, step)
                if trial.should_prune():
                    raise TrialPruned()
            return curve[_N_STEPS - 1]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=16, n_jobs=2)
        trials = study.get_trials(deepcopy=False)
        assert len(trials) == 20
        for trial in trials:
            assert trial.state in (TrialState.COMPLETE, TrialState.PRUNED), trial
            if trial.state == TrialState.PRUNED:
                assert trial.intermediate_values, "pruned before any value was reported"

    def test_survives_pickling(self) -> None:
        study = self._study(study_name="conformance-pickle", history=6)
        study.pruner = pickle.loads(pickle.dumps(study.pruner))
        curves = _decisive_curves()
        reference = self._study(study_name="conformance-pickle", history=6)
        decisions = self._decisions(reference, curves)
        assert self._decisions(study, curves) == decisions
        self._assert_decides_both_ways(decisions)

    def test_multi_objective_study(self) -> None:
        pruner = self.make_pruner()
        study = parzen.create_study(directions=["minimize", "maximize"], pruner=pruner)
        study.add_trial(create_trial(values=[1.0, 1.0], intermediate_values={0: 1.0, 1: 1.0}))
        # Trial.report refuses multi-objective studies, so the running trial is added whole.
        study.add_trial(
            create_trial(state=TrialState.RUNNING, intermediate_values={0: 5.0, 1: 5.0})
        )
        frozen = study.get_trials(states=(TrialState.RUNNING,))[0]
        if self.refuses_multi_objective:
            with pytest.raises(NotImplementedError, match="objective"):
                pruner.prune(study, frozen)
        else:
            assert pruner.prune(study, frozen) is False
