"""The same synthetic study built with parzen or Optuna, for the plot and importance benchmarks.

Trials are made with ``create_trial`` and ``add_trials`` (no objective runs), so both
libraries get identical trials: a float, a log-scaled float, an int, a categorical and a
conditional parameter, ten intermediate values each, and a mix of COMPLETE (some
infeasible), PRUNED and FAIL trials.
"""

from __future__ import annotations

import datetime
from types import ModuleType
from typing import Any

import numpy as np


def build_study(lib: ModuleType, n_trials: int, *, seed: int = 0, n_objectives: int = 1) -> Any:
    rng = np.random.default_rng(seed)
    dist = lib.distributions
    space = {
        "x": dist.FloatDistribution(-5.0, 5.0),
        "lr": dist.FloatDistribution(1e-5, 1.0, log=True),
        "units": dist.IntDistribution(1, 64),
        "optimizer": dist.CategoricalDistribution(["adam", "sgd", "rmsprop"]),
    }
    momentum = dist.FloatDistribution(0.0, 0.99)
    state_enum = lib.trial.TrialState
    directions = ["minimize"] * n_objectives
    study = lib.create_study(directions=directions)
    start = datetime.datetime(2024, 1, 1)
    trials = []
    for number in range(n_trials):
        x = float(rng.uniform(-5, 5))
        lr = float(10 ** rng.uniform(-5, 0))
        units = int(rng.integers(1, 65))
        optimizer = ["adam", "sgd", "rmsprop"][int(rng.integers(3))]
        params: dict[str, Any] = {"x": x, "lr": lr, "units": units, "optimizer": optimizer}
        distributions = dict(space)
        if optimizer == "sgd":
            params["momentum"] = float(rng.uniform(0, 0.99))
            distributions["momentum"] = momentum
        loss = x**2 + 2.0 * abs(np.log10(lr) + 3) + 0.01 * units + (optimizer == "sgd")
        roll = rng.uniform()
        steps = 10 if roll >= 0.1 else int(rng.integers(1, 10))
        intermediate = {s: float(loss * (1 + 1.0 / (s + 1))) for s in range(steps)}
        t0 = start + datetime.timedelta(seconds=number)
        t1 = t0 + datetime.timedelta(milliseconds=float(rng.uniform(100, 900)))
        kwargs: dict[str, Any] = dict(
            params=params,
            distributions=distributions,
            intermediate_values=intermediate,
            system_attrs={"constraints": [float(rng.uniform(-1.0, 0.1))]},
        )
        if roll < 0.1:
            kwargs.update(state=state_enum.PRUNED)
            if n_objectives == 1:
                kwargs.update(value=intermediate[steps - 1])
        elif roll < 0.12:
            kwargs.update(state=state_enum.FAIL)
        elif n_objectives == 1:
            kwargs.update(state=state_enum.COMPLETE, value=float(loss))
        else:
            second = float((x - 2) ** 2 + abs(np.log10(lr) + 1))
            kwargs.update(state=state_enum.COMPLETE, values=[float(loss), second])
        trial = lib.trial.create_trial(**kwargs)
        trial.datetime_start, trial.datetime_complete = t0, t1
        trials.append(trial)
    study.add_trials(trials)
    return study
