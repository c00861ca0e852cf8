"""Search a skrub DataOps plan's choices with parzen (``pip install "parzen[skrub]"``).

skrub (>= 0.7) builds learners from DataOps plans whose hyperparameters are
``skrub.choose_float``, ``choose_int``, ``choose_from``, ``choose_bool`` and ``optional``.
:class:`ParzenParamSearch` runs those choices as a parzen study, with any sampler and
storage and trials in parallel threads, and offers what skrub's own searches do
(``best_learner_``, ``best_params_``, ``best_score_``, ``results_``, ``detailed_results_``,
``plot_results()``) plus the ``study_``. :func:`make_randomized_search` and
:func:`make_grid_search` mirror ``DataOp.skb.make_randomized_search`` and
``DataOp.skb.make_grid_search``; :func:`grid_search_space` gives
:class:`parzen.samplers.GridSampler` the plan's grid.

Examples:
    >>> import skrub
    >>> import parzen
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from parzen.integrations.skrub import make_randomized_search
    >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
    >>> X_a, y_a = make_classification(n_samples=80, random_state=0)
    >>> logistic = LogisticRegression(C=skrub.choose_float(0.01, 10.0, log=True, name="C"))
    >>> classifier = skrub.choose_from(
    ...     {"logistic": logistic, "dummy": DummyClassifier()}, name="classifier"
    ... )
    >>> pred = skrub.X(X_a).skb.apply(classifier, y=skrub.y(y_a))
    >>> search = make_randomized_search(pred, fitted=True, n_iter=6, cv=3, random_state=0)
    >>> search.results_.columns.tolist()
    ['C', 'classifier', 'mean_test_score']
    >>> search.best_learner_.describe_params()["classifier"]
    'logistic'
"""

from __future__ import annotations

from parzen.integrations._common import missing_framework_error, require_version

try:
    import skrub
except ImportError as e:
    raise missing_framework_error("parzen.integrations.skrub", "skrub", "skrub", e) from e

require_version("parzen.integrations.skrub", "skrub", "skrub", skrub.__version__, (0, 7))

from parzen.integrations._skrub._search import (  # noqa: E402  (after the version check)
    ParzenParamSearch,
    grid_search_space,
    make_grid_search,
    make_randomized_search,
)

__all__ = ["ParzenParamSearch", "grid_search_space", "make_grid_search", "make_randomized_search"]
