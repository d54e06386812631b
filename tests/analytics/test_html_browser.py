"""The weekly HTML report opened in a real headless browser (Debian's chromium driven by Playwright, as
the ``crossdesk serve`` test) from file://, offline and with every request but the file itself refused:
the charts render as SVG with visible bars, and their values are on screen."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from crossdesk.cli import cli

CHROMIUM = "/usr/bin/chromium"


def test_html_report_renders_its_charts_in_a_browser_without_network(demo_desk, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no {CHROMIUM}: `make test` installs Debian's chromium; it could not be installed here")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) is not installed")
    out = tmp_path / "weekly.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(demo_desk), "--html", str(out), "--since", "0"])
    assert result.exit_code == 0, result.output
    url = out.resolve().as_uri()
    requested: list[str] = []

    def refuse(route) -> None:
        requested.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            context.route("**/*", refuse)
            page = context.new_page()
            page.goto(url)
            page.wait_for_load_state("load")
            svgs = page.locator("svg")
            assert svgs.count() >= 5  # per day (2), per marketplace, per agent
            drawn = 0
            for i in range(svgs.count()):
                svg = svgs.nth(i)
                svg.scroll_into_view_if_needed()
                box = svg.bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 40
                for j in range(svg.locator("rect").count()):
                    bar = svg.locator("rect").nth(j).bounding_box()
                    drawn += bar is not None and bar["width"] > 0 and bar["height"] > 0
            assert drawn >= 10, "bars have a size on screen"
            labels = page.locator("svg text").all_text_contents()
            assert any(ch.isdigit() for label in labels for ch in label), "bars carry their values"
            assert page.locator(".card").count() >= 8
            text = page.inner_text("body")
            assert "Service report" in text and "no data yet" not in text.split("By agent")[0]
            shot = page.screenshot(full_page=True)
            assert len(shot) > 20_000  # a drawn page, not a blank one
        finally:
            browser.close()
    assert requested == [url], f"the report asked for more than itself: {requested}"
