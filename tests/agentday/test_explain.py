"""Issue 17 items 2 and 12: the score as its parts (adding up to the stored priority), and the tickets CLI."""

from __future__ import annotations

import math

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.native import reference
from crossdesk.queue import rescore


def run(path, *args):
    return CliRunner().invoke(cli, ["tickets", *args, "--db", str(path)], catch_exceptions=False)


def test_parts_add_up_to_the_stored_priority_for_every_open_ticket(desk, ids):
    sam = desk.actor_for("sam")
    rescore(desk.store, sam)
    stored = dict(desk.db.execute("SELECT id, priority FROM tickets WHERE status < 4"))
    assert len(stored) >= 3
    for tid, priority in stored.items():
        e = desk.explain.explain(sam, tid)
        assert e.scored_by_rescore and [p.name for p in e.parts] == list(reference.SCORE_PARTS)
        assert math.isclose(sum(p.points for p in e.parts), priority, rel_tol=1e-5, abs_tol=1e-4)
        assert e.stored == pytest.approx(priority, rel=1e-6)
        assert all(p.facts for p in e.parts)


def test_an_escalated_breached_ticket_shows_those_parts(desk, ids, clock):
    sam = desk.actor_for("sam")
    tid = next(iter(ids.tickets.values()))
    desk.db.execute("UPDATE tickets SET escalated = 1, sla_due = ? WHERE id = ?", [desk.now() - 7200, tid])
    e = {p.name: p for p in desk.explain.explain(sam, tid).parts}
    w = reference.default_weights()
    assert e["escalation"].points == w.escalated and e["escalation"].facts == "escalated"
    assert e["sla"].points == pytest.approx(w.sla + w.breach + w.overdue * math.log1p(2.0))
    assert "breached" in e["sla"].facts and "2.0 h overdue" in e["sla"].facts


def test_cli_explain_adds_up_and_prints_every_part(demo_db):
    top = orjson.loads(run(demo_db, "list", "--limit", "1", "--json").output)[0]
    data = orjson.loads(run(demo_db, "explain", str(top["id"]), "--json").output)
    assert math.isclose(sum(p["points"] for p in data["parts"]), data["stored_priority"], abs_tol=1e-3)
    assert data["stored_priority"] == pytest.approx(top["priority"], abs=1e-3)
    text = run(demo_db, "explain", str(top["id"])).output
    for label in (
        "SLA",
        "wait",
        "platform risk",
        "order value",
        "customer tier",
        "intent",
        "sentiment",
        "status",
        "escalation",
        "total",
    ):
        assert label in text


def test_cli_list_show_and_errors(demo_db):
    rows = orjson.loads(run(demo_db, "list", "platform:amazon", "--limit", "5", "--json").output)
    assert rows and all(r["platform"] == "amazon" for r in rows)
    prios = [r["priority"] for r in rows]
    assert prios == sorted(prios, reverse=True)
    shown = run(demo_db, "show", str(rows[0]["id"]))
    assert shown.exit_code == 0 and f"#{rows[0]['id']}" in shown.output
    missing = CliRunner().invoke(cli, ["tickets", "show", "99999999", "--db", str(demo_db)])
    assert missing.exit_code == 1 and "no ticket #99999999" in missing.output


def test_cli_reply_with_text_and_template_goes_through_the_services(demo_db, tmp_path):
    path = tmp_path / "copy.db"
    src = Desk.open(demo_db)
    src.db.execute(f"VACUUM INTO '{path}'")
    src.close()
    tid = orjson.loads(run(path, "list", "--limit", "1", "--json").output)[0]["id"]
    both = CliRunner().invoke(cli, ["tickets", "reply", str(tid), "--db", str(path)])
    assert both.exit_code == 1 and "--template" in both.output
    ok = run(path, "reply", str(tid), "--text", "Thank you, we are on it.")
    assert ok.exit_code == 0 and "queued" in ok.output
    desk = Desk.open(path)
    out = desk.db.execute(
        "SELECT body FROM messages WHERE ticket_id = ? AND direction = 'out' ORDER BY id DESC LIMIT 1", [tid]
    ).fetchone()
    assert out[0] == "Thank you, we are on it."
    actor = desk.actor_for(desk.db.execute("SELECT name FROM agents WHERE role = 'admin'").fetchone()[0])
    usable = []
    for t in desk.templates.list(actor):
        try:
            desk.templates.render(actor, t["name"], tid)
        except Exception:
            continue
        usable.append(t["name"])
    desk.close()
    bad = CliRunner().invoke(cli, ["tickets", "reply", str(tid), "--template", "nope", "--db", str(path)])
    assert bad.exit_code == 1 and "nope" in bad.output and "Traceback" not in bad.output
    assert usable
    sent = run(path, "reply", str(tid), "--template", usable[0])
    assert sent.exit_code == 0, sent.output
    desk = Desk.open(path)
    row = desk.db.execute(
        "SELECT count(*) FROM messages WHERE ticket_id = ? AND direction = 'out'", [tid]
    ).fetchone()
    desk.close()
    assert row[0] >= 2
