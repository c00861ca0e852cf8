"""Fixtures: the library under test (parzen, and Optuna when installed, to prove parity)."""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Iterator
from types import ModuleType

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def _libraries() -> list[str]:
    names = ["parzen"]
    if importlib.util.find_spec("optuna") is not None:
        names.append("optuna")
    return names


@pytest.fixture(params=_libraries())
def lib(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """``parzen`` or ``optuna``, with ``.terminator`` loaded and logs quiet.

    Optuna warns that its terminator is experimental and deprecated; parzen's is neither, so
    the warnings are silenced here rather than asserted.
    """
    module = importlib.import_module(request.param)
    importlib.import_module(request.param + ".terminator")
    module.logging.set_verbosity(module.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*experimental.*")
        yield module


def make_trials(lib: ModuleType, xs: list[list[float]], values: list[float]) -> list:
    """COMPLETE trials with float parameters ``p0, p1, ...`` in [0, 1], numbered in order."""
    dist = lib.distributions.FloatDistribution(0.0, 1.0)
    trials = []
    for number, (x, value) in enumerate(zip(xs, values)):
        trial = lib.trial.create_trial(
            params={f"p{i}": float(v) for i, v in enumerate(x)},
            distributions={f"p{i}": dist for i in range(len(x))},
            value=float(value),
        )
        trial.number = number
        trials.append(trial)
    return trials
