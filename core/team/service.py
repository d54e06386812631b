"""The team: agents (with their role, languages, skills and capacity) and the teams they work in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor, Role
from crossdesk.store import Store, to_json
from crossdesk.team.roles import actor_of, check_role, define_role
from crossdesk.team.shifts import ShiftService, check_country, zone
from crossdesk.team.signin import SignInService


class TeamService:
    """``desk.team``. Creating agents and teams needs ``manage_settings``; reading needs ``view``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.shifts = ShiftService(store)
        self.signin = SignInService(store)

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
        country: str = "",
    ) -> int:
        store = self.store
        store.require(actor, "manage_settings")
        role_name = check_role(store, role)
        if capacity < 0:
            raise DeskError("capacity cannot be negative")
        zone(timezone)
        country = check_country(country)
        row = {
            "name": name,
            "email": email,
            "role": role_name,
            "team_id": team_id,
            "languages": to_json(list(languages)),
            "skills": to_json(list(skills)),
            "capacity": capacity,
            "active": 1,
            "timezone": timezone,
            "country": country,
            "created_at": store.now(),
        }
        with store.tx():
            if store.db.execute("SELECT 1 FROM agents WHERE name = ?", [name]).fetchone():
                raise DeskError(f"an agent named {name!r} already exists")
            agent_id = store.insert("agents", row)
            store.audit(actor, "agent.create", "agent", agent_id, None, row)
        return agent_id

    def update_agent(self, actor: Actor, agent_id: int, **changes: Any) -> dict:
        """Change an agent's ``languages``, ``skills``, ``capacity``, ``team_id``, ``timezone``, ``country``,
        ``os_user``, ``active`` or ``role`` (needs ``manage_settings``, audited). Returns what changed."""
        store = self.store
        store.require(actor, "manage_settings")
        unknown = set(changes) - _AGENT_FIELDS
        if unknown:
            raise DeskError(f"cannot change {', '.join(sorted(unknown))} of an agent")
        before = store.get("agents", agent_id)
        patch: dict[str, Any] = {}
        for key, value in changes.items():
            if key in ("languages", "skills"):
                value = to_json([str(v).strip() for v in value if str(v).strip()])
            elif key == "capacity":
                value = int(value)
                if value < 0:
                    raise DeskError("capacity cannot be negative")
            elif key == "timezone":
                zone(value)
            elif key == "country":
                value = check_country(value)
            elif key == "role":
                value = check_role(store, value)
            elif key == "os_user":
                value = (value or "").strip() or None
                if (
                    value
                    and store.db.execute(
                        "SELECT 1 FROM agents WHERE os_user = ? AND id != ?", [value, agent_id]
                    ).fetchone()
                ):
                    raise DeskError(f"the OS user {value!r} is already mapped to another agent")
            elif key == "active":
                value = 1 if value else 0
            if before[key] != value:
                patch[key] = value
        if patch:
            with store.tx():
                store.update("agents", agent_id, patch)
                store.audit(actor, "agent.update", "agent", agent_id, {k: before[k] for k in patch}, patch)
        return patch

    def set_skills_timeout(self, actor: Actor, team_id: int, seconds: int | None) -> None:
        """After ``seconds`` of waiting a ticket of the team may go to an agent without its skills (None:
        never). Needs ``manage_settings``; audited."""
        store = self.store
        store.require(actor, "manage_settings")
        if seconds is not None and seconds < 0:
            raise DeskError("a skills timeout cannot be negative")
        before = store.get("teams", team_id)["skills_timeout"]
        with store.tx():
            store.update("teams", team_id, {"skills_timeout": seconds})
            store.audit(
                actor,
                "team.skills_timeout",
                "team",
                team_id,
                {"skills_timeout": before},
                {"skills_timeout": seconds},
            )

    def teams(self, actor: Actor) -> list[dict]:
        """Every team."""
        self.store.require(actor, "view")
        return self.store.rows("SELECT id, name, timezone, skills_timeout FROM teams ORDER BY id")

    def audit(
        self,
        actor: Actor,
        *,
        actor_name: str | None = None,
        object_type: str | None = None,
        object_id: int | None = None,
        since: int | None = None,
        limit: int = 200,
    ) -> list[dict]:
        """The audit trail, newest first, filtered (needs "view")."""
        self.store.require(actor, "view")
        where, args = [], []
        for clause, value in (
            ("actor = ?", actor_name),
            ("object_type = ?", object_type),
            ("object_id = ?", object_id),
            ("at >= ?", since),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = (
            "SELECT * FROM audit"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY id DESC LIMIT ?"
        )
        rows = self.store.rows(sql, [*args, limit])
        for row in rows:
            for key in ("before", "after"):
                if row[key] is not None:
                    row[key] = orjson.loads(row[key])
        return rows

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
        return actor_of(self.store, row[0], row[1], row[2])

    def define_role(
        self, actor: Actor, name: str, permissions: Sequence[str], refund_limit_usd_minor: int | None = 0
    ) -> None:
        """A custom role from the permission matrix (needs ``manage_settings``)."""
        define_role(self.store, actor, name, permissions, refund_limit_usd_minor)


_AGENT_FIELDS = frozenset(
    {"languages", "skills", "capacity", "team_id", "timezone", "country", "os_user", "active", "role"}
)
