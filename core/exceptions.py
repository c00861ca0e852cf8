"""Exceptions raised by parzen.

Every error parzen raises on purpose derives from :class:`ParzenError`::

    ParzenError                  (alias: OptunaError, for code written for Optuna)
    ├── TrialPruned              raised by an objective to end its trial as PRUNED
    ├── CLIUsageError            a `parzen` command was called with wrong arguments
    ├── StorageInternalError     a storage failed in a way the caller cannot fix
    ├── DuplicatedStudyError     a study with that name already exists
    ├── UpdateFinishedTrialError a finished trial was written to; finished trials are immutable
    └── ArtifactNotFound         no artifact with that id (in parzen.artifacts.exceptions)

Wrong arguments raise the built-in ``ValueError``/``TypeError``; an unknown study name raises
``KeyError``, as Optuna does, so that existing ``except`` clauses keep working.
"""

from __future__ import annotations


class ParzenError(Exception):
    """Base class of the errors parzen raises on purpose."""


OptunaError = ParzenError


class TrialPruned(ParzenError):
    """Raise this from an objective to end the trial as PRUNED.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     for step in range(10):
        ...         trial.report(1.0 / (step + 1), step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return 0.0
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=2)
    """


class CLIUsageError(ParzenError):
    """A `parzen` command was called with arguments it cannot use."""


class StorageInternalError(ParzenError):
    """A storage failed in a way the caller cannot fix by changing its arguments."""


class DuplicatedStudyError(ParzenError):
    """A study with the requested name already exists in the storage."""


class UpdateFinishedTrialError(ParzenError, RuntimeError):
    """A finished trial was written to; finished trials are immutable."""


class ExperimentalWarning(Warning):
    """The feature used may change without a deprecation period."""


__all__ = [
    "CLIUsageError",
    "DuplicatedStudyError",
    "ExperimentalWarning",
    "OptunaError",
    "ParzenError",
    "StorageInternalError",
    "TrialPruned",
    "UpdateFinishedTrialError",
]
