"""Maximization of an acquisition function over a mixed search space.

1. Score a scrambled Sobol set, plus perturbations of the best observed points, in one batch.
2. From the best few distinct candidates, alternate
   * L-BFGS-B over the continuous columns, all starting points at once (the objective is the sum
     of the per-point values, which is separable, so its gradient is each point's own), and
   * a greedy search over discrete and categorical columns: every single-column move to a
     nearby grid value or another category is scored in one batch, and the best move is taken,
   until neither improves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from parzen.samplers._gp._search_space import SearchSpaceEncoding

if TYPE_CHECKING:
    from parzen.samplers._gp._acqf import Acquisition

_MAX_GRID_MOVES = 16
_MAX_LBFGS_ITER = 25


def optimize_acquisition(
    acqf: Acquisition,
    encoding: SearchSpaceEncoding,
    rng: np.random.RandomState,
    unit_points: np.ndarray,
    *,
    incumbents: np.ndarray | None = None,
    n_local: int = 8,
    max_rounds: int = 3,
) -> np.ndarray:
    """Return the encoded row that maximizes ``acqf`` (approximately).

    Args:
        acqf: The acquisition function.
        encoding: The search space.
        rng: Source of randomness for the perturbations of incumbents.
        unit_points: Candidates in the unit cube, e.g. a Sobol set, shape (n, d).
        incumbents: Good observed rows to perturb into extra candidates.
        n_local: Number of starting points of the local search.
        max_rounds: Alternations of continuous and discrete local search.
    """
    candidates = encoding.from_unit(unit_points)
    if incumbents is not None and len(incumbents):
        candidates = np.vstack(
            [candidates, _perturb(incumbents, encoding, rng, len(unit_points) // 4)]
        )
    values, _ = acqf(candidates)
    values = np.where(np.isfinite(values), values, -np.inf)

    order = np.argsort(-values, kind="stable")
    starts_idx: list[int] = []
    for idx in order:
        if len(starts_idx) >= n_local:
            break
        if all(not np.array_equal(candidates[idx], candidates[j]) for j in starts_idx):
            starts_idx.append(int(idx))
    starts = candidates[starts_idx].copy()
    start_values = values[starts_idx].copy()

    has_cont = bool(encoding.is_continuous.any())
    has_grid = bool((~encoding.is_continuous).any())
    for _ in range(max_rounds):
        improved = False
        if has_cont:
            starts, start_values, changed = _local_continuous(acqf, encoding, starts, start_values)
            improved |= changed
        if has_grid:
            starts, start_values, changed = _local_discrete(acqf, encoding, starts, start_values)
            improved |= changed
        if not improved or not has_grid or not has_cont:
            break
    best = int(np.argmax(start_values))
    return starts[best]


def _perturb(
    incumbents: np.ndarray,
    encoding: SearchSpaceEncoding,
    rng: np.random.RandomState,
    n: int,
) -> np.ndarray:
    """Points near good observations.

    Numeric columns move by Gaussian noise whose scale is log-uniform over [1e-3, 0.3] of the
    range: late in a run the acquisition peaks in a region far smaller than any fixed scale
    would find, early on it is broad. Categories are resampled with small probability.
    """
    base = incumbents[rng.randint(len(incumbents), size=n)]
    scale = 10.0 ** rng.uniform(-3.0, -0.5, size=(n, 1))
    noise = rng.standard_normal(base.shape) * scale
    out = base.copy()
    num = ~encoding.is_categorical
    out[:, num] = np.clip(base[:, num] + noise[:, num], 0.0, 1.0)
    cat = encoding.is_categorical
    if cat.any():
        flip = rng.random_sample((n, int(cat.sum()))) < 1.0 / max(encoding.dim, 2)
        fresh = np.floor(rng.random_sample((n, int(cat.sum()))) * encoding.n_values[cat])
        out[:, cat] = np.where(flip, fresh, base[:, cat])
    return encoding.round(out)


def _local_continuous(
    acqf: Acquisition,
    encoding: SearchSpaceEncoding,
    starts: np.ndarray,
    start_values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, bool]:
    from scipy.optimize import minimize

    cont = encoding.is_continuous
    n_cont = int(cont.sum())
    template = starts.copy()
    # Points whose value or gradient is not finite would poison the shared line search.
    active = np.isfinite(start_values)
    if not active.any():
        return starts, start_values, False
    template_active = template[active]

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        x = template_active.copy()
        x[:, cont] = z.reshape(-1, n_cont)
        value, grad = acqf(x, with_grad=True)
        assert grad is not None
        ok = np.isfinite(value) & np.all(np.isfinite(grad), axis=1)
        total = float(np.where(ok, value, 0.0).sum())
        grad = np.where(ok[:, None], grad, 0.0)
        if not ok.all():
            total -= 1e10 * float((~ok).sum())
        return -total, -grad[:, cont].ravel()

    z0 = template_active[:, cont].ravel()
    result = minimize(
        fun,
        z0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * len(z0),
        options={"maxiter": _MAX_LBFGS_ITER},
    )
    moved = template_active.copy()
    moved[:, cont] = np.clip(result.x.reshape(-1, n_cont), 0.0, 1.0)
    moved_values, _ = acqf(moved)
    better = np.isfinite(moved_values) & (moved_values > start_values[active])
    if not better.any():
        return starts, start_values, False
    new_starts = starts.copy()
    new_values = start_values.copy()
    idx = np.flatnonzero(active)[better]
    new_starts[idx] = moved[better]
    new_values[idx] = moved_values[better]
    return new_starts, new_values, True


def _local_discrete(
    acqf: Acquisition,
    encoding: SearchSpaceEncoding,
    starts: np.ndarray,
    start_values: np.ndarray,
    max_steps: int = 10,
) -> tuple[np.ndarray, np.ndarray, bool]:
    columns = np.flatnonzero(~encoding.is_continuous)
    starts = starts.copy()
    start_values = start_values.copy()
    n_starts = len(starts)
    changed = False
    for _ in range(max_steps):
        blocks = []
        for c in columns:
            values = encoding.grid_values(int(c), starts[:, c], _MAX_GRID_MOVES)
            rows = np.repeat(starts[:, None, :], values.shape[1], axis=1)
            rows[:, :, c] = values
            blocks.append(rows)
        # (starts, moves, dim): every single-column move of every start.
        moves = np.concatenate(blocks, axis=1)
        move_values, _ = acqf(moves.reshape(-1, encoding.dim))
        move_values = np.where(np.isfinite(move_values), move_values, -np.inf)
        move_values = move_values.reshape(n_starts, -1)
        best = np.argmax(move_values, axis=1)
        best_values = move_values[np.arange(n_starts), best]
        improved = best_values > start_values + 1e-12
        if not improved.any():
            break
        starts[improved] = moves[improved, best[improved]]
        start_values[improved] = best_values[improved]
        changed = True
    return starts, start_values, changed
