"""GPSampler speed: parzen (numpy + scipy) vs Optuna 5.0 (PyTorch), side by side in one run.

A free objective (a shifted quadratic of ten floats), in-memory storage, the default
``GPSampler(seed=...)`` of each library; the time of the whole ``optimize`` call is printed with
the ratio parzen / Optuna (target: <= 0.2 at 300 trials) and each run's best value.

Optuna's GPSampler needs PyTorch (``pip install torch==2.13.0``) and runs its acquisition
optimizer in batches when ``greenlet`` is installed.

Usage:
    python benchmarks/bench_gp.py [--trials 300] [--params 10] [--seed 0] [--skip-optuna]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

SHIFT = 1.0

# (wall seconds, CPU seconds, best value, wall seconds at every 50th trial)
_Result = tuple[float, float, float, list[float]]


def _make_objective(n_params: int) -> Any:
    def objective(trial: Any) -> float:
        return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - SHIFT) ** 2 for i in range(n_params))

    return objective


def _run_parzen(n_trials: int, n_params: int, seed: int) -> _Result:
    import parzen
    from parzen.samplers._gp import GPSampler

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(sampler=GPSampler(seed=seed))
    return _timed(study, n_trials, n_params)


def _run_optuna(n_trials: int, n_params: int, seed: int) -> _Result:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    return _timed(study, n_trials, n_params)


def _timed(study: Any, n_trials: int, n_params: int) -> _Result:
    objective = _make_objective(n_params)
    checkpoints: list[float] = []
    cpu_start = time.process_time()
    start = time.perf_counter()

    def callback(study: Any, trial: Any) -> None:
        if (trial.number + 1) % 50 == 0:
            checkpoints.append(time.perf_counter() - start)

    study.optimize(objective, n_trials=n_trials, callbacks=[callback])
    wall = time.perf_counter() - start
    return wall, time.process_time() - cpu_start, float(study.best_value), checkpoints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--params", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-optuna", action="store_true")
    args = parser.parse_args()

    print(f"GPSampler, {args.params} floats, quadratic objective, {args.trials} trials, in-memory")
    parzen_result = _run_parzen(args.trials, args.params, args.seed)
    _report("parzen", parzen_result)
    if args.skip_optuna:
        return
    try:
        import greenlet  # noqa: F401
    except ImportError:
        print("note: greenlet is not installed; Optuna optimizes its acquisition sequentially")
    optuna_result = _run_optuna(args.trials, args.params, args.seed)
    _report("optuna", optuna_result)
    print(
        f"ratio parzen/optuna wall time: {parzen_result[0] / optuna_result[0]:.3f} "
        f"(target <= 0.2); cpu time: {parzen_result[1] / optuna_result[1]:.3f}"
    )


def _report(name: str, result: _Result) -> None:
    wall, cpu, best, marks = result
    print(
        f"{name:7s} {wall:8.2f} s wall {cpu:8.2f} s cpu  best {best:.3g}  "
        f"(wall at every 50 trials: {', '.join(f'{t:.1f}' for t in marks)})",
        flush=True,
    )


if __name__ == "__main__":
    main()
