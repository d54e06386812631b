"""``crossdesk customers``: segment, segments, list, show, suggestions, merge, reject, unmerge."""

from __future__ import annotations

import time

from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.testing import FixedClock

from .conftest import Buyers


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _desk_file(tmp_path):
    path = tmp_path / "desk.db"
    clock = FixedClock(int(time.time()))  # the command line runs on the real clock
    desk = Desk.open(path, clock=clock)
    b = Buyers(desk, clock)
    ids = {}
    for i in range(6):
        c = b.buyer("shopify", name=f"Crowd {i}")
        b.order(c, days_ago=120, amount_minor=3000)
    ids["whale"] = b.buyer("amazon", name="Anna Müller")
    for d in (3, 30, 60):
        b.order(ids["whale"], platform="amazon", days_ago=d, amount_minor=400_000)
    ids["twin"] = b.buyer("ebay", name="Müller Anna")
    b.order(ids["twin"], platform="ebay", days_ago=2, amount_minor=1000)
    desk.close()
    return path, ids


def test_segment_list_show_and_thresholds(tmp_path):
    path, ids = _desk_file(tmp_path)
    out = run("customers", "segment", "--db", path)
    assert out.exit_code == 0 and "8 buyers segmented" in out.output
    out = run("customers", "list", "--segment", "high-value", "--db", path)
    assert f"#{ids['whale']}" in out.output and "1 buyer(s)" in out.output
    out = run("customers", "list", "--platform", "ebay", "--db", path)
    assert f"#{ids['twin']}" in out.output and "new" in out.output and "1 buyer(s)" in out.output
    out = run("customers", "show", ids["whale"], "--db", path)
    assert "segment: high-value: top spend" in out.output and "3 order(s)" in out.output
    out = run("customers", "segments", "--set", "high_value_orders=4", "--db", path)
    assert "high_value_orders=4" in out.output
    run("customers", "segment", "--db", path)
    assert "0 buyer(s)" in run("customers", "list", "--segment", "high-value", "--db", path).output
    bad = CliRunner().invoke(
        cli, ["customers", "segments", "--set", "high_value_orders=x", "--db", str(path)]
    )
    assert bad.exit_code != 0 and "KEY=N" in bad.output
    bad = CliRunner().invoke(cli, ["customers", "list", "--segment", "vip", "--db", str(path)])
    assert bad.exit_code == 1 and "unknown segment 'vip'" in bad.output


def test_suggest_merge_unmerge_reject(tmp_path):
    path, ids = _desk_file(tmp_path)
    out = run("customers", "suggestions", "--db", path)
    assert f"#{ids['whale']} + #{ids['twin']}" in out.output and "names 100% alike" in out.output
    out = run("customers", "merge", ids["whale"], ids["twin"], "--evidence", "same phone", "--db", path)
    assert out.exit_code == 0 and "merged into" in out.output
    assert "merged into" in run("customers", "show", ids["twin"], "--db", path).output
    out = run("customers", "unmerge", ids["twin"], "--db", path)
    assert "restored" in out.output
    bad = CliRunner().invoke(cli, ["customers", "unmerge", str(ids["twin"]), "--db", str(path)])
    assert bad.exit_code == 1 and "nothing to undo" in bad.output
    run("customers", "reject", ids["whale"], ids["twin"], "--db", path)
    assert "0 suggestion(s)" in run("customers", "suggestions", "--db", path).output
