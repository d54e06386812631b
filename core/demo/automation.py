"""The demo's SLA policies and automation rules, at every size, and rules that have already fired.

Without ``--sla`` / ``--rules`` the demo loads its own copies of ``examples/sla.toml`` and
``examples/rules.toml`` (shipped with the package, so an installed crossdesk has them too), so every demo
desk, 50 tickets or 200,000, has SLA deadlines and rules. After the SLA clocks run, :func:`fire` runs the
time rules once and replays the latest buyer message of the most recently active open tickets as
``message_received`` (what intake raised when it arrived), so the firing log and the SLA panel show real
firings made by the rule engine itself, never invented rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The demo's defaults: copies of the examples folder's files (tests/agentday holds them equal).
DEFAULT_SLA = Path(__file__).with_name("sla.toml")
DEFAULT_RULES = Path(__file__).with_name("rules.toml")
#: How many recently active open tickets get their latest buyer message replayed through the rules.
REPLAYED = 60


def load(desk: Any, actor: Any, *, sla: Path | None, rules: Path | None) -> dict[str, str]:
    """Load ``sla`` and ``rules`` (default: the demo's own), replacing what the desk had."""
    sla, rules = sla or DEFAULT_SLA, rules or DEFAULT_RULES
    return {
        "sla policies": f"{len(desk.sla.load_file(actor, sla, replace=True))} from {sla.name}",
        "rules": f"{len(desk.rules.load_file(actor, rules, replace=True))} from {rules.name}",
    }


def fire(desk: Any, actor: Any, replayed: int = REPLAYED) -> str:
    """Run the time rules, replay recent buyer messages through the event rules; one line of what fired."""
    rows = desk.db.execute(
        "SELECT t.id, (SELECT max(m.id) FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'in') "
        "FROM tickets t WHERE t.status < 4 AND t.last_customer_msg_at IS NOT NULL "
        "ORDER BY t.last_customer_msg_at DESC, t.id LIMIT ?",
        [replayed],
    ).fetchall()
    for ticket_id, message_id in rows:
        if message_id is None:
            continue
        with desk.store.tx():
            desk.store.emit(actor, "message_received", "ticket", ticket_id, message_id=message_id)
    timed = desk.rules.run_time_rules(actor)
    fired, tickets = desk.db.execute(
        "SELECT count(*), count(DISTINCT ticket_id) FROM rule_firings"
    ).fetchone()
    timed_n = sum(timed.fired.values())
    return (
        f"{fired:,} firings on {tickets:,} tickets ({len(rows)} messages replayed, {timed_n} by time rules)"
    )
