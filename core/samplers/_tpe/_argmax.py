"""Picking the candidate with the best density ratio ``l(x) / g(x)``, cheaply and exactly.

``log g(x)`` is a log-sum-exp over one kernel per trial of the "above" set: with thousands of
trials, exponentiating every ``(candidate, kernel)`` term is most of a suggestion's cost. Yet
only the winner's score matters, and a log-sum-exp is never below its largest term, so
``log l(x) - max_k term_k(x)`` bounds a candidate's score from above. Candidates are scored
exactly in the order of that bound, and the ones whose bound is below the best exact score so
far cannot win: usually one or two candidates of 24 or 64 get the full log-sum-exp.

The result is the one of scoring every candidate (same index, ties to the first): the bound
holds in floating point too, since the computed log-sum-exp adds ``log(s)`` with ``s >= 1``
(the largest term contributes exactly ``exp(0)``) to that largest term.
"""

from __future__ import annotations

import numpy as np

from parzen.samplers._tpe._parzen_estimator import logsumexp_rows


def best_candidate(log_l: np.ndarray, g_terms: np.ndarray) -> int:
    """Index of the largest ``log_l - logsumexp(g_terms, axis=1)``, the first one on ties.

    Args:
        log_l: ``log l(x)`` of each candidate, shape ``(S,)``.
        g_terms: The kernel terms of ``log g(x)``, shape ``(S, K)``; left unchanged.

    Examples:
        >>> import numpy as np
        >>> log_l = np.array([0.0, 0.0, -5.0])
        >>> g_terms = np.log(np.array([[0.5, 0.5], [0.1, 0.1], [1e-6, 1e-6]]))
        >>> best_candidate(log_l, g_terms)
        2
    """
    peak = g_terms.max(axis=1)
    bound = log_l - peak
    if not np.all(np.isfinite(bound)):
        # Infinite or NaN scores: score every candidate, as argmax sees them.
        return int(np.argmax(log_l - logsumexp_rows(g_terms.copy())))
    score = np.full(len(log_l), -np.inf)
    # Candidates by decreasing bound (ties by index), scored exactly while one can still win.
    order = np.argsort(-bound, kind="stable")
    first = order[:1]
    score[first] = log_l[first] - logsumexp_rows(g_terms[first])
    rest = order[1:]
    rest = rest[bound[rest] >= score[first[0]]]
    if len(rest):
        score[rest] = log_l[rest] - logsumexp_rows(g_terms[rest])
    return int(np.argmax(score))
