"""Why a ticket sits where it does in the queue: its score as the parts of docs/scoring.md.

The parts come from :func:`crossdesk.native.reference.score_parts`, the code whose sum *is* the reference
score (``reference.score`` adds them in :data:`SCORE_PARTS` order) and which the parity tests hold the
compiled kernel to. The ticket's columns are read with the queue's own column schema
(:mod:`crossdesk.queue.columns`, the SQL the batch re-score uses), so the explanation sees exactly the
values that were scored.

The stored priority (``tickets.priority``) was written by the last ``crossdesk rescore`` at that run's
clock (its audit row keeps it); the parts are computed at that moment, so they add up to the stored
priority unless the ticket changed since. The live score at the desk's clock is given too.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from crossdesk import native
from crossdesk.errors import NotFound
from crossdesk.models import INTENT_NAMES, PLATFORM_CODES, Actor, TicketStatus, Tier
from crossdesk.native import INT64_MAX
from crossdesk.native.reference import SCORE_PARTS, score_parts
from crossdesk.native.weights import ScoreWeights, default_weights
from crossdesk.queue.columns import SCORE, batch_select, to_array
from crossdesk.store import Store

LABELS = {
    "status": "status",
    "sla": "SLA",
    "wait": "wait",
    "platform": "platform risk",
    "value": "order value",
    "tier": "customer tier",
    "intent": "intent",
    "sentiment": "sentiment",
    "escalation": "escalation",
}
_SELECT = batch_select(SCORE, extra=("priority", "updated_at"), where="WHERE id = ?")
_PLATFORM_NAMES = {code: name for name, code in PLATFORM_CODES.items()}


@dataclass(frozen=True)
class Part:
    """One part of the score: its name (of ``SCORE_PARTS``), a label, its points and the facts behind it."""

    name: str
    label: str
    points: float
    facts: str


@dataclass(frozen=True)
class Explanation:
    """A ticket's score as its parts at ``at`` (epoch seconds). ``total`` is the score those parts make
    (float32, as the kernel stores it); ``stored`` the ticket's ``tickets.priority``; ``live`` the score at
    the desk's clock ``now``; ``scored_by_rescore`` whether ``at`` is the last re-score's clock."""

    ticket_id: int
    at: int
    now: int
    in_queue: bool
    total: float
    stored: float | None
    live: float
    scored_by_rescore: bool
    changed_since: bool
    parts: list[Part] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (infinite scores of solved tickets are given as null)."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else round(x, 4)

        return {
            "ticket_id": self.ticket_id,
            "at": self.at,
            "now": self.now,
            "in_queue": self.in_queue,
            "total": num(self.total),
            "stored_priority": num(self.stored),
            "live": num(self.live),
            "scored_by_rescore": self.scored_by_rescore,
            "changed_since_scored": self.changed_since,
            "parts": [
                {"name": p.name, "label": p.label, "points": round(p.points, 4), "facts": p.facts}
                for p in self.parts
            ],
        }

    def text(self) -> str:
        """The explanation as plain lines: ``crossdesk tickets explain`` prints them, the TUI shows them."""
        lines = []
        if not self.in_queue:
            lines.append(f"ticket #{self.ticket_id} is solved or closed: it is not in the queue")
        source = (
            "as the last re-score stored it" if self.scored_by_rescore else "now (no re-score stored it yet)"
        )
        lines.append(f"ticket #{self.ticket_id}: score {self.total:.2f} at {_when(self.at)}, {source}")
        for p in self.parts:
            lines.append(f"  {p.label:<14} {p.points:+7.2f}  {p.facts}")
        lines.append(f"  {'total':<14} {sum(p.points for p in self.parts):+7.2f}")
        if self.stored is not None and math.isfinite(self.stored):
            lines.append(f"stored priority {self.stored:.2f}")
        if self.changed_since:
            lines.append("the ticket changed after that re-score: the queue ranks it by its live score")
        if math.isfinite(self.live) and abs(self.live - self.total) > 0.005:
            lines.append(f"live score now ({_when(self.now)}): {self.live:.2f}")
        return "\n".join(lines)


def _when(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _hours(h: float) -> str:
    if abs(h) < 1:
        return f"{abs(h) * 60:.0f} min"
    if abs(h) < 48:
        return f"{abs(h):.1f} h"
    return f"{abs(h) / 24:.1f} days"


class ExplainService:
    """``explain(actor, ticket_id)``: the ticket's score as its parts; needs the "view" permission."""

    def __init__(self, store: Store, weights: ScoreWeights | None = None) -> None:
        self.store = store
        self.weights = weights

    def last_rescore(self) -> int | None:
        """The clock of the last finished ``crossdesk rescore`` (from its audit row), or None."""
        row = self.store.db.execute(
            "SELECT after FROM audit WHERE action = 'queue.rescore' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None or not row[0]:
            return None
        now = orjson.loads(row[0]).get("now")
        return int(now) if now is not None else None

    def explain(self, actor: Actor, ticket_id: int, *, at: int | None = None) -> Explanation:
        """The parts of ``ticket_id``'s score at ``at`` (default: the last re-score's clock, which wrote the
        stored priority, else now)."""
        self.store.require(actor, "view")
        raw = self.store.row("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        if raw is None:
            raise NotFound(f"no ticket #{ticket_id}")
        got = [orjson.loads(text) for text in self.store.db.execute(_SELECT, [ticket_id]).fetchone()]
        cols = {col.name: to_array(col, values) for col, values in zip(SCORE, got[: len(SCORE)], strict=True)}
        stored_raw, updated_at = got[len(SCORE)][0], int(got[len(SCORE) + 1][0])
        now = int(self.store.now())
        rescored = self.last_rescore()
        by_rescore = at is None and rescored is not None
        when = int(at if at is not None else (rescored if rescored is not None else now))
        w = self.weights or default_weights()
        parts = score_parts(cols, w, when)
        total = float(native.reference.score(cols, w, when)[0])
        live = float(native.score(cols, self.weights, now)[0])
        in_queue = int(cols["status"][0]) < int(TicketStatus.SOLVED)
        facts = _facts(raw, cols, w, when)
        out = [Part(name, LABELS[name], float(parts[name][0]) + 0.0, facts[name]) for name in SCORE_PARTS]
        stored = None if stored_raw is None else float(np.float32(stored_raw))
        return Explanation(
            ticket_id=ticket_id,
            at=when,
            now=now,
            in_queue=in_queue,
            total=total,
            stored=stored,
            live=live,
            scored_by_rescore=by_rescore,
            changed_since=by_rescore and rescored is not None and updated_at > rescored,
            parts=out,
        )


def _facts(raw: dict, cols: dict[str, np.ndarray], w: ScoreWeights, now: int) -> dict[str, str]:
    """What each part was computed from, in words."""
    status = int(cols["status"][0])
    try:
        status_name = TicketStatus(status).label
    except ValueError:
        status_name = str(status)
    due = int(cols["sla_due"][0])
    if due == INT64_MAX:
        sla = "no SLA deadline on this ticket"
    else:
        h = (due - now) / 3600
        sla = (
            f"due {_when(due)}, {_hours(h)} from then"
            if h >= 0
            else f"breached: due {_when(due)}, {_hours(h)} overdue"
        )
    waited = (now - int(cols["last_customer_msg_at"][0])) / 3600
    wait = (
        f"buyer's last message {_hours(waited)} before"
        if waited > 0
        else "the buyer's last message is not older than the score"
    )
    platform = raw.get("platform") or _PLATFORM_NAMES.get(int(cols["platform"][0]), "?")
    code = int(cols["platform"][0])
    risk = w.platform[code] if 0 <= code < len(w.platform) else 0.0
    window = min(max(waited / w.risk_window_hours, 0.0), 1.0)
    value = raw.get("order_value_usd")
    tier = int(cols["tier"][0])
    try:
        tier_name = Tier(tier).label
    except ValueError:
        tier_name = str(tier)
    intent_code = int(cols["intent"][0])
    intent = INTENT_NAMES[intent_code] if 0 <= intent_code < len(INTENT_NAMES) else (raw.get("intent") or "")
    sentiment = raw.get("sentiment")
    return {
        "status": f"{status_name} (weight {w.status[status] if 0 <= status < len(w.status) else 0:g})",
        "sla": sla,
        "wait": wait,
        "platform": f"{platform}: weight {risk:g} x {window:.0%} of its {w.risk_window_hours:g} h window",
        "value": "no order value" if value is None else f"order worth ${float(value):,.2f}",
        "tier": f"{tier_name} customer",
        "intent": intent or raw.get("intent") or "no intent recognised",
        "sentiment": "not measured"
        if sentiment is None
        else f"{float(sentiment):+.2f} (only negative counts)",
        "escalation": "escalated" if int(cols["escalated"][0]) else "not escalated",
    }
