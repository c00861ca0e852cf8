"""A griffe extension: Sphinx cross-reference roles in docstrings become links on the site.

parzen's docstrings name other objects the way Optuna's do, with Sphinx roles
(``:class:`~parzen.trial.Trial```, ``:meth:`check_pruned```), which read well in ``help()``
and in editors. mkdocstrings does not understand roles, so without this extension they
would appear raw on the documentation site. Each role is rewritten, once the whole package
is loaded, to an optional autorefs link: a link when the target is documented, plain code
when it is not (an optional reference never fails the strict build).

A target is resolved the way a reader would: as written when it is a full ``parzen.`` path,
else relative to the enclosing class, then the module, then the top-level package and its
public subpackages. ``~`` shows only the last component, as in Sphinx.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:meth|class|func|attr|mod|exc|data|obj|const):`(?P<target>[^`]+)`")


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring of the package to an autorefs link."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is not None and ":" in obj.docstring.value:
                obj.docstring.value = _rewrite(obj.docstring.value, obj, pkg)


def _rewrite(text: str, context: griffe.Object, package: griffe.Module) -> str:
    return ROLE.sub(lambda match: _link(match["target"], context, package), text)


def _objects(module: griffe.Object) -> Iterator[griffe.Object]:
    """Every object defined in ``module`` and below it (aliases are documented at their target)."""
    yield module
    for member in module.members.values():
        if not member.is_alias:
            yield from _objects(member)


def _link(target: str, context: griffe.Object, package: griffe.Module) -> str:
    shown_in_full = not target.startswith("~")
    path = target.lstrip("~").removesuffix("()")
    title = path if shown_in_full else path.rsplit(".", 1)[-1]
    identifier = _resolve(path, context, package) or path
    return (
        f'<autoref identifier="{html.escape(identifier)}" optional>'
        f"<code>{html.escape(title)}</code></autoref>"
    )


def _resolve(path: str, context: griffe.Object, package: griffe.Module) -> str | None:
    candidates = [path] if path.startswith(f"{package.name}.") else []
    scope: griffe.Object | None = context
    while scope is not None:
        candidates.append(f"{scope.path}.{path}")
        scope = scope.parent
    candidates += [
        f"{package.name}.{name}.{path}"
        for name, member in package.members.items()
        if not name.startswith("_") and not member.is_alias and member.is_module
    ]
    for candidate in candidates:
        if found := _canonical_path(candidate, package):
            return found
    return None


def _canonical_path(path: str, package: griffe.Module) -> str | None:
    """Where the object at ``path`` is defined (an import alias leads to its target), or None."""
    parts = path.split(".")
    if parts[0] != package.name:
        return None
    obj: griffe.Object | griffe.Alias = package
    for part in parts[1:]:
        try:
            obj = obj.members[part]
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
    return obj.target_path if obj.is_alias else obj.path
