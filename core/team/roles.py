"""Roles: the built-in ones (agent, supervisor, admin, viewer) and custom roles a desk builds from the
permission matrix, kept in the ``roles`` setting::

    {"returns_clerk": {"permissions": ["view", "reply", "handle_cases"], "refund_limit_usd_minor": 0}}

An agent's ``role`` names either. The actor of an agent with a custom role carries that role's
permissions (checked by :func:`crossdesk.store.permissions.permitted`) and its refund limit.
"""

from __future__ import annotations

from collections.abc import Iterable

from crossdesk.errors import DeskError
from crossdesk.models import Actor, Role
from crossdesk.store import Store
from crossdesk.store.permissions import PERMISSIONS

ROLES_SETTING = "roles"
BUILT_IN = frozenset(r.value for r in Role)


def custom_roles(store: Store) -> dict[str, dict]:
    return dict(store.get_setting(ROLES_SETTING, None) or {})


def define_role(
    store: Store, actor: Actor, name: str, permissions: Iterable[str], refund_limit_usd_minor: int | None = 0
) -> None:
    """Create or change a custom role (needs ``manage_settings``; audited as a setting)."""
    name = name.strip().lower()
    if not name or name in BUILT_IN:
        raise DeskError(f"{name!r} cannot be a custom role name (built-in: {', '.join(sorted(BUILT_IN))})")
    perms = sorted(set(permissions))
    unknown = [p for p in perms if p not in PERMISSIONS]
    if unknown:
        raise DeskError(f"unknown permission {unknown[0]!r}; known: {', '.join(PERMISSIONS)}")
    if refund_limit_usd_minor is not None and refund_limit_usd_minor < 0:
        raise DeskError("a refund limit cannot be negative")
    roles = custom_roles(store)
    roles[name] = {"permissions": perms, "refund_limit_usd_minor": refund_limit_usd_minor}
    store.set_setting(actor, ROLES_SETTING, roles)


def check_role(store: Store, role: str | Role) -> str:
    """The role's name if it is built in or defined; DeskError otherwise."""
    name = role.value if isinstance(role, Role) else str(role).strip().lower()
    if name in BUILT_IN or name in custom_roles(store):
        return name
    raise DeskError(f"unknown role {name!r}; built in: {', '.join(sorted(BUILT_IN))}; define others first")


def actor_of(store: Store, agent_id: int, name: str, role: str) -> Actor:
    """The actor of an agent row: a built-in role's, or a custom role's permissions."""
    if role in BUILT_IN:
        return Actor(name=name, role=Role(role), agent_id=agent_id)
    spec = custom_roles(store).get(role)
    if spec is None:
        raise DeskError(f"agent {name!r} has the role {role!r}, which this desk does not define")
    # The base role is the least one: anything asking the matrix directly gets "view" only.
    return Actor(
        name=name,
        role=Role.VIEWER,
        agent_id=agent_id,
        custom_role=role,
        permissions=frozenset(spec.get("permissions", ())),
    )
