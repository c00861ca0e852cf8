"""TorchDistributedTrial: two CPU ranks (spawned, gloo) train one DDP model per trial.

Every rank writes down what each call returned; the test checks both ranks got identical
parameters, attributes and pruning decisions, that the study stored rank 0's reports, and
that an error raised on rank 0 is raised on rank 1 too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import parzen  # noqa: E402
from parzen.integrations import TorchDistributedTrial  # noqa: E402
from parzen.trial import TrialState  # noqa: E402

N_EPOCHS = 4
PRUNE_AT = 1

# Each rank runs this script: rank 0 drives the study, rank 1 follows with trial=None.
_RANK_SCRIPT = r"""
import json, sys
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

import parzen
from parzen.integrations import TorchDistributedTrial

rank, world, rendezvous, journal, out, n_trials, prune_at, n_epochs = sys.argv[1:9]
rank, world, n_trials = int(rank), int(world), int(n_trials)
prune_at, n_epochs = int(prune_at), int(n_epochs)
dist.init_process_group("gloo", init_method=rendezvous, rank=rank, world_size=world)
torch.manual_seed(0)
X = torch.linspace(-1, 1, 64).unsqueeze(1)
y = 3 * X + 0.5
log = []


class PruneAtStep(parzen.pruners.BasePruner):
    def prune(self, study, trial):
        step = trial.last_step
        return trial.number % 2 == 1 and step is not None and step >= prune_at


def objective(single_trial):
    trial = TorchDistributedTrial(single_trial)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    width = trial.suggest_int("width", 2, 8)
    activation = trial.suggest_categorical("activation", ("tanh", "relu"))
    trial.set_user_attr("rank_that_set", rank)
    entry = {"number": trial.number, "lr": lr, "width": width, "activation": activation,
             "decisions": [], "losses": []}
    log.append(entry)
    model = torch.nn.Sequential(
        torch.nn.Linear(1, width),
        torch.nn.Tanh() if activation == "tanh" else torch.nn.ReLU(),
        torch.nn.Linear(width, 1),
    )
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    shard = slice(rank, None, world)
    for epoch in range(n_epochs):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(ddp(X[shard]), y[shard])
        loss.backward()
        optimizer.step()
        mean = loss.detach().clone()
        dist.all_reduce(mean)
        value = float(mean) / world
        entry["losses"].append(value)
        trial.report(value, epoch)
        decision = trial.should_prune()
        entry["decisions"].append(decision)
        if decision:
            raise parzen.TrialPruned()
    entry["params"] = trial.params
    entry["user_attrs"] = trial.user_attrs
    entry["distributions"] = sorted(trial.distributions)
    return entry["losses"][-1]


if rank == 0:
    storage = parzen.storages.JournalStorage(parzen.storages.JournalFileStorage(journal))
    study = parzen.create_study(storage=storage, study_name="ddp", pruner=PruneAtStep())
    study.optimize(objective, n_trials=n_trials)
else:
    for _ in range(n_trials):
        try:
            objective(None)
        except parzen.TrialPruned:
            pass

# An error on rank 0 (an invalid range) must surface on every rank, with its type.
try:
    TorchDistributedTrial(study.ask() if rank == 0 else None).suggest_float("bad", 1.0, 0.0)
except Exception as e:
    log.append({"error": type(e).__name__})
dist.destroy_process_group()
with open(out, "w") as f:
    json.dump(log, f)
"""


def _run_ranks(tmp_path: Path, n_trials: int) -> tuple[list[Any], list[Any], parzen.Study]:
    script = tmp_path / "rank.py"
    script.write_text(_RANK_SCRIPT, encoding="utf-8")
    journal = tmp_path / "study.log"
    rendezvous = f"file://{tmp_path}/rendezvous"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    outputs = [tmp_path / f"rank{r}.json" for r in range(2)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(rank),
                "2",
                rendezvous,
                str(journal),
                str(outputs[rank]),
                str(n_trials),
                str(PRUNE_AT),
                str(N_EPOCHS),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(2)
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    logs = [json.loads(p.read_text(encoding="utf-8")) for p in outputs]
    storage = parzen.storages.JournalStorage(parzen.storages.JournalFileStorage(str(journal)))
    return logs[0], logs[1], parzen.load_study(study_name="ddp", storage=storage)


@pytest.mark.slow
def test_two_ranks_get_identical_answers_and_prune_together(tmp_path: Path) -> None:
    log0, log1, study = _run_ranks(tmp_path, n_trials=4)

    assert log0 == log1  # parameters, attributes, decisions and even the losses agree
    trials = [entry for entry in log0 if "number" in entry]
    assert [t["number"] for t in trials] == [0, 1, 2, 3]
    assert len({(t["lr"], t["width"], t["activation"]) for t in trials}) > 1

    stored = {t.number: t for t in study.trials}
    for entry in trials:
        trial = stored[entry["number"]]
        assert trial.params == {
            "lr": entry["lr"],
            "width": entry["width"],
            "activation": entry["activation"],
        }
        # The reports are rank 0's values, one per epoch that ran.
        assert [trial.intermediate_values[s] for s in sorted(trial.intermediate_values)] == (
            pytest.approx(entry["losses"])
        )
        if entry["number"] % 2 == 1:  # odd trials are pruned at step PRUNE_AT
            assert trial.state == TrialState.PRUNED
            assert len(entry["losses"]) == PRUNE_AT + 1
            assert entry["decisions"] == [False] * PRUNE_AT + [True]
        else:
            assert trial.state == TrialState.COMPLETE
            assert len(entry["losses"]) == N_EPOCHS and not any(entry["decisions"])
            assert trial.user_attrs == {"rank_that_set": 0} == entry["user_attrs"]
            assert entry["params"] == trial.params
            assert entry["distributions"] == ["activation", "lr", "width"]

    assert log0[-1] == log1[-1] == {"error": "ValueError"}


def test_rank_zero_needs_a_trial(tmp_path: Path) -> None:
    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path}/rendezvous", rank=0, world_size=1
    )
    try:
        with pytest.raises(ValueError, match="rank 0 needs the study's trial"):
            TorchDistributedTrial(None)
        study = parzen.create_study()
        trial = TorchDistributedTrial(study.ask())
        with pytest.warns(UserWarning):  # tuples are not primitive choices, as in Optuna
            assert trial.suggest_categorical("c", [(1, 2), (3,)]) in [(1, 2), (3,)]
        assert trial.number == 0 and trial.datetime_start is not None
    finally:
        dist.destroy_process_group()


def test_without_an_initialized_process_group_the_error_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="init_process_group"):
        TorchDistributedTrial(parzen.create_study().ask())


def test_missing_torch_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['torch.distributed'] = None\n"
        "import parzen\n"
        "from parzen.integrations import TorchDistributedTrial\n"
        "try:\n"
        "    TorchDistributedTrial(None)\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert 'pip install "parzen[torch]"' in result.stdout, result.stderr
