"""download_artifact: copy an artifact's bytes to a new local file."""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import TYPE_CHECKING

from parzen.artifacts._protocol import validate_artifact_id

if TYPE_CHECKING:
    from parzen.artifacts._protocol import ArtifactStore


def download_artifact(*, artifact_store: ArtifactStore, file_path: str, artifact_id: str) -> None:
    """Copy an artifact's bytes into a new file at ``file_path``.

    Only bytes are copied: nothing is unpickled, imported or run. The file is created
    exclusively, so an existing file is never overwritten, and a download that fails half-way
    leaves no partial file behind.

    Args:
        artifact_store: the store the artifact was uploaded to.
        file_path: where to write it; must not exist yet.
        artifact_id: the id :func:`~parzen.artifacts.upload_artifact` returned (also
            listed by :func:`~parzen.artifacts.get_all_artifact_meta`).

    Raises:
        FileExistsError: ``file_path`` exists already.
        ArtifactNotFound: the store holds no artifact with this id.
        ValueError: ``artifact_id`` is not an artifact id (e.g. a path).

    Examples:
        >>> import os, tempfile
        >>> import parzen
        >>> from parzen.artifacts import (
        ...     FileSystemArtifactStore, download_artifact, get_all_artifact_meta,
        ...     upload_artifact)
        >>> with tempfile.TemporaryDirectory() as root:
        ...     store = FileSystemArtifactStore(root)
        ...     study = parzen.create_study()
        ...     source = os.path.join(root, "result.csv")
        ...     with open(source, "w") as f:
        ...         _ = f.write("x,y\\n1,2\\n")
        ...     _ = upload_artifact(artifact_store=store, file_path=source, study_or_trial=study)
        ...     meta = get_all_artifact_meta(study)[0]
        ...     copy = os.path.join(root, "copy.csv")
        ...     download_artifact(
        ...         artifact_store=store, file_path=copy, artifact_id=meta.artifact_id
        ...     )
        ...     with open(copy) as f:
        ...         f.read()
        'x,y\\n1,2\\n'
    """
    validate_artifact_id(artifact_id)
    if os.path.lexists(file_path):
        raise FileExistsError(f"File already exists: {file_path}")
    reader = artifact_store.open_reader(artifact_id)
    try:
        # "x": never replace a file that appeared since the check above.
        with open(file_path, "xb") as out:
            try:
                shutil.copyfileobj(reader, out)
            except BaseException:
                out.close()
                with contextlib.suppress(OSError):
                    os.remove(file_path)
                raise
    finally:
        reader.close()
