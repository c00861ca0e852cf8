"""parzen: hyperparameter optimization with Optuna's API, faster and harder to break.

``import parzen as optuna`` runs code written for Optuna's public API.

Examples:
    >>> import parzen
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     return (x - 2) ** 2
    >>> study = parzen.create_study()
    >>> study.optimize(objective, n_trials=10)
    >>> len(study.trials)
    10
"""

from __future__ import annotations

from parzen import (
    distributions,
    exceptions,
    logging,
    pruners,
    samplers,
    search_space,
    storages,
    study,
    trial,
)
from parzen._lazy import lazy_exports
from parzen.exceptions import TrialPruned
from parzen.study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from parzen.trial import Trial, create_trial
from parzen.version import __version__

# Heavy submodules load on first attribute access, keeping `import parzen` light.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "artifacts": "parzen.artifacts",
        "cli": "parzen.cli",
        "dashboard": "parzen.dashboard",
        "importance": "parzen.importance",
        "integration": "parzen.integration",  # Optuna spells it in the singular
        "integrations": "parzen.integrations",
        "terminator": "parzen.terminator",
        "testing": "parzen.testing",
        "visualization": "parzen.visualization",
    },
)


__all__ = [
    "Study",
    "Trial",
    "TrialPruned",
    "__version__",
    "copy_study",
    "create_study",
    "create_trial",
    "delete_study",
    "distributions",
    "exceptions",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
    "logging",
    "pruners",
    "samplers",
    "search_space",
    "storages",
    "study",
    "trial",
]
