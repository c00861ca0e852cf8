"""FastAIV2PruningCallback with a real fastai Learner on a tiny regression model."""

from __future__ import annotations

import doctest
import importlib.util
import subprocess
import sys
import threading
from typing import Any

import pytest

if importlib.util.find_spec("fastai") is None:
    # Not importorskip: fastai is deliberately left out of the test extra (its torchvision
    # requirement cannot be met beside the CPU torch build), so CI's main run skips this file.
    pytest.skip(
        "fastai is not installed; the nox sessions tagged adapter-fastai run these tests "
        "(nox -t adapter-fastai)",
        allow_module_level=True,
    )

import torch
from fastai.basics import DataLoaders, Learner, MSELossFlat, mae, set_seed
from fastai.callback.core import Callback

import parzen
import parzen.integrations.fastai as fastai_module
from parzen.integrations import FastAIPruningCallback, FastAIV2PruningCallback
from parzen.trial import FrozenTrial, TrialState

# fastai and torch use APIs that newer releases of their own dependencies deprecate.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

N_EPOCHS = 5


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Any:
    # These models are tiny: torch's thread pool only adds contention on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class PruneAtStep(parzen.pruners.BasePruner):
    """Prunes as soon as a trial has reported step ``k``: a known, deterministic stop."""

    def __init__(self, k: int) -> None:
        self.k = k

    def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
        return trial.last_step is not None and trial.last_step >= self.k


class EpochCounter(Callback):
    """Counts the training epochs fastai ran."""

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []

    def before_train(self) -> None:
        self.epochs.append(int(self.epoch))


def _dls() -> DataLoaders:
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(96, 4, generator=generator)
    y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0]) + 0.1 * torch.randn(96, generator=generator)
    data = list(zip(X, y.unsqueeze(1)))
    # No worker processes: forked from a process whose other thread trains (n_jobs=2),
    # DataLoader workers can inherit a held lock and hang.
    return DataLoaders.from_dsets(data[:64], data[64:], bs=16, device="cpu", num_workers=0)


def _learner(callback: Callback, *extra: Callback, seed: int = 0) -> Learner:
    set_seed(seed)
    return Learner(
        _dls(),
        torch.nn.Linear(4, 1),
        loss_func=MSELossFlat(),
        metrics=[mae],
        cbs=[callback, *extra],
    )


def _fit(learn: Learner, lr: float = 0.01) -> None:
    with learn.no_logging():
        learn.fit(N_EPOCHS, lr)


@pytest.mark.parametrize("k", [0, 2])
def test_pruned_at_step_k_after_exactly_k_plus_one_epochs(k: int) -> None:
    counter = EpochCounter()

    def objective(trial: parzen.Trial) -> float:
        learn = _learner(FastAIV2PruningCallback(trial), counter)
        _fit(learn)
        return float(learn.recorder.values[-1][1])

    study = parzen.create_study(pruner=PruneAtStep(k))
    study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.PRUNED
    assert counter.epochs == list(range(k + 1))
    assert sorted(trial.intermediate_values) == list(range(k + 1))


@pytest.mark.parametrize(("monitor", "column"), [("valid_loss", 1), ("mae", 2), ("train_loss", 0)])
def test_unpruned_trial_reports_the_recorders_values(monitor: str, column: int) -> None:
    logged: list[list[float]] = []

    def objective(trial: parzen.Trial) -> float:
        learn = _learner(FastAIV2PruningCallback(trial, monitor=monitor))
        _fit(learn)
        logged.extend([float(v) for v in row] for row in learn.recorder.values)
        # A validation pass after training runs fastai's fit and epoch events again, with
        # the validation columns only: nothing is reported for it.
        learn.validate()
        return logged[-1][column]

    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.COMPLETE
    assert len(logged) == N_EPOCHS
    assert trial.intermediate_values == {epoch: row[column] for epoch, row in enumerate(logged)}


def test_intermediate_values_equal_the_logged_table() -> None:
    rows: list[list[float]] = []

    class Snapshot(Callback):
        order = 55  # after the Recorder (50) has logged the epoch

        def after_epoch(self) -> None:
            rows.append([float(v) for v in self.recorder.values[-1]])

    def objective(trial: parzen.Trial) -> float:
        learn = _learner(FastAIV2PruningCallback(trial, monitor="mae"), Snapshot())
        _fit(learn)
        return rows[-1][2]

    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.intermediate_values == {epoch: row[2] for epoch, row in enumerate(rows)}
    assert len(rows) == N_EPOCHS


def test_missing_metric_is_an_error_listing_the_recorded_names() -> None:
    def objective(trial: parzen.Trial) -> float:
        _fit(_learner(FastAIV2PruningCallback(trial, monitor="val_loss")))
        return 0.0

    study = parzen.create_study()
    with pytest.raises(
        ValueError, match=r"'val_loss' was not found.*'mae', 'train_loss', 'valid_loss'"
    ):
        study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.FAIL
    assert trial.intermediate_values == {}


def test_alias_is_the_same_class() -> None:
    assert FastAIPruningCallback is FastAIV2PruningCallback
    assert issubclass(FastAIV2PruningCallback, Callback)


def test_two_trials_train_in_threads_at_once() -> None:
    barrier = threading.Barrier(2, timeout=120)

    def objective(trial: parzen.Trial) -> float:
        barrier.wait()  # both threads are inside an objective at the same time
        learn = Learner(
            _dls(),
            torch.nn.Linear(4, 1),
            loss_func=MSELossFlat(),
            cbs=[FastAIV2PruningCallback(trial)],
        )
        _fit(learn, lr=trial.suggest_float("lr", 1e-3, 1e-1, log=True))
        return float(learn.recorder.values[-1][1])

    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    study.optimize(objective, n_trials=2, n_jobs=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    assert all(sorted(t.intermediate_values) == list(range(N_EPOCHS)) for t in study.trials)


def test_missing_fastai_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['fastai'] = None\n"
        "import parzen, parzen.integrations\n"
        "from parzen.integrations import FastAIV2PruningCallback\n"
        "try:\n"
        "    FastAIV2PruningCallback(parzen.create_study().ask())\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert 'pip install "parzen[fastai]"' in result.stdout, result.stderr


def test_docstring_example_runs() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(fastai_module) if t.examples]
    assert tests
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_same_decisions_as_optuna_integration() -> None:
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")

    def run(library: Any, callback: Any) -> list[tuple[str, dict[int, float]]]:
        def objective(trial: Any) -> float:
            # The same model and batches per trial number in both runs; lr varies by trial.
            learn = _learner(callback(trial, "valid_loss"), seed=trial.number)
            _fit(learn, lr=0.02 / (trial.number + 1))
            return float(learn.recorder.values[-1][1])

        library.logging.set_verbosity(library.logging.WARNING)
        study = library.create_study(
            pruner=library.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
        )
        study.optimize(objective, n_trials=5)
        return [(t.state.name, dict(t.intermediate_values)) for t in study.trials]

    ours = run(parzen, FastAIV2PruningCallback)
    theirs = run(optuna, integration.FastAIV2PruningCallback)
    assert [state for state, _ in ours] == [state for state, _ in theirs]
    for (_, a), (_, b) in zip(ours, theirs):
        assert a == pytest.approx(b)
    assert "PRUNED" in [state for state, _ in ours]
