"""Pruning overhead, parzen vs Optuna 5.0, on identical learning curves.

Each library runs ``n_trials`` trials that report ``n_steps`` steps and call
``should_prune()`` after every report (the pattern of every training integration); the
objective does no work, so the time is the framework's. Prints seconds and the ratio
optuna / parzen (> 1: parzen is faster), plus whether both pruned the same trials.

    python benchmarks/bench_pruners.py [--trials 300] [--steps 100]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import optuna

import parzen

warnings.filterwarnings("ignore")


def curves(n_trials: int, n_steps: int) -> list[list[float]]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n_trials):
        level, speed = rng.uniform(0, 1), rng.uniform(0.5, 2)
        out.append([level + 1 / (1 + speed * s) + rng.normal(0, 0.01) for s in range(n_steps)])
    return out


def run(library, make_pruner, data, repeat: int = 3) -> tuple[float, list[str]]:
    """Best time of ``repeat`` runs (the machine may be shared), and the final states."""
    times = []
    for _ in range(repeat):
        elapsed, states = run_once(library, make_pruner(), data)
        times.append(elapsed)
    return min(times), states


def run_once(library, pruner, data) -> tuple[float, list[str]]:
    library.logging.set_verbosity(library.logging.ERROR)
    study = library.create_study(
        study_name="bench", pruner=pruner, sampler=library.samplers.RandomSampler(seed=0)
    )

    def objective(trial):
        values = data[trial.number]
        for step, value in enumerate(values):
            trial.report(value, step)
            if trial.should_prune():
                raise library.TrialPruned()
        return sum(values) / len(values)

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=len(data))
    elapsed = time.perf_counter() - start
    return elapsed, [t.state.name for t in study.get_trials(deepcopy=False)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    data = curves(args.trials, args.steps)
    import scipy.stats  # noqa: F401  # both Wilcoxon pruners need it; keep its import untimed

    cases = {
        "MedianPruner(n_startup_trials=5)": lambda p: p.MedianPruner(),
        "PercentilePruner(25.0)": lambda p: p.PercentilePruner(25.0),
        "SuccessiveHalvingPruner()": lambda p: p.SuccessiveHalvingPruner(),
        "HyperbandPruner(max_resource=100)": lambda p: p.HyperbandPruner(max_resource=100),
        "PatientPruner(Median, 3)": lambda p: p.PatientPruner(p.MedianPruner(), 3),
        "ThresholdPruner(upper=1.5)": lambda p: p.ThresholdPruner(upper=1.5),
    }
    print(f"{args.trials} trials x {args.steps} steps, should_prune() after every report")
    print(f"{'pruner':38s} {'parzen s':>9s} {'optuna s':>9s} {'ratio':>7s}  same decisions")
    for name, factory in cases.items():
        ours, our_states = run(parzen, lambda f=factory: f(parzen.pruners), data)
        theirs, their_states = run(optuna, lambda f=factory: f(optuna.pruners), data)
        print(
            f"{name:38s} {ours:9.2f} {theirs:9.2f} {theirs / ours:7.1f}x  "
            f"{our_states == their_states}"
        )
    # Wilcoxon: per-instance values with ties (right/wrong answers), 12 instances per trial.
    rng = np.random.default_rng(1)
    binary = [[float(rng.uniform() < rng.uniform(0.2, 0.8)) for _ in range(12)] for _ in range(15)]
    ours, s1 = run(parzen, lambda: parzen.pruners.WilcoxonPruner(p_threshold=0.3), binary)
    theirs, s2 = run(
        optuna, lambda: optuna.pruners.WilcoxonPruner(p_threshold=0.3), binary, repeat=1
    )
    name = "WilcoxonPruner, 15 trials x 12 0/1 values"
    print(f"{name:38s} {ours:9.2f} {theirs:9.2f} {theirs / ours:7.1f}x  {s1 == s2}")


if __name__ == "__main__":
    main()
