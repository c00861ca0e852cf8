"""Render every plot of a real study to image files.

Run: python examples/plots.py OUTPUT_DIR [--trials N]
(needs: pip install ".[plotly,matplotlib]")

Optimizes a stand-in training objective (log-scaled learning rate, an integer, a categorical
with a conditional parameter, learning curves pruned by MedianPruner, a constraint, a few
failures) and a two-objective study, then writes each plot:

* ``matplotlib/<plot>.png`` with parzen.visualization.matplotlib;
* ``plotly/<plot>.png`` with parzen.visualization when plotly can export images (kaleido
  needs a Chrome or Chromium browser), else ``plotly/<plot>.html`` (interactive, sharing one
  local copy of plotly.js, so it opens offline).
"""

from __future__ import annotations

import argparse
import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import parzen


def objective(trial: parzen.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 8)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    momentum = trial.suggest_float("momentum", 0.0, 0.99) if optimizer == "sgd" else 0.9
    if trial.number % 17 == 16:
        raise RuntimeError("simulated crash (shown as a FAIL trial)")
    final = (math.log10(lr) + 2.5) ** 2 + 0.05 * (layers - 4) ** 2 + 0.5 * (1 - momentum) ** 2
    loss = final
    for epoch in range(10):
        loss = final + 2.0 / (epoch + 1)
        trial.report(loss, epoch)
        if trial.should_prune():
            raise parzen.TrialPruned()
    # Deep models are "too slow to serve": infeasible when layers > 6.
    trial.set_constraint("latency", layers - 6.0)
    return loss


def two_objectives(trial: parzen.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    return x, (1 + 9 * y) * (1 - math.sqrt(x / (1 + 9 * y)))


def _plots(study: Any, mo_study: Any) -> dict[str, Callable[[Any], Any]]:
    return {
        "optimization_history": lambda v: v.plot_optimization_history(study),
        "intermediate_values": lambda v: v.plot_intermediate_values(study),
        "parallel_coordinate": lambda v: v.plot_parallel_coordinate(study),
        "contour": lambda v: v.plot_contour(study, params=["lr", "layers", "optimizer"]),
        "slice": lambda v: v.plot_slice(study),
        "param_importances": lambda v: v.plot_param_importances(study),
        "edf": lambda v: v.plot_edf(study),
        "rank": lambda v: v.plot_rank(study, params=["lr", "layers", "optimizer"]),
        "timeline": lambda v: v.plot_timeline(study),
        "pareto_front": lambda v: v.plot_pareto_front(mo_study),
        "hypervolume_history": lambda v: v.plot_hypervolume_history(mo_study, [1.1, 11.0]),
    }


def _save_matplotlib(result: Any, path: str) -> None:
    import numpy as np

    axes = np.asarray(result).ravel()
    figure = axes[0].figure
    figure.savefig(path, dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)


def _plotly_can_export() -> bool:
    import plotly.graph_objects as go

    try:
        go.Figure().to_image(format="png", width=10, height=10)
    except Exception:  # kaleido missing, or no Chrome/Chromium for it to drive
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output_dir")
    parser.add_argument("--trials", type=int, default=150)
    args = parser.parse_args()
    parzen.logging.set_verbosity(parzen.logging.ERROR)

    study = parzen.create_study(
        study_name="training", pruner=parzen.pruners.MedianPruner(n_warmup_steps=3)
    )
    study.optimize(objective, n_trials=args.trials, catch=(RuntimeError,))
    mo_study = parzen.create_study(study_name="zdt", directions=["minimize", "minimize"])
    mo_study.optimize(two_objectives, n_trials=args.trials)

    import matplotlib

    matplotlib.use("Agg")
    import parzen.visualization as vis
    import parzen.visualization.matplotlib as vis_mpl

    mpl_dir = os.path.join(args.output_dir, "matplotlib")
    plotly_dir = os.path.join(args.output_dir, "plotly")
    os.makedirs(mpl_dir, exist_ok=True)
    os.makedirs(plotly_dir, exist_ok=True)
    png = _plotly_can_export()
    written = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. experimental-feature notices
        for name, make in _plots(study, mo_study).items():
            path = os.path.join(mpl_dir, f"{name}.png")
            _save_matplotlib(make(vis_mpl), path)
            written.append(path)
            figure = make(vis)
            if png:
                path = os.path.join(plotly_dir, f"{name}.png")
                figure.write_image(path, width=1000, height=700)
            else:
                path = os.path.join(plotly_dir, f"{name}.html")
                figure.write_html(path, include_plotlyjs="directory")
            written.append(path)
    if not png:
        print("plotly image export unavailable (kaleido needs Chrome/Chromium): wrote HTML.")
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
