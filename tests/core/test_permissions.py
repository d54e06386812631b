import pytest

from crossdesk.models import Actor, Role
from crossdesk.store.permissions import MATRIX, PERMISSIONS, PermissionDenied, allowed, check

AGENT = Actor("ana", Role.AGENT)
SUPERVISOR = Actor("sam", Role.SUPERVISOR)
ADMIN = Actor("root", Role.ADMIN)


def test_matrix_is_ordered_by_trust():
    assert MATRIX[Role.AGENT] < MATRIX[Role.SUPERVISOR] < MATRIX[Role.ADMIN] == frozenset(PERMISSIONS)


@pytest.mark.parametrize("permission", ["approve_returns", "bulk", "manage_rules", "manage_settings"])
def test_agent_may_not(permission):
    with pytest.raises(PermissionDenied, match=f"ana \\(agent\\) may not {permission.replace('_', ' ')}"):
        check(AGENT, permission)


def test_refund_limits_per_role():
    check(AGENT, "refund", amount_usd_minor=50_00)
    with pytest.raises(PermissionDenied, match="above the agent limit"):
        check(AGENT, "refund", amount_usd_minor=50_01)
    check(SUPERVISOR, "refund", amount_usd_minor=500_00)
    with pytest.raises(PermissionDenied):
        check(SUPERVISOR, "refund", amount_usd_minor=500_01)
    check(ADMIN, "refund", amount_usd_minor=10**9)


def test_unknown_permission_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown permission"):
        allowed(Role.ADMIN, "fly")
