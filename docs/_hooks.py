"""MkDocs hooks: one source tree for mkdocstrings, and API pages generated from ``__all__``.

* The package is installed from two folders (``core/`` is ``parzen``, ``integrations/`` is
  ``parzen.integrations``; see ``package-dir`` in pyproject.toml). mkdocstrings reads sources
  statically and knows one folder per package, so before the build ``build/docs-src/parzen``
  is laid out as symbolic links to both.
* Each page of the API reference lists every public name of its module (its ``__all__``),
  so a name added to the package appears in the reference without editing a page, and a
  name that cannot be documented fails the strict build.
"""

from __future__ import annotations

import ast
import importlib
import shutil
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
SOURCE_TREE = ROOT / "build" / "docs-src"

# page -> (module, introduction)
REFERENCE_PAGES: dict[str, tuple[str, str]] = {
    "parzen": ("parzen", "The top-level functions and classes most programs need."),
    "study": ("parzen.study", "Studies: create, load, run and inspect optimization tasks."),
    "trial": ("parzen.trial", "The running trial, its snapshot, and helpers."),
    "distributions": ("parzen.distributions", "The search spaces of parameters."),
    "samplers": ("parzen.samplers", "Samplers choose the next parameters."),
    "pruners": ("parzen.pruners", "Pruners stop unpromising trials early."),
    "storages": ("parzen.storages", "Where studies and trials live."),
    "importance": ("parzen.importance", "Which parameters matter."),
    "visualization": ("parzen.visualization", "Plots (plotly; `.matplotlib` mirrors them)."),
    "terminator": ("parzen.terminator", "Stop a study when more trials are unlikely to help."),
    "artifacts": ("parzen.artifacts", "Files attached to trials and studies."),
    "exceptions": ("parzen.exceptions", "The exceptions parzen raises."),
    "integrations": ("parzen.integrations", "Adapters; each installs with its own extra."),
}
MODULE_PAGES = {  # modules documented whole rather than name by name
    "testing": (
        [
            "parzen.testing.storages",
            "parzen.testing.samplers",
            "parzen.testing.pruners",
            "parzen.testing.services",
        ],
        "Conformance suites any sampler, pruner or storage can run, and service helpers "
        "for tests. Subclass a suite in a test module and provide the fixture it asks for.",
    ),
}


@event_priority(100)  # before mkdocstrings, which drops search paths that do not exist yet
def on_config(config: Any) -> Any:
    package = SOURCE_TREE / "parzen"
    if SOURCE_TREE.exists():
        shutil.rmtree(SOURCE_TREE)
    package.mkdir(parents=True)
    for entry in (ROOT / "core").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    (package / "integrations").symlink_to(ROOT / "integrations")
    return config


def _integration_names() -> list[tuple[str, str]]:
    """(name, defining module) of each adapter, read without importing any framework."""
    tree = ast.parse((ROOT / "integrations" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_MODULES":
            mapping = ast.literal_eval(node.value)
            return sorted(mapping.items(), key=lambda item: (item[1], item[0]))
    raise RuntimeError("integrations/__init__.py has no _MODULES mapping")


def reference_page(module_name: str, introduction: str) -> str:
    """The Markdown of one API page: a heading, the introduction, one block per name."""
    lines = [f"# `{module_name}`", "", introduction, ""]
    if module_name == "parzen.integrations":
        targets = [f"parzen.integrations.{module}.{name}" for name, module in _integration_names()]
    else:
        module = importlib.import_module(module_name)
        targets = []
        for name in module.__all__:
            value = getattr(module, name)
            if type(value).__name__ != "module":
                targets.append(f"{module_name}.{name}")
    lines += [f"::: {target}\n" for target in targets]
    return "\n".join(lines)


def on_files(files: Files, config: Any) -> Files:
    for page, (module_name, introduction) in REFERENCE_PAGES.items():
        files.append(
            File.generated(
                config, f"reference/{page}.md", content=reference_page(module_name, introduction)
            )
        )
    for page, (modules, introduction) in MODULE_PAGES.items():
        content = "\n".join([f"# `parzen.{page}`", "", introduction, ""])
        content += "\n" + "\n".join(f"::: {m}\n" for m in modules)
        files.append(File.generated(config, f"reference/{page}.md", content=content))
    return files
