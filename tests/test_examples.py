"""Examples never rot: each script in ``examples/`` runs, and installs with the extras it names.

Each example runs in a fresh interpreter inside a temporary directory, with every
``optimize`` call capped at a few trials (the examples themselves are unchanged: the cap is
applied by a small wrapper around the script). A second check reads the ``pip install
"parzen[...]"`` line of each example's docstring and verifies that those extras, as
``pyproject.toml`` defines them, provide every third-party package the example imports.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
MAX_TRIALS = 3

# Command-line arguments an example needs to run briefly (the temporary directory is {tmp}).
ARGUMENTS: dict[str, list[str]] = {
    "plots.py": ["{tmp}/plots", "--trials", "12"],
    "dashboard_demo.py": ["--seconds", "4", "--port", "0", "--dir", "{tmp}"],
    "dask_cluster.py": ["--n-trials", "4"],
    "lightning_simple.py": ["--trials", "2"],
    "lightgbm_tuner.py": ["--rounds", "10"],
    "torch_distributed_simple.py": ["--trials", "3"],
}

# Examples whose framework the test extra leaves out (their nox sessions test the adapters):
# the module each needs, and why it is absent. They run wherever that module is installed.
NOT_IN_TEST_EXTRA: dict[str, tuple[str, str]] = {
    "fastai_simple.py": ("fastai", "fastai is not in the test extra (nox -t adapter-fastai)"),
    "tfkeras_simple.py": (
        "tf_keras",
        "TensorFlow is not in the test extra (nox -t adapter-tensorflow)",
    ),
}

# Run the example as __main__ after capping every optimize() call at MAX_TRIALS trials.
_RUNNER = """
import runpy, sys
import parzen.study._study as study_module

_optimize = study_module.Study.optimize

def _capped(self, func, n_trials=None, *args, **kwargs):
    n_trials = {max_trials} if n_trials is None else min(n_trials, {max_trials})
    return _optimize(self, func, n_trials, *args, **kwargs)

study_module.Study.optimize = _capped
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(example: Path, tmp_path: Path) -> None:
    module, reason = NOT_IN_TEST_EXTRA.get(example.name, ("", ""))
    if module and importlib.util.find_spec(module) is None:
        pytest.skip(reason)
    arguments = [a.format(tmp=tmp_path) for a in ARGUMENTS.get(example.name, [])]
    env = {**os.environ, "WANDB_MODE": "offline", "MPLBACKEND": "Agg", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER.format(max_trials=MAX_TRIALS), str(example), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, f"{example.name} failed:\n{result.stdout}\n{result.stderr}"
    # Examples write only below their working directory, never into the repository.
    assert not (ROOT / "examples" / "catboost_info").exists()


def _named_extras(example: Path) -> set[str]:
    docstring = ast.get_docstring(ast.parse(example.read_text(encoding="utf-8"))) or ""
    extras: set[str] = set()
    for group in re.findall(r'pip install "parzen\[([^\]]+)\]"', docstring):
        extras.update(e.strip() for e in group.split(","))
    for group in re.findall(r'pip install "\.\[([^\]]+)\]"', docstring):
        extras.update(e.strip() for e in group.split(","))
    return extras


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _extra_requirements(extras: set[str]) -> set[Requirement]:
    """The requirements the extras name, following ``parzen[...]`` self-references."""
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    found: set[Requirement] = set()
    pending = list(extras)
    seen: set[str] = set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in optional.get(extra, []):
            requirement = Requirement(text)
            if _canonical(requirement.name) == "parzen":
                pending.extend(requirement.extras)
            else:
                found.add(requirement)
    return found


def _dependency_closure(requirements: set[Requirement]) -> set[str]:
    """The distributions the requirements install, with their extras, as installed here."""
    closure: set[str] = set()
    pending = [(_canonical(r.name), frozenset(r.extras)) for r in requirements]
    done: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in done:
            continue
        done.add((name, extras))
        closure.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            marker = requirement.marker
            wanted = marker is None or any(
                marker.evaluate({"extra": extra}) for extra in (extras or {""})
            )
            if wanted:
                pending.append((_canonical(requirement.name), frozenset(requirement.extras)))
    return closure


def _third_party_imports(example: Path) -> set[str]:
    tree = ast.parse(example.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m != "parzen"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_names_the_extras_it_needs(example: Path) -> None:
    core = {
        Requirement(r) for r in metadata.requires("parzen") or [] if Requirement(r).marker is None
    }
    provided = _dependency_closure(core | _extra_requirements(_named_extras(example)))
    # Packages the docstring says to install without their dependencies (tf-keras beside
    # tensorflow-cpu).
    docstring = ast.get_docstring(ast.parse(example.read_text(encoding="utf-8"))) or ""
    provided |= {_canonical(n) for n in re.findall(r'pip install --no-deps "([\w.-]+)', docstring)}
    distributions_of = metadata.packages_distributions()
    missing = []
    for module in sorted(_third_party_imports(example)):
        owners = {_canonical(d) for d in distributions_of.get(module, [module])}
        if not owners & provided:
            missing.append(f"{module} (from {', '.join(sorted(owners))})")
    assert not missing, (
        f"{example.name} imports {missing}, which the extras its docstring names "
        f"({sorted(_named_extras(example)) or 'none'}) do not install; name the extra in its "
        'docstring as (needs: pip install "parzen[extra]") or add the package to that extra.'
    )
