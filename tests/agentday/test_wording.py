"""Issue 17 item 10: verdicts worded as a person would say them, in the TUI and the CLI."""

from __future__ import annotations

import datetime as dt

import pytest

from crossdesk.policy.words import verdict_words
from crossdesk.tui.widgets.aftersales.cases import verdict_summary, verdict_text


@pytest.mark.parametrize(
    ("eligible", "deadline", "today", "words"),
    [
        (True, "2025-12-29", None, "eligible: returns accepted until 2025-12-29"),
        (True, None, None, "eligible (no deadline)"),
        (True, "None", None, "eligible (no deadline)"),
        (False, "2025-12-01", dt.date(2025, 12, 20), "not eligible: the return window closed on 2025-12-01"),
        (
            False,
            "2025-12-30",
            dt.date(2025, 12, 20),
            "not eligible, although the return window runs until 2025-12-30",
        ),
        (False, None, None, "not eligible"),
    ],
)
def test_verdict_words(eligible, deadline, today, words):
    assert verdict_words(eligible, deadline, today) == words


@pytest.mark.parametrize("deadline", [None, "2025-12-01"])
@pytest.mark.parametrize("eligible", [True, False])
def test_the_case_screen_never_says_until_none_or_not_eligible_until(eligible, deadline):
    case = {
        "id": 1,
        "type": "return",
        "state": "requested",
        "verdict": {"eligible": eligible, "deadline": deadline},
    }
    for text in (verdict_summary(case), verdict_text(case)):
        assert "until None" not in text and "not eligible until" not in text


@pytest.mark.anyio
async def test_the_after_sales_screen_words_its_verdict_like_a_person(desk, ids, make_app, settle):
    from textual.widgets import Static

    from crossdesk.tui.screens import AfterSalesScreen

    from .conftest import SIZE

    sam = desk.actor_for("sam")
    order_id = ids.orders["us_return"]
    line = desk.customer(sam, ids.customers["us_return"])["orders"][0]["lines"][0]
    desk.cases.open(
        sam, type="return", order_id=order_id, items=[{"order_line_id": line["id"], "quantity": 1}]
    )
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AfterSalesScreen(order_id))
        await settle(pilot)
        app.screen.query_one("#cases").focus()
        await settle(pilot)
        shown = str(app.screen.query_one("#verdict", Static).render())
        assert "eligible" in shown  # a verdict is shown ...
        assert "until None" not in shown and "not eligible until" not in shown  # ... in a person's words
        cases = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "until None" not in cases
