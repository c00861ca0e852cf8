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

import importlib
from typing import Any

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
_LAZY_SUBMODULES = {
    "artifacts": "parzen.artifacts",
    "importance": "parzen.importance",
    "terminator": "parzen.terminator",
    "visualization": "parzen.visualization",
    "integrations": "parzen.integrations",
    "integration": "parzen.integration",  # Optuna spells it in the singular
    "testing": "parzen.testing",
    "dashboard": "parzen.dashboard",
    "cli": "parzen.cli",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(_LAZY_SUBMODULES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'parzen' has no attribute {name!r}")


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
