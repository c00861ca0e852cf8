"""Lazy exports: a package names its public classes, and their modules load on first use.

This keeps ``import parzen`` to numpy and little else: samplers, pruners and storages that a
program never touches are never imported.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that imports ``exports[name]`` on first access.

    Args:
        package: the package's ``__name__``.
        exports: public name -> the module (absolute, or relative to ``package``) defining it;
            a name equal to its module's last component exports that submodule.

    Examples:
        >>> import parzen
        >>> parzen.samplers.GridSampler.__module__
        'parzen.samplers._grid'
    """

    def __getattr__(name: str) -> Any:
        module_name = exports.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(module_name, package)
        # A name that is the module's own last component exports the submodule itself.
        value = module if module.__name__.rsplit(".", 1)[-1] == name else getattr(module, name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    return __getattr__
