"""PyTorchIgnitePruningHandler with a real Ignite trainer and evaluator on a tiny model."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest

torch = pytest.importorskip("torch")
ignite_engine = pytest.importorskip("ignite.engine")
ignite_metrics = pytest.importorskip("ignite.metrics")

import parzen  # noqa: E402
from parzen.integrations import PyTorchIgnitePruningHandler  # noqa: E402
from parzen.trial import FrozenTrial, TrialState  # noqa: E402

# Ignite's own modules use torch.jit, which torch deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

Events = ignite_engine.Events
N_EPOCHS = 5
X = torch.linspace(-1, 1, 64).unsqueeze(1)
DATA = [(X[:32], 3 * X[:32] + 1), (X[32:], 3 * X[32:] + 1)]


class PruneAtStep(parzen.pruners.BasePruner):
    """Prunes as soon as a trial has reported step ``k``: a known, deterministic stop."""

    def __init__(self, k: int) -> None:
        self.k = k

    def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
        return trial.last_step is not None and trial.last_step >= self.k


def make_objective(metric: str = "mse", log: list[Any] | None = None) -> Any:
    def objective(trial: parzen.Trial) -> float:
        torch.manual_seed(0)
        model = torch.nn.Linear(1, 1)
        lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        trainer = ignite_engine.create_supervised_trainer(model, optimizer, torch.nn.MSELoss())
        evaluator = ignite_engine.create_supervised_evaluator(
            model, metrics={"mse": ignite_metrics.Loss(torch.nn.MSELoss())}
        )
        epochs: list[int] = []
        trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda e: epochs.append(e.state.epoch))
        # Ignite's own record of the metric, read before the pruning handler runs.
        evaluator.add_event_handler(
            Events.COMPLETED,
            lambda e: (
                log.append((trainer.state.epoch, e.state.metrics["mse"]))
                if log is not None
                else None
            ),
        )
        evaluator.add_event_handler(
            Events.COMPLETED, PyTorchIgnitePruningHandler(trial, metric, trainer)
        )
        trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run(DATA))
        trial.set_user_attr("epochs", epochs)
        try:
            trainer.run(DATA, max_epochs=N_EPOCHS)
        finally:
            trial.set_user_attr("epochs", epochs)
        return float(evaluator.state.metrics["mse"])

    return objective


@pytest.mark.parametrize("k", [1, 3])
def test_pruned_at_step_k_after_exactly_k_epochs(k: int) -> None:
    study = parzen.create_study(pruner=PruneAtStep(k))
    study.optimize(make_objective(), n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.PRUNED
    # Ignite's epochs count from 1, and the step reported is the trainer's epoch.
    assert trial.user_attrs["epochs"] == list(range(1, k + 1))
    assert sorted(trial.intermediate_values) == list(range(1, k + 1))


def test_unpruned_trial_reports_ignites_own_metric_every_epoch() -> None:
    log: list[tuple[int, float]] = []
    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    study.optimize(make_objective(log=log), n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.COMPLETE
    assert trial.intermediate_values == dict(log)
    assert sorted(trial.intermediate_values) == list(range(1, N_EPOCHS + 1))
    assert trial.value == log[-1][1]


def test_missing_metric_is_a_key_error_listing_the_metrics() -> None:
    study = parzen.create_study()
    with pytest.raises(KeyError, match=r"'accuracy' was not found.*'mse'"):
        study.optimize(make_objective(metric="accuracy"), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_two_trials_train_in_threads_at_once() -> None:
    barrier = threading.Barrier(2, timeout=60)
    inner = make_objective()

    def objective(trial: parzen.Trial) -> float:
        barrier.wait()  # both threads are inside an objective at the same time
        return inner(trial)

    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    study.optimize(objective, n_trials=2, n_jobs=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    assert all(len(t.intermediate_values) == N_EPOCHS for t in study.trials)


def test_missing_ignite_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['ignite'] = None\n"
        "import parzen\n"
        "from parzen.integrations import PyTorchIgnitePruningHandler\n"
        "try:\n"
        "    PyTorchIgnitePruningHandler(parzen.create_study().ask(), 'mse', None)\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert 'pip install "parzen[ignite]"' in result.stdout, result.stderr


def test_same_decisions_as_optuna_integration() -> None:
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")

    def run(library: Any, handler: Any) -> list[tuple[str, dict[int, float]]]:
        def objective(trial: Any) -> float:
            torch.manual_seed(trial.number)  # the same model per trial number in both runs
            model = torch.nn.Linear(1, 1)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
            trainer = ignite_engine.create_supervised_trainer(model, optimizer, torch.nn.MSELoss())
            evaluator = ignite_engine.create_supervised_evaluator(
                model, metrics={"mse": ignite_metrics.Loss(torch.nn.MSELoss())}
            )
            evaluator.add_event_handler(Events.COMPLETED, handler(trial, "mse", trainer))
            trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run(DATA))
            trainer.run(DATA, max_epochs=N_EPOCHS)
            return float(evaluator.state.metrics["mse"])

        library.logging.set_verbosity(library.logging.WARNING)
        study = library.create_study(
            pruner=library.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
        )
        study.optimize(objective, n_trials=6)
        return [(t.state.name, dict(t.intermediate_values)) for t in study.trials]

    ours = run(parzen, PyTorchIgnitePruningHandler)
    theirs = run(optuna, integration.PyTorchIgnitePruningHandler)
    assert [state for state, _ in ours] == [state for state, _ in theirs]
    for (_, a), (_, b) in zip(ours, theirs):
        assert a == pytest.approx(b)
    assert "PRUNED" in [state for state, _ in ours]
