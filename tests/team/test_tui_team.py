"""The team's load in the TUI (Pilot): from the dashboard, key t."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from crossdesk.models import Actor
from crossdesk.testing import FixedClock, make_desk, seed
from crossdesk.tui.app import CrossdeskApp

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_team_load_screen(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    desk = make_desk(clock=FixedClock())
    seed(desk)
    admin = Actor.system("test")
    sam = next(a for a in desk.team.agents(admin) if a["name"] == "sam")
    desk.shifts.set_pattern(admin, sam["id"], "sat 09:00-10:00")  # the clock says Monday: off shift
    app = CrossdeskApp(desk, "sam", blink=False, warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("t")
        for _ in range(50):
            await pilot.pause(0.05)
            table = app.screen.query(DataTable)
            if table and table.first().row_count:
                break
        assert type(app.screen).__name__ == "TeamScreen"
        table = app.screen.query_one(DataTable)
        rows = {table.get_row(k)[0]: table.get_row(k) for k in table.rows}
        assert rows["sam"][2] == "off shift"
        assert int(rows["sam"][4]) == sam["capacity"]
        await pilot.press("escape")
        assert type(app.screen).__name__ == "DashboardScreen"
    desk.close()


async def test_sign_in_asks_the_password_on_a_shared_desk(tmp_path, monkeypatch):
    from crossdesk.tui.screens import InboxScreen, SignInScreen

    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    desk = make_desk(clock=FixedClock())
    seed(desk)
    admin = Actor.system("test")
    sam = next(a for a in desk.team.agents(admin) if a["name"] == "sam")
    desk.team.signin.set_password(admin, sam["id"], "sam's long secret")
    desk.team.signin.sleep = lambda s: None
    app = CrossdeskApp(desk, "sam", blink=False, warm_up=False)  # a name alone is not enough now
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        name = app.screen.query_one("#agent-name")
        name.focus()
        await pilot.press(*"sam", "enter")
        password = app.screen.query_one("#password")
        assert password.display and password.has_focus and password.password
        await pilot.press(*"wrong one", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert "wrong agent name or password" in str(app.screen.query_one("#signin-problem").render())
        await pilot.press(*"sam's long secret", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)
        assert app.gateway.actor.name == "sam"
    fails = [r for r in desk.team.audit(admin, object_type="agent") if r["action"] == "signin.fail"]
    assert len(fails) == 1
    desk.close()


async def test_supervisor_approves_a_refund_in_the_tui(tmp_path, monkeypatch):
    from crossdesk.tui.screens import ApprovalsScreen

    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    desk = make_desk(clock=FixedClock())
    ids = seed(desk)
    ana, sam = desk.actor_for("ana"), desk.actor_for("sam")
    # BRL 199.90 (about USD 36) is above an agent limit of USD 20.
    desk.store.set_setting(
        Actor.system("t"), "refund_limits", {"agent": 20_00, "supervisor": 500_00, "admin": None}
    )
    order = ids.orders["br_refund"]
    case = desk.cases.open(
        ana, type="return", order_id=order, ticket_id=ids.tickets["br_refund"], items=[{"sku": "BAG-RED"}]
    )
    desk.cases.approve(sam, case)
    desk.cases.receive(ana, case)
    outcome = desk.approvals.refund(ana, case, reason="wrong size")
    assert outcome.approval_id and outcome.refund_id is None
    outbox_before = desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    app = CrossdeskApp(desk, "sam", blink=False, warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("p")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, ApprovalsScreen) and app.screen.query_one(DataTable).row_count:
                break
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1 and "BRL 199.90" in table.get_row_at(0)
        await pilot.press("a")
        for _ in range(50):
            await pilot.pause(0.05)
            if not table.row_count:
                break
        assert table.row_count == 0
    row = desk.approvals.get(sam, outcome.approval_id)
    assert row["state"] == "approved" and row["decided_by"] == "sam"
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == outbox_before + 1
    actions = [r["action"] for r in desk.team.audit(sam, object_type="approval")]
    assert actions == ["approval.approve", "approval.request"]
    desk.close()


async def test_an_agent_is_not_offered_approvals(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    desk = make_desk(clock=FixedClock())
    seed(desk)
    app = CrossdeskApp(desk, "ana", blink=False, warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert type(app.screen).__name__ == "DashboardScreen"
    desk.close()
