"""The dashboard in a real browser (Chromium driven by Playwright).

Needs the ``playwright`` Python package and a Chromium executable (``/usr/bin/chromium``, or
the path in ``PARZEN_CHROMIUM``); Playwright's own browser download is not used. Without them
these tests skip, except in CI (``CI`` set), where they fail. Screenshots go to
``PARZEN_SCREENSHOT_DIR`` (default: a temporary directory).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

import parzen
from parzen.dashboard import DashboardServer
from parzen.dashboard._server import plotly_available
from parzen.storages import BaseStorage
from parzen.testing.services import in_ci, require_executable

CHROMIUM = os.environ.get("PARZEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Runs before the page's own scripts; the page's CSP does not apply to it.
WATCH_PAGE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""
# wait_for_function gets function source ("() => ..."): Playwright evaluates a bare expression
# with eval(), which the page's Content-Security-Policy rightly refuses.
# Pages opened with ?poll_ms=200 ask for news five times a second instead of every 2 s.
FAST = "?poll_ms=200"
LIVE_TIMEOUT_MS = 15_000


def _missing(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI must provide it.")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("The playwright package is not installed (pip install playwright)")
    require_executable("Chromium", CHROMIUM)
    if not plotly_available():
        _missing('plotly is not installed (pip install "parzen[plotly]")')
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A page, and every console error, page error and CSP violation it produced."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def assert_clean(self) -> None:
        assert self.page.evaluate("window.__cspViolations") == []
        assert self.errors == []
        assert self.page.evaluate("typeof window.__pwned") == "undefined"


@pytest.fixture
def page(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(WATCH_PAGE)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    try:
        yield Watched(opened)
    finally:
        context.close()


def _wait_for_charts(page: Any, keys: list[str]) -> None:
    for key in keys:
        page.wait_for_selector(f"#chart-{key} .main-svg")


def test_study_list_renders_names_as_text(
    server: DashboardServer, page: Watched, hostile: Any
) -> None:
    page.page.goto(server.url)
    page.page.wait_for_selector("#study-list a.study-name")
    names = page.page.locator("#study-list a.study-name").all_text_contents()
    assert names == ["training", hostile.study, "tradeoff"]
    row = page.page.locator("#study-list tbody tr").first.locator("td").all_text_contents()
    assert row[1:7] == ["minimize", "22", "20", "1", "1", "0"]
    assert page.page.locator("#app script, #app img").count() == 0
    page.assert_clean()


def test_study_page_draws_every_chart_and_the_table(
    server: DashboardServer, page: Watched
) -> None:
    page.page.goto(server.url + "#/studies/0")
    _wait_for_charts(
        page.page, ["history", "intermediate", "parallel", "importance", "slice", "terminator"]
    )
    assert page.page.locator("#chart-history .scatterlayer .point").count() == 20
    assert page.page.locator("#chart-terminator .scatterlayer .point").count() == 20
    assert page.page.locator("#chart-importance .bars .point").count() == 4
    assert page.page.locator("#chart-slice .js-plotly-plot").count() == 4
    assert page.page.locator("#trials-table tbody tr").count() == 22
    assert page.page.locator("#study-name").text_content() == "training"
    page.assert_clean()


def test_multi_objective_study_draws_the_pareto_front(
    server: DashboardServer, page: Watched
) -> None:
    page.page.goto(server.url + "#/studies/2")
    _wait_for_charts(page.page, ["pareto", "history"])
    assert page.page.locator("#chart-pareto .scatterlayer .point").count() == 24
    header = page.page.locator("#trials-table thead").text_content()
    assert "accuracy" in header and "latency" in header
    page.page.select_option("#objective-select", "1")
    page.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#chart-history .ytitle'))"
        ".some((t) => t.textContent === 'latency')"
    )
    page.assert_clean()


def test_new_and_finished_trials_appear_without_reload(
    server: DashboardServer, storage: BaseStorage, page: Watched
) -> None:
    page.page.goto(server.url + FAST + "#/studies/0")
    page.page.wait_for_selector("#trials-table tbody tr[data-number='21']")
    page.page.evaluate("window.__sameDocument = true")
    study = parzen.load_study(study_name="training", storage=storage)
    trial = study.ask()
    trial.suggest_float("x", -4.0, 4.0)
    row = "#trials-table tbody tr[data-number='22']"
    page.page.wait_for_selector(row, timeout=LIVE_TIMEOUT_MS)
    assert page.page.locator(row + " .badge").text_content() == "RUNNING"
    study.tell(trial, -7.5)
    page.page.wait_for_function(
        f"() => document.querySelector(\"{row} .badge\")?.textContent === 'COMPLETE'",
        timeout=LIVE_TIMEOUT_MS,
    )
    page.page.wait_for_function(
        "() => document.querySelector('#best-value')?.textContent.startsWith('-7.5')",
        timeout=LIVE_TIMEOUT_MS,
    )
    page.page.wait_for_function(
        "() => document.querySelectorAll('#chart-history .scatterlayer .point').length === 21",
        timeout=LIVE_TIMEOUT_MS,
    )
    assert page.page.evaluate("window.__sameDocument") is True
    page.assert_clean()


def test_new_study_appears_in_the_list_without_reload(
    server: DashboardServer, storage: BaseStorage, page: Watched
) -> None:
    page.page.goto(server.url + FAST)
    page.page.wait_for_selector("#study-list a.study-name")
    parzen.create_study(storage=storage, study_name="arrived later")
    page.page.wait_for_selector("#study-list a:text-is('arrived later')", timeout=LIVE_TIMEOUT_MS)
    page.assert_clean()


def test_hostile_strings_render_as_text_everywhere(
    server: DashboardServer, page: Watched, hostile: Any
) -> None:
    page.page.goto(server.url + "#/studies/1")
    _wait_for_charts(page.page, ["history", "parallel", "importance", "slice", "intermediate"])
    p = page.page
    assert p.locator("#study-name").text_content() == hostile.study
    assert p.locator("#crumbs").text_content().endswith(hostile.study)
    headers = p.locator("#trials-table th").all_text_contents()
    assert "param" + hostile.param in headers
    assert "user attr" + hostile.attr_key in headers
    cells = p.locator("#trials-table tbody td").all_text_contents()
    assert hostile.attr_value in cells
    assert hostile.choice in cells or "plain" in cells
    # In the charts, plotly shows the names as literal text too.
    chart_text = p.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot text')).map((t) => t.textContent)"
    )
    assert hostile.param in chart_text
    assert hostile.choice in chart_text
    # The filter's column list shows the names as option text.
    options = p.locator("#filter-column option").all_text_contents()
    assert "param " + hostile.param in options
    p.click("#trials-table tbody tr[data-number='0'] a")
    p.wait_for_selector("#trial-params")
    assert p.locator("#trial-params tbody td").first.text_content() == hostile.param
    assert hostile.attr_key in p.locator("#trial-detail").text_content()
    # Nothing from the data became an element.
    assert p.locator("img").count() == 0
    assert p.locator("#app script").count() == 0
    assert (
        p.evaluate("document.querySelectorAll('svg [onload], [onerror], [onmouseover]').length")
        == 0
    )
    page.assert_clean()


def test_table_sorts_filters_and_opens_a_trial(server: DashboardServer, page: Watched) -> None:
    p = page.page
    p.goto(server.url + "#/studies/0")
    p.wait_for_selector("#trials-table tbody tr[data-number='21']")

    def numbers() -> list[int]:
        return [
            int(n)
            for n in p.eval_on_selector_all(
                "#trials-table tbody tr", "(rows) => rows.map((r) => r.dataset.number)"
            )
        ]

    def values() -> list[str]:
        # The third column holds the objective value ("" for trials without one).
        return p.eval_on_selector_all(
            "#trials-table tbody td:nth-child(3)", "(tds) => tds.map((t) => t.textContent)"
        )

    for order, arrow in (("asc", "▲"), ("desc", "▼")):
        p.click("#trials-table th[data-column='value:0']")
        p.wait_for_selector(f"#trials-table th[data-column='value:0']:has-text('{arrow}')")
        shown = values()
        present = [float(v) for v in shown if v]
        assert present == sorted(present, reverse=order == "desc")
        # Trials without a value come last in both orders.
        assert shown[len(present) :] == [""] * (22 - len(present))
    p.select_option("#filter-column", "state")
    p.fill("#filter-value", "PRUNED")
    p.click("#add-filter")
    p.wait_for_function("() => document.querySelectorAll('#trials-table tbody tr').length === 1")
    assert numbers() == [20]
    assert "of 1 (filtered from 22)" in p.locator("#page-note").text_content()
    p.click(".chip button")
    p.wait_for_function("() => document.querySelectorAll('#trials-table tbody tr').length === 22")
    p.click("#trials-table tbody tr[data-number='3'] td:nth-child(3)")
    p.wait_for_selector("#trial-detail h1:text-is('Trial 3')")
    assert p.locator("#trial-params tbody tr").count() == 4
    p.wait_for_selector("#trial-intermediate .main-svg")
    p.go_back()
    # Back on the study, the sort chosen before is kept.
    p.wait_for_selector("#trials-table th[data-column='value:0']:has-text('▼')")
    page.assert_clean()


def test_screenshots_for_a_person_to_look_at(
    server: DashboardServer, page: Watched, tmp_path: pathlib.Path
) -> None:
    directory = pathlib.Path(os.environ.get("PARZEN_SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    p = page.page
    shots = {
        "study-list.png": ("", "#study-list a.study-name", []),
        "study.png": ("#/studies/0", None, ["history", "intermediate", "parallel", "importance"]),
        "hostile-study.png": ("#/studies/1", None, ["history", "parallel", "slice"]),
        "multi-objective-study.png": ("#/studies/2", None, ["pareto", "importance"]),
        "trial.png": ("#/studies/0/trials/3", "#trial-intermediate .main-svg", []),
    }
    for name, (route, selector, charts) in shots.items():
        p.goto(server.url + route)
        if selector:
            p.wait_for_selector(selector)
        _wait_for_charts(p, charts)
        p.wait_for_selector("#trials-table tbody tr, #study-list, #trial-detail table")
        p.screenshot(path=str(directory / name), full_page=True)
    for name in shots:
        data = (directory / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name
    page.assert_clean()
