"""CSAT and NPS: a survey after a ticket is solved, on the channels that allow it, read from the reply.

- When a ticket is solved (the ``ticket_updated`` event), a survey is created once per ticket: ``pending``
  with a due time (setting ``surveys``: ``kind`` csat or nps, ``delay_hours`` after solving, or after the
  order's delivery with ``after = "delivery"``), or ``restricted`` with the reason where the channel does
  not allow a seller's survey (:data:`CHANNELS`: Amazon only through its own review request).
- :meth:`SurveyService.send_due` sends the due ones as a reply in the buyer's language through the outbox.
- A buyer message on a ticket with a sent survey is read (:func:`crossdesk.surveys.answers.parse`); when it
  holds a score the survey is answered (comment kept) and the ticket, reopened by the message, is solved
  again. A message without a score is an ordinary message.
- :meth:`SurveyService.figures` gives CSAT (share of 4-5 on 1-5) and NPS (promoters 9-10 minus detractors
  0-6, in points) per agent, team, platform, market or segment: the query analytics calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crossdesk.errors import DeskError
from crossdesk.models import Actor, Event, TicketStatus
from crossdesk.store import Store
from crossdesk.surveys.answers import CSAT, NPS, SCALES, parse
from crossdesk.surveys.questions import question
from crossdesk.tickets import TicketService

SETTING = "surveys"
DEFAULTS: dict[str, Any] = {"enabled": True, "kind": CSAT, "delay_hours": 0, "after": "solved"}
#: Per platform: None when the desk may send its own survey there, else why not. Own shops and e-mail
#: freely; Amazon's messaging allows no seller survey (only Amazon's "Request a Review").
CHANNELS: dict[str, str | None] = {
    "amazon": "Amazon allows only its own review request (Request a Review), not a seller's survey",
    "ebay": None,
    "shopee": None,
    "shopify": None,
    "web": None,
    "email": None,
}
BY = {
    "agent": "COALESCE((SELECT a.name FROM agents a WHERE a.id = s.agent_id), '(unassigned)')",
    "team": "COALESCE((SELECT m.name FROM teams m WHERE m.id = s.team_id), '(no team)')",
    "platform": "s.platform",
    "market": "CASE s.market WHEN '' THEN '??' ELSE s.market END",
    "segment": "CASE s.segment WHEN '' THEN '(none)' ELSE s.segment END",
    "desk": "'desk'",
}


@dataclass(frozen=True)
class Figure:
    """CSAT and NPS of one group: answers on each scale, CSAT in % (None without answers), NPS in points."""

    key: str
    csat_answers: int
    csat: float | None
    nps_answers: int
    promoters: int
    detractors: int
    nps: float | None


def settings(values: Mapping[str, Any] | None) -> dict[str, Any]:
    out = {**DEFAULTS, **(values or {})}
    if set(out) - set(DEFAULTS):
        raise DeskError(f"unknown survey setting(s): {', '.join(sorted(set(out) - set(DEFAULTS)))}")
    if out["kind"] not in SCALES:
        raise DeskError(f"survey kind must be csat or nps, not {out['kind']!r}")
    if out["after"] not in ("solved", "delivery"):
        raise DeskError(f"surveys go out after 'solved' or 'delivery', not {out['after']!r}")
    if not isinstance(out["delay_hours"], int | float) or out["delay_hours"] < 0:
        raise DeskError("survey delay_hours must be a number >= 0")
    return out


class SurveyService:
    """``desk.surveys``: creating, sending and reading surveys, and the CSAT/NPS figures."""

    def __init__(self, store: Store, tickets: TicketService) -> None:
        self.store = store
        self.tickets = tickets

    def settings(self) -> dict[str, Any]:
        return settings(self.store.get_setting(SETTING))

    # ---- the pipeline step --------------------------------------------------------------------------

    def on_event(self, actor: Actor, event: Event) -> None:
        if event.object_type != "ticket" or event.object_id is None:
            return
        if event.name == "ticket_updated":
            change = (event.data.get("changes") or {}).get("status")
            if change and change[1] == TicketStatus.SOLVED and change[0] != TicketStatus.SOLVED:
                self._create(actor, event.object_id)
        elif event.name == "message_received" and event.data.get("message_id") is not None:
            self._read_answer(actor, event.object_id, int(event.data["message_id"]))

    def _create(self, actor: Actor, ticket_id: int) -> int | None:
        conf = self.settings()
        if not conf["enabled"]:
            return None
        store = self.store
        t = store.row(
            "SELECT t.*, c.country AS c_country, c.language AS c_language, g.segment AS c_segment, "
            "o.delivered_at AS o_delivered FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id "
            "LEFT JOIN customer_segments g ON g.customer_id = t.customer_id "
            "LEFT JOIN orders o ON o.id = t.order_id WHERE t.id = ?",
            [ticket_id],
        )
        if t is None or store.db.execute(
            "SELECT 1 FROM surveys WHERE ticket_id = ? AND kind = ?", [ticket_id, conf["kind"]]
        ).fetchone():
            return None
        now = store.now()
        base = now
        if conf["after"] == "delivery" and t["o_delivered"]:
            base = max(now, int(t["o_delivered"]))
        reason = CHANNELS.get(t["platform"])
        survey_id = store.insert(
            "surveys",
            {
                "ticket_id": ticket_id,
                "customer_id": t["customer_id"],
                "agent_id": t["assignee_id"],
                "team_id": t["team_id"],
                "platform": t["platform"],
                "market": t["c_country"] or "",
                "segment": t["c_segment"] or "",
                "kind": conf["kind"],
                "language": t["language"] or t["c_language"] or "",
                "status": "restricted" if reason else "pending",
                "reason": reason or "",
                "created_at": now,
                "due_at": base + int(conf["delay_hours"] * 3600),
            },
        )
        store.audit(actor, "survey.create", "ticket", ticket_id, None, {"survey": survey_id, "reason": reason or ""})
        return survey_id

    def _read_answer(self, actor: Actor, ticket_id: int, message_id: int) -> None:
        store = self.store
        survey = store.row(
            "SELECT * FROM surveys WHERE ticket_id = ? AND status = 'sent' ORDER BY id DESC LIMIT 1", [ticket_id]
        )
        if survey is None:
            return
        body = store.db.execute("SELECT body FROM messages WHERE id = ?", [message_id]).fetchone()
        answer = parse(body[0] if body else "", survey["kind"])
        if answer.score is None:
            return  # not an answer: an ordinary message, the ticket stays reopened
        store.update(
            "surveys",
            survey["id"],
            {
                "status": "answered",
                "score": answer.score,
                "comment": answer.comment,
                "answered_at": store.now(),
                "answer_message_id": message_id,
            },
        )
        store.audit(actor, "survey.answer", "ticket", ticket_id, None, {"survey": survey["id"], "score": answer.score})
        if store.db.execute("SELECT status FROM tickets WHERE id = ?", [ticket_id]).fetchone()[0] < TicketStatus.SOLVED:
            self.tickets.update(Actor.system("surveys"), ticket_id, status=TicketStatus.SOLVED)

    # ---- sending ------------------------------------------------------------------------------------

    def send_due(self, actor: Actor, *, limit: int = 1000) -> int:
        """Send the pending surveys that are due, each as a reply in the buyer's language; returns how many."""
        store = self.store
        store.require(actor, "reply")
        due = store.rows(
            "SELECT s.id, s.ticket_id, s.kind, s.language, c.name FROM surveys s "
            "LEFT JOIN customers c ON c.id = s.customer_id WHERE s.status = 'pending' AND s.due_at <= ? "
            "ORDER BY s.due_at, s.id LIMIT ?",
            [store.now(), int(limit)],
        )
        for row in due:
            text, lang = question(row["kind"], row["language"], (row["name"] or "").split(" ")[0])
            with store.tx():
                message_id = self.tickets.reply(
                    actor, row["ticket_id"], text, language=lang, status=None, template=f"survey:{row['kind']}"
                )
                store.update("surveys", row["id"], {"status": "sent", "sent_at": store.now(), "message_id": message_id})
        return len(due)

    # ---- reading ------------------------------------------------------------------------------------

    def list(self, actor: Actor, *, status: str | None = None, limit: int = 100) -> list[dict]:
        self.store.require(actor, "view")
        where, args = ("WHERE status = ?", [status]) if status else ("", [])
        return self.store.rows(f"SELECT * FROM surveys {where} ORDER BY id DESC LIMIT ?", [*args, int(limit)])

    def figures(self, actor: Actor, by: str = "desk", *, since: int | None = None) -> list[Figure]:
        """CSAT and NPS per ``by`` (agent, team, platform, market, segment or desk), answers since ``since``."""
        self.store.require(actor, "view")
        if by not in BY:
            raise DeskError(f"figures by {by!r}: use one of {', '.join(BY)}")
        rows = self.store.db.execute(
            f"SELECT {BY[by]} AS k, "
            f"sum(s.kind = '{CSAT}'), sum(s.kind = '{CSAT}' AND s.score >= 4), "
            f"sum(s.kind = '{NPS}'), sum(s.kind = '{NPS}' AND s.score >= 9), sum(s.kind = '{NPS}' AND s.score <= 6) "
            "FROM surveys s WHERE s.status = 'answered' AND s.answered_at >= ? GROUP BY k ORDER BY k",
            [since or 0],
        ).fetchall()
        out = []
        for key, n_csat, happy, n_nps, pro, det in rows:
            out.append(
                Figure(
                    str(key),
                    int(n_csat),
                    round(100.0 * happy / n_csat, 1) if n_csat else None,
                    int(n_nps),
                    int(pro),
                    int(det),
                    round(100.0 * (pro - det) / n_nps, 1) if n_nps else None,
                )
            )
        return out

    def set_settings(self, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
        merged = {**(self.store.get_setting(SETTING) or {}), **values}
        settings(merged)
        self.store.set_setting(actor, SETTING, merged)
        return self.settings()
