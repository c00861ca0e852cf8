"""HyperbandPruner: bracket count and assignment, isolation of brackets, the bracket view."""

from __future__ import annotations

import binascii
import math
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

import parzen
from parzen.pruners import HyperbandPruner
from parzen.testing.pruners import run_curves
from parzen.trial import FrozenTrial, TrialState

COMPLETE, PRUNED = "COMPLETE", "PRUNED"


def _expected_bracket(study_name: str, number: int, budgets: list[int]) -> int:
    """The documented assignment, written independently of the implementation."""
    slot = binascii.crc32(f"{study_name}_{number}".encode()) % sum(budgets)
    return next(b for b in range(len(budgets)) if slot < sum(budgets[: b + 1]))


def _trial(number: int) -> FrozenTrial:
    return SimpleNamespace(number=number)  # only .number is read


@pytest.mark.parametrize(
    ("min_resource", "max_resource", "eta", "n_brackets"),
    [
        (1, 27, 3, 4),
        (1, 26, 3, 3),
        (1, 81, 3, 5),
        (1, 243, 3, 6),  # floor(log(243, 3)) is 4 in floating point; exactly 5
        (3, 243, 3, 5),
        (1, 1000, 10, 4),  # same pitfall: log(1000, 10) < 3 in floating point
        (2, 64, 2, 6),
        (4, 4, 3, 1),
        (5, 14, 3, 1),
        (5, 15, 3, 2),
    ],
)
def test_number_of_brackets(
    min_resource: int, max_resource: int, eta: int, n_brackets: int
) -> None:
    pruner = HyperbandPruner(min_resource, max_resource, reduction_factor=eta)
    assert pruner.n_brackets == n_brackets


def test_bracket_assignment_follows_the_crc32_of_study_name_and_number() -> None:
    pruner = HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3)
    budgets = [27, 12, 6, 4]  # ceil(4 * 3**s / (s + 1)) for s = 3, 2, 1, 0
    study = parzen.create_study(study_name="bracket-assignment", pruner=pruner)
    brackets = [pruner.get_bracket_id(study, _trial(n)) for n in range(4900)]
    assert brackets == [_expected_bracket("bracket-assignment", n, budgets) for n in range(4900)]
    shares = Counter(brackets)
    for bracket, budget in enumerate(budgets):
        assert abs(shares[bracket] / 4900 - budget / 49) < 0.02


def test_each_bracket_only_sees_its_own_trials() -> None:
    # min_resource=1, max_resource=4, eta=2: 3 brackets; bracket b's rungs end at steps
    # 2**b, 2**(b+1), ... With this name, trials 0-5 fall in brackets 0, 1, 1, 0, 1, 0.
    pruner = HyperbandPruner(min_resource=1, max_resource=4, reduction_factor=2)
    study = parzen.create_study(study_name="hyperband-78", pruner=pruner)
    assert [pruner.get_bracket_id(study, _trial(n)) for n in range(6)] == [0, 1, 1, 0, 1, 0]
    curves = [{s: float(level) for s in range(5)} for level in (1, 9, 10, 5, 8, 0.5)]
    outcome = run_curves(study, curves)
    assert outcome == [
        (COMPLETE, 4),
        (COMPLETE, 4),  # 9 would lose to trial 0's 1, but trial 0 is in another bracket
        (PRUNED, 2),  # loses to trial 1 at the first rung of bracket 1 (step 2)
        (PRUNED, 1),  # mixed with bracket 1's rung values it would be in the top half
        (COMPLETE, 4),
        (COMPLETE, 4),
    ]


def test_bracket_study_shows_one_bracket() -> None:
    pruner = HyperbandPruner(min_resource=1, max_resource=4, reduction_factor=2)
    study = parzen.create_study(study_name="hyperband-78", pruner=pruner)
    run_curves(study, [{s: float(level) for s in range(5)} for level in (1, 9, 10, 5, 8, 0.5)])
    bracket_0 = pruner.bracket_study(study, 0)
    bracket_1 = pruner.bracket_study(study, 1)
    assert [t.number for t in bracket_0.get_trials()] == [0, 3, 5]
    assert [t.number for t in bracket_1.trials] == [1, 2, 4]
    assert pruner.bracket_study(study, 2).get_trials(deepcopy=False) == []
    complete = bracket_0.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    assert [t.number for t in complete] == [0, 5]
    assert bracket_1.best_trial.number == 4
    assert bracket_0.best_value == 0.5
    # Everything else is the study's own.
    assert bracket_1.study_name == "hyperband-78"
    assert bracket_1.direction == study.direction
    # Optuna's private names, for samplers ported from Optuna.
    assert pruner._get_bracket_id(study, _trial(1)) == 1
    assert [t.number for t in pruner._create_bracket_study(study, 1).trials] == [1, 2, 4]


def test_bracket_study_rejects_unknown_brackets() -> None:
    pruner = HyperbandPruner(min_resource=1, max_resource=4, reduction_factor=2)
    study = parzen.create_study(pruner=pruner)
    with pytest.raises(ValueError, match=r"bracket_id must be in \[0, 2\], got 3"):
        pruner.bracket_study(study, 3)
    with pytest.raises(ValueError, match="no feasible COMPLETE trial"):
        pruner.bracket_study(study, 0).best_trial  # noqa: B018


def test_auto_max_resource_comes_from_the_first_complete_trials() -> None:
    pruner = HyperbandPruner()
    study = parzen.create_study(pruner=pruner)
    assert pruner.n_brackets is None
    # Nothing can be pruned before a trial completes, however bad it is.
    assert run_curves(study, [{s: 1e9 for s in range(27)}]) == [(COMPLETE, 26)]
    assert pruner.n_brackets is None  # still unknown: no decision since the trial completed
    run_curves(study, [{0: 0.0}])
    assert pruner.n_brackets == 4  # max_resource = 26 + 1 = 27 = 3**3


def test_auto_max_resource_below_min_resource_falls_back_to_one_bracket() -> None:
    pruner = HyperbandPruner(min_resource=5)
    study = parzen.create_study(pruner=pruner)
    run_curves(study, [{0: 0.0, 1: 0.0}, {0: 0.0}])
    assert pruner.n_brackets == 1


def test_bootstrap_count_reaches_every_bracket() -> None:
    pruner = HyperbandPruner(min_resource=1, max_resource=4, reduction_factor=2, bootstrap_count=1)
    study = parzen.create_study(study_name="hyperband-78", pruner=pruner)
    curves = [{s: float(level) for s in range(5)} for level in (1, 9, 10)]
    # The first trial to reach a rung of its bracket is pruned there (trials 0 and 1); trial 2
    # is the second at bracket 1's first rung, but worse than trial 1.
    assert run_curves(study, curves) == [(PRUNED, 1), (PRUNED, 2), (PRUNED, 2)]


def test_multi_objective_study_is_refused() -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    study._storage.set_trial_intermediate_value(trial._trial_id, 5, 1.0)
    with pytest.raises(NotImplementedError, match="single-objective"):
        HyperbandPruner(max_resource=9).prune(study, study._storage.get_trial(trial._trial_id))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"min_resource": 0}, ValueError, r"min_resource must be an integer >= 1, got 0"),
        ({"min_resource": "auto"}, TypeError, r"min_resource .* got 'auto' \(str\)"),
        ({"max_resource": "x"}, ValueError, r"max_resource must be 'auto' or an integer .* 'x'"),
        ({"max_resource": 0}, ValueError, r"max_resource must be an integer >= 1, got 0"),
        ({"max_resource": math.inf}, TypeError, r"max_resource .* \(float\)"),
        ({"min_resource": 5, "max_resource": 2}, ValueError, r"max_resource=2 and min_resource=5"),
        ({"reduction_factor": 1}, ValueError, r"reduction_factor must be an integer >= 2, got 1"),
        ({"max_resource": 9, "bootstrap_count": -1}, ValueError, r"bootstrap_count .* got -1"),
        ({"bootstrap_count": 1}, ValueError, r"bootstrap_count=1 needs an explicit max_resource"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        HyperbandPruner(**kwargs)
    assert "Pass" in str(info.value)
