"""``parzen.integration``: Optuna's spelling of :mod:`parzen.integrations`.

``from parzen.integration import LightGBMPruningCallback``, ``import parzen.integration`` and
``import parzen.integration.lightgbm`` all work, and give the very objects that
``parzen.integrations`` does: the package, and each submodule, is one module under two names.

Examples:
    >>> import parzen.integration.lightgbm
    >>> import parzen.integrations.lightgbm
    >>> parzen.integration.lightgbm is parzen.integrations.lightgbm
    True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import TYPE_CHECKING

import parzen.integrations as _integrations

if TYPE_CHECKING:
    from collections.abc import Sequence

_ALIAS = __name__ + "."
_TARGET = _integrations.__name__ + "."


class _AliasLoader(importlib.abc.Loader):
    """Loads ``parzen.integration.<x>`` as the already imported ``parzen.integrations.<x>``."""

    def __init__(self, target: ModuleType) -> None:
        self._target = target
        self._target_spec = target.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._target

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the module; give it back its own.
        module.__spec__ = self._target_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``parzen.integration.<x>`` by importing ``parzen.integrations.<x>``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_ALIAS):
            return None
        module = importlib.import_module(_TARGET + fullname[len(_ALIAS) :])
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module))


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

sys.modules[__name__] = _integrations
