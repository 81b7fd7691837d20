"""report.html in headless Chromium: axe-core finds no serious or critical WCAG 2.2 AA violation (issue 19, point 4).

Every folded part of the page is opened and the window is narrow, so the wide tables really scroll and the rules
about scrollable regions, contrast, images and headings see the whole report. Chromium is Debian's
(``/usr/bin/chromium``), launched as in ``test_browser.py``.
"""

from __future__ import annotations

import os

import pytest
from test_browser import CHROMIUM

pytestmark = pytest.mark.browser

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")
if not os.path.exists(CHROMIUM):  # pragma: no cover - CI installs it (.ci/run)
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    from simulation.analysis import report
    from simulation.sweep import load_experiment, run_experiment

    out = tmp_path_factory.mktemp("axe") / "runs"
    exp = load_experiment(
        {
            "experiment": {
                "name": "axe",
                "weeks": 14,
                "replicates": 3,
                "seed": 5,
                "scenarios": ["south-manchester", "top-down", "hybrid"],
            },
            "set": {"population.size": 150, "programme.end_week": 10},
        }
    )
    run_experiment(exp, out, workers=2, progress=False)
    return report.build(out, replay_runs=False, n_resamples=99, pdf=False).path


@pytest.mark.parametrize("width", [1280, 420])
def test_report_has_no_serious_or_critical_axe_violation(page_path, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(page_path.as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    scrolling = page.evaluate(
        "[...document.querySelectorAll('.wide, pre')].filter(e => e.scrollWidth > e.clientWidth + 1).length"
    )
    if width < 600:
        assert scrolling > 0  # the rule on scrollable regions has something to check
    result = axe_api.Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    bad = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
    page.close()


def test_scrollable_regions_take_the_keyboard_and_zoom_is_allowed(page_path, browser):
    page = browser.new_page(viewport={"width": 420, "height": 900})
    page.goto(page_path.as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    regions = page.evaluate("""[...document.querySelectorAll('.wide, pre')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => [e.tabIndex, e.getAttribute('role'), e.getAttribute('aria-label')])""")
    assert regions and all(t == 0 and role == "region" and label for t, role, label in regions)
    # keyboard: focus the first scrolling table and scroll it with the arrow key
    first = page.locator(".wide").filter(has=page.locator("table")).first
    first.focus()
    assert page.evaluate("document.activeElement.classList.contains('wide')")
    before = first.evaluate("e => e.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # the arrow key scrolls smoothly, so the position moves over the next frames (slowly on a loaded machine)
    page.wait_for_function(
        "([e, b]) => e.scrollLeft > b || e.scrollWidth <= e.clientWidth", arg=[first.element_handle(), before]
    )
    viewport = page.evaluate("document.querySelector('meta[name=viewport]').content")
    assert "user-scalable=no" not in viewport.replace(" ", "") and "maximum-scale" not in viewport
    page.close()
