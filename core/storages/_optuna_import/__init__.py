"""Bringing studies that Optuna stored into parzen: ``parzen storage import``.

parzen keeps its own storage formats and refuses Optuna's (see ``_detect``);
:func:`import_optuna_storage` copies Optuna's studies across instead, reading Optuna's
relational schema or journal with its own code.
"""

from parzen.storages._optuna_import._import import (
    ImportedStudy,
    OptunaImportReport,
    SkippedValue,
    import_optuna_storage,
)

__all__ = ["ImportedStudy", "OptunaImportReport", "SkippedValue", "import_optuna_storage"]
