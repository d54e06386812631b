"""Issue 18 item 4: no message is delivered twice under lease expiry or a ten-minute clock skew."""

from __future__ import annotations

import sqlite3
import threading
import time

import orjson
import pytest

from crossdesk.api import Desk
from crossdesk.fakes.server import Fault
from crossdesk.testing import FixedClock
from tests.sync.conftest import build, make_fake

from .conftest import ADMIN

SEND = {"ebay": "/commerce/message/v1/send_message", "shopee": "/api/v2/sellerchat/send_message"}


def _reply(h) -> int:
    assert h.sync().ok
    ticket = h.desk.db.execute("SELECT id FROM tickets ORDER BY id LIMIT 1").fetchone()[0]
    message = h.desk.reply(ADMIN, ticket, "Your parcel left our warehouse today.")
    return h.desk.db.execute(
        "SELECT id FROM outbox WHERE idempotency_key = ?", [f"message:{message}"]
    ).fetchone()[0]


def _status(path, item: int) -> str:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("SELECT status FROM outbox WHERE id = ?", [item]).fetchone()[0]
    finally:
        conn.close()


def test_a_send_held_by_rate_limits_past_its_lease_is_not_taken_by_a_second_dispatcher(tmp_path, monkeypatch):
    path = tmp_path / "desk.db"
    monkeypatch.setattr(Desk, "memory", classmethod(lambda cls, pm=None, **kw: Desk.open(path, pm, **kw)))
    with make_fake("ebay") as fake:
        h = build("ebay", fake, max_backoff=1.0)
        h.clock = time.time  # real time: the lease runs out while the send is held up
        h.desk.store.clock = time.time
        item = _reply(h)
        # Three 429s, a second each: the send takes about three seconds, the lease is one.
        fake.inject(Fault.rate_limited(1), times=3, method="POST", path=SEND["ebay"])
        first: dict = {}

        def dispatch_first() -> None:
            desk = Desk.open(path, h.desk.pm)
            try:
                with desk.sync.connections(env=h.env, credentials_path=tmp_path / "none.toml") as conn:
                    first["report"] = desk.sync.dispatcher(conn, lease=1, backoff=1).run()
            finally:
                desk.close()

        worker = threading.Thread(target=dispatch_first)
        worker.start()
        # Wait until the first dispatcher holds the item (a loaded machine may take a while to get there),
        # then past its one-second lease while the send still waits out the rate limits.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _status(path, item) != "sending":
            time.sleep(0.05)
        assert _status(path, item) == "sending"
        time.sleep(1.5)
        second = h.dispatch(lease=1)
        worker.join(30)
        assert second.sent == [] and second.reconciled == []
        assert first["report"].sent == [item]
        assert len(fake.actions_of("send_message")) == 1
        h.desk.close()


@pytest.mark.parametrize("platform", ["ebay", "shopee"])
def test_ten_minutes_of_clock_skew_do_not_cause_a_resend(platform):
    with make_fake(platform) as fake:
        h = build(platform, fake)
        item = _reply(h)
        ahead = FixedClock(int(time.time()) + 600)  # the desk's clock is ten minutes ahead of the platform's
        h.desk.store.clock = ahead
        h.clock = ahead
        # As if queued now by that desk: the reply's time is ten minutes after the platform's now.
        payload = orjson.loads(
            h.desk.db.execute("SELECT payload FROM outbox WHERE id = ?", [item]).fetchone()[0]
        )
        payload["created_at"] = int(ahead())
        h.desk.db.execute(
            "UPDATE outbox SET payload = ?, created_at = ?, next_attempt_at = ? WHERE id = ?",
            [orjson.dumps(payload).decode(), ahead(), ahead(), item],
        )
        h.set_config(timeout=0.3)
        fake.inject(Fault.slow(0.6), method="POST", path=SEND[platform])
        first = h.dispatch()
        assert first.retrying == [item]
        time.sleep(0.5)  # the platform finishes the request we stopped waiting for
        ahead.advance(120)
        report = h.dispatch()
        assert report.reconciled == [item]
        assert len(fake.actions_of("send_message")) == 1
        h.desk.close()
