"""ArtifactMeta, and how it is kept in a study's or trial's system attributes.

The format is Optuna's, so that a study copied from Optuna keeps its artifacts listed: the
key is ``"artifacts:" + artifact_id`` and the value a JSON text of the four fields.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from parzen import logging as parzen_logging
from parzen.artifacts._protocol import _ARTIFACT_ID

ARTIFACTS_ATTR_PREFIX = "artifacts:"

_logger = parzen_logging.get_logger(__name__)


@dataclasses.dataclass
class ArtifactMeta:
    """What the storage records about one uploaded artifact.

    :func:`~parzen.artifacts.get_all_artifact_meta` lists them;
    ``artifact_id`` is what :func:`~parzen.artifacts.download_artifact` needs.

    Args:
        artifact_id: the artifact's id in its artifact store.
        filename: the uploaded file's name, without its directory.
        mimetype: its MIME type, given to or guessed by ``upload_artifact``
            (``application/octet-stream`` when unknown).
        encoding: its content encoding (e.g. ``gzip``), or None.

    Examples:
        >>> from parzen.artifacts import ArtifactMeta
        >>> meta = ArtifactMeta("0b1c8e52", "model.pt", "application/octet-stream", None)
        >>> meta.filename
        'model.pt'
    """

    artifact_id: str
    filename: str
    mimetype: str
    encoding: str | None


def meta_to_attr(meta: ArtifactMeta) -> tuple[str, str]:
    """The system attribute ``(key, value)`` that records ``meta``."""
    return ARTIFACTS_ATTR_PREFIX + meta.artifact_id, json.dumps(dataclasses.asdict(meta))


def metas_from_attrs(system_attrs: Mapping[str, Any]) -> list[ArtifactMeta]:
    """Every artifact recorded in ``system_attrs``, in the attributes' order.

    An entry that is not a well-formed record (someone else wrote that key) is skipped with a
    warning rather than hiding the artifacts recorded next to it.

    Examples:
        >>> from parzen.artifacts._meta import metas_from_attrs
        >>> attrs = {"artifacts:a1": '{"artifact_id": "a1", "filename": "f.txt", '
        ...          '"mimetype": "text/plain", "encoding": null}', "other": 1}
        >>> metas_from_attrs(attrs)
        [ArtifactMeta(artifact_id='a1', filename='f.txt', mimetype='text/plain', encoding=None)]
    """
    metas = []
    for key, value in system_attrs.items():
        if not key.startswith(ARTIFACTS_ATTR_PREFIX):
            continue
        meta = _parse(key[len(ARTIFACTS_ATTR_PREFIX) :], value)
        if meta is None:
            _logger.warning(
                "Ignored the system attribute %r: it is not an artifact record written by "
                "upload_artifact (got %.200r).",
                key,
                value,
            )
        else:
            metas.append(meta)
    return metas


def _parse(key_id: str, value: Any) -> ArtifactMeta | None:
    # JSON only: the record is data, never code, whoever wrote the storage.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    artifact_id = value.get("artifact_id")
    filename = value.get("filename")
    mimetype = value.get("mimetype")
    encoding = value.get("encoding")
    if not (
        artifact_id == key_id
        and isinstance(artifact_id, str)
        and _ARTIFACT_ID.fullmatch(artifact_id)
        and isinstance(filename, str)
        and isinstance(mimetype, str)
        and (encoding is None or isinstance(encoding, str))
    ):
        return None
    return ArtifactMeta(artifact_id, filename, mimetype, encoding)
