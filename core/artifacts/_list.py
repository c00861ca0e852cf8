"""get_all_artifact_meta: the artifacts recorded on a study or a trial."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parzen.artifacts._meta import ArtifactMeta, metas_from_attrs
from parzen.artifacts._target import resolve

if TYPE_CHECKING:
    from parzen.storages import BaseStorage
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial


def get_all_artifact_meta(
    study_or_trial: Trial | FrozenTrial | Study, *, storage: BaseStorage | None = None
) -> list[ArtifactMeta]:
    """The artifacts uploaded to a study or to a trial, in upload order where the storage keeps it.

    For a study, this lists the artifacts uploaded to the study itself, not its trials'.

    Args:
        study_or_trial: a :class:`~parzen.trial.Trial`, a :class:`~parzen.trial.FrozenTrial`
            (with ``storage``) or a :class:`~parzen.study.Study`.
        storage: the storage to read; required for a FrozenTrial.

    Examples:
        >>> import os, tempfile
        >>> import parzen
        >>> from parzen.artifacts import (
        ...     FileSystemArtifactStore, get_all_artifact_meta, upload_artifact)
        >>> with tempfile.TemporaryDirectory() as root:
        ...     store = FileSystemArtifactStore(root)
        ...     study = parzen.create_study()
        ...     trial = study.ask()
        ...     path = os.path.join(root, "plot.png")
        ...     with open(path, "wb") as f:
        ...         _ = f.write(b"\\x89PNG")
        ...     _ = upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)
        ...     _ = study.tell(trial, 1.0)
        ...     [(m.filename, m.mimetype) for m in get_all_artifact_meta(trial)]
        ...     frozen = study.trials[0]
        ...     len(get_all_artifact_meta(frozen, storage=study._storage))
        [('plot.png', 'image/png')]
        1
    """
    return metas_from_attrs(resolve(study_or_trial, storage).system_attrs())
