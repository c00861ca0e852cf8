"""Sessions: the test suite, lint, type checks, and each adapter against the oldest and
newest framework versions we support.

    nox -s tests            # the whole suite with the newest of everything
    nox -s lint typecheck
    nox -s "adapter(lightgbm, 3.3.5)"   # one adapter at one framework version
    nox -t adapters-newest  # every adapter at its newest supported version (what CI runs)
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
TORCH = "torch==2.13.0"  # a CPU build; an unpinned torch pulls a multi-gigabyte CUDA build

# adapter -> (extra, test file, [oldest, newest] pip specs of the framework, extra pins)
ADAPTERS: dict[str, tuple[str, str, list[str], list[str]]] = {}


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[lint,test]")
    session.run("mypy")


def _adapter_params() -> list[nox.param]:
    params = []
    for name, (_, _, versions, _) in ADAPTERS.items():
        for i, version in enumerate(versions):
            tags = ["adapters", f"adapter-{name}"]
            if i == len(versions) - 1:
                tags.append("adapters-newest")
            params.append(nox.param(name, version, id=f"{name}, {version}", tags=tags))
    return params


@nox.session(python=PYTHON)
@nox.parametrize(("adapter", "version"), _adapter_params())
def adapter(session: nox.Session, adapter: str, version: str) -> None:
    extra, test_file, _, pins = ADAPTERS[adapter]
    if any(p.startswith("torch") for p in pins):
        session.install(TORCH)
    session.install("-e", f".[{extra}]", "pytest")
    session.install(version, *[p for p in pins if not p.startswith("torch")])
    session.run("pytest", test_file, *session.posargs)
