"""Bulk intake of buyer messages (``desk.intake.messages``, the path of sync and mail) leaves the desk as
``receive_message`` one message at a time does: ticket rows, messages, tags, the text index, SLA clocks
and rule firings, with the batch's new tickets written once, after its waves. Message ids aside: the
waves number a thread's second message after every thread's first."""

from __future__ import annotations

import pytest

from crossdesk.api import Desk
from crossdesk.intake.sql import insert_messages, triggers_dropped
from crossdesk.models import Actor, TicketStatus

NOW = 1_795_000_000
ADMIN = Actor.system("test")
POLICY = {
    "name": "everyone",
    "position": 10,
    "clock": "wall",
    "targets": {"normal": {"first_reply": "8h", "next_reply": "4h", "resolution": "3d"}},
}
RULE = {
    "name": "refunds",
    "event": "message_received",
    "all": [{"field": "keywords", "op": "contains", "value": "refund"}],
    "actions": [{"action": "add_tag", "tag": "wants-refund"}],
}


def _desk(setup: str) -> tuple[Desk, int]:
    desk = Desk.memory(clock=lambda: NOW)
    shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="s1", name="Acme")
    if setup in ("sla", "sla+rules", "sla switched off"):
        desk.sla.save_policies(ADMIN, [POLICY])
    if setup == "sla+rules":
        desk.rules.save(ADMIN, [RULE])
    buyer = desk.upsert_customer(ADMIN, platform="shopify", shop_id=shop, external_id="b0", name="Old")
    # a conversation the desk had before the batch, solved since: a new message reopens it
    old, _, _ = desk.receive_message(
        ADMIN,
        platform="shopify",
        shop_id=shop,
        thread_id="t-old",
        external_id="m-old",
        body="Where is my parcel?",
        created_at=NOW - 7200,
        customer_id=buyer,
    )
    desk.update_ticket(ADMIN, old, status=int(TicketStatus.SOLVED))
    if setup == "sla switched off":
        # the old conversation keeps the clock its policy set; with no policy left, its next message
        # stops it (the bulk path reads the clocks of the batch's tickets in one query for that)
        with desk.tx():
            desk.db.execute("UPDATE sla_policies SET active = 0")
    return desk, shop


def _rows(shop: int) -> list[dict]:
    def row(thread: str, n: int, body: str, at: int) -> dict:
        return {
            "platform": "shopify",
            "shop_id": shop,
            "thread_id": thread,
            "external_id": f"{thread}-{n}",
            "body": body,
            "created_at": NOW - at,
            "subject": "",
            "language": "",
            "author": "buyer",
        }

    return [
        row("t1", 1, "Hello, my order has not arrived yet.", 3000),
        row("t2", 1, "I want a refund, the mug arrived broken.", 2900),
        row("t1", 2, "Any news? I still want a refund.", 2000),
        row("t-old", 2, "It came back, please refund me.", 1900),
        row("t3", 1, "Ich m\u00f6chte mein Geld zur\u00fcck, bitte.", 1800),
        row("t2", 2, "Still broken \udcff, answer me.", 1000),  # a byte that was no text: repaired
        row("t1", 2, "Any news? I still want a refund.", 2000),  # a duplicate delivery
        row("t1", 3, "", 900),  # refused: empty
        row("t3", 2, "Hallo?", 500),
    ]


def _state(desk: Desk) -> dict[str, list]:
    db = desk.db
    columns = [c[1] for c in db.execute("PRAGMA table_info(messages)") if c[1] != "id"]
    return {
        "tickets": db.execute("SELECT * FROM tickets ORDER BY id").fetchall(),
        "messages": db.execute(f"SELECT {', '.join(columns)} FROM messages ORDER BY external_id").fetchall(),
        "tags": db.execute("SELECT * FROM ticket_tags ORDER BY ticket_id, tag").fetchall(),
        "firings": db.execute("SELECT rule_id, ticket_id FROM rule_firings ORDER BY 1, 2").fetchall(),
        "indexed": db.execute(
            "SELECT m.external_id FROM messages_fts f JOIN messages m ON m.id = f.rowid "
            "WHERE messages_fts MATCH 'refund OR broken OR geld' ORDER BY 1"
        ).fetchall(),
    }


@pytest.mark.parametrize("setup", ["plain", "sla", "sla+rules", "sla switched off"])
def test_a_batch_of_buyer_messages_equals_them_one_by_one(setup):
    bulk, shop = _desk(setup)
    single, same_shop = _desk(setup)
    assert shop == same_shop
    clocked = "SELECT count(*) FROM tickets WHERE sla_policy_id IS NOT NULL"
    if setup == "sla switched off":
        assert bulk.db.execute(clocked).fetchone()[0] == 1  # the old conversation keeps its policy
    rows = _rows(shop)
    results = bulk.intake.messages(ADMIN, rows)
    for row, result in zip(rows, results, strict=True):
        try:
            answer = single.receive_message(ADMIN, **row)
        except Exception as exc:  # the same refusal, as an error in its place
            assert isinstance(result, Exception) and str(result) == str(exc)
            continue
        assert (result[0], result[2]) == (answer[0], answer[2])  # the ticket, and whether it is new
    state = _state(bulk)
    assert state == _state(single)
    assert len(state["tickets"]) == 4 and len(state["messages"]) == 8
    assert state["indexed"], "the batch's messages are in the text index"
    assert ("encoding-repaired",) in {(tag,) for _, tag in state["tags"]}
    if setup == "sla+rules":
        assert len(state["firings"]) == 4  # one per message that asks for a refund
    if setup in ("sla", "sla+rules"):
        assert all(t[0] is not None for t in bulk.db.execute("SELECT sla_due FROM tickets").fetchall())
    if setup == "sla switched off":
        assert bulk.db.execute(clocked).fetchone()[0] == 0  # stopped by the message that reopened it


def _trigger(desk: Desk) -> list[tuple[str, str]]:
    return desk.db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages' ORDER BY rowid"
    ).fetchall()


def test_the_text_index_trigger_stands_aside_for_a_batch_only():
    desk, shop = _desk("plain")
    before = _trigger(desk)
    assert "messages_ai" in {name for name, _ in before}
    rows = _rows(shop)
    with pytest.raises(RuntimeError, match="inside a transaction"):
        insert_messages(desk.store, [(("id", "body"), [(99, "x")])])
    # A batch that fails after its messages went in is rolled back, the dropped trigger with it.
    with pytest.raises(ZeroDivisionError), desk.tx(), triggers_dropped(desk.store, ("messages_ai",)):
        assert "messages_ai" not in {name for name, _ in _trigger(desk)}
        1 / 0  # noqa: B018
    assert _trigger(desk) == before
    desk.intake.messages(ADMIN, rows[:3])
    assert _trigger(desk) == before  # made again as it was, in the same place
    # The batch indexed its own messages; one received alone afterwards is indexed by the trigger.
    desk.receive_message(ADMIN, **{**rows[4], "body": "Wo ist mein Geld?"})
    hits = desk.db.execute(
        "SELECT m.external_id FROM messages_fts f JOIN messages m ON m.id = f.rowid "
        "WHERE messages_fts MATCH 'refund OR geld' ORDER BY 1"
    ).fetchall()
    assert hits == [("t1-2",), ("t2-1",), ("t3-1",)]


def test_audit_rows_of_a_batch_are_those_store_audit_writes():
    """audit_many hands its entries to SQLite as one JSON array; each row's text is still what
    Store.audit stores (to_json: sorted keys, non-string keys, any text)."""
    from crossdesk.intake.sql import audit_many
    from crossdesk.store import to_json

    desk = Desk.memory(clock=lambda: NOW)
    values = [
        None,
        {"b": 1, "a": [1.5, -0.0, 1e300, 12345678901234567], "z": None},
        {3: "three", "é": 'ü\u2028"q"\\\n\t\x00', "nested": {"y": [], "x": {}}},
        "plain text",
        "null",
        0,
        True,
        [None, False, "x"],
    ]
    entries = [("check", "ticket", i, values[i], values[-1 - i]) for i in range(len(values))]
    with desk.store.tx():
        for action, kind, oid, before, after in entries:
            desk.store.audit(ADMIN, action, kind, oid, before, after)
        audit_many(desk.store, ADMIN, entries)
    rows = desk.db.execute(
        "SELECT at, actor, role, action, object_type, object_id, before, after, typeof(object_id) "
        "FROM audit WHERE action = 'check' ORDER BY id"
    ).fetchall()
    one_by_one, batch = rows[: len(entries)], rows[len(entries) :]
    assert batch == one_by_one
    assert [r[6] for r in batch] == [None if v is None else to_json(v) for v in values]


def test_audit_rows_of_batches_committed_behind_keep_the_order_they_were_written_in(tmp_path):
    """Thousands of entries in several calls, deferred to the commit and run there as one array: the rows'
    ids follow the entries' order, as Store.audit one by one would number them."""
    from crossdesk.intake.sql import audit_many
    from crossdesk.store.behind import WriteBehind

    desk = Desk.open(tmp_path / "desk.db", clock=lambda: NOW)
    order = [7919 * i % 5003 for i in range(5003)]  # every id once, in an order that is not sorted
    behind = WriteBehind(desk.db)
    with desk.store.tx_behind(behind):
        for start in range(0, len(order), 1000):
            audit_many(
                desk.store,
                ADMIN,
                [("check", "ticket", i, None, {"n": i}) for i in order[start : start + 1000]],
            )
    behind.wait()
    written = [
        oid for (oid,) in desk.db.execute("SELECT object_id FROM audit WHERE action = 'check' ORDER BY id")
    ]
    desk.close()
    assert written == order
