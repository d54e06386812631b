"""A dirty export (planted faults among a demo desk's records) imports the same set-based as with every
batch applied line by line: the same report, line numbers and reasons, the same tables."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from crossdesk.api import Desk
from crossdesk.io import import_jsonl, importer, prepare
from crossdesk.io.batch import BatchImporter
from crossdesk.models import Actor
from tests.demo_export import demo_export

NOW = 1_795_000_000
ADMIN = Actor.system("test")
NEW_SHOP = {
    "type": "shop",
    "platform": "shopee",
    "external_id": "990000001",
    "name": "Late Shop",
    "currency": "SGD",
}
TABLES = {
    "shops": "platform, external_id, name, currency",
    "customer_identities": "customer_id, platform, shop_id, external_id",
    "customers": "id, name, email, country, tier",
    "orders": "id, platform, shop_id, external_id, customer_id, status, currency, total_minor, ordered_at",
    "order_lines": "order_id, sku, quantity, unit_price_minor",
    "tickets": "id, platform, shop_id, external_id, customer_id, order_id, subject, status, created_at, "
    "updated_at, first_replied_at, last_agent_msg_at",
    # not the message ids: a batch's waves number its messages in another order than its lines do
    "messages": "ticket_id, platform, shop_id, external_id, direction, author, body, created_at",
    "ticket_tags": "ticket_id, tag",
}


def _line(record: dict) -> bytes:
    return orjson.dumps(record)


@pytest.fixture(scope="module")
def dirty_file(tmp_path_factory) -> Path:
    """A demo export with planted faults: bad JSON and UTF-8, a non-object, an unknown type, checks that
    fail (a tier, a direction, a missing platform), unknown shops (one also with a bad tier: the shop is
    named first), a shop created mid-file with records before it (unknown) and after it (imported),
    repeated deliveries, blank lines and a line over the length limit."""
    folder = tmp_path_factory.mktemp("dirty")
    lines = demo_export(folder / "clean.jsonl", size=120, seed=3, now=NOW).read_bytes().splitlines()
    customer = next(orjson.loads(x) for x in lines if b'"type":"customer"' in x)
    message = next(x for x in lines if b'"type":"message"' in x and b'"direction":"in"' in x)
    order = next(x for x in lines if b'"type":"order"' in x)
    new_shop = {**NEW_SHOP, "platform": customer["platform"]}
    late_customer = {**customer, "shop": new_shop["external_id"], "external_id": "late-1"}
    planted = {
        len(lines) // 5: [
            b'{"type":"order","platform":"amazon"',
            b'\xff\xfe{"type":"customer"}',
            b"[1, 2]",
            b"",
            _line({"type": "refund", "external_id": "r-1"}),
            _line({**customer, "external_id": "tier-9", "tier": 9}),
            _line({**customer, "external_id": "no-platform", "platform": None}),
            _line({**customer, "shop": "nowhere", "external_id": "lost", "tier": 9}),
            _line(late_customer),  # before its shop: unknown
        ],
        len(lines) // 3: [_line(new_shop), _line(late_customer), order, b"   "],
        len(lines) // 2: [
            message,
            _line({**orjson.loads(message), "external_id": "odd-direction", "direction": "sideways"}),
            b'{"type":"message","body":"' + b"x" * 70_000 + b'"}',
            _line({**late_customer, "external_id": "late-2", "name": "Second Late"}),
        ],
    }
    out: list[bytes] = []
    for i, line in enumerate(lines):
        out.extend(planted.get(i, []))
        out.append(line)
    out.extend(lines[-5:])  # delivered twice
    path = folder / "dirty.jsonl"
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


@pytest.fixture
def short_lines(monkeypatch):
    monkeypatch.setattr(importer, "MAX_LINE_BYTES", 64 * 1024)


def _import(path: Path, batch: int = 40) -> tuple[dict, dict]:
    desk = Desk.memory(clock=lambda: NOW + 3600)
    try:
        report = import_jsonl(desk, ADMIN, path, batch=batch)
        tables = {
            t: [tuple(r) for r in desk.db.execute(f"SELECT {cols} FROM {t} ORDER BY {cols}")]
            for t, cols in TABLES.items()
        }
    finally:
        desk.close()
    return report.as_dict(), tables


def test_set_based_and_line_by_line_import_a_dirty_file_alike(dirty_file, short_lines, monkeypatch):
    here, here_tables = _import(dirty_file)

    def fail(self, *a, **kw):
        raise LookupError("forced")

    monkeypatch.setattr(BatchImporter, "_bulk", fail)  # every batch rolled back and applied line by line
    there, there_tables = _import(dirty_file)
    assert there == here
    assert there_tables == here_tables
    reasons = {bad["reason"] for bad in here["bad"]}
    assert any("not valid JSON" in r for r in reasons)
    assert any("not valid UTF-8" in r for r in reasons)
    assert "a record must be a JSON object" in reasons
    assert any("unknown record type 'refund'" in r for r in reasons)
    assert any(r.startswith("customer tier-9: tier must be 0-3") for r in reasons)
    assert "customer no-platform: field 'platform' is missing" in reasons
    unknown = "unknown shop [a-z]+/{} \\(a shop record must come first\\)"
    assert any(re.fullmatch("customer lost: " + unknown.format("nowhere"), r) for r in reasons)
    late = [
        b["line"]
        for b in here["bad"]
        if re.fullmatch("customer late-1: " + unknown.format("990000001"), b["reason"])
    ]
    assert len(late) == 1  # before its shop only
    assert any("direction must be in, out or note" in r for r in reasons)
    assert "line is longer than 65,536 bytes" in reasons
    assert len(here["bad"]) == 10
    late = [r for r in here_tables["customer_identities"] if r[3] in ("late-1", "late-2")]
    assert len(late) == 2  # the shop made mid-file serves the lines after it
    assert here["unchanged"]  # the repeated deliveries


def test_a_check_that_raises_what_no_line_should_sends_its_batch_line_by_line(
    dirty_file, short_lines, monkeypatch
):
    """A check's unforeseen error is not the line's fault: the check runs again in the batch's
    transaction, the batch is rolled back and applied line by line, and the file imports as it would."""
    expected = _import(dirty_file)
    real = prepare._CHECKS["customer"]
    raised: list[str] = []

    def flaky(record: dict, platform: str) -> dict:
        if record.get("external_id") == "late-2":
            raised.append(record["external_id"])
            raise IndexError("a bug in a check")
        return real(record, platform)

    monkeypatch.setitem(prepare._CHECKS, "customer", flaky)
    # every line through the checked path (prepare.check), the one made flaky here
    monkeypatch.setattr(importer, "check_line", lambda line: None)
    one_by_one: list[str] = []  # records other than shops applied through the one-record path
    apply = importer.Importer.apply

    def counted(self, record: dict) -> str:
        if record["type"] != "shop":
            one_by_one.append(record.get("external_id"))
        return apply(self, record)

    monkeypatch.setattr(importer.Importer, "apply", counted)
    assert _import(dirty_file) == expected
    assert raised == ["late-2", "late-2"]  # as the line was read, then in its batch's transaction
    assert "late-2" in one_by_one and len(one_by_one) == 40  # its whole batch, and that batch only


def test_prepare_lines_tells_bad_lines_shops_and_records_apart():
    customer = {"type": "customer", "platform": "Amazon", "shop": "A1", "external_id": "c-1", "tier": 2}
    prepared = prepare.prepare_lines(
        [
            b'{"type":"order"',
            _line({"type": "shop", "platform": "amazon", "external_id": "A1"}),
            _line(customer),
            _line({**customer, "external_id": "c-2", "tier": 7}),
        ]
    )
    assert prepared[0] == ("bad", "not valid JSON: unexpected end of data at column 16")
    assert prepared[1] == ("shop", {"type": "shop", "platform": "amazon", "external_id": "A1"})
    kind, record, (checked_kind, platform, shop, row, error) = prepared[2]
    assert (kind, record, checked_kind, platform, shop, error) == (
        "record",
        customer,
        "customer",
        "amazon",
        "A1",
        None,
    )
    assert row["shop_id"] is None and row["tier"] == 2  # the shop is resolved when the batch is written
    assert prepared[3][2][3:] == (None, "tier must be 0-3 (new, potential, core, high-value), not 7")
