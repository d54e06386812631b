"""Bulk intake marks the dirty days of its tickets once per batch (migration 0205): the days an import
marks are those the row triggers mark, and the triggers are back on outside the batch."""

from __future__ import annotations

import contextlib
from pathlib import Path

import orjson
import pytest

from crossdesk.api import Desk
from crossdesk.intake.days import deferred_days
from crossdesk.io import import_jsonl
from crossdesk.models import Actor
from crossdesk.store.migrations.m0205_intake_days_deferred import DEFERRED
from tests.demo_export import demo_export

NOW = 1_795_000_000
ADMIN = Actor.system("test")
DIRTY = ("analytics_dirty", "sku_days_dirty")


@pytest.fixture(scope="module")
def export_file(tmp_path_factory) -> Path:
    return demo_export(tmp_path_factory.mktemp("days") / "export.jsonl", size=200, seed=5, now=NOW)


def _days(desk: Desk) -> dict[str, list[int]]:
    return {t: [r[0] for r in desk.db.execute(f"SELECT day FROM {t} ORDER BY day")] for t in DIRTY}


@contextlib.contextmanager
def _row_triggers(store):
    yield set()


def _clear(desk: Desk) -> None:
    with desk.tx():
        for table in DIRTY:
            desk.db.execute(f"DELETE FROM {table}")


def test_an_import_marks_the_days_the_row_triggers_mark(export_file, monkeypatch):
    deferred = Desk.memory(clock=lambda: NOW)
    report = import_jsonl(deferred, ADMIN, export_file, batch=500)
    assert report.bad == []
    monkeypatch.setattr("crossdesk.io.batch.deferred_days", _row_triggers)
    by_row = Desk.memory(clock=lambda: NOW)
    import_jsonl(by_row, ADMIN, export_file, batch=500)
    days = _days(deferred)
    assert days["analytics_dirty"] and days["sku_days_dirty"]
    assert days == _days(by_row)
    # A rerun: whatever the triggers mark, the batch marks too.
    _clear(deferred)
    _clear(by_row)
    import_jsonl(by_row, ADMIN, export_file, batch=500)
    monkeypatch.undo()
    import_jsonl(deferred, ADMIN, export_file, batch=500)
    rerun = _days(deferred)
    for table in DIRTY:
        assert set(_days(by_row)[table]) <= set(rerun[table])


def _triggers(desk: Desk) -> list[tuple[str, str]]:
    return desk.db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
    ).fetchall()


def test_the_triggers_are_on_outside_a_batch_and_after_a_failed_one():
    desk = Desk.memory(clock=lambda: NOW)
    shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="s1", name="Acme")
    before = _triggers(desk)
    assert {name for name, _ in before} >= set(DEFERRED)
    with pytest.raises(RuntimeError, match="inside the batch"), deferred_days(desk.store):
        pass
    with pytest.raises(ZeroDivisionError), desk.tx(), deferred_days(desk.store) as touched:
        # gone within the block (a trigger whose WHEN is false still costs its run per row)
        assert not {name for name, _ in _triggers(desk)} & set(DEFERRED)
        touched.add(1)
        1 / 0  # noqa: B018
    assert _triggers(desk) == before  # rolled back with the batch
    assert desk.db.execute("SELECT count(*) FROM intake_days_deferred").fetchone()[0] == 0
    with desk.tx(), deferred_days(desk.store):
        pass
    assert _triggers(desk) == before  # made again as they were, in the same order
    desk.receive_message(
        ADMIN, platform="shopify", shop_id=shop, thread_id="t1", external_id="m1", body="Hi", created_at=NOW
    )
    assert _days(desk)["analytics_dirty"] == [NOW // 86400]
    _clear(desk)
    with desk.tx(), deferred_days(desk.store):
        desk.db.execute("UPDATE tickets SET intent = 'refund', status = 4")
    assert _days(desk)["analytics_dirty"] == []  # off in the block; nothing named
    with desk.tx(), deferred_days(desk.store) as touched:
        touched.add(1)
        desk.db.execute("UPDATE tickets SET status = 1 WHERE id = 1")
    assert _days(desk)["analytics_dirty"] == [NOW // 86400]


def test_a_line_added_to_an_order_the_desk_has_marks_its_day(tmp_path):
    shop = {"type": "shop", "platform": "shopify", "external_id": "s1", "name": "Acme"}
    order = {
        "type": "order",
        "platform": "shopify",
        "shop": "s1",
        "external_id": "o1",
        "currency": "EUR",
        "ordered_at": NOW - 10 * 86400,
        "lines": [{"sku": "MUG-1", "unit_price_minor": 1250}],
    }
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(orjson.dumps(shop) + b"\n" + orjson.dumps(order) + b"\n")
    more = dict(order, lines=[*order["lines"], {"sku": "CUP-2", "unit_price_minor": 900}], total_minor=1250)
    second.write_bytes(orjson.dumps(shop) + b"\n" + orjson.dumps(more) + b"\n")
    desk = Desk.memory(clock=lambda: NOW)
    import_jsonl(desk, ADMIN, first)
    assert _days(desk)["sku_days_dirty"] == [(NOW - 10 * 86400) // 86400]
    _clear(desk)
    report = import_jsonl(desk, ADMIN, second)
    assert report.bad == [] and report.unchanged["order"] == 1  # the order row is as it was
    assert desk.db.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 2
    assert _days(desk)["sku_days_dirty"] == [(NOW - 10 * 86400) // 86400]
