"""Tune a model trained with DistributedDataParallel on two CPU processes.

Run: python examples/torch_distributed_simple.py [--trials N]
(needs: pip install ".[torch,sklearn]")

Each trial trains one DDP model on two processes (gloo backend). Rank 0 runs the study and
passes its trial to TorchDistributedTrial; rank 1 passes None. Every suggest, report and
should_prune call is answered identically on both ranks, so they train with the same
hyperparameters and stop at the same epoch.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from sklearn.datasets import load_diabetes
from torch.nn.parallel import DistributedDataParallel

import parzen
from parzen.integrations import TorchDistributedTrial

WORLD_SIZE = 2
N_EPOCHS = 20


def objective(single_trial: parzen.Trial | None, data: tuple[torch.Tensor, ...]) -> float:
    trial = TorchDistributedTrial(single_trial)
    X_train, y_train, X_valid, y_valid = data
    hidden = trial.suggest_int("hidden", 4, 32, log=True)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    model = torch.nn.Sequential(
        torch.nn.Linear(X_train.shape[1], hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1)
    )
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=lr)
    rank = dist.get_rank()
    shard = slice(rank, None, WORLD_SIZE)  # each rank trains on its half of the data
    loss = torch.tensor(0.0)
    for epoch in range(N_EPOCHS):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(ddp(X_train[shard]), y_train[shard]).backward()
        optimizer.step()
        with torch.no_grad():
            loss = torch.nn.functional.mse_loss(model(X_valid), y_valid)
        trial.report(float(loss), epoch)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return float(loss)


def run(rank: int, rendezvous: str, n_trials: int) -> None:
    dist.init_process_group("gloo", init_method=rendezvous, rank=rank, world_size=WORLD_SIZE)
    X, y = load_diabetes(return_X_y=True, scaled=True)
    X_t = torch.tensor(X, dtype=torch.float32)
    y_t = torch.tensor(y, dtype=torch.float32).unsqueeze(1) / 100.0
    data = (X_t[:350], y_t[:350], X_t[350:], y_t[350:])
    if rank == 0:
        parzen.logging.set_verbosity(parzen.logging.WARNING)
        study = parzen.create_study(pruner=parzen.pruners.MedianPruner(n_warmup_steps=5))
        study.optimize(lambda trial: objective(trial, data), n_trials=n_trials)
        print(f"best validation MSE {study.best_value:.4f} with {study.best_params}")
    else:
        for _ in range(n_trials):
            # Rank 0's study records the pruning; this rank only follows it.
            with contextlib.suppress(parzen.TrialPruned):
                objective(None, data)
    dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rendezvous = f"file://{tempfile.mkdtemp()}/rendezvous"
    mp.spawn(run, args=(rendezvous, args.trials), nprocs=WORLD_SIZE, join=True)


if __name__ == "__main__":
    main()
