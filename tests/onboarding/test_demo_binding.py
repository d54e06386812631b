"""The demo desk's shops are bound through the consent flows against the in-process fakes: each shop has
its ``shop.bind`` audit row, keeps the demo world's name and settings, and keeps no loopback address and
no token."""

from __future__ import annotations

import json
import time

from crossdesk.api import Desk
from crossdesk.demo import world
from crossdesk.demo.binding import bind_shops
from crossdesk.demo.configure import configure
from crossdesk.models import Actor


def test_every_demo_shop_is_bound_through_its_flow() -> None:
    desk = Desk.memory()
    try:
        actor = Actor.system("demo")
        configure(desk, actor, 1, 100, int(time.time()))
        assert bind_shops(desk, actor) == len(world.SHOPS)
        rows = {
            (r["platform"], r["external_id"]): r
            for r in desk.store.rows(
                "SELECT s.*, a.after FROM shops s JOIN audit a ON a.object_id = s.id "
                "AND a.object_type = 'shop' AND a.action = 'shop.bind'"
            )
        }
        assert len(rows) == len(world.SHOPS)
        dump = "\n".join(desk.db.iterdump())
        assert "127.0.0.1" not in dump  # the fakes' addresses are not kept
        for spec in world.SHOPS:
            row = rows[(spec.platform, spec.external_id)]
            assert row["name"] == spec.name and row["marketplace"] == spec.marketplace
            config = json.loads(row["config"])
            assert config.items() >= spec.config.items()
            keys = json.loads(row["after"])["keys"]
            assert keys and json.loads(row["after"])["vault"] == "memory"
        amazon = json.loads(rows[("amazon", f"{world.SELLER_ID}:A1PA6795UKMFR9")]["config"])
        assert amazon["selling_partner_id"] == world.SELLER_ID  # from the first read, not the world
        for token in ("Atzr|fake-refresh-token", "fake-shopee-partner-key", "shpat_fake"):
            assert token not in dump
    finally:
        desk.close()
