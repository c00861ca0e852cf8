"""Suite-wide rule: under CI, a test dependency that cannot be imported fails the run.

On a developer's machine, ``pytest.importorskip`` skips the tests of an optional framework
that is not installed. CI installs every test dependency (``.[test,benchmark]``), so there
the same skip would hide a broken install: this hook turns it into a failure, whether the
skip happened while collecting a module or while running a test.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from parzen.testing.services import in_ci

_IMPORT_SKIP = "could not import"


def _is_import_skip(report: Any) -> bool:
    if not report.skipped:
        return False
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return _IMPORT_SKIP in message


def _fail(report: Any) -> None:
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    report.outcome = "failed"
    report.longrepr = f"{message}\nCI installs every test dependency; this one is missing."


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if in_ci() and _is_import_skip(report):
        _fail(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if in_ci() and _is_import_skip(report):
        _fail(report)
