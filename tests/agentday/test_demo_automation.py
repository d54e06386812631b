"""Issue 17 item 11: every demo desk has SLA policies and rules, and some rules have fired."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crossdesk.demo import automation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_demo_has_sla_deadlines_rules_and_firings(demo_db):
    with sqlite3.connect(demo_db) as db:
        policies = db.execute("SELECT count(*) FROM sla_policies").fetchone()[0]
        rules = db.execute("SELECT count(*) FROM rules").fetchone()[0]
        clocked = db.execute(
            "SELECT count(*) FROM tickets WHERE status < 4 AND sla_due IS NOT NULL"
        ).fetchone()[0]
        fired = db.execute(
            "SELECT count(DISTINCT ticket_id), count(DISTINCT rule_id) FROM rule_firings"
        ).fetchone()
    assert policies >= 3 and rules >= 10
    assert clocked > 0
    assert fired[0] > 0 and fired[1] >= 2  # several rules, on several tickets


def test_the_demo_copies_are_the_examples():
    assert automation.DEFAULT_SLA.read_text() == (EXAMPLES / "sla.toml").read_text()
    assert automation.DEFAULT_RULES.read_text() == (EXAMPLES / "rules.toml").read_text()
