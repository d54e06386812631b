import pytest

from crossdesk.api import DeskError, NotFound, PermissionDenied
from crossdesk.models import Actor, Role, TicketStatus
from crossdesk.platforms import MessageOut
from crossdesk.testing import seed

AGENT = Actor("ana", Role.AGENT, 1)


def test_seed_merges_one_buyer_across_platforms(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    # Jana wrote on Amazon DE and on eBay DE with the same e-mail: one profile, two identities.
    assert ids.customers["de_wismo"] == ids.customers["de_angry"]
    profile = desk.customer(AGENT, ids.customers["de_wismo"])
    assert {i["platform"] for i in profile["identities"]} == {"amazon", "ebay"}
    assert len(profile["orders"]) == 2 and len(profile["tickets"]) == 2
    assert profile["lifetime_value_usd"] == pytest.approx((49.99 + 25.99) * 1.08, abs=0.01)
    assert profile["phone"] == "+4915123456789"


def test_duplicate_delivery_stores_nothing(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    before = desk.db.execute("SELECT count(*) FROM messages").fetchone()[0]
    audit_before = desk.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    ticket, _, new = desk.receive_message(
        Actor.system(),
        platform="amazon",
        shop_id=ids.shops["AMZ-DE"],
        thread_id="thread-de_wismo",
        external_id="msg-de_wismo-1",
        body="Hallo, wo ist mein Paket?",
        created_at=0,
    )
    assert (ticket, new) == (ids.tickets["de_wismo"], False)
    assert desk.db.execute("SELECT count(*) FROM messages").fetchone()[0] == before
    assert desk.db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before


def test_broken_utf8_is_repaired_not_lost(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    ticket, message, _ = desk.receive_message(
        Actor.system(),
        platform="ebay",
        shop_id=ids.shops["EBAY-DE"],
        thread_id="t-bad",
        external_id="m-bad",
        body="Größe falsch \xff\xfe bitte Rückgabe".encode("latin-1"),
        created_at=desk.now(),
    )
    body = desk.db.execute("SELECT body FROM messages WHERE id = ?", [message]).fetchone()[0]
    assert "falsch" in body and "Rückgabe" not in body and "\ufffd" in body
    assert "encoding-repaired" in desk.tags(ticket)


def test_huge_and_empty_messages_are_refused_with_a_reason(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    common = dict(platform="ebay", shop_id=ids.shops["EBAY-DE"], thread_id="t", created_at=0)
    with pytest.raises(DeskError, match="the limit is"):
        desk.receive_message(Actor.system(), external_id="big", body="x" * 1_000_001, **common)
    with pytest.raises(DeskError, match="empty"):
        desk.receive_message(Actor.system(), external_id="empty", body="  \n", **common)
    assert desk.db.execute("SELECT count(*) FROM tickets WHERE external_id = 't'").fetchone()[0] == 0


def test_buyer_message_reopens_a_pending_ticket(crossdesk_seeded, crossdesk_clock):
    desk, ids = crossdesk_seeded
    tid = ids.tickets["us_return"]
    desk.reply(AGENT, tid, "Sorry to hear that! A return label is on its way.")
    assert desk.ticket(AGENT, tid)["status"] == TicketStatus.PENDING
    crossdesk_clock.advance(3600)
    desk.receive_message(
        Actor.system(),
        platform="ebay",
        shop_id=ids.shops["EBAY-US"],
        thread_id="thread-us_return",
        external_id="msg-us_return-2",
        body="Thanks, got it",
        created_at=desk.now(),
    )
    ticket = desk.ticket(AGENT, tid)
    assert ticket["status"] == TicketStatus.OPEN
    assert ticket["last_customer_msg_at"] == desk.now()


def test_reply_goes_to_outbox_once_and_is_audited(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    tid = ids.tickets["fr_broken"]
    mid = desk.reply(AGENT, tid, "Bonjour, nous sommes désolés.")
    items = desk.db.execute(
        "SELECT kind, idempotency_key, status FROM outbox WHERE ticket_id = ?", [tid]
    ).fetchall()
    assert items == [("message", f"message:{mid}", "pending")]
    again = MessageOut(
        platform="amazon", shop_external_id="any", idempotency_key=f"message:{mid}", body="x", created_at=0
    )
    assert desk.enqueue_outbox(AGENT, again) == 1
    trail = desk.audit_trail(AGENT, "ticket", tid)
    actions = [row["action"] for row in trail]
    assert "ticket.reply" in actions and "ticket.update" in actions
    update = next(row for row in trail if row["action"] == "ticket.update")
    assert update["actor"] == "ana" and update["before"] == {"status": 0} and update["after"] == {"status": 2}


def test_denied_call_writes_nothing(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    before = desk.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(PermissionDenied):
        desk.set_setting(AGENT, "refund_limits", {"agent": 10**9})
    with pytest.raises(PermissionDenied):
        desk.assign(AGENT, list(ids.tickets.values()), ids.agents["ana"])
    assert desk.db.execute("SELECT count(*) FROM audit").fetchone()[0] == before
    assert desk.get_setting("refund_limits") is None


def test_bulk_assign_reports_per_ticket(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    sam = desk.actor_for("sam")
    results = desk.assign(sam, [ids.tickets["de_wismo"], 9999, ids.tickets["fr_broken"]], ids.agents["ana"])
    assert results[ids.tickets["de_wismo"]] == "ok" and results[ids.tickets["fr_broken"]] == "ok"
    assert results[9999].startswith("error: no ticket")
    again = desk.assign(sam, [ids.tickets["de_wismo"]], ids.agents["ana"])
    assert again == {ids.tickets["de_wismo"]: "unchanged"}


def test_inbox_filters_and_search(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    assert {t["id"] for t in desk.list_tickets(AGENT, platform="ebay")} == {
        ids.tickets["us_return"],
        ids.tickets["de_angry"],
    }
    assert [t["id"] for t in desk.list_tickets(AGENT, language="ja")] == [ids.tickets["jp_question"]]
    assert [t["id"] for t in desk.list_tickets(AGENT, search="remboursement")] == [ids.tickets["fr_broken"]]
    assert desk.list_tickets(AGENT, search='"; DROP TABLE tickets') == []
    with pytest.raises(DeskError):
        desk.list_tickets(AGENT, search="   ")


def test_unknown_objects_and_fields(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    with pytest.raises(NotFound):
        desk.ticket(AGENT, 424242)
    with pytest.raises(DeskError, match="cannot set created_at"):
        desk.update_ticket(AGENT, ids.tickets["de_wismo"], created_at=0)
    with pytest.raises(ValueError, match="unknown ticket status"):
        desk.update_ticket(AGENT, ids.tickets["de_wismo"], status="asleep")


def test_merge_candidates_suggest_similar_names(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    admin = Actor.system()
    other = desk.upsert_customer(
        admin,
        platform="shopify",
        shop_id=ids.shops["SHOPIFY-WEB"],
        external_id="c-77",
        name="Jana Schmidt",
        country="DE",
    )
    assert other != ids.customers["de_wismo"]  # no shared e-mail or phone: not merged automatically
    assert desk.merge_candidates(AGENT, other)[0][0] == ids.customers["de_wismo"]
    desk.merge_customers(admin, ids.customers["de_wismo"], other)
    profile = desk.customer(AGENT, ids.customers["de_wismo"])
    assert {i["platform"] for i in profile["identities"]} == {"amazon", "ebay", "shopify"}


def test_hook_crossdesk_event(crossdesk_desk):
    """Observers hear of events only after the change that raised them commits; a rollback raises none."""
    from crossdesk import hookimpl
    from crossdesk.testing import plugin_registered

    seen = []

    class Observer:
        @hookimpl
        def crossdesk_event(self, event):
            seen.append((event.name, crossdesk_desk.db.conn.in_transaction))

    with plugin_registered(crossdesk_desk.pm, Observer()):
        ids = seed(crossdesk_desk)
        assert ("ticket_created", False) in seen
        assert all(not in_tx for _, in_tx in seen)
        seen.clear()
        with pytest.raises(RuntimeError), crossdesk_desk.tx():
            crossdesk_desk.add_tags(Actor.system(), ids.tickets["de_wismo"], ["vip"])
            raise RuntimeError
        assert seen == []
        assert "vip" not in crossdesk_desk.tags(ids.tickets["de_wismo"])


def test_a_batch_of_events_reaches_every_kind_of_observer_in_pluggy_order(monkeypatch):
    """A batch's events go to plain observers directly and through pluggy to the others (a wrapper, an
    observer without arguments, a tracing monitor): each hears every event, once, in pluggy's order."""
    import pluggy

    from crossdesk import hookimpl
    from crossdesk.api import Desk
    from crossdesk.models import Event
    from crossdesk.testing import plugin_registered

    desk = Desk.memory()
    heard: list[tuple[str, int]] = []

    class First:
        @hookimpl
        def crossdesk_event(self, event):
            heard.append(("first", event.object_id))

    class Last:  # registered last: pluggy calls it first
        @hookimpl
        def crossdesk_event(self, event):
            heard.append(("last", event.object_id))

    class Bare:
        @hookimpl
        def crossdesk_event(self):
            heard.append(("bare", 0))

    class Wrapper:
        @hookimpl(wrapper=True)
        def crossdesk_event(self, event):
            heard.append(("wrap", event.object_id))
            return (yield)

    class Joins:  # an observer that registers another while events are delivered
        @hookimpl
        def crossdesk_event(self, event):
            if event.object_id == 1 and not desk.pm.has_plugin("bare"):
                desk.pm.register(Bare(), name="bare")

    def deliver(n: int) -> None:
        desk.store.defer([Event("ticket_updated", "ticket", i, "test", 0, {}) for i in range(1, n + 1)])

    through_pluggy: list[str] = []
    hook_call = pluggy.HookCaller.__call__

    def counted(self, **kwargs):
        through_pluggy.append(self.name)
        return hook_call(self, **kwargs)

    with plugin_registered(desk.pm, First()), plugin_registered(desk.pm, Last()):
        with monkeypatch.context() as patch:
            patch.setattr(pluggy.HookCaller, "__call__", counted)
            deliver(2)
        assert heard == [("last", 1), ("first", 1), ("last", 2), ("first", 2)]
        assert "crossdesk_event" not in through_pluggy  # plain observers: called directly
        heard.clear()
        with plugin_registered(desk.pm, Joins()):
            deliver(2)  # Bare joins during the first event: it hears the second
        assert heard == [("last", 1), ("first", 1), ("bare", 0), ("last", 2), ("first", 2)]
        desk.pm.unregister(name="bare")
        heard.clear()
        with plugin_registered(desk.pm, Wrapper()):
            deliver(2)
        assert heard == [("wrap", 1), ("last", 1), ("first", 1), ("wrap", 2), ("last", 2), ("first", 2)]
        heard.clear()
        traced: list[str] = []
        undo = desk.pm.add_hookcall_monitoring(
            lambda name, impls, kwargs: traced.append(name), lambda outcome, name, impls, kwargs: None
        )
        try:
            deliver(3)
        finally:
            undo()
        assert traced.count("crossdesk_event") == 3 and len(heard) == 6
