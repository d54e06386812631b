"""Reply drafts: in the buyer's language with a back-translation, grounded in the ticket's facts only,
flagged where they state what the facts do not hold; nothing is sent."""

from __future__ import annotations

import json

import pytest
from assist_support import ADMIN, german_damaged_ticket, make

from crossdesk.assist import AssistError, prompts
from crossdesk.fakes.llm import LlmFake
from crossdesk.fakes.server import Fault
from crossdesk.llm import LlmSettings


def test_german_damaged_item_draft(desk, fake) -> None:
    tid = german_damaged_ticket(desk)
    draft = desk.assist.draft(ADMIN, tid)
    assert draft.language == "de" and draft.agent_language == "en"
    assert "Wir entschuldigen uns" in draft.text and "1Z999AA10123456781" in draft.text
    assert "sorry for the inconvenience" in draft.back_translation
    assert (
        desk.translation.detect(draft.text)[0] == "de"
        and desk.translation.detect(draft.back_translation)[0] == "en"
    )
    assert draft.flags == []  # it cites only the tracking number, which is on the order
    # what went to the model: facts and the thread as JSON data; no name, e-mail or address of the buyer
    sent = json.loads(fake.bodies[-1]["messages"][-1]["content"])
    assert sent["facts"]["order"]["number"] == "302-1234567-7654321"
    assert sent["facts"]["tracking"] == {
        "number": "1Z999AA10123456781",
        "carrier": "UPS",
        "state": "delivered",
    }
    assert sent["thread"] == [
        {
            "from": "buyer",
            "language": "de",
            "text": "Hallo, der Artikel kam kaputt an. Das Paket war beschädigt.",
        }
    ]
    raw = fake.bodies[-1]["messages"][-1]["content"]
    assert "Jana" not in raw and "example.de" not in raw
    assert fake.bodies[-1]["messages"][0]["content"] == prompts.DRAFT_SYSTEM
    # nothing sent, nothing stored as a message; audited without its text
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert desk.db.execute("SELECT count(*) FROM messages WHERE direction = 'out'").fetchone()[0] == 0
    trail = [r for r in desk.audit_trail(ADMIN, "ticket", tid) if r["action"] == "assist.draft"]
    assert trail and "entschuldigen" not in json.dumps(trail, default=str)
    assert desk.db.execute("SELECT purpose, ticket_id FROM llm_calls").fetchall() == [("draft", tid)]


def test_model_errors_are_clear(desk, fake) -> None:
    tid = german_damaged_ticket(desk)
    fake.go_down()
    with pytest.raises(AssistError, match="HTTP 503"):
        desk.assist.draft(ADMIN, tid)
    fake.come_back()
    fake.inject(Fault.status(200, {"choices": [{"message": {"content": "Sure, here you go!"}}]}))
    with pytest.raises(AssistError, match="JSON"):
        desk.assist.draft(ADMIN, tid)


def test_not_configured_says_how(pm, fake) -> None:
    desk = make(pm, fake)
    desk.llm.configure(LlmSettings())
    tid = german_damaged_ticket(desk)
    with pytest.raises(AssistError, match="CROSSDESK_LLM_BASE_URL"):
        desk.assist.draft(ADMIN, tid)
    desk.close()


def test_summary_in_the_agents_language(desk, fake) -> None:
    tid = german_damaged_ticket(desk)
    for n, body in enumerate(["Wo ist meine Bestellung?", "I want a refund.", "Je veux un remboursement."]):
        desk.receive_message(
            ADMIN,
            platform="amazon",
            shop_id=desk.ticket(ADMIN, tid)["shop_id"],
            thread_id="T1",
            external_id=f"M-extra-{n}",
            body=body,
            created_at=1_800_000_000 - 1000 + n,
        )
    summary = desk.assist.summarize(ADMIN, tid)
    assert summary.language == "en" and summary.messages == 4
    assert (
        summary.text.startswith("4 messages (")
        and "The package was damaged." in summary.text
        and "I want a refund." in summary.text
    )
    assert summary.languages == ["de", "en", "fr"]
    again = desk.assist.summarize(ADMIN, tid)
    assert again is summary and len(fake.requests_to("/v1/chat/completions")) == 1  # not asked twice


def test_budget_exceeded_stops_drafts(desk, fake) -> None:
    tid = german_damaged_ticket(desk)
    desk.llm.set_budget(ADMIN, daily_tokens=5)
    with pytest.raises(AssistError, match="daily budget"):
        desk.assist.draft(ADMIN, tid)
    assert fake.requests_to("/v1/chat/completions") == []


def test_gullible_model_is_caught(pm) -> None:
    with LlmFake(behaviour="gullible") as fake:
        desk = make(pm, fake)
        tid = german_damaged_ticket(
            desk, "Der Artikel kam kaputt an. Ich will sofort eine Rückerstattung (refund)!"
        )
        draft = desk.assist.draft(ADMIN, tid)
        assert any("amount '499,00 EUR'" in f for f in draft.flags)
        assert any("31.12.2026" in f for f in draft.flags)
        assert any("refund" in f for f in draft.flags)
        desk.close()


def test_return_case_and_its_verdict_are_facts() -> None:
    """The return verdict with its legal basis (the citation) is given to the model, and a draft may then
    speak of what the case holds."""
    from crossdesk.plugin_manager import plugins_manager

    pm_laws = plugins_manager(only=("translator_llm", "translator_offline", "policy_eu", "policy_de"))
    with LlmFake() as fake:
        desk = make(pm_laws, fake)
        tid = german_damaged_ticket(desk)
        order_id = desk.ticket(ADMIN, tid)["order_id"]
        desk.cases.open(
            ADMIN,
            type="return",
            order_id=order_id,
            ticket_id=tid,
            items=[{"sku": "LAMP-01", "quantity": 1}],
            reason="damaged",
        )
        facts, _ = desk.assist.facts(ADMIN, tid)
        [case] = facts["cases"]
        verdict = case["return_verdict"]
        assert case["type"] == "return" and verdict["eligible"] is True and verdict["basis"]
        assert fake.bodies == []  # gathering facts calls no model
        draft = desk.assist.draft(ADMIN, tid)
        sent = json.loads(fake.bodies[-1]["messages"][-1]["content"])
        assert sent["facts"]["cases"][0]["return_verdict"]["basis"] == verdict["basis"]
        assert draft.flags == []
        desk.close()
