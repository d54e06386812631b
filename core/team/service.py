"""The team: agents (with their role, languages, skills and capacity) and the teams they work in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor, Role
from crossdesk.store import Store, to_json


class TeamService:
    """``desk.team``. Creating agents and teams needs ``manage_settings``; reading needs ``view``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create_team(
        self,
        actor: Actor,
        name: str,
        *,
        languages: Sequence[str] = (),
        skills: Sequence[str] = (),
        timezone: str = "UTC",
        calendar: Mapping | None = None,
    ) -> int:
        store = self.store
        store.require(actor, "manage_settings")
        row = {
            "name": name,
            "languages": to_json(list(languages)),
            "skills": to_json(list(skills)),
            "timezone": timezone,
            "calendar": to_json(dict(calendar or {})),
        }
        with store.tx():
            if store.db.execute("SELECT 1 FROM teams WHERE name = ?", [name]).fetchone():
                raise DeskError(f"a team named {name!r} already exists")
            team_id = store.insert("teams", row)
            store.audit(actor, "team.create", "team", team_id, None, row)
        return team_id

    def create_agent(
        self,
        actor: Actor,
        name: str,
        role: Role | str = Role.AGENT,
        *,
        email: str = "",
        languages: Sequence[str] = (),
        skills: Sequence[str] = (),
        capacity: int = 20,
        team_id: int | None = None,
        timezone: str = "UTC",
    ) -> int:
        store = self.store
        store.require(actor, "manage_settings")
        role = Role(role)
        if capacity < 0:
            raise DeskError("capacity cannot be negative")
        row = {
            "name": name,
            "email": email,
            "role": role.value,
            "team_id": team_id,
            "languages": to_json(list(languages)),
            "skills": to_json(list(skills)),
            "capacity": capacity,
            "active": 1,
            "timezone": timezone,
            "created_at": store.now(),
        }
        with store.tx():
            if store.db.execute("SELECT 1 FROM agents WHERE name = ?", [name]).fetchone():
                raise DeskError(f"an agent named {name!r} already exists")
            agent_id = store.insert("agents", row)
            store.audit(actor, "agent.create", "agent", agent_id, None, row)
        return agent_id

    def agents(self, actor: Actor) -> list[dict]:
        """Every agent, with ``languages`` and ``skills`` as lists."""
        self.store.require(actor, "view")
        rows = self.store.rows("SELECT * FROM agents ORDER BY id")
        for row in rows:
            row["languages"] = orjson.loads(row["languages"])
            row["skills"] = orjson.loads(row["skills"])
        return rows

    def actor_for(self, name: str) -> Actor:
        """The actor of the agent called ``name`` (sign-in)."""
        row = self.store.db.execute(
            "SELECT id, name, role, active FROM agents WHERE name = ?", [name]
        ).fetchone()
        if row is None:
            raise NotFound(f"no agent named {name!r} on this desk")
        if not row[3]:
            raise DeskError(f"agent {name!r} is deactivated")
        return Actor(name=row[1], role=Role(row[2]), agent_id=row[0])
