"""Translation that never lies, with only the offline phrasebook: the draft language is detected, a reply
with ⟦ ⟧ parts or in the wrong language is not sent without a confirmation of its exact text, incoming
translations say how much was translated and by whom, and a desk without a real translator says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossdesk.api import Desk
from crossdesk.errors import DeskError
from crossdesk.llm import LlmSettings
from crossdesk.models import Actor
from crossdesk.plugin_manager import plugins_manager
from crossdesk.translation import TranslationConfig, UnconfirmedReply

ADMIN = Actor.system("tester")


@pytest.fixture(scope="module")
def pm():
    return plugins_manager(only=("translator_llm", "translator_offline"))


@pytest.fixture
def desk(pm) -> Iterator[Desk]:
    d = Desk.memory(pm)
    d.llm.configure(LlmSettings())  # no model: only the phrasebook can translate
    d.translation._config = TranslationConfig(agent_language="en", providers=["llm", "offline"])
    yield d
    d.close()


def french_ticket(
    desk: Desk, body: str = "Bonjour, où est ma commande ? Je l'attends depuis trois semaines."
) -> int:
    shop_id = desk.upsert_shop(ADMIN, platform="amazon", external_id="S1", name="S1")
    ticket_id, _, _ = desk.receive_message(
        ADMIN, platform="amazon", shop_id=shop_id, thread_id="T1", external_id="M1", body=body,
        created_at=1_700_000_000,
    )  # fmt: skip
    return ticket_id


def outbound(desk: Desk) -> list[tuple]:
    return desk.db.execute("SELECT body, language FROM messages WHERE direction = 'out'").fetchall()


def test_untranslated_spans_need_a_confirmation_of_the_exact_text(desk: Desk) -> None:
    ticket_id = french_ticket(desk)
    text = "Thank you for your message. We shipped the parcel with a different courier yesterday."
    preview = desk.translation.preview_reply(ADMIN, ticket_id, text)
    assert preview.source == "en" and preview.target == "fr" and preview.untranslated
    with pytest.raises(UnconfirmedReply) as err:
        desk.translation.send_checked(ADMIN, ticket_id, preview.text)
    check = err.value.check
    assert "were not translated" in check.problems[0] and preview.text in check.confirmation_text()
    assert outbound(desk) == []
    # confirming a different text does not count
    with pytest.raises(UnconfirmedReply):
        desk.translation.send_checked(ADMIN, ticket_id, preview.text, confirmed=preview.text + " ")
    # and the lower-level reply refuses ⟦ ⟧ too
    with pytest.raises(DeskError, match="⟦"):
        desk.reply(ADMIN, ticket_id, preview.text)
    mid = desk.translation.send_checked(ADMIN, ticket_id, preview.text, confirmed=preview.text)
    assert outbound(desk) == [(preview.text, "fr")]
    trail = desk.audit_trail(ADMIN, "message", mid)
    assert any(row["action"] == "reply.confirmed" for row in trail)


def test_reply_in_the_agents_language_to_a_foreign_buyer_needs_confirmation(desk: Desk) -> None:
    ticket_id = french_ticket(desk)
    body = "Your order has been shipped and will arrive next week."
    with pytest.raises(UnconfirmedReply) as err:
        desk.translation.send_checked(ADMIN, ticket_id, body)
    assert err.value.check.problems == ["it is written in en, but the buyer writes fr"]
    assert outbound(desk) == []
    desk.translation.send_checked(ADMIN, ticket_id, body, confirmed=body)
    assert outbound(desk) == [(body, "en")]  # stored with the language it is really in


def test_a_reply_in_the_buyers_language_goes_out_without_question(desk: Desk) -> None:
    ticket_id = french_ticket(desk)
    body = "Votre commande a été expédiée. Merci pour votre message."
    desk.translation.send_checked(ADMIN, ticket_id, body)
    assert outbound(desk) == [(body, "fr")]


def test_draft_language_is_detected_not_taken_from_the_profile(desk: Desk) -> None:
    ticket_id = french_ticket(desk)
    # The agent's profile says English, but they wrote German: the phrasebook translates from German.
    preview = desk.translation.preview_reply(
        ADMIN, ticket_id, "Vielen Dank für Ihre Nachricht. Wir haben eine volle Rückerstattung veranlasst."
    )
    assert preview.source == "de"
    # Already in the buyer's language: nothing to translate.
    same = desk.translation.preview_reply(
        ADMIN, ticket_id, "Merci pour votre message. Votre commande a été expédiée."
    )
    assert same.source == "fr" and same.text == same.original and not same.machine_translated


def test_incoming_report_says_what_was_really_translated(desk: Desk) -> None:
    french_ticket(desk)
    report = desk.translation.translate_incoming(ADMIN)
    assert report.translated == 1 and report.partial == 1 and report.by_provider == {"offline": 1}
    assert "0 of 1 messages fully translated" in report.headline
    assert "1 only in part" in report.headline and "No real translator is configured" in report.headline
    row = desk.db.execute(
        "SELECT translated_by, translation_coverage, translation FROM messages WHERE direction = 'in'"
    ).fetchone()
    assert row[0] == "offline" and 0 < row[1] < 1 and "⟦" in row[2]


def test_no_warning_when_a_real_translator_is_ready(desk: Desk, fake) -> None:
    desk.llm.configure(LlmSettings(base_url=fake.api_base, model="fake-llm", stream=False))
    desk.translation.close()
    desk.translation._translators = None
    assert desk.translation.no_real_translator("en") == ""
