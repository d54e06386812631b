"""The weekly HTML report: self-contained (no external URL, no script), with its charts and their values;
written on a schedule by automate."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.demo import build_demo, enrich
from crossdesk.models import Actor

ADMIN = Actor.system("test")
ROOT = Path(__file__).resolve().parents[2]


class _Parts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "demo.db"
    build_demo(path, size=1200, seed=3)
    desk = Desk.open(path)
    try:
        enrich(desk, sla=ROOT / "examples" / "sla.toml")
    finally:
        desk.close()
    return path


def test_html_report_is_self_contained_with_charts(demo, tmp_path):
    out = tmp_path / "weekly.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(demo), "--html", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    parts = _Parts()
    parts.feed(text)
    tags = [t for t, _ in parts.tags]
    assert tags.count("svg") >= 7  # per day (2), per marketplace (3), per agent (2)
    assert tags.count("rect") > 20
    # Nothing to fetch: no URL anywhere, no script, stylesheet link, image or frame.
    assert not re.search(r"(?i)(https?:|//[a-z0-9.-]+\.[a-z]{2,}/|url\()", text)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(tags)
    body = " ".join(parts.text)
    assert "median first reply" in body and "amazon" in body
    assert re.search(r"\d+(\.\d)? h", body)  # the bars carry their values
    assert "Quality warnings" in body


def test_buyer_and_agent_text_is_escaped(crossdesk_desk, tmp_path):
    from crossdesk.analytics.html import write_html

    desk = crossdesk_desk
    shop = desk.upsert_shop(ADMIN, platform="amazon", external_id="A", name="<script>x</script>")
    tid, _, _ = desk.receive_message(
        ADMIN,
        platform="amazon",
        shop_id=shop,
        thread_id="t",
        external_id="m",
        body="hi",
        created_at=desk.now() - 60,
    )
    agent = desk.create_agent(ADMIN, "<img src=x onerror=alert(1)>")
    desk.assign(ADMIN, [tid], agent)
    path = write_html(desk.analytics, ADMIN, tmp_path / "r.html")
    text = path.read_text()
    assert "<img" not in text and "&lt;img src=x" in text
    assert "no data yet" in text  # the per-day first-reply chart of a desk without replies


def test_automate_writes_it_on_schedule(crossdesk_desk, crossdesk_clock, tmp_path):
    desk = crossdesk_desk
    target = tmp_path / "weekly.html"
    assert desk.automate(ADMIN)["html_report"] is None  # not asked for
    desk.set_setting(ADMIN, "report_html", {"path": str(target), "every_days": 7})
    assert desk.automate(ADMIN)["html_report"] == str(target) and target.exists()
    target.unlink()
    crossdesk_clock.advance(86_400)
    assert desk.automate(ADMIN)["html_report"] is None and not target.exists()
    crossdesk_clock.advance(6 * 86_400)
    assert desk.automate(ADMIN)["html_report"] == str(target)


def test_cli_schedules_the_report(tmp_path):
    path = tmp_path / "desk.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", str(path)]).exit_code == 0
    target = tmp_path / "weekly.html"
    out = runner.invoke(
        cli, ["report", "--db", str(path), "--schedule-html", str(target), "--every-days", "7"]
    )
    assert out.exit_code == 0, out.output
    result = runner.invoke(cli, ["automate", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert f"report: wrote {target}" in result.output and "Service report" in target.read_text()
    assert runner.invoke(cli, ["report", "--db", str(path), "--schedule-html", ""]).exit_code == 0
    desk = Desk.open(path)
    assert desk.get_setting("report_html") is None
    desk.close()
