"""Importing a store's client library, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


def import_for_store(module: str, store: str, extra: str) -> ModuleType:
    """Import ``module`` or raise an ImportError saying which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{store} needs the {module.split('.')[0]!r} package, which could not be imported "
            f'({e}). Install it with: pip install "parzen[{extra}]"'
        ) from e
