"""The module path ``parzen.study.study``, as ``optuna.study.study``: the same objects as
:mod:`parzen.study`, for code that imports or annotates with the longer path.

Examples:
    >>> import parzen
    >>> from parzen.study.study import Study, create_study
    >>> Study is parzen.study.Study and create_study is parzen.create_study
    True
"""

from parzen._records.direction import StudyDirection
from parzen._records.study_summary import StudySummary
from parzen.study._functions import (
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from parzen.study._optimize import ObjectiveFuncType
from parzen.study._study import Study

__all__ = [
    "ObjectiveFuncType",
    "Study",
    "StudyDirection",
    "StudySummary",
    "copy_study",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
]
