"""Roles and the permission matrix, enforced by the service layer (never by the UI).

The matrix is data so a desk can read it, print it and test it. Refund limits are in USD minor units
(cents) per role; a desk may override them with the ``refund_limits`` setting.
"""

from __future__ import annotations

from crossdesk.errors import PermissionDenied
from crossdesk.models import Actor, Role

__all__ = [
    "MATRIX",
    "PERMISSIONS",
    "REFUND_LIMITS_USD_MINOR",
    "PermissionDenied",
    "allowed",
    "check",
    "permitted",
]

PERMISSIONS = (
    "view",  # read tickets, customers, orders, cases
    "reply",  # send replies and notes, apply templates
    "handle_cases",  # open and move after-sales cases
    "approve_returns",  # approve or decline returns and exchanges
    "refund",  # issue refunds, up to the role's limit
    "bulk",  # act on many tickets or cases at once; batch re-score
    "manage_rules",  # automation rules and SLA policies
    "manage_templates",  # reply templates and knowledge base
    "manage_settings",  # desk settings, shops, agents, teams, import
    "manage_plugins",  # plugin configuration and translator keys
    "supervise",  # move others' tickets, decide approvals (docs/team.md)
)

MATRIX: dict[Role, frozenset[str]] = {
    Role.AGENT: frozenset({"view", "reply", "handle_cases", "refund"}),
    Role.SUPERVISOR: frozenset(
        {
            "view",
            "reply",
            "handle_cases",
            "approve_returns",
            "refund",
            "bulk",
            "manage_rules",
            "manage_templates",
            "supervise",
        }
    ),
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.VIEWER: frozenset({"view"}),
}

#: Default refund limit per role in USD cents; None means no limit.
REFUND_LIMITS_USD_MINOR: dict[Role, int | None] = {
    Role.AGENT: 50_00,
    Role.SUPERVISOR: 500_00,
    Role.ADMIN: None,
    Role.VIEWER: 0,
}


def allowed(role: Role, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return permission in MATRIX[role]


def permitted(actor: Actor, permission: str) -> bool:
    """Whether ``actor`` holds ``permission``: their custom role's permissions, else their role's row."""
    if actor.permissions is not None:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        return permission in actor.permissions
    return allowed(actor.role, permission)


def check(
    actor: Actor,
    permission: str,
    *,
    amount_usd_minor: int | None = None,
    limits: dict[Role, int | None] | None = None,
    custom_limit: int | None = 0,
) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission`` (and, for refunds, the amount
    is within the role's limit)."""
    if not permitted(actor, permission):
        raise PermissionDenied(actor, permission)
    if permission == "refund" and amount_usd_minor is not None:
        limit = (
            custom_limit
            if actor.permissions is not None
            else (limits or REFUND_LIMITS_USD_MINOR).get(actor.role)
        )
        if limit is not None and amount_usd_minor > limit:
            raise PermissionDenied(
                actor,
                permission,
                f"USD {amount_usd_minor / 100:.2f} is above the {actor.role_name} limit of USD {limit / 100:.2f}; "
                "ask a supervisor",
            )
