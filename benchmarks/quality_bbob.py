"""Sampler quality on the BBOB suite: parzen vs Optuna 5.0, TPE against TPE and GP against GP.

Each of the 24 noiseless BBOB functions (package ``coco-experiment``) in each dimension is
minimized by both libraries' default sampler, ``TPESampler(seed=s)`` or ``GPSampler(seed=s)``,
with the same trial budget, over ``--seeds`` seeds (20). Seed ``s`` runs BBOB instance
``s % 15 + 1`` (the suite has 15) in both libraries, so the runs pair up: per problem the
script reports the mean and median final regret (best value found minus the instance's
optimum) and a two-sided Wilcoxon signed-rank test on the paired regrets. A verdict is
"parzen better" or "Optuna better" only when p < 0.05; otherwise "no difference".
``--markdown`` prints the compact table of the README instead: median regrets per function,
dimension and sampler, with the verdicts.

Every finished run is appended to ``--results`` (JSON lines), so an interrupted study resumes
where it stopped, and re-running after a change to parzen only needs ``--rerun parzen``.

Usage:
    python benchmarks/quality_bbob.py [--samplers tpe gp] [--dims 5 10] [--seeds 20]
        [--functions 1-24] [--jobs 2] [--results bbob_results.jsonl] [--markdown]
        [--rerun parzen]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LIBRARIES = ("parzen", "optuna")
SAMPLER_CLASSES = {"tpe": "TPESampler", "gp": "GPSampler"}
# Trials per run, by sampler and dimension: enough for TPE's model to matter well past its
# 10 random start-up trials, and within reach of Optuna's GP in a reasonable time.
BUDGETS = {("tpe", 5): 200, ("tpe", 10): 400, ("gp", 5): 100, ("gp", 10): 100}
FUNCTION_NAMES = {
    1: "sphere",
    2: "ellipsoid",
    3: "rastrigin",
    4: "bueche-rastrigin",
    5: "linear slope",
    6: "attractive sector",
    7: "step ellipsoid",
    8: "rosenbrock",
    9: "rosenbrock rotated",
    10: "ellipsoid rotated",
    11: "discus",
    12: "bent cigar",
    13: "sharp ridge",
    14: "different powers",
    15: "rastrigin rotated",
    16: "weierstrass",
    17: "schaffer F7",
    18: "schaffer F7 cond. 1000",
    19: "griewank-rosenbrock",
    20: "schwefel",
    21: "gallagher 101 peaks",
    22: "gallagher 21 peaks",
    23: "katsuura",
    24: "lunacek bi-rastrigin",
}


@dataclass(frozen=True)
class Task:
    sampler: str
    library: str
    function: int
    dim: int
    seed: int
    n_trials: int

    @property
    def key(self) -> str:
        problem = f"f{self.function}/d{self.dim}/s{self.seed}/n{self.n_trials}"
        return f"{self.sampler}/{self.library}/{problem}"


N_INSTANCES = 15
"""The BBOB suite's instances per function; COCO ignores an instance index beyond them."""


def instance_of(seed: int) -> int:
    """The BBOB instance index (1 to 15) that seed ``seed`` runs; seeds 15 on reuse them.

    Example:
        >>> instance_of(0), instance_of(14), instance_of(15)
        (1, 15, 1)
    """
    return seed % N_INSTANCES + 1


def _bbob_problem(function: int, dim: int, instance: int) -> tuple[Any, float]:
    """The BBOB problem and its optimal value, read at the optimum COCO reports."""
    import cocoex
    import numpy as np

    suite = cocoex.Suite(
        "bbob", "", f"function_indices:{function} dimensions:{dim} instance_indices:{instance}"
    )
    problem = suite[0]
    # COCO exposes the optimum only by writing it to a file in the working directory.
    with tempfile.TemporaryDirectory() as workdir:
        cwd = os.getcwd()
        os.chdir(workdir)
        try:
            problem._best_parameter("print")
            x_opt = np.loadtxt("._bbob_problem_best_parameter.txt")
        finally:
            os.chdir(cwd)
    return problem, float(problem(x_opt))


def run(task: Task) -> dict[str, Any]:
    """Minimize one BBOB problem with one library's sampler; return the run's record."""
    import numpy as np

    problem, f_opt = _bbob_problem(task.function, task.dim, instance_of(task.seed))
    lower, upper = problem.lower_bounds, problem.upper_bounds

    def objective(trial: Any) -> float:
        x = [trial.suggest_float(f"x{i}", lower[i], upper[i]) for i in range(task.dim)]
        return float(problem(np.array(x)))

    library: Any
    if task.library == "parzen":
        import parzen as library
    else:
        import optuna as library
    library.logging.set_verbosity(library.logging.WARNING)
    sampler = getattr(library.samplers, SAMPLER_CLASSES[task.sampler])(seed=task.seed)
    study = library.create_study(sampler=sampler)
    start = time.perf_counter()
    study.optimize(objective, n_trials=task.n_trials)
    elapsed = time.perf_counter() - start
    regret = max(float(study.best_value) - f_opt, 0.0)
    return {**asdict(task), "key": task.key, "regret": regret, "seconds": elapsed}


def _parse_functions(text: str) -> list[int]:
    functions: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        functions.extend(range(int(first), int(last or first) + 1))
    if not functions or min(functions) < 1 or max(functions) > 24:
        raise SystemExit(
            f"--functions must name BBOB functions 1 to 24, e.g. 1-24 or 1,8,15; got {text!r}."
        )
    return functions


def _load(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    with path.open() as f:
        return {record["key"]: record for record in map(json.loads, f) if record}


def _tasks(args: argparse.Namespace) -> Iterator[Task]:
    for sampler in args.samplers:
        for dim in args.dims:
            for function in args.functions:
                for seed in range(args.seeds):
                    for library in LIBRARIES:
                        yield Task(sampler, library, function, dim, seed, BUDGETS[sampler, dim])


def _run_missing(
    tasks: Iterable[Task], results: dict[str, dict[str, Any]], path: Path, jobs: int
) -> None:
    missing = [t for t in tasks if t.key not in results]
    print(f"{len(missing)} runs to do, {len(results)} already in {path}", file=sys.stderr)
    with ProcessPoolExecutor(jobs) as pool, path.open("a") as out:
        futures = [pool.submit(run, task) for task in missing]
        for done, future in enumerate(as_completed(futures), 1):
            record = future.result()
            results[record["key"]] = record
            out.write(json.dumps(record) + "\n")
            out.flush()
            if done % 20 == 0 or done == len(missing):
                print(f"  {done}/{len(missing)} runs done", file=sys.stderr)


@dataclass(frozen=True)
class Comparison:
    sampler: str
    function: int
    dim: int
    n_trials: int
    parzen: list[float]
    optuna: list[float]
    pvalue: float

    @property
    def verdict(self) -> str:
        if self.pvalue >= 0.05:
            return "no difference"
        import numpy as np

        better = np.median(np.subtract(self.parzen, self.optuna)) < 0
        return "parzen better" if better else "Optuna better"


def compare(tasks: list[Task], results: dict[str, dict[str, Any]]) -> list[Comparison]:
    from scipy.stats import wilcoxon

    groups: dict[tuple[str, int, int, int], dict[str, list[float]]] = {}
    for task in sorted(tasks, key=lambda t: t.seed):
        group = groups.setdefault((task.sampler, task.function, task.dim, task.n_trials), {})
        group.setdefault(task.library, []).append(results[task.key]["regret"])
    comparisons = []
    for (sampler, function, dim, n_trials), regrets in groups.items():
        p, o = regrets["parzen"], regrets["optuna"]
        differences = [a - b for a, b in zip(p, o)]
        pvalue = 1.0 if not any(differences) else float(wilcoxon(p, o).pvalue)
        comparisons.append(Comparison(sampler, function, dim, n_trials, p, o, pvalue))
    return comparisons


def _format(value: float) -> str:
    return f"{value:.3g}"


def markdown_summary(comparisons: list[Comparison]) -> None:
    """One row per function; per sampler and dimension, median regrets and the verdict."""
    import numpy as np

    columns = sorted({(c.sampler, c.dim) for c in comparisons}, key=lambda k: (k[0] != "tpe", k))
    by_key = {(c.sampler, c.dim, c.function): c for c in comparisons}
    marks = {"parzen better": " **better**", "Optuna better": " **worse**", "no difference": ""}
    header = ["function"] + [
        f"{sampler.upper()} {dim}-D ({by_key[sampler, dim, min(FUNCTION_NAMES)].n_trials} trials)"
        for sampler, dim in columns
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for function in sorted({c.function for c in comparisons}):
        cells = [f"f{function} {FUNCTION_NAMES[function]}"]
        for sampler, dim in columns:
            c = by_key.get((sampler, dim, function))
            if c is None:
                cells.append("")
                continue
            p, o = float(np.median(c.parzen)), float(np.median(c.optuna))
            cells.append(f"{_format(p)} / {_format(o)}{marks[c.verdict]}")
        print("| " + " | ".join(cells) + " |")


def report(comparisons: list[Comparison], markdown: bool) -> None:
    import numpy as np

    if markdown:
        markdown_summary(comparisons)

    header = [
        "sampler", "dim", "function", "trials", "parzen mean", "Optuna mean",
        "parzen median", "Optuna median", "p", "verdict",
    ]  # fmt: skip
    rows = [
        [
            c.sampler.upper(),
            str(c.dim),
            f"f{c.function} {FUNCTION_NAMES[c.function]}",
            str(c.n_trials),
            _format(float(np.mean(c.parzen))),
            _format(float(np.mean(c.optuna))),
            _format(float(np.median(c.parzen))),
            _format(float(np.median(c.optuna))),
            f"{c.pvalue:.3f}",
            c.verdict,
        ]
        for c in comparisons
    ]
    if not markdown:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
    print()
    for sampler in sorted({c.sampler for c in comparisons}):
        verdicts = [c.verdict for c in comparisons if c.sampler == sampler]
        counts = {
            v: verdicts.count(v) for v in ("parzen better", "no difference", "Optuna better")
        }
        summary = ", ".join(f"{v}: {n}" for v, n in counts.items())
        print(f"{sampler.upper()} over {len(verdicts)} problems: {summary}")
        # Across problems: the per-problem mean of log10(parzen regret / Optuna regret).
        ratios = [
            float(np.mean(np.log10(_floor(c.parzen)) - np.log10(_floor(c.optuna))))
            for c in comparisons
            if c.sampler == sampler
        ]
        if any(ratios):
            from scipy.stats import wilcoxon

            overall = wilcoxon(ratios).pvalue
            print(
                f"{sampler.upper()} across problems: mean log10 regret ratio "
                f"{np.mean(ratios):+.3f} (parzen lower on {sum(r < 0 for r in ratios)} of "
                f"{len(ratios)}), Wilcoxon signed-rank p={overall:.3f}"
            )


def _floor(regrets: list[float]) -> Any:
    import numpy as np

    return np.maximum(regrets, 1e-12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--samplers", nargs="+", choices=list(SAMPLER_CLASSES), default=["tpe", "gp"]
    )
    parser.add_argument("--dims", nargs="+", type=int, choices=[5, 10], default=[5, 10])
    parser.add_argument("--functions", type=_parse_functions, default=list(range(1, 25)))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--results", type=Path, default=Path("bbob_results.jsonl"))
    parser.add_argument("--rerun", choices=LIBRARIES, help="discard this library's stored runs")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()

    results = _load(args.results)
    if args.rerun:
        results = {k: r for k, r in results.items() if r["library"] != args.rerun}
        with args.results.open("w") as f:
            f.writelines(json.dumps(r) + "\n" for r in results.values())
    tasks = list(_tasks(args))
    _run_missing(tasks, results, args.results, args.jobs)
    report(compare(tasks, results), args.markdown)
    for library in LIBRARIES:
        for sampler in args.samplers:
            seconds = sum(
                results[t.key]["seconds"]
                for t in tasks
                if t.library == library and t.sampler == sampler
            )
            print(f"{library} {sampler.upper()}: {seconds:.0f} s of optimization in all")


if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
    main()
