"""Issue 17 item 4: actions a role may not take are not offered in the footer, the help or the palette
(Textual hides an action whose check is False; None would only grey it out), and pressing their key
anyway says why in words. Which permissions the agent holds comes from the desk (``desk.permissions``)."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from crossdesk.models import Role
from crossdesk.tui.app import describe_error
from crossdesk.tui.commands import screen_actions
from crossdesk.tui.screens import AfterSalesScreen

from .conftest import SIZE

pytestmark = pytest.mark.anyio


def footer(app) -> dict[str, bool]:
    """The footer's keys as rendered: action -> enabled."""
    return {key.action: not key.has_class("-disabled") for key in app.screen.query(FooterKey)}


def palette(app) -> set[str]:
    return {binding.action for _node, binding, _key in screen_actions(app.screen)}


def test_the_desk_says_which_permissions_an_actor_holds(desk):
    ana, sam = desk.actor_for("ana"), desk.actor_for("sam")
    assert "bulk" not in desk.permissions(ana) and {"reply", "refund"} <= desk.permissions(ana)
    assert "bulk" in desk.permissions(sam) and "manage_settings" not in desk.permissions(sam)


async def test_an_agent_is_not_offered_bulk_rescore_sync_or_marking(make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = footer(app)
        assert "bulk" not in keys and "rescore" not in keys and "sync" not in keys
        assert "toggle_select" not in keys  # a mark serves only bulk actions
        assert keys["open"] and keys["filter"]
        offered = palette(app)
        for action in ("bulk", "rescore", "sync", "select_all", "select_page", "toggle_select"):
            assert action not in offered
        assert "filter" in offered
        await pilot.press("b")  # from habit: told why, nothing opens
        await settle(pilot)
        notes = [str(n.message) for n in app._notifications]
        assert any("Your role (agent) may not act on many tickets at once" in n for n in notes), notes
        said = len(app._notifications)
        await pilot.press("space")  # the queue's own key: told why too, nothing marked
        await settle(pilot)
        assert len(app._notifications) > said
        assert not app.screen.query_one("#queue").selected
        assert type(app.screen).__name__ == "InboxScreen"


async def test_a_supervisor_has_bulk_but_sync_is_hidden_not_greyed(make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = footer(app)
        assert keys["bulk"] and keys["rescore"] and keys["toggle_select"]
        assert "sync" not in keys  # an admin's action: not shown at all
        assert "sync" not in palette(app)


async def test_after_sales_hides_what_the_role_may_never_do_and_greys_what_the_case_forbids(
    desk, ids, make_app, settle
):
    ana = desk.actor_for("ana")
    order_id = ids.orders["us_return"]
    line = desk.customer(ana, ids.customers["us_return"])["orders"][0]["lines"][0]
    desk.cases.open(
        ana, type="return", order_id=order_id, items=[{"order_line_id": line["id"], "quantity": 1}]
    )
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AfterSalesScreen(order_id))
        await settle(pilot)
        app.screen.query_one("#cases").focus()
        await settle(pilot)
        keys = footer(app)
        assert "approve" not in keys and "decline" not in keys  # an agent never approves returns
        assert keys["open_case"]
        assert keys.get("receive") is False  # shown, greyed: a requested return is not approved yet
        assert "approve" not in palette(app)
        said = len(app._notifications)
        await pilot.press("v")  # greyed: says why instead of nothing
        await settle(pilot)
        notes = [str(n.message) for n in list(app._notifications)[said:]]
        assert any("in state 'requested': not a step it allows now" in n for n in notes), notes
        await pilot.press("y")  # hidden for the role: says so
        await settle(pilot)
        notes = [str(n.message) for n in list(app._notifications)[said:]]
        assert any("Your role (agent) may not take this step" in n for n in notes), notes


def test_a_refusal_reached_anyway_is_said_in_words(desk):
    from crossdesk.errors import PermissionDenied

    viewer = desk.actor_for("ana").__class__(name="vic", role=Role.VIEWER)
    text = describe_error(PermissionDenied(viewer, "reply"))
    assert "vic (viewer) may not reply" in text
    assert "Your role (viewer) may not reply to buyers or change tickets" in text
