"""Lazy exports: a package names its public objects, and their modules load on first use.

This keeps ``import parzen`` to numpy and little else: samplers, pruners, storages, plots
and adapters that a program never touches are never imported. Every package that exports
lazily (parzen itself, samplers, pruners, storages, integrations) uses this one helper,
which also makes ``dir(package)`` list the names not loaded yet.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a module's ``__getattr__`` and ``__dir__`` for names that load on first access.

    Args:
        package: the package's ``__name__``.
        exports: public name -> the module (absolute, or relative to ``package``) defining it;
            a name equal to that module path's last component exports the module itself.

    Returns:
        ``(__getattr__, __dir__)``, to assign at the package's top level.

    Examples:
        >>> import parzen
        >>> parzen.samplers.GridSampler.__module__
        'parzen.samplers._grid'
        >>> "GPSampler" in dir(parzen.samplers)  # listed before it is loaded
        True
    """

    def __getattr__(name: str) -> Any:
        module_name = exports.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(module_name, package)
        value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
