"""ParzenSearchCV against scikit-learn's own estimator conformance checks."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

if os.environ.get("CI"):
    import sklearn
else:
    sklearn = pytest.importorskip("sklearn")

from parzen.integrations._common import version_tuple

if version_tuple(sklearn.__version__) < (1, 6):
    pytest.skip("the checks of scikit-learn<1.6 expect the old tags API", allow_module_level=True)

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from parzen.distributions import FloatDistribution
from parzen.integrations.sklearn import ParzenSearchCV

# Small budgets: each check fits the search several times on tiny data.
ESTIMATORS = [
    ParzenSearchCV(
        LogisticRegression(), {"C": FloatDistribution(0.1, 10.0, log=True)}, n_trials=2, cv=2
    ),
    ParzenSearchCV(Ridge(), {"alpha": FloatDistribution(0.1, 10.0, log=True)}, n_trials=2, cv=2),
]


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    # BLAS threads fighting over a few shared cores make tiny fits 10-50x slower.
    with threadpool_limits(limits=1):
        yield


# Every check passes: no expected_failed_checks.
@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(
    estimator: ParzenSearchCV, check: Callable[[Any], None]
) -> None:
    check(estimator)
