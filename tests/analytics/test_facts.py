"""Per-ticket facts kept by the pipeline, the same as a rebuild; reports over them; bad input."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.analytics.facts import COLUMNS
from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.errors import DeskError
from crossdesk.models import Actor, Role

ADMIN = Actor.system("test")
HOUR = 3600


def _facts(desk) -> dict[int, dict]:
    rows = desk.store.rows("SELECT * FROM ticket_facts ORDER BY ticket_id")
    return {r["ticket_id"]: {k: r[k] for k in COLUMNS if k != "updated_at"} for r in rows}


@pytest.fixture
def worked(h, crossdesk_desk, crossdesk_clock):
    """Three tickets: answered by a rule then a person, solved and reopened; two human replies; unanswered."""
    desk, clock = crossdesk_desk, crossdesk_clock
    ana = Actor("Ana", Role.AGENT)
    desk.create_agent(ADMIN, "Ana")
    t1 = h.ticket("My lamp arrived broken", order=True, sku="LAMP-1")
    clock.advance(60)
    desk.reply(Actor.system("rule:auto-ack"), t1, "We got your message.")
    clock.advance(2 * HOUR)
    desk.reply(ana, t1, "Sorry! A new one is on its way.", status="solved")
    clock.advance(HOUR)
    h.message(t1, "It is broken again")  # reopens the solved ticket
    clock.advance(HOUR)
    desk.reply(ana, t1, "Refund on its way.", status="solved")
    t2 = h.ticket("Where is my parcel?", platform="ebay")
    clock.advance(30 * 60)
    desk.reply(ana, t2, "It ships today.", status="solved")
    clock.advance(HOUR)
    t3 = h.ticket("Do you ship to Norway?", platform="ebay")
    return desk, (t1, t2, t3)


def test_pipeline_keeps_facts_and_counts_rule_replies_apart(worked, crossdesk_clock):
    desk, (t1, t2, t3) = worked
    facts = _facts(desk)
    f1 = facts[t1]
    assert (f1["auto_replies"], f1["human_replies"], f1["reopens"]) == (1, 2, 1)
    assert f1["first_auto_at"] - f1["first_in_at"] == 60
    assert f1["first_human_at"] - f1["first_in_at"] == 60 + 2 * HOUR
    assert f1["first_human_author"] == "Ana"
    assert (facts[t2]["human_replies"], facts[t2]["reopens"]) == (1, 0)
    assert facts[t3]["first_human_at"] is None
    # The step and the bulk rebuild are one definition.
    desk.analytics.facts.rebuild(ADMIN)
    assert _facts(desk) == facts


def test_report_figures(worked):
    desk, _ = worked
    report = desk.analytics.report(ADMIN, by=["platform"])
    total = report.total
    assert total["volume"] == 3
    assert total["first_reply"]["count"] == 2
    assert total["first_reply"]["median"] == pytest.approx((60 + 2 * HOUR + 30 * 60) / 2)
    assert total["auto_reply"]["count"] == 1
    assert (total["fcr"]["count"], total["fcr"]["of"]) == (1, 2)  # t1 reopened, t2 first contact
    assert (total["reopen_rate"]["count"], total["reopen_rate"]["of"]) == (1, 2)
    assert total["backlog"]["count"] == 1
    by = {g["key"]["platform"]: g for g in report.groups}
    assert by["ebay"]["volume"] == 2 and by["amazon"]["volume"] == 1
    skus = desk.analytics.report(ADMIN, by=["sku"], metrics=["volume"])
    assert {g["key"]["sku"]: g["volume"] for g in skus.groups} == {"LAMP-1": 1}


def test_days_in_the_desk_time_zone(h, crossdesk_desk, crossdesk_clock):
    desk, clock = crossdesk_desk, crossdesk_clock  # Monday 10:00 UTC
    desk.set_setting(ADMIN, "timezone", "Asia/Tokyo")  # 19:00 in Tokyo
    h.ticket("one")
    clock.advance(6 * HOUR)  # 01:00 Tuesday in Tokyo, still Monday in UTC
    h.ticket("two")
    report = desk.analytics.report(ADMIN, by=["day"], metrics=["volume"])
    assert {g["key"]["day"]: g["volume"] for g in report.groups} == {"2025-12-15": 1, "2025-12-16": 1}
    weeks = desk.analytics.report(ADMIN, by=["week"], metrics=["volume"])
    assert {g["key"]["week"]: g["volume"] for g in weeks.groups} == {"2025-12-15": 2}


def test_stale_desk_is_rebuilt_before_a_report(worked):
    desk, _ = worked
    desk.db.execute("DELETE FROM ticket_facts")
    desk.store.put_setting("analytics_facts_stale", True)
    assert desk.analytics.report(ADMIN).total["first_reply"]["count"] == 2
    assert not desk.analytics.facts.stale()


def test_bad_requests_are_refused(worked):
    desk, _ = worked
    with pytest.raises(DeskError, match="unknown dimension 'planet'"):
        desk.analytics.report(ADMIN, by=["planet"])
    with pytest.raises(DeskError, match="unknown metric 'speed'"):
        desk.analytics.report(ADMIN, metrics=["speed"])
    with pytest.raises(DeskError, match="period is empty"):
        desk.analytics.report(ADMIN, since=100, until=100)
    with pytest.raises(DeskError, match="not both"):
        desk.analytics.report(ADMIN, by=["day", "week"])


def test_cli_formats_and_errors(tmp_path):
    path = tmp_path / "desk.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", str(path)]).exit_code == 0
    desk = Desk.open(path)
    shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="S1", name="Shop")
    tid, _, _ = desk.receive_message(
        ADMIN,
        platform="shopify",
        shop_id=shop,
        thread_id="th",
        external_id="m1",
        body="Hi",
        created_at=desk.now(),
    )
    desk.reply(Actor("Bo", Role.AGENT), tid, "Hello!")
    desk.close()
    out = runner.invoke(cli, ["report", "--db", str(path), "--format", "csv", "--by", "platform"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["platform", "volume", "first_reply.count"]
    assert [line.split(",")[0] for line in lines[1:]] == ["(total)", "shopify"]
    data = orjson.loads(runner.invoke(cli, ["report", "--db", str(path), "--format", "json"]).stdout)
    assert data["total"]["first_reply"]["count"] == 1
    table = runner.invoke(cli, ["report", "--db", str(path)])
    assert table.exit_code == 0 and "1st reply med" in table.stdout
    bad = runner.invoke(cli, ["report", "--db", str(path), "--since", "yesterday-ish"])
    assert bad.exit_code != 0 and "not a date or time" in bad.output
    bad = runner.invoke(cli, ["report", "--db", str(path), "--by", "planet"])
    assert bad.exit_code != 0 and "unknown dimension" in bad.output
    parquet = runner.invoke(
        cli, ["report", "--db", str(path), "--format", "parquet", "--out", str(tmp_path / "r.pq")]
    )
    try:
        import pyarrow.parquet as pq
    except ImportError:
        assert parquet.exit_code != 0 and "needs pyarrow" in parquet.output
    else:
        assert parquet.exit_code == 0
        assert pq.read_table(tmp_path / "r.pq").column("volume").to_pylist() == [1]


def test_a_desk_migrated_with_tickets_gets_its_facts(tmp_path):
    """A desk made before migrations 0110-0111 (simulated: their tables and rows removed) migrates, marks
    the facts stale, and the first report rebuilds them."""
    import sqlite3

    path = tmp_path / "old.db"
    desk = Desk.open(path)
    shop = desk.upsert_shop(ADMIN, platform="ebay", external_id="E", name="E")
    tid, _, _ = desk.receive_message(
        ADMIN,
        platform="ebay",
        shop_id=shop,
        thread_id="t",
        external_id="m",
        body="Hi",
        created_at=desk.now() - 600,
    )
    desk.reply(Actor("Bo", Role.AGENT), tid, "Hello!")
    desk.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE ticket_facts")
        conn.execute("DROP TABLE quality_warnings")
        conn.execute("DELETE FROM schema_migrations WHERE version IN (110, 111)")
    conn.close()
    desk = Desk.open(path)
    assert desk.analytics.facts.stale()
    assert desk.db.execute("SELECT COUNT(*) FROM ticket_facts").fetchone()[0] == 0
    total = desk.analytics.report(ADMIN).total
    assert total["first_reply"]["count"] == 1 and total["first_reply"]["median"] == pytest.approx(600, abs=5)
    assert not desk.analytics.facts.stale()
    desk.close()
