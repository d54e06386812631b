"""JSON Lines import and export: bad lines reported and skipped, idempotent, streaming, round trip."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.demo import build_demo
from crossdesk.errors import PermissionDenied
from crossdesk.io import export_jsonl, import_jsonl, importer
from crossdesk.models import Actor, Role

NOW = 1_795_000_000
ADMIN = Actor.system("test")
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "import-sample.jsonl"

SHOP = {"type": "shop", "platform": "ebay", "external_id": "store_de", "name": "Store DE", "currency": "EUR"}
CUSTOMER = {
    "type": "customer",
    "platform": "ebay",
    "shop": "store_de",
    "external_id": "hans_m82",
    "name": "Hans Meier",
}
ORDER = {
    "type": "order",
    "platform": "ebay",
    "shop": "store_de",
    "external_id": "12-34567-89012",
    "customer": "hans_m82",
    "currency": "EUR",
    "ordered_at": "2026-11-01T10:00:00Z",
    "lines": [{"sku": "NH-FPR-12", "quantity": 1, "unit_price_minor": 3499}],
}
MESSAGE = {
    "type": "message",
    "platform": "ebay",
    "shop": "store_de",
    "thread_id": "t1",
    "external_id": "m1",
    "created_at": "2026-11-05T09:00:00Z",
    "customer": "hans_m82",
    "order": "12-34567-89012",
    "body": "Wo bleibt meine Bestellung?",
}


def jsonl(*records: dict | bytes) -> bytes:
    return b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in records)


def count(desk: Desk, table: str) -> int:
    return desk.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture(scope="module")
def demo_export() -> bytes:
    desk = Desk.memory()
    build_demo(desk, size=400, seed=21, now=NOW)
    out = io.BytesIO()
    export_jsonl(desk, ADMIN, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def thousand_with_three_broken(demo_export: bytes) -> tuple[bytes, list[int]]:
    """The first 1,000 lines of a real export (records come in dependency order, so any prefix imports),
    with three ticket-state lines broken three different ways."""
    lines = demo_export.splitlines()[:1000]
    tickets = [i for i, line in enumerate(lines) if line.startswith(b'{"type":"ticket"')]
    broken = [tickets[3], tickets[len(tickets) // 2], tickets[-2]]
    lines[broken[0]] = lines[broken[0]][:-9]  # cut short: malformed JSON
    lines[broken[1]] = lines[broken[1]].replace(b'"status":"', b'"status":"\xff\xfe')  # broken UTF-8
    record = orjson.loads(lines[broken[2]])
    record["thread_id"] = "no-such-thread"  # an unknown reference
    lines[broken[2]] = orjson.dumps(record)
    return b"\n".join(lines) + b"\n", [i + 1 for i in broken]


def test_three_broken_lines_among_1000(thousand_with_three_broken):
    data, broken = thousand_with_three_broken
    desk = Desk.memory()
    report = import_jsonl(desk, ADMIN, io.BytesIO(data))
    assert report.lines == 1000
    assert report.imported == 997
    assert [n for n, _ in report.bad] == broken
    reasons = [r for _, r in report.bad]
    assert reasons[0].startswith("not valid JSON")
    assert "not valid UTF-8" in reasons[1] and "0xff" in reasons[1]
    assert "unknown thread 'no-such-thread'" in reasons[2]


def test_importing_the_same_file_again_adds_nothing(thousand_with_three_broken):
    data, broken = thousand_with_three_broken
    desk = Desk.memory()
    import_jsonl(desk, ADMIN, io.BytesIO(data))
    tables = (
        "shops",
        "customers",
        "customer_identities",
        "orders",
        "order_lines",
        "tickets",
        "messages",
        "ticket_tags",
    )
    before = {t: count(desk, t) for t in tables}
    again = import_jsonl(desk, ADMIN, io.BytesIO(data))
    assert not again.added and not again.updated
    assert sum(again.unchanged.values()) == 997
    assert [n for n, _ in again.bad] == broken
    assert {t: count(desk, t) for t in tables} == before


def test_round_trip_export_import_export_is_identical(demo_export):
    desk = Desk.memory()
    report = import_jsonl(desk, ADMIN, io.BytesIO(demo_export))
    assert report.bad == []
    out = io.BytesIO()
    export_jsonl(desk, ADMIN, out)
    assert out.getvalue() == demo_export


def test_broken_utf8_line_is_reported_and_the_rest_imported():
    bad = orjson.dumps(MESSAGE).replace(b"Bestellung", b"Bestel\xc3lung")
    desk = Desk.memory()
    report = import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, CUSTOMER, ORDER, bad)))
    column = bad.index(b"\xc3") + 1
    assert report.bad == [(4, f"not valid UTF-8 (byte 0xc3 at column {column})")]
    assert report.imported == 3 and count(desk, "messages") == 0


def test_duplicate_delivery_is_stored_once():
    desk = Desk.memory()
    report = import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, CUSTOMER, ORDER, MESSAGE, MESSAGE)))
    assert report.added["message"] == 1 and report.unchanged["message"] == 1
    assert count(desk, "messages") == 1 and count(desk, "tickets") == 1
    again = import_jsonl(desk, ADMIN, io.BytesIO(jsonl(MESSAGE)))
    assert again.unchanged["message"] == 1 and count(desk, "messages") == 1


def test_a_changed_record_counts_as_updated():
    desk = Desk.memory()
    import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, CUSTOMER, ORDER)))
    shipped = dict(ORDER, status="shipped", carrier="DHL", tracking_number="00340434000000000001")
    report = import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, shipped)))
    assert report.updated == {"order": 1} and report.unchanged == {"shop": 1}
    assert desk.db.execute("SELECT status, carrier FROM orders").fetchone() == ("shipped", "DHL")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (
            {k: v for k, v in ORDER.items() if k != "currency"},
            "order 12-34567-89012: field 'currency' is missing",
        ),
        (
            dict(ORDER, lines=[{"sku": "X", "quantity": "two", "unit_price_minor": 5}]),
            "order line 1: field 'quantity' must be an integer, not a string",
        ),
        (
            dict(ORDER, lines=[{"sku": "X", "quantity": 0, "unit_price_minor": 5}]),
            "quantity 0; it must be positive",
        ),
        (dict(ORDER, ordered_at="last tuesday"), "field 'ordered_at' is not an ISO 8601 time"),
        (dict(ORDER, currency="EURO"), "'EURO' is not an ISO 4217 currency code"),
        (dict(MESSAGE, shop="store_fr"), "unknown shop ebay/store_fr"),
        (dict(MESSAGE, customer="nobody"), "unknown customer 'nobody'"),
        (dict(MESSAGE, body=None), "field 'body' is missing"),
        (dict(MESSAGE, body=["hi"]), "field 'body' must be a string"),
        (dict(MESSAGE, direction="sideways"), "direction must be in, out or note"),
        (dict(MESSAGE, body="x" * 1_000_001), "1,000,001 characters; the limit is 1,000,000"),
        (dict(CUSTOMER, tier=9), "tier must be 0-3"),
        ({"type": "refund", "external_id": "r1"}, "unknown record type 'refund'"),
        ({"platform": "ebay"}, "field 'type' is missing"),
    ],
)
def test_bad_records_name_their_reason(record, reason):
    desk = Desk.memory()
    report = import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, CUSTOMER, ORDER, record)))
    if record.get("type") == "order":  # the broken order replaces the good one on line 3
        report = import_jsonl(Desk.memory(), ADMIN, io.BytesIO(jsonl(SHOP, CUSTOMER, record)))
        assert report.bad and report.bad[0][0] == 3
    else:
        assert report.bad and report.bad[0][0] == 4
    assert reason in report.bad[0][1]


def test_non_object_lines_and_blank_lines(tmp_path):
    data = b"\xef\xbb\xbf" + jsonl(SHOP) + b"\n   \r\n" + b"[1, 2]\n" + b'"text"\n'
    report = import_jsonl(Desk.memory(), ADMIN, io.BytesIO(data))
    assert report.imported == 1
    assert report.bad == [(4, "a record must be a JSON object"), (5, "a record must be a JSON object")]


def test_an_over_long_line_is_skipped_without_being_held(monkeypatch):
    monkeypatch.setattr(importer, "MAX_LINE_BYTES", 1024)
    huge = orjson.dumps(dict(MESSAGE, body="y" * 50_000))
    report = import_jsonl(Desk.memory(), ADMIN, io.BytesIO(jsonl(SHOP, huge, SHOP)))
    assert report.bad == [(2, "line is longer than 1,024 bytes")]
    assert report.imported == 2 and report.lines == 3


class _LineOnlyStream(io.RawIOBase):
    """A stream that can only be read in bounded pieces, like a pipe: reading it whole fails the test."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)
        self.largest = 0

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        assert size is not None and 0 < size <= importer.MAX_LINE_BYTES + 1, "read without a bound"
        line = self._inner.readline(size)
        self.largest = max(self.largest, len(line))
        return line

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the importer must not read the file whole")


def test_reading_is_streamed_line_by_line():
    stream = _LineOnlyStream(jsonl(SHOP, CUSTOMER, ORDER, MESSAGE))
    report = import_jsonl(Desk.memory(), ADMIN, stream)
    assert report.imported == 4 and report.bad == []


def test_a_failing_line_rolls_back_alone(monkeypatch):
    desk = Desk.memory()
    import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, CUSTOMER, ORDER, MESSAGE)))

    def add_tags_then_fail(actor, ticket_id, tags):
        raise ValueError("tag store unavailable")

    monkeypatch.setattr(desk, "add_tags", add_tags_then_fail)
    # The batch's set-based tagging fails alike, so the batch is applied again line by line.
    monkeypatch.setattr("crossdesk.io.batch.add_tags_many", lambda *a: add_tags_then_fail(None, None, None))
    state = {
        "type": "ticket",
        "platform": "ebay",
        "shop": "store_de",
        "thread_id": "t1",
        "status": "solved",
        "tags": ["x"],
    }
    later = dict(MESSAGE, thread_id="t2", external_id="m2")
    report = import_jsonl(desk, ADMIN, io.BytesIO(jsonl(state, later)))
    assert report.bad == [(1, "tag store unavailable")]
    # The status change made before the failure on the same line was rolled back; the next line stands.
    assert desk.db.execute("SELECT status FROM tickets WHERE external_id = 't1'").fetchone()[0] == 0
    assert count(desk, "tickets") == 2


def test_history_replies_are_stored_but_not_sent():
    reply = dict(
        MESSAGE,
        external_id="m1-reply",
        direction="out",
        author="Anna",
        body="Ist unterwegs.",
        created_at="2026-11-05T11:00:00Z",
    )
    desk = Desk.memory()
    report = import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, CUSTOMER, ORDER, MESSAGE, reply)))
    assert report.bad == []
    assert count(desk, "outbox") == 0
    first, last = desk.db.execute("SELECT first_replied_at, last_agent_msg_at FROM tickets").fetchone()
    assert first == last == int(dt.datetime(2026, 11, 5, 11, 0, tzinfo=dt.UTC).timestamp())
    orphan = dict(reply, thread_id="nope", external_id="x")
    assert "unknown thread" in import_jsonl(desk, ADMIN, io.BytesIO(jsonl(SHOP, orphan))).bad[0][1]


def test_the_example_file_imports_cleanly_and_merges_the_cross_platform_buyer():
    desk = Desk.memory()
    report = import_jsonl(desk, ADMIN, SAMPLE)
    assert report.bad == [] and report.lines == sum(1 for _ in SAMPLE.open("rb"))
    merged = desk.db.execute(
        "SELECT count(DISTINCT platform) FROM customer_identities GROUP BY customer_id ORDER BY 1 DESC"
    ).fetchone()[0]
    assert merged == 2


def test_import_needs_the_import_permission():
    agent = Actor(name="al", role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        import_jsonl(Desk.memory(), agent, io.BytesIO(jsonl(SHOP)))
    with pytest.raises(PermissionDenied):
        export_jsonl(Desk.memory(), agent, io.BytesIO())


def test_cli_import_names_bad_lines_and_exits_non_zero(tmp_path, thousand_with_three_broken):
    data, broken = thousand_with_three_broken
    db = tmp_path / "desk.db"
    Desk.open(db).close()
    file = tmp_path / "in.jsonl"
    file.write_bytes(data)
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(file), "--db", str(db)])
    assert result.exit_code == 1
    assert "997 of 1000 records imported" in result.output
    for n in broken:
        assert f"line {n}: " in result.output
    assert "Traceback" not in result.output
    again = runner.invoke(cli, ["import", str(file), "--db", str(db)])
    assert "0 added" in again.output and "997 unchanged" in again.output

    out = tmp_path / "out.jsonl"
    exported = runner.invoke(cli, ["export", "--db", str(db), "--out", str(out)])
    assert exported.exit_code == 0 and out.exists()
    reimport = runner.invoke(cli, ["import", str(out), "--db", str(db)])
    assert reimport.exit_code == 0 and "0 added, 0 updated" in reimport.output


def test_cli_user_errors_are_one_line(tmp_path):
    runner = CliRunner()
    missing_desk = runner.invoke(cli, ["import", str(SAMPLE), "--db", str(tmp_path / "none.db")])
    assert missing_desk.exit_code == 1 and "no desk at" in missing_desk.output
    assert len(missing_desk.output.strip().splitlines()) == 1
    missing_file = runner.invoke(
        cli, ["import", str(tmp_path / "nope.jsonl"), "--db", str(tmp_path / "d.db")]
    )
    assert missing_file.exit_code == 2 and "does not exist" in missing_file.output
