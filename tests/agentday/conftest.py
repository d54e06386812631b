"""The agent's-day tests drive the TUI with the fixtures of the TUI tests (tests/tui/conftest.py: a seeded
desk on a fixed clock, an app driver), and try the demo desk a new agent gets."""

from __future__ import annotations

import pytest

from tests.tui.conftest import (  # the same fixtures, registered here for this folder
    SIZE,
    anyio_backend,
    clock,
    desk,
    ids,
    make_app,
    seeded,
    settle,
    size,
)

__all__ = ["SIZE", "anyio_backend", "clock", "desk", "ids", "make_app", "seeded", "settle", "size"]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A small demo desk built by ``crossdesk demo`` (the desk a new agent tries)."""
    from click.testing import CliRunner

    from crossdesk.cli import cli

    path = tmp_path_factory.mktemp("demo") / "desk.db"
    result = CliRunner().invoke(cli, ["demo", "--size", "120", "--headless", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def return_case(desk, ids, agent: str = "sam", *, approve: bool = True, **fields) -> tuple[int, int]:
    """Open a return of one unit of the seeded US return order's first line (approved by sam unless told
    otherwise); gives (order id, case id)."""
    actor = desk.actor_for(agent)
    order_id = ids.orders["us_return"]
    line = desk.customer(actor, ids.customers["us_return"])["orders"][0]["lines"][0]
    items = [{"order_line_id": line["id"], "quantity": 1}]
    case_id = desk.cases.open(actor, type="return", order_id=order_id, items=items, **fields)
    if approve:
        desk.cases.approve(desk.actor_for("sam"), case_id)
    return order_id, case_id


async def open_refund_prompt(app, pilot, settle, order_id: int) -> None:
    """Open the order's after-sales screen and press m (refund): the prompt is then the app's screen."""
    from crossdesk.tui.screens import AfterSalesScreen

    app.push_screen(AfterSalesScreen(order_id))
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
