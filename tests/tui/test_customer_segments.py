"""The customer screen shows the segment's scores and why, and merge suggestions a person accepts or rejects."""

from __future__ import annotations

import pytest

from crossdesk.models import Actor
from crossdesk.tui.screens import CustomerScreen

pytestmark = pytest.mark.anyio
SIZE = (140, 40)
ADMIN = Actor.system("test")


def _twin(desk, jana: int) -> int:
    me = desk.customer(ADMIN, jana)
    shop = desk.upsert_shop(ADMIN, platform="shopee", external_id="SHOPEE-TWIN", name="Twin shop")
    return desk.upsert_customer(
        ADMIN, platform="shopee", shop_id=shop, external_id="twin-1", name=me["name"], country=me["country"]
    )


async def test_customer_screen_shows_scores_and_accepts_a_merge(desk, ids, make_app, settle):
    jana = ids.customers["de_wismo"]
    twin = _twin(desk, jana)
    desk.segments.recompute_all(ADMIN)
    app = make_app(agent="root")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CustomerScreen(jana))
        await settle(pilot)
        profile = str(app.screen.query_one("#profile").render())
        row = desk.segments.of(ADMIN, jana)
        assert f"R{row['r']} F{row['f']} M{row['m']}" in profile and row["segment"] in profile
        suggestion = str(app.screen.query_one("#suggestions").render())
        assert f"#{twin}" in suggestion and "names 100% alike" in suggestion
        await pilot.press("a")
        await settle(pilot)
        assert desk.customer(ADMIN, twin)["merged_into"] == jana
        assert "no merge suggestions" in str(app.screen.query_one("#suggestions").render())


async def test_reject_from_the_screen_and_agents_cannot_merge(desk, ids, make_app, settle):
    jana = ids.customers["de_wismo"]
    twin = _twin(desk, jana)
    app = make_app(agent="ana")  # an agent: the merge keys are not offered, and the service refuses
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CustomerScreen(jana))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert desk.customer(ADMIN, twin)["merged_into"] is None
    app = make_app(agent="root")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CustomerScreen(jana))
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert desk.merges.suggestions(ADMIN, jana) == []
        assert desk.customer(ADMIN, twin)["merged_into"] is None
