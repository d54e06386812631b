"""The read-only viewer role and custom roles built from the permission matrix."""

from __future__ import annotations

import pytest

from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Role
from crossdesk.store.permissions import MATRIX, permitted

from .conftest import ADMIN


def test_viewer_reads_and_changes_nothing(td):
    viv = td.agent("viv", role=Role.VIEWER)
    t = td.ticket("en")
    viewer = td.desk.actor_for("viv")
    assert viewer.role is Role.VIEWER and viewer.agent_id == viv
    assert td.desk.routing.plan(viewer) is not None  # reading is allowed
    assert td.desk.team.audit(viewer, limit=1)
    for attempt in (
        lambda: td.desk.tickets.update(viewer, t, status="pending"),
        lambda: td.desk.routing.take(viewer, t),
        lambda: td.desk.tickets.add_note(viewer, t, "hi"),
        lambda: td.desk.routing.apply(viewer),
    ):
        with pytest.raises(PermissionDenied, match=r"viv \(viewer\)"):
            attempt()
    assert MATRIX[Role.VIEWER] == frozenset({"view"})


def test_custom_role_from_the_matrix(td):
    td.desk.team.define_role(
        ADMIN, "Returns_Clerk", ["view", "reply", "handle_cases"], refund_limit_usd_minor=0
    )
    clerk_id = td.agent("cleo", role="returns_clerk")
    t = td.ticket("en")
    clerk = td.desk.actor_for("cleo")
    assert str(clerk) == "cleo (returns_clerk)" and permitted(clerk, "reply") and not permitted(clerk, "bulk")
    td.desk.tickets.add_note(clerk, t, "checked the parcel")
    with pytest.raises(PermissionDenied, match="returns_clerk"):
        td.desk.store.require(clerk, "refund")
    row = td.desk.team.audit(ADMIN, actor_name="cleo", limit=1)[0]
    assert row["role"] == "returns_clerk"
    with pytest.raises(DeskError, match="unknown permission"):
        td.desk.team.define_role(ADMIN, "x", ["fly"])
    with pytest.raises(DeskError, match="cannot be a custom role"):
        td.desk.team.define_role(ADMIN, "admin", ["view"])
    with pytest.raises(DeskError, match="unknown role"):
        td.desk.team.update_agent(ADMIN, clerk_id, role="pilot")
    with pytest.raises(PermissionDenied):
        td.desk.team.define_role(clerk, "y", ["view"])


def test_custom_role_refund_limit(td):
    td.desk.team.define_role(ADMIN, "refunder", ["view", "refund"], refund_limit_usd_minor=100_00)
    td.agent("rae", role="refunder")
    rae = td.desk.actor_for("rae")
    td.desk.store.require(rae, "refund", amount_usd_minor=99_00)
    with pytest.raises(PermissionDenied, match="refunder limit"):
        td.desk.store.require(rae, "refund", amount_usd_minor=101_00)
