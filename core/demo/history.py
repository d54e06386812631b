"""The demo desk's service history, for the figures of ``crossdesk report`` (docs/analytics.md).

The generator writes one exchange per conversation. This module adds what a season of real work leaves
behind, with the rows the services would have written (messages, audit rows, ticket times):

- a second exchange on about a fifth of the solved tickets (the buyer asks again before the solve, the
  agent answers), so first-contact resolution is not 100%;
- reopens: a few solved tickets where the buyer wrote again after the solve, got a reply and the ticket
  was solved again (``ticket.reopen`` and ``ticket.update`` audit rows, as the services write them);
- automatic acknowledgements sent by a rule (author ``rule:auto-acknowledge``) on a few tickets, which
  reports count apart from people's replies;
- sales and after-sales (:mod:`crossdesk.demo.sales`): quiet orders, cases and refunds, a planted
  rise in complaints on a few SKUs;
- the SLA policy of every solved ticket (the SLA clocks set it only on open ones), so achievement covers
  the whole history when policies are loaded.

Run by :func:`crossdesk.demo.enrich` before the SLA clocks; seeded, so the same desk gets the same history.
"""

from __future__ import annotations

import random
from typing import Any

from crossdesk.demo.ratings import add_reviews
from crossdesk.demo.sales import add_sales
from crossdesk.models import Actor
from crossdesk.store.session import to_json

HOUR = 3600
SECOND_EXCHANGE = 0.2
REOPEN = 0.07
AUTO_ACK = 0.05
ACK_AUTHOR = "rule:auto-acknowledge"
ACK_TEXT = "Thank you for your message: we have received it and an agent will answer you shortly."


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def add_history(desk: Any, actor: Actor, seed: int = 7) -> dict[str, int]:
    """Add second exchanges, reopens and automatic acknowledgements; returns how many of each."""
    from crossdesk.demo.phrases import PhraseBank

    desk.require(actor, "manage_settings")
    rng = random.Random(f"history:{seed}")
    db = desk.db
    now = desk.now()
    followups = PhraseBank(seed, variants=4).followup
    counts = {"second exchanges": 0, "reopens": 0, "auto acknowledgements": 0}
    rows = db.execute(
        "SELECT t.id, t.platform, t.shop_id, t.language, t.created_at, t.first_replied_at, t.solved_at, "
        "c.name, (SELECT m.author FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'out' "
        "ORDER BY m.created_at LIMIT 1), (SELECT m.body FROM messages m WHERE m.ticket_id = t.id "
        "AND m.direction = 'out' ORDER BY m.created_at LIMIT 1) "
        "FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id ORDER BY t.id"
    ).fetchall()
    messages: list[tuple] = []
    audits: list[tuple] = []
    updates: list[tuple] = []
    with desk.tx():
        for tid, platform, shop, lang, created, first, solved, buyer, agent, reply in rows:
            r = rng.random()
            if r < AUTO_ACK and (first is None or first - created > 300):
                at = created + 30 + int(rng.random() * 150)
                messages.append((tid, platform, shop, "out", ACK_AUTHOR, ACK_TEXT, "en", at))
                updates.append(("first_replied_at = MIN(COALESCE(first_replied_at, ?), ?)", [at, at], tid))
                counts["auto acknowledgements"] += 1
            if first is None or solved is None or agent is None:
                continue
            r = rng.random()
            ask = followups.get(lang) or followups["en"]
            if r < SECOND_EXCHANGE and solved - first > 2 * HOUR:
                span = solved - first
                asked = first + int(span * (0.2 + 0.2 * rng.random()))
                answered = asked + int((solved - asked) * (0.3 + 0.5 * rng.random()))
                text = ask[int(rng.random() * len(ask))].format_map(_Blank())
                messages.append((tid, platform, shop, "in", buyer or "", text, lang, asked))
                messages.append((tid, platform, shop, "out", agent, reply, lang, answered))
                updates.append(
                    ("last_customer_msg_at = MAX(COALESCE(last_customer_msg_at, 0), ?)", [asked], tid)
                )
                counts["second exchanges"] += 1
            elif r < SECOND_EXCHANGE + REOPEN and solved + 3 * 24 * HOUR < now:
                back = solved + int((2 + 46 * rng.random()) * HOUR)
                answered = back + int((0.5 + 19.5 * rng.random()) * HOUR)
                again = min(now - 60, answered + int((0.5 + 3.5 * rng.random()) * HOUR))
                text = ask[int(rng.random() * len(ask))].format_map(_Blank())
                messages.append((tid, platform, shop, "in", buyer or "", text, lang, back))
                messages.append((tid, platform, shop, "out", agent, reply, lang, answered))
                audits.append((back, "sync", "admin", "ticket.reopen", tid, {"status": 4}, {"status": 1}))
                audits.append((again, agent, "agent", "ticket.update", tid, {"status": 1}, {"status": 4}))
                updates.append(
                    (
                        "solved_at = ?, last_customer_msg_at = ?, last_agent_msg_at = ?, updated_at = ?",
                        [again, back, answered, again],
                        tid,
                    )
                )
                counts["reopens"] += 1
        _write(db, messages, audits, updates)
        _policies(desk)
        desk.audit(actor, "demo.history", "desk", None, None, counts)
    return {**counts, **add_reviews(desk, seed), **add_sales(desk, actor, seed)}


def _write(db: Any, messages: list[tuple], audits: list[tuple], updates: list[tuple]) -> None:
    conn = db.conn
    start = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]) + 1
    conn.executemany(
        "INSERT INTO messages (id, ticket_id, platform, shop_id, external_id, direction, author, body, "
        "language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                start + i,
                tid,
                platform,
                shop,
                f"crossdesk:{start + i}" if d == "out" else f"history:{start + i}",
                d,
                author,
                body,
                lang,
                at,
            )
            for i, (tid, platform, shop, d, author, body, lang, at) in enumerate(messages)
        ],
    )
    conn.executemany(
        "INSERT INTO audit (at, actor, role, action, object_type, object_id, before, after) "
        "VALUES (?, ?, ?, ?, 'ticket', ?, ?, ?)",
        [(at, who, role, action, tid, to_json(b), to_json(a)) for at, who, role, action, tid, b, a in audits],
    )
    for sets, args, tid in updates:
        conn.execute(f"UPDATE tickets SET {sets} WHERE id = ?", [*args, tid])


def _policies(desk: Any) -> None:
    """The SLA policy of each solved ticket, as the SLA clocks would have set it while it was open."""
    if not desk.sla.policies():
        return
    last = 0
    while True:
        rows = desk.store.rows(
            "SELECT * FROM tickets WHERE status >= 4 AND id > ? ORDER BY id LIMIT 20000", [last]
        )
        if not rows:
            return
        out = []
        for row in rows:
            policy = desk.sla.policy_for(row)
            out.append((policy.id if policy else None, row["id"]))
        desk.db.conn.executemany("UPDATE tickets SET sla_policy_id = ? WHERE id = ?", out)
        last = rows[-1]["id"]
