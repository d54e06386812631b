"""Issue 18 item 1: a refund (and every outbox-producing command) runs once per request."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from crossdesk.aftersales.states import CaseError
from crossdesk.cli import cli

from .conftest import ADMIN, add_order, refund_case


def _count(path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _refund(path, case, *extra):
    args = ["cases", "act", "refund", str(case), "--db", str(path), "--amount", "300", *extra]
    return CliRunner().invoke(cli, args)


def test_the_same_cli_refund_run_twice_refunds_once(desk_file):
    path, case = desk_file
    first = _refund(path, case)
    assert first.exit_code == 0, first.output
    again = _refund(path, case)  # as a rerun after a kill right after the commit
    assert again.exit_code == 0, again.output
    assert "already done" in again.output and "refund" in again.output
    assert _count(path, "SELECT COUNT(*) FROM refunds") == 1
    assert _count(path, "SELECT COUNT(*) FROM outbox WHERE kind = 'refund'") == 1


def test_force_refunds_again_and_an_explicit_request_id_replays(desk_file):
    path, case = desk_file
    assert _refund(path, case, "--request-id", "r-1").exit_code == 0
    assert _refund(path, case, "--request-id", "r-1").exit_code == 0
    assert _count(path, "SELECT COUNT(*) FROM refunds") == 1
    # A second identical refund under another request id is refused, saying what was refunded and when.
    other = _refund(path, case, "--request-id", "r-2")
    assert other.exit_code == 1 and "Traceback" not in other.output
    assert "already refunded" in other.output and "USD 3.00" in other.output and "--force" in other.output
    assert _refund(path, case, "--force").exit_code == 0
    assert _count(path, "SELECT COUNT(*) FROM refunds") == 2


def test_api_refund_request_id_and_repeat_window(desk, clock):
    case = refund_case(desk, add_order(desk))
    first = desk.cases.refund(ADMIN, case, amount_minor=300, request_id="abc")
    assert desk.cases.refund(ADMIN, case, amount_minor=300, request_id="abc") == first
    with pytest.raises(CaseError, match=r"USD 3\.00 was already refunded .* at 2025-12-10 09:00 UTC"):
        desk.cases.refund(ADMIN, case, amount_minor=300)
    # a different amount is not the same refund
    desk.cases.refund(ADMIN, case, amount_minor=200)
    clock.advance(2 * 86400)  # past the window, the same refund is a new one
    desk.cases.refund(ADMIN, case, amount_minor=300)
    assert desk.db.execute("SELECT COUNT(*) FROM refunds").fetchone()[0] == 3
    assert desk.db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'refund'").fetchone()[0] == 3


def test_decisions_and_replies_take_a_request_id(desk):
    order = add_order(desk)
    case = desk.cases.open(ADMIN, type="return", order_id=order, items=[{"sku": "SKU-1"}])
    desk.cases.approve(ADMIN, case, request_id="dec-1")
    again = desk.cases.approve(ADMIN, case, request_id="dec-1")  # a rerun: no error, nothing new
    assert again["state"] == "approved"
    assert desk.db.execute("SELECT COUNT(*) FROM case_events WHERE action = 'approve'").fetchone()[0] == 1
    ticket, _, _ = desk.receive_message(
        ADMIN, platform="shopify", shop_id=1, thread_id="t1", external_id="m1", body="hello?", created_at=1
    )
    first = desk.reply(ADMIN, ticket, "Hello!", request_id="rep-1")
    assert desk.reply(ADMIN, ticket, "Hello!", request_id="rep-1") == first
    assert desk.db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'message'").fetchone()[0] == 1


def test_the_same_cli_refund_on_two_cases_refunds_each(tmp_path):
    from crossdesk.api import Desk

    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    cases = [refund_case(desk, add_order(desk, n=i)) for i in (1, 2)]
    desk.close()
    for case in cases:
        result = _refund(path, case)
        assert result.exit_code == 0 and "already" not in result.output, result.output
    batch = CliRunner().invoke(
        cli, ["cases", "act", "refund", *map(str, cases), "--db", str(path), "--amount", "300"]
    )
    assert batch.output.count("already done") == 2  # the same refund of each case, asked as a batch
    assert _count(path, "SELECT COUNT(*) FROM refunds") == 2
