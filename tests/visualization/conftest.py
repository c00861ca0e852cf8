"""Small studies whose every plotted number is known in advance."""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.trial import TrialState, create_trial

# Tests draw off-screen; set before anything imports matplotlib.
os.environ.setdefault("MPLBACKEND", "Agg")

LR = FloatDistribution(1e-4, 1.0, log=True)
UNITS = IntDistribution(1, 10)
OPT = CategoricalDistribution(["adam", "sgd"])
MOMENTUM = FloatDistribution(0.0, 1.0)
START = datetime.datetime(2024, 1, 1, 12, 0, 0)


def _trial(
    number: int,
    state: TrialState,
    *,
    lr: float,
    units: int,
    opt: str,
    momentum: float | None = None,
    value: float | None = None,
    values: list[float] | None = None,
    constraint: float | None = None,
    intermediate: dict[int, float] | None = None,
) -> Any:
    params: dict[str, Any] = {"lr": lr, "units": units, "opt": opt}
    distributions: dict[str, Any] = {"lr": LR, "units": UNITS, "opt": OPT}
    if momentum is not None:
        params["momentum"] = momentum
        distributions["momentum"] = MOMENTUM
    trial = create_trial(
        state=state,
        value=value,
        values=values,
        params=params,
        distributions=distributions,
        system_attrs={} if constraint is None else {"constraints": {"c": constraint}},
        intermediate_values=intermediate or {},
    )
    trial.datetime_start = START + datetime.timedelta(seconds=10 * number)
    trial.datetime_complete = trial.datetime_start + datetime.timedelta(seconds=number + 1)
    return trial


def single_objective_trials() -> list[Any]:
    """Trials 0..5: COMPLETE, COMPLETE (sgd), PRUNED, FAIL, COMPLETE infeasible, COMPLETE."""
    c, p, f = TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL
    return [
        _trial(0, c, lr=1e-3, units=2, opt="adam", value=3.0, intermediate={0: 5.0, 1: 4.0}),
        _trial(1, c, lr=1e-2, units=5, opt="sgd", momentum=0.5, value=2.0),
        _trial(2, p, lr=1e-1, units=7, opt="adam", intermediate={0: 6.0, 1: 5.5}),
        _trial(3, f, lr=0.5, units=1, opt="sgd", momentum=0.9),
        _trial(4, c, lr=3e-4, units=3, opt="adam", value=1.0, constraint=1.0),
        _trial(5, c, lr=0.3, units=9, opt="adam", value=4.0, constraint=-1.0),
    ]


@pytest.fixture
def study() -> parzen.Study:
    s = parzen.create_study(study_name="fixture")
    s.add_trials(single_objective_trials())
    return s


@pytest.fixture
def empty_study() -> parzen.Study:
    return parzen.create_study(study_name="empty")


@pytest.fixture
def mo_study() -> parzen.Study:
    """Two minimized objectives: trials 0, 1, 3 on the front, 2 dominated, 4 infeasible."""
    s = parzen.create_study(directions=["minimize", "minimize"], study_name="mo")
    c = TrialState.COMPLETE
    points = [(1.0, 4.0), (2.0, 2.0), (3.0, 3.0), (4.0, 1.0), (0.5, 0.5)]
    trials = [
        _trial(
            i,
            c,
            lr=[0.1, 0.01, 1e-3, 1e-4, 0.5][i],
            units=i + 1,
            opt="adam",
            values=list(p),
            constraint=1.0 if i == 4 else None,
        )
        for i, p in enumerate(points)
    ]
    s.add_trials(trials)
    return s


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
