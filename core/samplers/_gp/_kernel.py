"""Matérn 5/2 kernel with automatic relevance determination.

The kernel is written as a function of the scaled squared distance

    r2 = sum_d inv_sq_ls[d] * delta_d ** 2,

where ``delta_d`` is the difference of continuous or discrete columns and, for categorical
columns, 1 when the categories differ and 0 when they match (a Hamming distance). Working with
``r2`` keeps every derivative finite at zero distance: ``d matern / d r2 = -5/6 (1 + sqrt(5) r)
exp(-sqrt(5) r)``.
"""

from __future__ import annotations

import numpy as np

_SQRT5 = float(np.sqrt(5.0))


def matern52(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the Matérn 5/2 correlation and its derivative with respect to ``r2``."""
    r = np.sqrt(r2)
    e = np.exp(-_SQRT5 * r)
    k = (1.0 + _SQRT5 * r + (5.0 / 3.0) * r2) * e
    dk_dr2 = (-5.0 / 6.0) * (1.0 + _SQRT5 * r) * e
    return k, dk_dr2


def matern52_value(r2: np.ndarray) -> np.ndarray:
    """The Matérn 5/2 correlation alone."""
    # In place: this runs on (candidates x observations) matrices, where temporaries cost
    # more than the arithmetic.
    t = np.sqrt(r2)
    t *= _SQRT5
    e = np.negative(t)
    np.exp(e, out=e)
    k = r2 * (5.0 / 3.0)
    k += t
    k += 1.0
    k *= e
    return k


def scaled_sq_dist(
    x1: np.ndarray, x2: np.ndarray, inv_sq_ls: np.ndarray, is_cat: np.ndarray
) -> np.ndarray:
    """Pairwise ``r2`` between the rows of ``x1`` (a, d) and ``x2`` (b, d)."""
    num = ~is_cat
    if num.all():
        scale = np.sqrt(inv_sq_ls)
        a = x1 * scale
        b = x2 * scale
    else:
        scale = np.sqrt(inv_sq_ls[num])
        a = x1[:, num] * scale
        b = x2[:, num] * scale
    # The expansion |a|^2 + |b|^2 - 2 a.b costs one matrix product instead of an (a, b, d)
    # tensor; its rounding error is far below the kernel's sensitivity.
    r2 = np.einsum("ij,ij->i", a, a)[:, None] + np.einsum("ij,ij->i", b, b)[None, :]
    r2 -= 2.0 * (a @ b.T)
    np.maximum(r2, 0.0, out=r2)
    if is_cat.any():
        for d in np.flatnonzero(is_cat):
            r2 += inv_sq_ls[d] * (x1[:, d, None] != x2[None, :, d])
    return r2


def weighted_sq_dist_sums(a: np.ndarray, x: np.ndarray, is_cat: np.ndarray) -> np.ndarray:
    """``sum_ij a_ij delta_ijd ** 2`` for every column ``d``, for a symmetric ``a`` (n, n).

    This is what the gradient of the marginal likelihood with respect to each lengthscale needs.
    For numeric columns it reduces to two matrix products.
    """
    out = np.empty(x.shape[1])
    num = ~is_cat
    if num.any():
        xn = x[:, num]
        row_sums = a.sum(axis=1)
        out[num] = 2.0 * (row_sums @ (xn * xn)) - 2.0 * np.einsum("id,id->d", xn, a @ xn)
    for d in np.flatnonzero(is_cat):
        out[d] = a[x[:, d, None] != x[None, :, d]].sum()
    return out
