"""Issue 17 item 3: search finds what agents type; filters name what they do not know."""

from __future__ import annotations

import sqlite3

import orjson
import pytest
from click.testing import CliRunner
from textual.widgets import Static

from crossdesk.cli import cli
from crossdesk.tui.query import QueryError, parse, to_filters
from crossdesk.tui.screens import InboxScreen
from crossdesk.tui.widgets.inbox.queue_view import QueueView

from .conftest import SIZE


def found(path, *args) -> list[int]:
    result = CliRunner().invoke(
        cli, ["tickets", "list", *args, "--json", "--limit", "500", "--db", str(path)]
    )
    assert result.exit_code == 0, result.output
    return [r["id"] for r in orjson.loads(result.output)]


def one(path, sql: str) -> tuple:
    with sqlite3.connect(path) as db:
        row = db.execute(sql).fetchone()
    assert row is not None, sql
    return row


def test_an_order_number_no_message_quotes_finds_its_ticket(demo_db):
    order, tid = one(
        demo_db,
        "SELECT o.external_id, t.id FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.status < 4 "
        "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND instr(m.body, o.external_id))",
    )
    assert tid in found(demo_db, "--search", order)


def test_ticket_number_buyer_sku_and_tracking(demo_db):
    tid = one(demo_db, "SELECT max(id) FROM tickets WHERE status < 4")[0]
    assert found(demo_db, "--search", f"#{tid}") == [tid]
    name, email, tid = one(
        demo_db,
        "SELECT c.name, c.email, t.id FROM tickets t JOIN customers c ON c.id = t.customer_id "
        "WHERE t.status < 4 AND c.email <> '' AND c.name <> ''",
    )
    assert tid in found(demo_db, "--search", name)
    assert tid in found(demo_db, "--search", email.upper())
    sku, tid = one(
        demo_db,
        "SELECT l.sku, t.id FROM tickets t JOIN order_lines l ON l.order_id = t.order_id WHERE t.status < 4",
    )
    assert tid in found(demo_db, "--search", sku)
    tracking, tid = one(
        demo_db,
        "SELECT o.tracking_number, t.id FROM tickets t JOIN orders o ON o.id = t.order_id "
        "WHERE t.status < 4 AND o.tracking_number <> ''",
    )
    assert tid in found(demo_db, "--search", tracking)
    assert found(demo_db, "--search", "zzqx-nothing-like-this") == []


def test_assignee_full_name_prefix_order_status_and_message_type(demo_db):
    name, aid = one(
        demo_db,
        "SELECT a.name, a.id FROM agents a JOIN tickets t ON t.assignee_id = a.id WHERE t.status < 4 "
        "AND a.name LIKE '% %' GROUP BY a.id ORDER BY count(*) DESC",
    )
    with sqlite3.connect(demo_db) as db:
        mine = {
            r[0] for r in db.execute("SELECT id FROM tickets WHERE status < 4 AND assignee_id = ?", [aid])
        }
    assert set(found(demo_db, f'assignee:"{name}"')) == mine
    assert set(found(demo_db, f"assignee:{name.lower()}".replace(" ", "\\ "))) == mine
    status = one(
        demo_db, "SELECT o.status FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.status < 4"
    )[0]
    with sqlite3.connect(demo_db) as db:
        want = {
            r[0]
            for r in db.execute(
                "SELECT t.id FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.status < 4 AND o.status = ?",
                [status],
            )
        }
        notes = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT t.id FROM tickets t JOIN messages m ON m.ticket_id = t.id "
                "WHERE t.status < 4 AND m.direction = 'note'"
            )
        }
    assert set(found(demo_db, f"order:{status}")) == want
    assert set(found(demo_db, "msg:note")) == notes


def test_assignee_prefix_me_and_ambiguity():
    ctx = {
        "agents": {"anna becker": 1, "sanne de vries": 2, "sophie laurent": 3},
        "shops": {},
        "breaching_before": 0,
    }
    assert to_filters(parse('assignee:"Anna Becker"'), me=None, **ctx) == {"assignee_id": 1}
    assert to_filters(parse("assignee:ann"), me=None, **ctx) == {"assignee_id": 1}
    assert to_filters(parse("assignee:laur"), me=None, **ctx) == {"assignee_id": 3}
    assert to_filters(parse("assignee:me"), me=2, **ctx) == {"assignee_id": 2}
    with pytest.raises(QueryError, match="more than one agent: sanne de vries, sophie laurent"):
        to_filters(parse("assignee:s"), me=None, **ctx)
    with pytest.raises(QueryError, match="quote is not closed"):
        parse('assignee:"Anna')
    assert parse('assignee:"Anna Becker" mine').text() == 'assignee:"Anna Becker" mine'


@pytest.mark.parametrize(
    ("word", "listed"),
    [
        ("intent:refund", "refund_request"),
        ("platform:amazn", "amazon"),
        ("msg:sms", "buyer"),
        ("order:lost", "shipped"),
        ("lang:xx", "de"),
    ],
)
def test_unknown_values_are_errors_listing_the_valid_ones(demo_db, word, listed):
    result = CliRunner().invoke(cli, ["tickets", "list", word, "--db", str(demo_db)])
    assert result.exit_code == 1 and "expected one of" in result.output and listed in result.output


@pytest.mark.anyio
async def test_the_inbox_says_what_is_wrong_and_finds_by_order_number(desk, ids, make_app, settle):
    order_id, tid = ids.orders["us_return"], ids.tickets["us_return"]
    external = desk.db.execute("SELECT external_id FROM orders WHERE id = ?", [order_id]).fetchone()[0]
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        screen.apply_query("intent:refund")
        await settle(pilot)
        status = str(screen.query_one("#inbox-status", Static).render())
        assert "unknown intent 'refund'" in status and "refund_request" in status
        screen.apply_query(external)
        await settle(pilot)
        queue = screen.query_one(QueueView)
        assert queue.current is not None and queue.current["id"] == tid


def test_a_search_that_finds_nothing_open_shows_the_closed_ticket(demo_db):
    order, tid = one(
        demo_db,
        "SELECT o.external_id, t.id FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.status >= 4 "
        "AND NOT EXISTS (SELECT 1 FROM tickets u WHERE u.order_id = t.order_id AND u.status < 4) "
        "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND instr(m.body, o.external_id))",
    )
    assert tid in found(demo_db, "--search", order)
    result = CliRunner().invoke(cli, ["tickets", "list", "--search", order, "--db", str(demo_db)])
    assert result.exit_code == 0 and f"#{tid} " in result.output
    assert "no open ticket matches; in the other statuses" in result.output
    assert found(demo_db, "--search", order, "status:open") == []  # a status said is kept


@pytest.mark.anyio
async def test_the_inbox_says_a_search_matches_in_other_statuses(desk, ids, make_app, settle):
    sam = desk.actor_for("sam")
    tid = ids.tickets["us_return"]
    order = desk.ticket(sam, tid)
    desk.update_ticket(sam, tid, status="closed")
    number = desk.db.execute("SELECT external_id FROM orders WHERE id = ?", [order["order_id"]]).fetchone()[0]
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.apply_query(number)
        await settle(pilot)
        status = str(screen.query_one("#inbox-status", Static).render())
        assert "no tickets (0)" in status and "1 in other statuses: add status:all" in status
        screen.apply_query(f"{number} status:all")
        await settle(pilot)
        assert screen.query_one(QueueView).row(0)["id"] == tid
