"""The demo desk's shifts: each team works its own hours in its own time zone (Berlin, New York, Tokyo,
Taipei, Dubai), one agent is on leave this week, public holidays come from each agent's country, and the
EU team's skill requirement relaxes after four hours; the supervisors' approval queue holds refunds above
an agent's limit. ``crossdesk team coverage --week`` shows the gaps
(nights in Europe for German, the weekends) and ``crossdesk route`` offers tickets to who is on shift."""

from __future__ import annotations

from datetime import datetime, timedelta

from crossdesk.api import Desk
from crossdesk.errors import DeskError
from crossdesk.models import Actor

#: name -> (weekly pattern in the agent's own time zone, holiday country)
SHIFTS = {
    "Anna Becker": ("mon-fri 09:00-17:00", "DE"),
    "Jonas Weber": ("mon-fri 07:00-15:00", "DE"),
    "Claire Dubois": ("mon-fri 08:00-16:00", "FR"),
    "Giulia Romano": ("mon-fri 12:00-20:00; sat 10:00-14:00", "IT"),
    "Javier Ortega": ("mon-fri 14:00-22:00", "ES"),
    "Sanne de Vries": ("mon-thu 10:00-18:00", "NL"),
    "Marta Kowalska": ("tue-sat 08:00-16:00", "PL"),
    "Emily Carter": ("mon-fri 09:00-17:00", "US"),
    "Daniel Brooks": ("mon-fri 12:00-20:00; sun 10:00-16:00", "US"),
    "Lucia Fernandes": ("mon-fri 08:00-16:00", "US"),
    "Yuki Tanaka": ("mon-fri 09:00-18:00", "JP"),
    "Kenji Watanabe": ("mon-fri 13:00-22:00", "JP"),
    "Chen Yi-Ting": ("mon-sat 09:00-18:00", "TW"),
    "Lim Wei Jie": ("mon-fri 10:00-19:00", "TW"),
    "Park Ji-woo": ("mon-fri 09:00-18:00", "KR"),
    "Omar Haddad": ("mon-fri 09:00-17:00", "AE"),
    "Elif Yıldız": ("mon-fri 09:00-17:00", "TR"),
    "Sophie Laurent": ("mon-fri 09:00-17:00", "DE"),
}
#: Who is on leave in the demo's week (days from the build day), and the EU team's skills timeout.
ON_LEAVE = ("Sanne de Vries", 0, 4)
EU_TEAM, EU_SKILLS_TIMEOUT = "EU Marketplaces", 4 * 3600


def add_team(desk: Desk, actor: Actor, now: int) -> None:
    """Shifts, leave and a skills timeout, then a supervisor's approval queue with items in it, written
    at the demo's own ``now`` like everything else it holds."""
    clock = desk.store.clock
    desk.store.clock = lambda: float(now)
    try:
        add_shifts(desk, actor, now)
        add_approvals(desk, actor)
    finally:
        desk.store.clock = clock


def add_approvals(desk: Desk, actor: Actor, n: int = 4) -> list[int]:
    """Refunds above the agent's limit, asked for on return requests of the demo: each opens a return
    case (through the services), a supervisor approves the return, the goods arrive, and the agent's
    refund becomes an approval request in the supervisors' queue."""
    agents = {a["name"]: a for a in desk.team.agents(actor)}
    if "Jonas Weber" not in agents or "Emily Carter" not in agents:
        return []
    agent, supervisor = desk.actor_for("Jonas Weber"), desk.actor_for("Emily Carter")
    limit = (desk.store.refund_limits().get(agent.role) or 0) / 100
    # The demo's returns under way (tagged when generated; intents come later, with enrichment).
    rows = desk.db.execute(
        "SELECT t.id, t.order_id, o.total_minor, o.currency FROM tickets t JOIN orders o ON o.id = t.order_id "
        "JOIN ticket_tags g ON g.ticket_id = t.id AND g.tag = 'return-label-sent' WHERE t.status < 4 "
        "ORDER BY t.id LIMIT 400"
    ).fetchall()
    made: list[int] = []
    for ticket_id, order_id, total, currency in rows:
        if len(made) >= n:
            break
        if desk.rates.to_usd(total, currency) <= limit * 1.2:
            continue
        lines = desk.db.execute(
            "SELECT sku FROM order_lines WHERE order_id = ? LIMIT 1", [order_id]
        ).fetchone()
        if lines is None:
            continue
        try:
            case = desk.cases.open(
                agent, type="return", order_id=order_id, ticket_id=ticket_id, items=[{"sku": lines[0]}]
            )
            desk.cases.approve(supervisor, case)
            desk.cases.receive(agent, case)
            outcome = desk.approvals.refund(agent, case, reason="buyer sent it back: refund in full")
        except DeskError:
            continue  # a case this order cannot have (a law, a state): the next one
        if outcome.approval_id:
            made.append(outcome.approval_id)
    return made


def add_shifts(desk: Desk, actor: Actor, now: int) -> None:
    """Shifts, countries, one leave and a skills timeout for the demo's agents (through the services)."""
    by_name = {a["name"]: a for a in desk.team.agents(actor)}
    for name, (pattern, country) in SHIFTS.items():
        agent = by_name.get(name)
        if agent is None:
            continue
        desk.team.update_agent(actor, agent["id"], country=country)
        desk.shifts.set_pattern(actor, agent["id"], pattern)
    name, first, last = ON_LEAVE
    if name in by_name:
        day = datetime.fromtimestamp(now).date()
        desk.shifts.add_leave(
            actor,
            by_name[name]["id"],
            (day + timedelta(days=first)).isoformat(),
            (day + timedelta(days=last)).isoformat(),
            note="annual leave",
        )
    for team in desk.team.teams(actor):
        if team["name"] == EU_TEAM:
            desk.team.set_skills_timeout(actor, team["id"], EU_SKILLS_TIMEOUT)
