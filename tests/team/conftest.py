"""A desk with shops and tickets written directly, on a clock the tests move (Monday 2025-12-15 10:00 UTC)."""

from __future__ import annotations

import pytest

from crossdesk.models import Actor, Role
from crossdesk.testing import FixedClock, make_desk

ADMIN = Actor(name="ops", role=Role.ADMIN)


class TeamDesk:
    def __init__(self, desk, clock) -> None:
        self.desk = desk
        self.clock = clock
        self.n = 0
        desk.db.conn.execute(
            "INSERT INTO shops (id, platform, external_id, name, created_at) VALUES (1, 'amazon', 'S1', 's', 0)"
        )

    def agent(self, name, languages=("en",), skills=(), capacity=10, tz="UTC", shifts=None, **kw) -> int:
        agent_id = self.desk.team.create_agent(
            ADMIN, name, languages=list(languages), skills=list(skills), capacity=capacity, timezone=tz, **kw
        )
        if shifts:
            self.desk.shifts.set_pattern(ADMIN, agent_id, shifts)
        return agent_id

    def ticket(
        self, language="en", *, intent="", hours_waiting=1.0, team_id=None, sla_due=None, assignee=None
    ) -> int:
        self.n += 1
        now = self.desk.now()
        created = now - int(hours_waiting * 3600)
        return (
            self.desk.db["tickets"]
            .insert(
                {
                    "platform": "amazon",
                    "shop_id": 1,
                    "external_id": f"T{self.n}",
                    "status": 1,
                    "intent": intent,
                    "language": language,
                    "team_id": team_id,
                    "assignee_id": assignee,
                    "sla_due": sla_due,
                    "created_at": created,
                    "updated_at": now,
                    "last_customer_msg_at": created,
                }
            )
            .last_pk
        )

    def assignee(self, ticket_id: int):
        return self.desk.db.execute("SELECT assignee_id FROM tickets WHERE id = ?", [ticket_id]).fetchone()[0]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def td(clock):
    desk = make_desk(builtins=False, clock=clock)
    yield TeamDesk(desk, clock)
    desk.close()
