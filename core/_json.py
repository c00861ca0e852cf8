"""The one check that a value can be stored: storages hold JSON data and nothing else."""

from __future__ import annotations

import json
from typing import Any


def require_json(value: Any, what: str) -> None:
    """Raise ``TypeError`` unless ``value`` is JSON data (what every storage can keep).

    Args:
        value: the value about to be stored.
        what: how to name the value in the error, e.g. ``"user attribute 'lr'"``.
    """
    try:
        json.dumps(value)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"The {what} must be JSON data (None, bool, int, float, str, or lists and dicts "
            f"of them with str keys), got {value!r} ({type(value).__name__}). Convert it, "
            "e.g. with .tolist() for numpy arrays or str() for other objects."
        ) from e
