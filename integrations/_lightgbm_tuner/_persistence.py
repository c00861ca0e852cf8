"""Boosters kept in ``model_dir`` as LightGBM model text, never pickles.

A trial's booster is ``{model_dir}/{trial_number}.txt`` (LightGBM's own text model format);
a cross-validation booster is ``{model_dir}/{trial_number}.cvbooster.json``, a JSON object
``{"best_iteration": int, "boosters": [model text, ...]}``. Loading either runs no code, so
whoever can write the directory cannot run code on the process that reads it. Files are
written to a temporary name and renamed, so a reader never sees half a model.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

_BOOSTER_SUFFIX = ".txt"
_CVBOOSTER_SUFFIX = ".cvbooster.json"


def booster_path(model_dir: str, trial_number: int, *, cv: bool) -> str:
    """Where the booster of trial ``trial_number`` is kept.

    Examples:
        >>> booster_path("boosters", 3, cv=False).replace(os.sep, "/")
        'boosters/3.txt'
    """
    suffix = _CVBOOSTER_SUFFIX if cv else _BOOSTER_SUFFIX
    return os.path.join(model_dir, f"{trial_number}{suffix}")


def save_booster(booster: Any, model_dir: str, trial_number: int) -> None:
    """Write ``booster`` (a ``lightgbm.Booster`` or ``lightgbm.CVBooster``) to ``model_dir``."""
    import lightgbm

    if isinstance(booster, lightgbm.CVBooster):
        text = json.dumps(
            {
                "best_iteration": int(booster.best_iteration),
                "boosters": [b.model_to_string() for b in booster.boosters],
            }
        )
        _write_atomically(booster_path(model_dir, trial_number, cv=True), text)
    else:
        _write_atomically(
            booster_path(model_dir, trial_number, cv=False), booster.model_to_string()
        )


def load_booster(model_dir: str, trial_number: int, *, cv: bool) -> Any:
    """Read back what :func:`save_booster` wrote; ``None`` if there is no such file."""
    import lightgbm

    path = booster_path(model_dir, trial_number, cv=cv)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not cv:
        return lightgbm.Booster(model_str=text)
    stored = json.loads(text)
    cvbooster = lightgbm.CVBooster()
    cvbooster.boosters = [lightgbm.Booster(model_str=s) for s in stored["boosters"]]
    cvbooster.best_iteration = int(stored["best_iteration"])
    return cvbooster


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(path) or "."
    fd, tmp_path = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp_path, path)
    except BaseException:
        os.unlink(tmp_path)
        raise
