"""Import time of parzen versus Optuna, each in fresh interpreters, reported as a ratio.

Run: python benchmarks/bench_import.py [--repeat 15]
Target (issue 2): parzen's import takes at most half of Optuna's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys


def import_seconds(module: str, repeat: int) -> list[float]:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    # Warm the page cache for both, then alternate the runs so that both see the same load.
    import_seconds("parzen", 2)
    import_seconds("optuna", 2)
    parzen_times: list[float] = []
    optuna_times: list[float] = []
    for _ in range(args.repeat):
        parzen_times += import_seconds("parzen", 1)
        optuna_times += import_seconds("optuna", 1)
    p, o = statistics.median(parzen_times), statistics.median(optuna_times)
    print(f"import parzen: median {p * 1000:.1f} ms over {args.repeat} runs")
    print(f"import optuna: median {o * 1000:.1f} ms over {args.repeat} runs")
    print(f"ratio parzen/optuna: {p / o:.2f} (target <= 0.50)")


if __name__ == "__main__":
    main()
