"""The bulk paths of import (issue 16): ticket rows written once per batch, the batch as one transaction,
the connection settings of a bulk load, the facts left to the next report, one classifier per process."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from crossdesk import hookimpl
from crossdesk.api import Desk
from crossdesk.classify.pipeline import _classifier
from crossdesk.io import import_jsonl
from crossdesk.io.batch import BatchImporter, Known
from crossdesk.models import Actor
from crossdesk.plugin_manager import plugins_manager
from crossdesk.store.db import BULK_CACHE_KIB, bulk_writes
from tests.demo_export import demo_export

NOW = 1_795_000_000
ADMIN = Actor.system("test")
#: Every column of a ticket row the import writes (the id order is the same on both desks).
TICKET_COLUMNS = (
    "id, platform, shop_id, external_id, customer_id, order_id, subject, status, language, tier, "
    "order_value_usd, created_at, updated_at, last_customer_msg_at, first_replied_at, last_agent_msg_at, "
    "solved_at, intent, flags, sentiment"
)


@pytest.fixture(scope="module")
def export_file(tmp_path_factory) -> Path:
    return demo_export(tmp_path_factory.mktemp("bulk") / "export.jsonl", size=300, seed=11, now=NOW)


def _imported(source: Path, batch: int) -> Desk:
    desk = Desk.memory(clock=lambda: NOW + 3600)
    report = import_jsonl(desk, ADMIN, source, batch=batch)
    assert report.bad == []
    return desk


def _rows(desk: Desk, sql: str) -> list[tuple]:
    return [tuple(r) for r in desk.db.execute(sql).fetchall()]


def test_ticket_rows_merged_per_batch_equal_those_written_record_by_record(export_file):
    """With every record in one batch, a ticket's messages, replies and state reach its row as one
    merged write; with batches of one record each wave is written on its own. The desks are the same."""
    whole = _imported(export_file, batch=100_000)
    single = _imported(export_file, batch=1)
    assert _rows(whole, "SELECT count(*) FROM messages") == _rows(single, "SELECT count(*) FROM messages")
    tickets = f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"
    assert _rows(whole, tickets) == _rows(single, tickets)
    assert len(_rows(whole, tickets)) > 250
    tags = "SELECT ticket_id, tag FROM ticket_tags ORDER BY 1, 2"
    assert _rows(whole, tags) == _rows(single, tags)
    # the same audit rows (message ids aside: the waves of one large batch number messages in another order)
    audit = (
        "SELECT action, object_type, object_id, before, CASE WHEN after LIKE '{\"message_id\":%' "
        "THEN NULL ELSE after END FROM audit WHERE action <> 'import' ORDER BY 1, 2, 3, 4, 5"
    )
    assert _rows(whole, audit) == _rows(single, audit)
    # replies moved their tickets' reply times, and restored states were kept (not all new any more)
    assert _rows(whole, "SELECT count(*) FROM tickets WHERE first_replied_at IS NOT NULL")[0][0] > 0
    assert _rows(whole, "SELECT count(DISTINCT status) FROM tickets")[0][0] > 1


def test_a_rerun_of_a_whole_batch_adds_and_changes_nothing(export_file):
    desk = _imported(export_file, batch=100_000)
    tickets = f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"
    before = _rows(desk, tickets)
    audits = _rows(desk, "SELECT count(*) FROM audit")[0][0]
    again = import_jsonl(desk, ADMIN, export_file, batch=100_000)
    assert sum(again.added.values()) == 0 and sum(again.updated.values()) == 0 and again.bad == []
    assert _rows(desk, tickets) == before
    assert _rows(desk, "SELECT count(*) FROM audit")[0][0] == audits + 1  # the import's own row


def test_a_failed_batch_rolls_back_whole_and_its_events_are_heard_once(export_file, monkeypatch):
    """The set-based write is the batch's transaction: when it fails, nothing of it stays, not even the
    events it raised; the line-by-line pass that follows raises each event once."""
    from crossdesk.intake.service import IntakeService

    heard: list[tuple[str, int | None]] = []

    class Listener:
        @hookimpl
        def crossdesk_event(self, event):
            heard.append((event.name, event.object_id))

    calls = {"n": 0}
    real = IntakeService.deliver

    def broken_once(self, threads):
        calls["n"] += 1
        if calls["n"] == 1:  # after the batch's tags raised their events
            raise ValueError("disk on fire")
        return real(self, threads)

    desk = Desk.memory(clock=lambda: NOW + 3600)
    desk.pm.register(Listener())
    monkeypatch.setattr(IntakeService, "deliver", broken_once)
    report = import_jsonl(desk, ADMIN, export_file)
    monkeypatch.undo()
    assert report.bad == []
    reference = _imported(export_file, batch=100_000)
    tickets = f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"
    assert _rows(desk, tickets) == _rows(reference, tickets)
    tag_events = [e for e in heard if e[0] == "ticket_updated"]
    assert tag_events and len(tag_events) == len(set(tag_events))


def test_a_set_based_batch_opens_no_savepoint(export_file, monkeypatch):
    """The intake's units of work inside a batch open no savepoint (store.db.all_or_nothing): inside one,
    every statement that may abort walks the sub-journal of all the pages written before it. (Shops go
    one by one, with savepoints.)"""
    desk = Desk.memory(clock=lambda: NOW + 3600)
    statements: list[str] = []
    inside: list[str] = []  # the statements of the set-based writes
    real = BatchImporter._bulk

    def traced(self, *args):
        mark = len(statements)
        try:
            return real(self, *args)
        finally:
            inside.extend(statements[mark:])

    monkeypatch.setattr(BatchImporter, "_bulk", traced)
    desk.db.conn.set_trace_callback(statements.append)
    report = import_jsonl(desk, ADMIN, export_file)
    desk.db.conn.set_trace_callback(None)
    assert report.bad == [] and sum(report.added.values()) > 1000
    assert [s for s in inside if "INSERT INTO order_lines" in s]
    # (sqlite-utils' query() wraps a read in a savepoint it releases at once; no write runs inside it)
    assert not [s for s in inside if s.startswith("SAVEPOINT") and "sqlite_utils_query" not in s]


def test_a_nested_failure_caught_within_a_batch_sends_it_line_by_line(export_file, monkeypatch):
    """No savepoint undoes a unit of work that fails inside the batch and is caught: the batch is rolled
    back and applied line by line, and the desk is the one a clean import makes."""
    from crossdesk.intake.service import IntakeService

    real = IntakeService.orders
    calls = {"n": 0}

    def half_written_once(self, actor, rows, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            try:
                with self.store.tx():
                    real(self, actor, rows[:1], **kw)  # written, then the unit fails
                    raise ValueError("a unit that fails after writing")
            except ValueError:
                pass  # and its caller goes on
        return real(self, actor, rows, **kw)

    desk = Desk.memory(clock=lambda: NOW + 3600)
    monkeypatch.setattr(IntakeService, "orders", half_written_once)
    one_by_one = []
    apply = BatchImporter._one_by_one

    def counted(self, batch, outcomes, bad):
        one_by_one.append(len(batch))
        return apply(self, batch, outcomes, bad)

    monkeypatch.setattr(BatchImporter, "_one_by_one", counted)
    report = import_jsonl(desk, ADMIN, export_file)
    monkeypatch.undo()
    assert report.bad == [] and one_by_one
    reference = _imported(export_file, batch=100_000)
    for sql in (
        "SELECT platform, shop_id, external_id, customer_id, total_minor FROM orders ORDER BY 1, 2, 3",
        "SELECT count(*) FROM order_lines",
        f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id",
    ):
        assert _rows(desk, sql) == _rows(reference, sql)


def test_buyer_messages_checked_and_classified_ahead_equal_those_received_one_by_one(
    export_file, monkeypatch
):
    """The importer checks, detects and classifies a batch's buyer messages before it waits for the batch
    before (``intake.threads.ahead``); the messages and tickets are those of the one-record path."""
    import crossdesk.intake.threads as threads_module

    ahead_rows = []
    real_ahead = threads_module.ahead

    def counted(pm, rows):
        ahead_rows.extend(rows)
        return real_ahead(pm, rows)

    monkeypatch.setattr("crossdesk.io.batch.ahead", counted)
    bulk = _imported(export_file, batch=100_000)
    assert ahead_rows and all(threads_module.AHEAD not in row for row in ahead_rows)  # each taken, once
    monkeypatch.setattr(
        BatchImporter, "apply", lambda self, batch, report, checked=None: self._again(batch, report)
    )
    single = _imported(export_file, batch=100_000)
    messages = (
        "SELECT platform, shop_id, external_id, direction, body, language, intents, sentiment, flags "
        "FROM messages ORDER BY 1, 2, 3"
    )
    assert _rows(bulk, messages) == _rows(single, messages)
    assert len(_rows(bulk, messages)) > 300
    assert _rows(bulk, "SELECT count(DISTINCT language) FROM messages WHERE direction = 'in'")[0][0] > 2
    assert _rows(bulk, "SELECT count(*) FROM messages WHERE intents <> '[]'")[0][0] > 0
    tickets = "SELECT platform, shop_id, external_id, language, intent, flags, sentiment FROM tickets ORDER BY 1, 2, 3"
    assert _rows(bulk, tickets) == _rows(single, tickets)


def test_bulk_writes_restores_the_connection_and_keeps_synchronous(tmp_path):
    desk = Desk.open(tmp_path / "desk.db")
    conn = desk.db.conn
    before = [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "temp_store", "synchronous")]
    with bulk_writes(desk.db):
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -BULK_CACHE_KIB
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # memory
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == before[2]
    after = [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "temp_store", "synchronous")]
    assert after == before
    with pytest.raises(RuntimeError), bulk_writes(desk.db):
        raise RuntimeError("the import failed")
    assert [
        conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "temp_store", "synchronous")
    ] == before
    desk.close()


def test_the_facts_are_marked_stale_before_the_first_batch(export_file, monkeypatch):
    """An import that dies in its first batch has left the facts marked stale already (the next report
    rebuilds them); meanwhile no event refreshes them one by one."""
    desk = Desk.memory(clock=lambda: NOW + 3600)
    assert not desk.analytics.facts.stale()

    def dies(self, batch, report):
        assert desk.analytics.facts._paused  # the per-event refresh is off during the import
        raise KeyboardInterrupt

    monkeypatch.setattr(BatchImporter, "apply", dies)
    with pytest.raises(KeyboardInterrupt):
        import_jsonl(desk, ADMIN, export_file)
    assert desk.analytics.facts.stale()
    assert not desk.analytics.facts._paused


def test_the_facts_rebuilt_after_an_import_are_those_of_the_pipeline(export_file):
    desk = _imported(export_file, batch=100_000)
    assert _rows(desk, "SELECT count(*) FROM ticket_facts")[0][0] == 0  # not refreshed per event
    assert desk.analytics.facts.stale()
    assert desk.analytics.facts.rebuild(ADMIN) == _rows(desk, "SELECT count(*) FROM tickets")[0][0]
    assert not desk.analytics.facts.stale()


class ExtraIntents:
    @hookimpl
    def crossdesk_intents(self):
        return {"warranty_claim": {"en": ["warranty claim"]}}


def test_one_classifier_per_process_for_the_same_lexicons():
    first = _classifier(plugins_manager(only=[]))
    assert _classifier(plugins_manager(only=[])) is first
    other = _classifier(plugins_manager(only=[], extra=[ExtraIntents()]))
    assert other is not first
    assert "warranty_claim" in other.classify_texts(["I have a warranty claim"])[0].intents
    assert "warranty_claim" not in first.classify_texts(["I have a warranty claim"])[0].intents


def test_the_order_lookup_of_tickets_uses_the_remaining_index():
    desk = Desk.memory()
    names = {r[0] for r in desk.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "tickets_order" not in names and "tickets_order_intent" in names
    plan = " ".join(
        str(r[-1]) for r in desk.db.execute("EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE order_id = 7")
    )
    assert "tickets_order_intent" in plan


def test_known_ids_are_forgotten_when_another_connection_commits(tmp_path):
    """``PRAGMA data_version`` moves for another connection's commit, never for this one's."""
    desk = Desk.open(tmp_path / "desk.db")
    known = Known(desk.db)
    known.check()
    known.add("customer", {("ebay", 1, "b1"): 7})
    with desk.tx():
        desk.store.put_setting("mine", True)  # this connection's own commit
    known.check()
    assert known.ids["customer"] == {("ebay", 1, "b1"): 7}
    other = sqlite3.connect(tmp_path / "desk.db")
    with other:
        other.execute("INSERT INTO settings VALUES ('theirs', '1')")
    other.close()
    known.check()
    assert known.ids["customer"] == {}
    desk.close()


def test_known_ids_are_bounded(monkeypatch):
    monkeypatch.setattr("crossdesk.io.batch.KNOWN_MAX", 2)
    known = Known(None)
    known.add("order", {("ebay", 1, "o1"): 1, ("ebay", 1, "o2"): 2})
    known.add("order", {("ebay", 1, "o3"): 3})  # past the bound: starts again
    assert known.ids["order"] == {("ebay", 1, "o3"): 3}


def _buyers_with_messages(source: Path) -> set[tuple[str, str, str]]:
    """(platform, shop, buyer) of the buyer messages of an export."""
    found = set()
    for line in source.read_bytes().splitlines():
        record = orjson.loads(line)
        if record["type"] == "message" and record.get("customer"):
            found.add((record["platform"], record["shop"], record["customer"]))
    return found


def _identity_lookups(desk: Desk, source: Path, batch: int) -> tuple[Any, int]:
    lookups: list[str] = []
    desk.db.conn.set_trace_callback(
        lambda sql: lookups.append(sql) if "FROM customer_identities WHERE platform" in sql else None
    )
    try:
        report = import_jsonl(desk, ADMIN, source, batch=batch)
    finally:
        desk.db.conn.set_trace_callback(None)
    return report, len(lookups)


def test_buyers_known_from_earlier_batches_are_not_looked_up_again(tmp_path, export_file, monkeypatch):
    known = Desk.memory(clock=lambda: NOW + 3600)
    _, with_known = _identity_lookups(known, export_file, 200)
    monkeypatch.setattr(Known, "check", lambda self: [ids.clear() for ids in self.ids.values()])
    every = Desk.memory(clock=lambda: NOW + 3600)
    _, without = _identity_lookups(every, export_file, 200)
    assert 0 < with_known < without / 2
    tickets = f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"
    assert _rows(known, tickets) == _rows(every, tickets)


def test_a_merge_between_batches_is_seen_by_the_batches_after_it(tmp_path, export_file, monkeypatch):
    """An agent who merges two buyers between two batches moves identities: the batches after the merge
    attach the merged buyer's messages to the buyer kept, as a lookup in the desk would, though the
    importer knew the merged buyer's id from an earlier batch."""
    path = tmp_path / "desk.db"
    Desk.open(path).close()
    desk = Desk.open(path)
    writing = _buyers_with_messages(export_file)
    merged: dict[str, int] = {}
    real_settle = BatchImporter.settle

    def settle_then_merge(self, report):
        real_settle(self, report)
        if merged or not self.known.ids["customer"]:
            return
        agent = Desk.open(path)  # another connection, between two batches
        try:
            rows = agent.db.execute(
                "SELECT i.customer_id, i.platform, s.external_id, i.external_id, i.shop_id "
                "FROM customer_identities i JOIN shops s ON s.id = i.shop_id ORDER BY i.customer_id"
            ).fetchall()
            later = [
                r
                for r in rows
                if (r[1], r[2], r[3]) in writing and r[0] in self.known.ids["customer"].values()
            ]
            if not later:
                return
            other = later[-1]
            keep = next(r for r in rows if r[4] == other[4] and r[0] != other[0])
            agent.merges.merge(ADMIN, keep[0], other[0])
            merged.update(keep=keep[0], other=other[0])
        finally:
            agent.close()

    monkeypatch.setattr(BatchImporter, "settle", settle_then_merge)
    report = import_jsonl(desk, ADMIN, export_file, batch=200)
    assert report.bad == [] and merged
    # The merged buyer's messages went to the buyer kept, none to the one merged away.
    assert _rows(desk, f"SELECT count(*) FROM tickets WHERE customer_id = {merged['other']}") == [(0,)]
    assert _rows(desk, f"SELECT count(*) FROM tickets WHERE customer_id = {merged['keep']}")[0][0] > 0
    desk.close()


def test_a_file_that_repeats_itself_on_an_empty_desk_adds_nothing_twice(tmp_path, export_file):
    """On a desk that had no message, the keys of those the import added are known, so its batches look
    none up; a record met again in a later batch is unchanged, as with the lookups."""
    twice = tmp_path / "twice.jsonl"
    twice.write_bytes(export_file.read_bytes() * 2)
    desk = Desk.memory(clock=lambda: NOW + 3600)
    lookups: list[str] = []
    desk.db.conn.set_trace_callback(
        lambda sql: lookups.append(sql) if "FROM messages WHERE platform" in sql else None
    )
    report = import_jsonl(desk, ADMIN, twice, batch=500)
    desk.db.conn.set_trace_callback(None)
    assert report.bad == [] and lookups == []
    reference = _imported(export_file, batch=100_000)
    assert report.unchanged["message"] == reference.db.execute("SELECT count(*) FROM messages").fetchone()[0]
    for sql in (
        "SELECT platform, shop_id, external_id, body FROM messages ORDER BY 1, 2, 3",
        f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id",
    ):
        assert _rows(desk, sql) == _rows(reference, sql)
    # A desk that has messages already is looked up as before.
    again = import_jsonl(desk, ADMIN, export_file, batch=500)
    assert sum(again.added.values()) == 0 and again.unchanged["message"] == report.unchanged["message"]


def _by_mail(source: Path, folder: Path) -> Path:
    """The export with every message marked as come by e-mail (as a seller's Amazon or Shopify desk has
    most of them)."""
    out = []
    for line in source.read_bytes().splitlines():
        record = orjson.loads(line)
        if record["type"] == "message":
            record["channel"] = "email"
        out.append(orjson.dumps(record))
    path = folder / "by-mail.jsonl"
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


def _line_by_line(self: BatchImporter, *args: Any, **kwargs: Any) -> Any:
    """In place of ``BatchImporter._bulk``: every batch rolled back and applied line by line."""
    raise LookupError("forced")


def test_messages_that_came_by_mail_keep_their_channel_without_a_write_each(export_file, tmp_path, monkeypatch):
    """How a batch's messages travelled and their attachments' metadata are restored once the batch's rows
    are written, a statement per table: not one lookup and one update per message (a seller's export may
    hold hundreds of thousands of mails, and photos on many). The desk is the one the one-record path
    makes."""
    source = _by_mail(export_file, tmp_path)
    records = [orjson.loads(line) for line in source.read_bytes().splitlines()]
    messages = sum(1 for r in records if r["type"] == "message")
    attached = [r for r in records if r["type"] == "message" and r.get("attachments")]
    assert attached
    desk = Desk.memory(clock=lambda: NOW + 3600)
    reads: list[str] = []
    desk.db.conn.set_trace_callback(lambda sql: reads.append(sql) if "FROM messages WHERE id =" in sql else None)
    try:
        report = import_jsonl(desk, ADMIN, source, batch=500)
    finally:
        desk.db.conn.set_trace_callback(None)
    assert report.bad == [] and report.added["message"] == messages
    assert reads == []
    one_by_one = Desk.memory(clock=lambda: NOW + 3600)
    monkeypatch.setattr(BatchImporter, "_bulk", _line_by_line)
    import_jsonl(one_by_one, ADMIN, source, batch=500)
    for sql in (
        "SELECT external_id, channel FROM messages ORDER BY external_id",
        "SELECT m.external_id, x.sha256, x.kind, x.note, x.created_at, t.external_id FROM mail_messages x "
        "JOIN messages m ON m.id = x.desk_message_id JOIN tickets t ON t.id = x.ticket_id ORDER BY 1",
        "SELECT m.external_id, a.sha256, a.filename, a.declared_type, a.sniffed_type, a.size, a.stored "
        "FROM mail_attachments a JOIN mail_messages x ON x.id = a.mail_id "
        "JOIN messages m ON m.id = x.desk_message_id ORDER BY 1, 2",
        "SELECT count(*) FROM audit WHERE action = 'mail.adopt'",
    ):
        assert _rows(desk, sql) == _rows(one_by_one, sql), sql
    assert {c for _, c in _rows(desk, "SELECT external_id, channel FROM messages")} == {"email"}
    assert _rows(desk, "SELECT count(*) FROM mail_attachments")[0][0] >= len(attached)


def _order_audit(desk: Desk) -> list[tuple]:
    return _rows(
        desk,
        "SELECT action, object_id, before, after FROM audit WHERE object_type = 'order' ORDER BY id",
    )


def test_orders_are_audited_in_the_words_of_the_one_record_path(export_file, tmp_path, monkeypatch):
    """An order's audit rows (its whole row when made, the columns a later record changed) read the same
    text whether its batch was written set-based or line by line."""
    changed = tmp_path / "changed.jsonl"
    lines = []
    for line in export_file.read_bytes().splitlines():
        record = orjson.loads(line)
        if record["type"] == "order":
            record["status"] = "refunded"
            record["tracking_number"] = "NEW-" + record["external_id"]
        lines.append(orjson.dumps(record))
    changed.write_bytes(b"\n".join(lines) + b"\n")

    def both() -> list[tuple]:
        desk = Desk.memory(clock=lambda: NOW + 3600)
        for source in (export_file, changed):
            assert import_jsonl(desk, ADMIN, source, batch=400).bad == []
        return _order_audit(desk)

    bulk = both()
    monkeypatch.setattr(BatchImporter, "_bulk", _line_by_line)
    assert both() == bulk
    actions = {action for action, *_ in bulk}
    assert actions == {"order.create", "order.update"}
    updates = [(before, after) for action, _, before, after in bulk if action == "order.update"]
    assert updates and all('"tracking_number":"NEW-' in after for _, after in updates)


def _ticket_lookups(desk: Desk, source: Path, batch: int) -> int:
    lookups: list[str] = []
    desk.db.conn.set_trace_callback(
        lambda sql: lookups.append(sql) if " FROM tickets WHERE platform = " in sql else None
    )
    try:
        assert import_jsonl(desk, ADMIN, source, batch=batch).bad == []
    finally:
        desk.db.conn.set_trace_callback(None)
    return len(lookups)


def test_an_import_into_an_empty_desk_looks_up_only_threads_it_wrote(export_file, monkeypatch):
    """On a desk that had no ticket, a thread the import has not written yet is new: it is not looked up
    (``Known.threads``). Turned off, every wave looks its threads up; the desks are the same."""
    known = Desk.memory(clock=lambda: NOW + 3600)
    with_known = _ticket_lookups(known, export_file, 200)
    check = Known.check

    def forgetting(self: Known) -> None:
        check(self)
        self.threads = None

    monkeypatch.setattr(Known, "check", forgetting)
    every = Desk.memory(clock=lambda: NOW + 3600)
    without = _ticket_lookups(every, export_file, 200)
    assert 0 < with_known < without / 2, (with_known, without)
    tickets = f"SELECT {TICKET_COLUMNS} FROM tickets ORDER BY id"
    assert _rows(known, tickets) == _rows(every, tickets)
    # a rerun looks the threads up (they are all in the desk now) and adds nothing
    monkeypatch.undo()
    assert _ticket_lookups(known, export_file, 200) > 0
    assert _rows(known, tickets) == _rows(every, tickets)


def _schema(db: Any) -> list[tuple]:
    return sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type = 'index'").fetchall())


def test_an_import_into_empty_tables_sets_their_indexes_aside_and_leaves_them_as_they_were(
    tmp_path, export_file
):
    path = tmp_path / "desk.db"
    desk = Desk.open(path, clock=lambda: NOW + 3600)
    fresh = _schema(desk.db)
    seen: list[set[str]] = []

    def progress(done: int, total: int) -> None:
        # another connection, as the desk's other users see it while the import runs
        other = sqlite3.connect(path)
        seen.append({r[0] for r in other.execute("SELECT name FROM sqlite_master WHERE type = 'index'")})
        other.close()

    report = import_jsonl(desk, ADMIN, export_file, batch=200, progress=progress)
    assert report.bad == [] and report.added["message"] > 250
    assert len(seen) > 3
    during = seen[1]  # after a batch, before the end
    for name in ("tickets_queue", "tickets_inbox", "messages_ticket", "orders_customer", "order_lines_sku"):
        assert name not in during
    for name in ("customers_email", "customer_identities_customer", "audit_object"):
        assert name in during  # the intake reads these, or their tables were not empty
    assert _schema(desk.db) == fresh
    assert desk.db.execute("SELECT count(*) FROM indexes_aside").fetchone()[0] == 0
    plan = " ".join(
        str(r[-1]) for r in desk.db.execute("EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE customer_id = 7")
    )
    assert "tickets_customer" in plan

    # Tables that have rows keep their indexes: a second import drops none.
    dropped: list[str] = []
    desk.db.conn.set_trace_callback(lambda sql: dropped.append(sql) if sql.startswith("DROP INDEX") else None)
    again = import_jsonl(desk, ADMIN, export_file, batch=200)
    desk.db.conn.set_trace_callback(None)
    assert sum(again.added.values()) == 0 and dropped == []
    desk.close()
