"""Studies: create, load, run and inspect optimization tasks."""

from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy, StudySummary
from parzen.study._callbacks import MaxTrialsCallback
from parzen.study._functions import (
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from parzen.study._study import Study

__all__ = [
    "FrozenStudy",
    "MaxTrialsCallback",
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
