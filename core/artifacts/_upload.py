"""upload_artifact: store a file and record it on a study or trial."""

from __future__ import annotations

import functools
import mimetypes
import os
import uuid
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from parzen import logging as parzen_logging
from parzen.artifacts._meta import ArtifactMeta, meta_to_attr
from parzen.artifacts._target import resolve

if TYPE_CHECKING:
    from parzen.artifacts._protocol import ArtifactStore
    from parzen.storages import BaseStorage
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

DEFAULT_MIME_TYPE = "application/octet-stream"

_logger = parzen_logging.get_logger(__name__)
_F = TypeVar("_F", bound=Callable[..., Any])


def _keywords_from_old_positions(names: list[str]) -> Callable[[_F], _F]:
    """Accept the positional arguments of Optuna 3's signature, with a FutureWarning."""

    def decorator(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args:
                if len(args) > len(names):
                    raise TypeError(
                        f"{func.__name__}() takes at most {len(names)} positional arguments "
                        f"({', '.join(names)}), got {len(args)}; pass them as keywords."
                    )
                given = dict(zip(names, args))
                repeated = sorted(set(given) & set(kwargs))
                if repeated:
                    raise TypeError(
                        f"{func.__name__}() got {repeated} both by position and by keyword."
                    )
                warnings.warn(
                    f"{func.__name__}() got {sorted(given)} as positional arguments; pass them "
                    f"as keywords ({', '.join(f'{n}=...' for n in given)}). Positional "
                    "arguments will stop working in a future release.",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs.update(given)
            return func(**kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


@_keywords_from_old_positions(["study_or_trial", "file_path", "artifact_store"])
def upload_artifact(
    *,
    artifact_store: ArtifactStore,
    file_path: str,
    study_or_trial: Trial | FrozenTrial | Study,
    storage: BaseStorage | None = None,
    mimetype: str | None = None,
    encoding: str | None = None,
) -> str:
    """Copy a file into an artifact store and record it on a study or a trial.

    The bytes go to ``artifact_store`` under a new id (a UUID); the storage records an
    :class:`ArtifactMeta` (id, file name, MIME type, encoding) as JSON in the study's or
    trial's system attributes, so every storage (in-memory, RDB, journal) can hold it.

    Args:
        artifact_store: where the bytes go, e.g. a
            :class:`~parzen.artifacts.FileSystemArtifactStore`.
        file_path: the file to upload.
        study_or_trial: a running :class:`~parzen.trial.Trial`, a
            :class:`~parzen.trial.FrozenTrial` (with ``storage``), or a
            :class:`~parzen.study.Study`.
        storage: the storage to record the artifact in; required for a FrozenTrial, and by
            default the trial's or study's own.
        mimetype: the file's MIME type; guessed from its name if not given.
        encoding: its content encoding (e.g. ``gzip``); guessed from its name if not given.

    Returns:
        The new artifact's id.

    Raises:
        UpdateFinishedTrialError: the trial has finished (nothing is uploaded).
        FileNotFoundError: ``file_path`` does not exist.

    Examples:
        >>> import os, tempfile
        >>> import parzen
        >>> from parzen.artifacts import FileSystemArtifactStore, upload_artifact
        >>> with tempfile.TemporaryDirectory() as root:
        ...     store = FileSystemArtifactStore(root)
        ...     study = parzen.create_study()
        ...     trial = study.ask()
        ...     path = os.path.join(root, "notes.txt")
        ...     with open(path, "w") as f:
        ...         _ = f.write("x=1")
        ...     artifact_id = upload_artifact(
        ...         artifact_store=store, file_path=path, study_or_trial=trial
        ...     )
        ...     sorted(os.listdir(root)) == sorted(["notes.txt", artifact_id])
        True
    """
    target = resolve(study_or_trial, storage)
    filename = os.path.basename(os.fspath(file_path))
    guessed_type, guessed_encoding = mimetypes.guess_type(filename)
    meta = ArtifactMeta(
        artifact_id=str(uuid.uuid4()),
        filename=filename,
        mimetype=mimetype or guessed_type or DEFAULT_MIME_TYPE,
        encoding=encoding or guessed_encoding,
    )
    with open(file_path, "rb") as f:
        # A finished trial cannot take the record; refuse before the bytes are uploaded.
        target.check_writable()
        artifact_store.write(meta.artifact_id, f)
    key, value = meta_to_attr(meta)
    try:
        target.set_system_attr(key, value)
    except BaseException:
        _remove_orphan(artifact_store, meta.artifact_id)
        raise
    return meta.artifact_id


def _remove_orphan(artifact_store: ArtifactStore, artifact_id: str) -> None:
    # No record points to these bytes: remove them, but never hide the storage's error.
    try:
        artifact_store.remove(artifact_id)
    except Exception as e:
        _logger.warning(
            "Could not remove artifact %s after its record failed to be stored: %r",
            artifact_id,
            e,
        )
