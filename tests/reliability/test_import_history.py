"""Issue 18 item 6: imported messages are history. An import fires no rules, queues no auto-reply and
writes no outbox row, unless the operator asks with ``run_rules`` (``--run-rules``), and then never for
tickets the file marks solved or closed."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.io import import_jsonl
from crossdesk.io.batch import BatchImporter
from crossdesk.models import Actor

ADMIN = Actor.system("admin")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHOP = {"type": "shop", "platform": "ebay", "external_id": "s", "name": "S", "currency": "EUR"}


def history() -> list[dict]:
    """Three conversations asking where their parcel is; the file marks the second solved, the third
    closed, the first is still open."""
    records: list[dict] = [SHOP]
    for n in (1, 2, 3):
        records += [
            {
                "type": "customer",
                "platform": "ebay",
                "shop": "s",
                "external_id": f"c{n}",
                "name": f"Kunde {n}",
                "language": "de",
            },
            {
                "type": "order",
                "platform": "ebay",
                "shop": "s",
                "external_id": f"o{n}",
                "customer": f"c{n}",
                "currency": "EUR",
                "ordered_at": "2026-10-01T10:00:00Z",
                "shipped_at": "2026-10-02T10:00:00Z",
                "tracking_number": f"1Z99{n}",
                "carrier": "DHL",
                "lines": [{"sku": "LAMP", "quantity": 1, "unit_price_minor": 4999}],
            },
            {
                "type": "message",
                "platform": "ebay",
                "shop": "s",
                "thread_id": f"t{n}",
                "external_id": f"m{n}",
                "created_at": "2026-10-05T09:00:00Z",
                "customer": f"c{n}",
                "order": f"o{n}",
                "language": "de",
                "body": "Hallo, wo bleibt meine Bestellung? Wo ist mein Paket? Bitte die Sendungsnummer.",
            },
        ]
    for n, status in ((2, "solved"), (3, "closed")):
        records.append(
            {"type": "ticket", "platform": "ebay", "shop": "s", "thread_id": f"t{n}", "status": status}
        )
    return records


def stream() -> io.BytesIO:
    return io.BytesIO(b"".join(orjson.dumps(r) + b"\n" for r in history()))


@pytest.fixture
def ruled(desk):
    desk.templates.install_starter(ADMIN)
    desk.create_team(ADMIN, "Japan", timezone="Asia/Tokyo")
    desk.rules.load_file(ADMIN, EXAMPLES / "rules.toml")
    return desk


def counts(desk: Desk) -> tuple[int, int, int]:
    one = lambda sql: desk.db.execute(sql).fetchone()[0]  # noqa: E731
    return (
        one("SELECT count(*) FROM outbox"),
        one("SELECT count(*) FROM rule_firings"),
        one("SELECT count(*) FROM messages WHERE direction != 'in'"),
    )


def thread_of(desk: Desk, ticket_id: int) -> str:
    return desk.db.execute("SELECT external_id FROM tickets WHERE id = ?", [ticket_id]).fetchone()[0]


@pytest.fixture(params=["bulk", "one_by_one"])
def path(request, monkeypatch):
    if request.param == "one_by_one":  # the fallback path of a batch: the one-record service calls

        def fail(self, *a, **kw):
            raise sqlite3.OperationalError("forced")

        monkeypatch.setattr(BatchImporter, "_bulk", fail)
    return request.param


def test_import_queues_nothing(ruled, path):
    report = import_jsonl(ruled, ADMIN, stream())
    assert not report.bad, report.bad
    assert report.added["message"] == 3
    assert counts(ruled) == (0, 0, 0)


def test_run_rules_answers_only_the_tickets_still_open(ruled, path):
    report = import_jsonl(ruled, ADMIN, stream(), run_rules=True)
    assert not report.bad, report.bad
    queued = [thread_of(ruled, t) for (t,) in ruled.db.execute("SELECT ticket_id FROM outbox")]
    assert queued and set(queued) == {"t1"}
    fired = {thread_of(ruled, t) for (t,) in ruled.db.execute("SELECT ticket_id FROM rule_firings")}
    assert fired == {"t1"}


def test_cli_import_has_run_rules(tmp_path):
    path = tmp_path / "desk.db"
    d = Desk.open(path)
    d.templates.install_starter(ADMIN)
    d.create_team(ADMIN, "Japan", timezone="Asia/Tokyo")
    d.rules.load_file(ADMIN, EXAMPLES / "rules.toml")
    d.close()
    src = tmp_path / "history.jsonl"
    src.write_bytes(stream().getvalue())
    result = CliRunner().invoke(cli, ["import", "--db", str(path), str(src)])
    assert result.exit_code == 0, result.output
    d = Desk.open(path)
    assert counts(d) == (0, 0, 0)
    d.close()
    result = CliRunner().invoke(cli, ["import", "--db", str(path), "--run-rules", str(src)])
    assert result.exit_code == 0, result.output
    d = Desk.open(path)
    # already imported: nothing new, so nothing to answer
    assert counts(d)[0] == 0
    d.close()
