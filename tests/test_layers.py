"""The import contract: parzen's packages form layers, and imports only go downwards.

``docs/architecture.md`` explains the layers; this test is their single written form. A
package may import (at run time, at module level or inside a function) only packages in its
own layer or below. Imports under ``if TYPE_CHECKING:`` are free: they never run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = {"parzen": ROOT / "core", "parzen.integrations": ROOT / "integrations"}

# Bottom to top. A module belongs to the first entry that is a prefix of its dotted name.
LAYERS: list[list[str]] = [
    # shared records and plumbing that import nothing else of parzen
    [
        "parzen._records",
        "parzen._json",
        "parzen._lazy",
        "parzen._optional",
        "parzen.exceptions",
        "parzen.logging",
        "parzen.version",
        "parzen._hypervolume",
    ],
    ["parzen.distributions", "parzen.trial"],
    ["parzen.storages"],
    ["parzen.samplers", "parzen.pruners", "parzen.search_space"],
    ["parzen.study"],
    [
        "parzen.importance",
        "parzen.visualization",
        "parzen.terminator",
        "parzen.artifacts",
        "parzen.testing",
    ],
    ["parzen.dashboard", "parzen.cli"],
    ["parzen.integrations", "parzen.integration"],
]


def layer_of(module: str) -> int | None:
    """The layer index of a dotted module name, or None for the root package ``parzen``."""
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), index)
    return None if best is None else best[1]


def module_files() -> Iterator[tuple[str, Path]]:
    for package, directory in SOURCE_DIRS.items():
        for path in sorted(directory.rglob("*.py")):
            relative = path.relative_to(directory).with_suffix("")
            if "migrations" in relative.parts:
                continue  # Alembic scripts run inside Alembic, not as parzen modules
            parts = list(relative.parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join([package, *parts]), path


def _is_type_checking_block(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every ``parzen`` module imported outside ``if TYPE_CHECKING:``, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    package_parts = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking_block(child):
                for orelse in child.orelse:
                    yield from visit(orelse)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "parzen":
                        yield alias.name, child.lineno
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package_parts[: len(package_parts) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] != "parzen":
                    continue
                if target == "parzen":
                    # ``from parzen import study`` names subpackages
                    for alias in child.names:
                        yield f"parzen.{alias.name}", child.lineno
                else:
                    yield target, child.lineno
            yield from visit(child)

    yield from visit(tree)


def test_every_module_is_in_a_layer() -> None:
    unplaced = [m for m, _ in module_files() if m != "parzen" and layer_of(m) is None]
    assert not unplaced, f"add these modules to a layer in LAYERS: {unplaced}"


def test_imports_only_go_downwards() -> None:
    violations = []
    for module, path in module_files():
        own = layer_of(module)
        if own is None:
            continue  # the root package re-exports everything by design
        for target, line in runtime_imports(module, path):
            target_layer = layer_of(target)
            if target_layer is not None and target_layer > own:
                violations.append(
                    f"{path.relative_to(ROOT)}:{line}: {module} (layer {own}) imports "
                    f"{target} (layer {target_layer})"
                )
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_layer_check_sees_a_violation(tmp_path: Path) -> None:
    # The checker itself must flag an upward import and ignore a TYPE_CHECKING one.
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from parzen.study import Study\n"
        "if TYPE_CHECKING:\n"
        "    from parzen.integrations import MLflowCallback\n"
        "def f():\n"
        "    from .. import cli\n",
        encoding="utf-8",
    )
    found = dict(runtime_imports("parzen.storages._x", source))
    assert set(found) == {"parzen.study", "parzen.cli"}
    assert layer_of("parzen.study._study") > layer_of("parzen.storages._base")  # type: ignore[operator]


def _packages() -> list[str]:
    modules = [m for m, path in module_files() if path.name == "__init__.py"]
    return sorted(m for m in modules if "migrations" not in m)


@pytest.mark.parametrize("package", _packages())
def test_package_imports_first_in_a_fresh_interpreter(package: str) -> None:
    # A package that only works after another was imported first depends on import order.
    result = subprocess.run(
        [sys.executable, "-c", f"import {package}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
