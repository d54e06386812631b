"""Notifications: assigned to me, SLA about to breach on my ticket, my approval decided; through the
crossdesk_notify hook (the built-in webhook notifier against a loopback receiver) and stored for the TUI."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crossdesk import hookimpl
from crossdesk.models import Actor, Role
from crossdesk.testing import FixedClock, make_desk

ADMIN = Actor.system("t")


class Receiver:
    """An incoming-webhook endpoint on loopback: records each POST (path, JSON); /broken answers 500."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.posts.append((self.path, json.loads(body)))
                self.send_response(500 if self.path == "/broken" else 200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


class Collector:
    def __init__(self) -> None:
        self.got = []

    @hookimpl
    def crossdesk_notify(self, notification) -> None:
        self.got.append(notification)


@pytest.fixture
def desk():
    collector = Collector()
    d = make_desk(collector, builtins=False, clock=FixedClock())
    d.db.conn.execute(
        "INSERT INTO shops (id, platform, external_id, name, created_at) VALUES (1, 'ebay', 'S', 's', 0)"
    )
    d.collector = collector
    yield d
    d.close()


def _ticket(desk, n=1):
    now = desk.now()
    return desk.db["tickets"].insert(
        {"platform": "ebay", "shop_id": 1, "external_id": f"T{n}", "status": 1, "language": "en",
         "subject": "Where is my parcel", "created_at": now, "updated_at": now}
    ).last_pk  # fmt: skip


def test_hook_crossdesk_notify(desk):
    """A plugin's crossdesk_notify gets each notification once, after the commit."""
    ana = desk.team.create_agent(ADMIN, "ana", languages=["en"])
    t = _ticket(desk)
    with desk.store.tx():
        desk.tickets.update(ADMIN, t, assignee_id=ana)
        assert desk.collector.got == []  # not before the commit
    assert [(n.agent_id, n.kind, n.ticket_id) for n in desk.collector.got] == [(ana, "assigned", t)]


def test_assigned_to_me_through_every_notifier(desk, receiver, monkeypatch):
    monkeypatch.setenv(
        "CROSSDESK_NOTIFY_WEBHOOKS",
        json.dumps([
            {"url": receiver.url + "/slack", "style": "slack"},
            {"url": receiver.url + "/feishu", "style": "feishu", "agents": ["ana"]},
            {"url": receiver.url + "/dingtalk", "style": "dingtalk", "agents": ["bob"]},
            {"url": receiver.url + "/broken", "style": "slack"},
        ]),
    )  # fmt: skip
    ana = desk.team.create_agent(ADMIN, "ana", languages=["en"])
    t = _ticket(desk)
    desk.tickets.update(ADMIN, t, assignee_id=ana)
    [n] = desk.collector.got
    assert (n.agent, n.kind, n.ticket_id) == ("ana", "assigned", t)
    assert f"Ticket #{t} assigned to you" in n.text
    paths = {p: body for p, body in receiver.posts}
    assert set(paths) == {"/slack", "/feishu", "/broken"}  # not bob's hook; a failing one fails nobody
    assert "assigned to you" in paths["/slack"]["text"]
    assert paths["/feishu"]["msg_type"] == "text" and "ana" in paths["/feishu"]["content"]["text"]
    unread = desk.notifications.unread(Actor("ana", Role.AGENT, ana))
    assert [u["kind"] for u in unread] == ["assigned"]
    desk.notifications.mark_read(Actor("ana", Role.AGENT, ana), [unread[0]["id"]])
    assert desk.notifications.unread(Actor("ana", Role.AGENT, ana)) == []


def test_taking_a_ticket_yourself_tells_nobody_and_rollback_sends_nothing(desk):
    ana = desk.team.create_agent(ADMIN, "ana", languages=["en"])
    t = _ticket(desk)
    desk.routing.take(Actor("ana", Role.AGENT, ana), t)
    assert desk.collector.got == []
    t2 = _ticket(desk, 2)
    with pytest.raises(RuntimeError), desk.store.tx():
        desk.tickets.update(ADMIN, t2, assignee_id=ana)
        raise RuntimeError("boom")
    assert desk.collector.got == []
    assert desk.notifications.unread(Actor("ana", Role.AGENT, ana)) == []


def test_sla_near_breach_and_approval_decided(desk):
    ana = desk.team.create_agent(ADMIN, "ana", languages=["en"])
    t = _ticket(desk)
    desk.db.execute("UPDATE tickets SET assignee_id = ? WHERE id = ?", [ana, t])
    desk.store.emit(ADMIN, "sla_near_breach", "ticket", t, target="first_reply", due=desk.now() + 600)
    desk.store.emit(ADMIN, "approval_decided", "approval", 7, state="approved", requester_id=ana, ticket_id=t)
    kinds = [(n.kind, n.agent) for n in desk.collector.got]
    assert kinds == [("sla", "ana"), ("approval", "ana")]
    assert "approved" in desk.collector.got[1].text


def test_bad_webhook_setting_is_ignored_with_a_warning(desk, monkeypatch, caplog):
    from crossdesk.builtins.notify import payload, webhooks

    monkeypatch.setenv("CROSSDESK_NOTIFY_WEBHOOKS", "not json")
    assert webhooks() == []
    monkeypatch.setenv(
        "CROSSDESK_NOTIFY_WEBHOOKS", json.dumps([{"url": "ftp://x"}, {"url": "http://x", "style": "icq"}])
    )
    assert webhooks() == []
    assert "not JSON" in caplog.text and "style" in caplog.text
    assert payload("dingtalk", "hi") == {"msgtype": "text", "text": {"content": "hi"}}


@pytest.mark.anyio
async def test_the_tui_shows_my_notifications(tmp_path, monkeypatch):
    from crossdesk.testing import seed
    from crossdesk.tui.app import CrossdeskApp

    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    d = make_desk(clock=FixedClock())
    ids = seed(d)
    sam = d.actor_for("sam")
    app = CrossdeskApp(d, "ana", blink=False, warm_up=False)
    app.notify_every = 0.1
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        ana_id = d.actor_for("ana").agent_id
        with d.lock:
            d.routing.move(sam, ids.tickets["us_return"], agent_id=ana_id, reason="she knows the buyer")
        shown = []
        for _ in range(60):
            await pilot.pause(0.05)
            shown = [n.message for n in app._notifications]  # textual's toasts
            if shown:
                break
        assert any("assigned to you" in m for m in shown)
    assert d.notifications.unread(d.actor_for("ana")) == []
    d.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
