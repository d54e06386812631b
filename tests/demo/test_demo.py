"""The demo desk: realistic, consistent, seeded, and the rows the service layer would have written."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import phonenumbers
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk, DeskError
from crossdesk.cli import cli
from crossdesk.customers import normalise_email
from crossdesk.demo import build, build_demo, configure, enrich, phrases, world
from crossdesk.io import export_jsonl, import_jsonl
from crossdesk.models import Actor, TicketStatus

NOW = 1_795_000_000  # 2026-11-18 UTC
ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "desk.db"
    summary = build_demo(path, size=1000, seed=11, now=NOW)
    return path, summary


@pytest.fixture
def demo(demo_path):
    desk = Desk.open(demo_path[0])
    yield desk
    desk.close()


def _one(desk: Desk, sql: str, args=()) -> int:
    return desk.db.execute(sql, args).fetchone()[0]


def test_summary_counts_what_the_desk_holds(demo_path, demo):
    _, s = demo_path
    assert s.tickets == 1000 == _one(demo, "SELECT count(*) FROM tickets")
    assert s.messages == _one(demo, "SELECT count(*) FROM messages")
    assert sum(s.by_platform.values()) == sum(s.by_language.values()) == sum(s.by_status.values()) == 1000
    assert set(s.by_platform) == {"amazon", "ebay", "shopee", "shopify"}
    assert set(s.by_language) == set(world.LANGUAGES)
    assert set(s.by_status) == {st.label for st in TicketStatus}
    assert len(s.by_country) >= 15
    assert s.cross_platform_customers > 0
    assert (
        s.shops == len(world.SHOPS) and s.agents == len(configure.AGENTS) and s.teams == len(configure.TEAMS)
    )


def test_realistic_proportions(demo_path):
    s = demo_path[1]
    assert s.by_platform["amazon"] > s.by_platform["shopee"]
    assert s.by_status["closed"] > s.by_status["on_hold"]
    assert 1.5 < s.messages / s.tickets < 3.0  # conversations of 1-4 messages
    assert s.by_language["en"] < 500  # English is the largest language, not the only one


def test_referential_integrity_and_indexes_restored(demo, tmp_path):
    assert demo.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert demo.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fresh = Desk.open(tmp_path / "fresh.db")
    schema = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
    assert demo.db.execute(schema).fetchall() == fresh.db.execute(schema).fetchall()
    fresh.close()
    assert demo.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_full_text_search_covers_the_bulk_and_new_messages(demo):
    found = demo.list_tickets(ADMIN, search="Bestellung", status=[s.label for s in TicketStatus], limit=1000)
    assert found and all(t["language"] == "de" for t in found[:20])
    shop = demo.shop_id("amazon", f"{world.SELLER_ID}:A1PA6795UKMFR9")
    demo.receive_message(
        ADMIN,
        platform="amazon",
        shop_id=shop,
        thread_id="t-new",
        external_id="m-new",
        body="Quokkaförmiger Wasserkocher gesucht",
        created_at=NOW,
    )
    assert [t["external_id"] for t in demo.list_tickets(ADMIN, search="Quokkaförmiger")] == ["t-new"]


def test_times_are_anchored_at_now_and_consistent(demo):
    assert _one(demo, "SELECT max(created_at) FROM messages") <= NOW
    assert (
        _one(
            demo,
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id "
            "WHERE m.created_at < t.created_at",
        )
        == 0
    )
    new_oldest = _one(demo, "SELECT min(created_at) FROM tickets WHERE status = 0")
    assert NOW - new_oldest <= 31 * 3600
    # New tickets have no reply; pending ones wait on the buyer; solved ones say when.
    assert _one(demo, "SELECT count(*) FROM tickets WHERE status = 0 AND last_agent_msg_at IS NOT NULL") == 0
    assert (
        _one(
            demo, "SELECT count(*) FROM tickets WHERE status = 2 AND last_agent_msg_at < last_customer_msg_at"
        )
        == 0
    )
    assert _one(demo, "SELECT count(*) FROM tickets WHERE status >= 4 AND solved_at IS NULL") == 0
    assert (
        _one(demo, "SELECT count(*) FROM orders WHERE shipped_at < ordered_at OR delivered_at < shipped_at")
        == 0
    )
    counts = demo.db.execute("SELECT count(*) FROM messages GROUP BY ticket_id").fetchall()
    assert {c for (c,) in counts} <= {1, 2, 3, 4}


def test_buyers_look_real(demo):
    rows = demo.db.execute("SELECT name, email, phone, country, region FROM customers").fetchall()
    phones = [r[2] for r in rows if r[2]]
    assert len(phones) == len(set(phones)), "two buyers share a phone: the service layer would merge them"
    for name, email, phone, country, region in rows[:300]:
        assert name
        if phone:
            parsed = phonenumbers.parse(phone)
            assert (
                phonenumbers.is_valid_number(parsed)
                and phonenumbers.region_code_for_number(parsed) == country
            )
        if email:
            assert normalise_email(email) == email
        assert region == region.upper()
    jp = demo.db.execute("SELECT name FROM customers WHERE country = 'JP' LIMIT 5").fetchall()
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", n) for (n,) in jp)


def test_money_in_local_minor_units(demo):
    for currency, price in demo.db.execute("SELECT currency, unit_price_minor FROM order_lines"):
        usd = demo.to_usd(price, currency)
        assert 10 <= usd <= 300, (currency, price)
        if currency == "JPY":
            assert price % 10 == 0 and price > 1000  # yen have no minor unit: 4980, not 49.80
    mismatched = _one(
        demo,
        "SELECT count(*) FROM orders o WHERE total_minor <> "
        "(SELECT sum(quantity * unit_price_minor) FROM order_lines l WHERE l.order_id = o.id)",
    )
    assert mismatched == 0
    assert (
        _one(
            demo,
            "SELECT count(*) FROM orders o JOIN shops s ON s.id = o.shop_id WHERE o.currency <> s.currency",
        )
        == 0
    )


def test_cross_platform_buyers_share_contact_details(demo):
    rows = demo.db.execute(
        "SELECT c.id, c.phone, c.email, group_concat(DISTINCT i.platform) FROM customers c "
        "JOIN customer_identities i ON i.customer_id = c.id GROUP BY c.id HAVING count(DISTINCT i.platform) > 1"
    ).fetchall()
    assert rows
    for _, phone, email, _platforms in rows:
        assert phone or email  # what the service layer merged them on


def test_agents_speak_the_buyers_language_or_reply_through_translation(demo):
    rows = demo.db.execute(
        "SELECT m.language, m.translation, a.languages FROM messages m JOIN agents a ON a.name = m.author "
        "WHERE m.direction = 'out'"
    ).fetchall()
    assert rows
    import orjson

    for language, translation, languages in rows:
        assert language in orjson.loads(languages) or translation
    assert _one(demo, "SELECT count(*) FROM agents WHERE role IN ('supervisor', 'admin')") >= 2
    assert _one(demo, "SELECT count(*) FROM teams WHERE languages LIKE '%\"ja\"%'") >= 1


def test_sent_replies_are_in_the_outbox_as_sent(demo):
    assert _one(demo, "SELECT count(*) FROM messages WHERE direction = 'out'") == _one(
        demo, "SELECT count(*) FROM outbox WHERE status = 'sent' AND kind = 'message'"
    )
    key, mid = demo.db.execute(
        "SELECT idempotency_key, json_extract(payload, '$.message_id') FROM outbox LIMIT 1"
    ).fetchone()
    assert key == f"message:{mid}"


def test_one_audit_row_for_the_build(demo):
    rows = demo.db.execute("SELECT action, after FROM audit WHERE action = 'demo.build'").fetchall()
    assert len(rows) == 1 and '"tickets":1000' in rows[0][1]
    bulk = (
        "SELECT count(*) FROM audit WHERE actor = 'demo' AND object_type IN ('ticket', 'customer', 'order')"
    )
    assert _one(demo, bulk) == 0


def test_export_of_the_demo_imports_through_the_services_identically(tmp_path):
    """The strongest check that the bulk rows are the service layer's: replaying the demo through the
    service calls gives a desk that exports byte for byte the same."""
    desk = Desk.memory()
    build_demo(desk, size=150, seed=5, now=NOW)
    first = io.BytesIO()
    export_jsonl(desk, ADMIN, first)
    replay = Desk.memory()
    report = import_jsonl(replay, ADMIN, io.BytesIO(first.getvalue()))
    assert report.bad == []
    second = io.BytesIO()
    export_jsonl(replay, ADMIN, second)
    assert second.getvalue() == first.getvalue()
    assert _one(replay, "SELECT count(*) FROM customers") == _one(desk, "SELECT count(*) FROM customers")


def _fingerprint(desk: Desk) -> str:
    h = hashlib.sha256()
    for table in (
        "customers",
        "customer_identities",
        "orders",
        "order_lines",
        "tickets",
        "messages",
        "outbox",
    ):
        for row in desk.db.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            h.update(repr(row).encode())
    return h.hexdigest()


def test_same_seed_same_desk_different_seed_different_desk():
    a, b, c = Desk.memory(), Desk.memory(), Desk.memory()
    build_demo(a, size=120, seed=1, now=NOW)
    build_demo(b, size=120, seed=1, now=NOW)
    build_demo(c, size=120, seed=2, now=NOW)
    assert _fingerprint(a) == _fingerprint(b) != _fingerprint(c)


def test_chunks_in_worker_processes_give_the_same_desk(monkeypatch):
    """Chunked, parallel generation is an implementation detail: the desk must not depend on it."""
    monkeypatch.setattr(build, "CHUNK", 50)
    monkeypatch.setattr(build, "_PARALLEL_FROM", 0)
    desks = []
    for workers in ("1", "2"):
        monkeypatch.setenv("CROSSDESK_DEMO_WORKERS", workers)
        desk = Desk.memory()
        summary = build_demo(desk, size=230, seed=9, now=NOW)
        assert summary.tickets == 230
        desks.append(desk)
    assert _fingerprint(desks[0]) == _fingerprint(desks[1])
    assert desks[0].db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_progress_reports_every_phase():
    seen = []
    build_demo(Desk.memory(), size=50, seed=1, now=NOW, progress=lambda *a: seen.append(a))
    assert ("tickets", 50, 50) in seen and seen[0] == ("tickets", 0, 50)
    assert {p for p, _, _ in seen} == {"tickets", "indexes"}


def test_replaces_an_earlier_demo_but_never_a_real_desk(tmp_path):
    path = tmp_path / "desk.db"
    build_demo(path, size=30, seed=1, now=NOW)
    again = build_demo(path, size=40, seed=2, now=NOW)
    assert again.tickets == 40
    real = tmp_path / "real.db"
    desk = Desk.open(real)
    desk.upsert_shop(ADMIN, platform="ebay", external_id="mine", name="Mine")
    desk.close()
    with pytest.raises(DeskError, match="not a demo"):
        build_demo(real, size=10, now=NOW)
    with pytest.raises(DeskError, match="empty desk"):
        d = Desk.memory()
        build_demo(d, size=10, now=NOW)
        build_demo(d, size=10, now=NOW)
    with pytest.raises(DeskError, match="between 1 and"):
        build_demo(Desk.memory(), size=0)


def test_phrase_banks_cover_every_language_and_intent():
    allowed = {"order", "item", "days", "size", "name"}
    langs = set()
    for language, intent, sentence in phrases.corpus():
        langs.add(language)
        assert intent in dict(world.INTENTS)
        assert set(re.findall(r"\{(\w+)\}", sentence)) <= allowed, sentence
    assert langs == set(world.LANGUAGES)
    for language in world.LANGUAGES:
        bank = phrases.bank(language)
        assert all(len(bank["intents"][i]) >= 4 for i, _ in world.INTENTS), language
        assert set(bank["replies"]) == set(bank["intents"])


def test_buyers_write_like_buyers():
    pb = phrases.PhraseBank(seed=3, variants=200)
    texts = [t for (lang, _), pool in pb.buyer.items() if lang in ("de", "fr", "en") for t, _ in pool]
    assert any(t.islower() for t in texts)  # all lower case
    assert any(re.search("[\U0001f300-\U0001faff]", t) for t in texts)  # emoji
    assert phrases.strip_accents("Größe fällt") == "Grosse fallt"
    # The subject is the buyer's sentence, not "Hallo,".
    for (lang, _intent), pool in pb.buyer.items():
        for text, subject in pool:
            assert subject and not subject.endswith(","), (lang, text)


def test_enrich_fills_what_the_engines_own(tmp_path):
    root = Path(__file__).resolve().parents[2]
    summary = build_demo(tmp_path / "desk.db", size=300, seed=3)
    desk = Desk.open(summary.path)
    report = enrich(desk, sla=root / "examples" / "sla.toml", rules=root / "examples" / "rules.toml")
    assert set(report) == {"templates", "sla policies", "rules", "classify", "history", "sla", "automation", "queue"}
    count = lambda sql: desk.db.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT count(*) FROM templates") >= 5
    assert count("SELECT count(*) FROM rules") >= 10
    assert count("SELECT count(*) FROM tickets WHERE intent <> ''") > 150
    assert count("SELECT count(*) FROM tickets WHERE status < 4 AND sla_due IS NOT NULL") > 0
    assert count("SELECT count(*) FROM tickets WHERE status < 4 AND priority > 0") > 0
    assert count("SELECT count(*) FROM tickets WHERE status >= 4 AND priority > -1e30") == 0


def test_cli_demo_headless_prints_the_summary(tmp_path):
    runner = CliRunner()
    path = tmp_path / "d" / "desk.db"
    result = runner.invoke(cli, ["demo", "--db", str(path), "--size", "200", "--headless", "--no-enrich"])
    assert result.exit_code == 0, result.output
    for word in ("platform", "language", "status", "amazon", "shopee", "closed", "200 tickets"):
        assert word in result.output
    again = runner.invoke(cli, ["demo", "--db", str(path), "--size", "100", "--headless", "--no-enrich"])
    assert again.exit_code == 0 and "100 tickets" in again.output


def test_outbox_payloads_are_the_service_layers_json(demo):
    """The builder writes the outbox rows of sent replies directly; each must be the very text
    TicketService.reply queues: the MessageOut with every platform id resolved, serialised once."""
    from crossdesk.platforms import MessageOut, from_json, to_json

    rows = demo.db.execute(
        "SELECT o.kind, o.payload, o.created_at, m.id, m.body, t.external_id, t.shop_id, t.customer_id, "
        "t.order_id FROM outbox o JOIN messages m ON o.idempotency_key = 'message:' || m.id "
        "JOIN tickets t ON t.id = m.ticket_id LIMIT 500"
    ).fetchall()
    assert len(rows) > 100
    with_order = with_buyer = 0
    for kind, payload, at, mid, body, thread, shop_id, customer_id, order_id in rows:
        where = demo.outbox.address(shop_id, customer_id=customer_id, order_id=order_id)
        expected = MessageOut(
            platform=where.platform,
            shop_external_id=where.shop_external_id,
            idempotency_key=f"message:{mid}",
            buyer_external_id=where.buyer_external_id,
            thread_id=thread,
            order_external_id=where.order_external_id,
            body=body,
            created_at=at,
            message_id=mid,
        )
        assert payload == to_json(expected)
        assert from_json(kind, payload) == expected
        with_order += where.order_external_id is not None
        with_buyer += where.buyer_external_id is not None
    assert with_order > len(rows) // 2 and with_buyer == len(rows)
