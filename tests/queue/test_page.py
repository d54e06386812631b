"""The inbox's pages (``desk.queue.page``): live ranking once the snapshot is built and the filters allow
it, the stored ranking otherwise; the snapshot on a read session of its own."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from crossdesk.errors import PermissionDenied
from crossdesk.models import Actor, Role
from crossdesk.queue import live_filters
from crossdesk.store import permissions
from crossdesk.testing import make_desk, seed

AGENT = Actor(name="ana", role=Role.AGENT)


@pytest.fixture
def seeded(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    # Stored priorities that disagree with the live score, so the two rankings are told apart.
    for n, tid in enumerate(sorted(ids.tickets.values())):
        desk.db.execute("UPDATE tickets SET priority = ? WHERE id = ?", [float(n), tid])
    return desk, ids


def stored_order(desk) -> list[int]:
    return [r[0] for r in desk.db.execute("SELECT id FROM tickets ORDER BY priority DESC, created_at, id")]


def test_stored_ranking_until_the_snapshot_is_ready_then_live(seeded):
    desk, _ = seeded
    assert not desk.queue.ready
    first = desk.queue.page(AGENT, offset=0, limit=4)
    assert not first.live
    assert [r["id"] for r in first.rows] == stored_order(desk)[:4]
    assert not desk.queue.ready  # a page never builds the snapshot itself

    assert desk.queue.prepare(AGENT) == 6
    live = desk.queue.page(AGENT, offset=0, limit=10)
    top = desk.queue.top(AGENT, 10)
    assert live.live
    assert [r["id"] for r in live.rows] == [e.ticket_id for e in top]
    assert [r["priority"] for r in live.rows] == pytest.approx([e.priority for e in top])
    assert stored_order(desk) != [e.ticket_id for e in top]  # the two rankings really differ here


def test_rows_carry_the_names_the_inbox_shows(seeded):
    desk, ids = seeded
    for ready in (False, True):
        if ready:
            desk.queue.prepare(AGENT)
        page = desk.queue.page(AGENT, offset=0, limit=10, language="de")
        assert page.live is ready
        assert {r["id"] for r in page.rows} == {ids.tickets["de_wismo"], ids.tickets["de_angry"]}
        row = next(r for r in page.rows if r["id"] == ids.tickets["de_wismo"])
        assert row["buyer"] == "Jana Schmidt" and row["shop_name"] == "Acme Amazon DE"
        assert row["assignee"] == ""


def test_offset_pages_through_the_same_ranking(seeded):
    desk, _ = seeded
    desk.queue.prepare(AGENT)
    whole = [r["id"] for r in desk.queue.page(AGENT, offset=0, limit=6).rows]
    halves = [r["id"] for o in (0, 3) for r in desk.queue.page(AGENT, offset=o, limit=3).rows]
    assert halves == whole and len(whole) == 6
    assert desk.queue.page(AGENT, offset=6, limit=3).rows == []
    assert desk.queue.count(AGENT) == 6


@pytest.mark.parametrize(
    "filters",
    [
        {"search": "Paket"},
        {"tag": "vip"},
        {"breaching_before": 10**10},
        {"status": ["open", "solved"]},
        {"status": ["closed"]},
        {"assignee_id": 1, "unassigned": True},
    ],
)
def test_filters_the_snapshot_cannot_serve_use_the_stored_ranking(seeded, filters):
    desk, _ = seeded
    desk.queue.prepare(AGENT)
    page = desk.queue.page(AGENT, offset=0, limit=10, **filters)
    assert not page.live
    assert live_filters(filters) is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {}),
        ({"platform": "amazon", "shop_id": 3}, {"platform": "amazon", "shop": 3}),
        ({"status": ["new", "open"], "intent": "wismo"}, {"status": ["new", "open"], "intent": "wismo"}),
        ({"tier": 2, "language": "de", "assignee_id": 4}, {"tier": 2, "language": "de", "assignee": 4}),
        ({"unassigned": True}, {"assignee": 0}),
        ({"search": None, "tag": None}, {}),  # given but empty: nothing the snapshot cannot do
    ],
)
def test_live_filters_maps_the_inbox_filters(filters, expected):
    assert live_filters(filters) == expected


def test_paging_needs_view_and_an_actor(seeded, monkeypatch):
    desk, _ = seeded
    with pytest.raises(TypeError):
        desk.queue.page("ana", offset=0, limit=5)
    with pytest.raises(ValueError):
        desk.queue.page(AGENT, offset=-1, limit=5)
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, frozenset({"reply"}))
    with pytest.raises(PermissionDenied):
        desk.queue.page(AGENT, offset=0, limit=5)
    with pytest.raises(PermissionDenied):
        desk.queue.prepare(AGENT)
    assert not desk.queue.ready


# ---- a desk file: the snapshot's own connection --------------------------------------------------------


@pytest.fixture
def file_desk(tmp_path, crossdesk_clock):
    desk = make_desk(clock=crossdesk_clock, path=str(tmp_path / "desk.db"))
    seed(desk)
    yield desk
    desk.close()


def run_in_thread(fn, timeout: float = 20.0):
    out: dict = {}

    def go() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed to the test thread
            out["error"] = exc

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "the call waited for a lock it should not need"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def test_the_snapshot_is_built_on_a_read_connection_of_its_own(file_desk):
    queue = file_desk.queue
    # While another thread holds the desk's connection (the TUI's gateway in a long call), the snapshot
    # can still be built: it needs only its own session.
    with file_desk.store.lock:
        assert run_in_thread(lambda: queue.prepare(AGENT)) == 6
    reader = queue._reader
    assert reader is not None and reader is not file_desk.store
    assert reader.db.conn is not file_desk.db.conn and reader.lock is not file_desk.store.lock
    with pytest.raises(sqlite3.OperationalError):
        reader.db.execute("DELETE FROM tickets")  # read-only: the snapshot's session never writes
    # A change written on the desk's connection reaches the snapshot at its next look.
    ticket = queue.top(AGENT, 1)[0].ticket_id
    file_desk.update_ticket(Actor.system(), ticket, status="solved")
    assert ticket not in [e.ticket_id for e in queue.top(AGENT, 10)]


def test_a_page_never_waits_for_a_snapshot_being_built(file_desk):
    queue = file_desk.queue
    building = threading.Event()
    release = threading.Event()

    def slow_build() -> None:
        with queue._snapshot():  # what prepare() holds for seconds on a big desk
            building.set()
            release.wait(20)

    builder = threading.Thread(target=slow_build, daemon=True)
    builder.start()
    assert building.wait(5)
    try:
        page = run_in_thread(lambda: queue.page(AGENT, offset=0, limit=5), timeout=5)
        assert not page.live and len(page.rows) == 5
    finally:
        release.set()
        builder.join(5)


def test_closing_the_desk_closes_the_snapshot_session(tmp_path, crossdesk_clock):
    desk = make_desk(clock=crossdesk_clock, path=str(tmp_path / "desk.db"))
    desk.queue.prepare(AGENT)
    reader = desk.queue._reader
    desk.close()
    with pytest.raises(sqlite3.ProgrammingError):
        reader.db.execute("SELECT 1")


def test_in_memory_the_snapshot_shares_the_desk_and_its_lock(crossdesk_seeded):
    desk, _ = crossdesk_seeded
    desk.queue.prepare(AGENT)
    assert desk.queue._reader is desk.store
    assert desk.store.reader() is desk.store


def test_detached_desk_for_long_work(file_desk, crossdesk_seeded):
    with file_desk.detached() as other:
        assert other is not file_desk and other.db.conn is not file_desk.db.conn
        assert other.count_tickets(AGENT) == file_desk.count_tickets(AGENT)
    with pytest.raises(sqlite3.ProgrammingError):
        other.db.execute("SELECT 1")  # closed afterwards
    memory, _ = crossdesk_seeded
    with memory.detached() as same:
        assert same is memory
        # held under the store's lock: another thread cannot use the connection meanwhile
        assert not run_in_thread(lambda: memory.store.lock.acquire(blocking=False))
