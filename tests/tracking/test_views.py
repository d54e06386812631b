"""What an agent and a buyer see of a parcel: template placeholders rendered live in the buyer's language
(links only where the platform allows them), the conversation's shipment timeline and its TUI text."""

from __future__ import annotations

import pytest

from crossdesk.carriers import STATES
from crossdesk.templates import TemplateError
from crossdesk.tracking.states import LANGUAGES, NAMES
from crossdesk.tui.widgets.conversation.context import parcels_text

WISMO = {
    "body": "Your parcel {tracking_number} is {shipment_state}. Last scan: {last_scan} ({last_scan_place}).",
    "variants": {
        "de": "Ihr Paket {tracking_number} ist {shipment_state}. Letzter Scan: {last_scan} ({last_scan_place}).",
        "ja": "お荷物 {tracking_number} は{shipment_state}です。最終スキャン: {last_scan}（{last_scan_place}）",
        "pt": "Seu pacote {tracking_number} está {shipment_state}. Previsão: {eta}.",
    },
}


@pytest.fixture
def wismo(desk17):
    desk17.desk.templates.save(desk17.admin, "where_is_my_parcel", WISMO["body"], variants=WISMO["variants"])
    return desk17


def test_where_is_my_parcel_renders_the_live_state_in_the_buyers_language(wismo, track17):
    h = wismo
    de = h.ticket("Wo ist mein Paket?", order=True, tracking="JD0500", language="de")
    ja = h.ticket("荷物はいつ届きますか", order=True, tracking="JD0501", language="ja")
    h.desk.tracking.refresh(h.admin)
    track17.scan("JD0500", "InTransit", "Sendung im Zielland", at=h.clock.now, location="Frankfurt")
    track17.scan("JD0501", "OutForDelivery", "配達中", at=h.clock.now, location="東京")
    h.desk.tracking.refresh(h.admin, force=True)
    body = h.desk.templates.render(h.admin, "where_is_my_parcel", de).body
    assert body == "Ihr Paket JD0500 ist unterwegs. Letzter Scan: Sendung im Zielland (Frankfurt)."
    assert "配達中です" in h.desk.templates.render(h.admin, "where_is_my_parcel", ja).body
    # Live: the next scan changes what the same template says.
    track17.scan("JD0500", "Delivered", "Zugestellt", at=h.clock.now + 60, location="Berlin")
    h.desk.tracking.refresh(h.admin, force=True)
    assert "ist zugestellt" in h.desk.templates.render(h.admin, "where_is_my_parcel", de).body


def test_eta_in_the_buyers_locale_and_missing_values_are_named(wismo, track17):
    h = wismo
    pt = h.ticket("Cadê meu pedido?", order=True, tracking="JD0600", language="pt")
    h.desk.tracking.refresh(h.admin)
    with pytest.raises(TemplateError, match="eta"):  # no estimate yet: no blank in the buyer's text
        h.desk.templates.render(h.admin, "where_is_my_parcel", pt)
    track17.set_eta("JD0600", "2025-12-01T00:00:00Z", "2025-12-04T00:00:00Z")
    track17.scan("JD0600", "InTransit", "Em trânsito", at=h.clock.now)
    h.desk.tracking.refresh(h.admin, force=True)
    body = h.desk.templates.render(h.admin, "where_is_my_parcel", pt).body
    assert "em trânsito" in body and "dezembro de 2025" in body


def test_tracking_link_only_where_the_platform_allows_links(desk17):
    h = desk17
    h.desk.templates.save(h.admin, "link", "Follow it here: {tracking_link}")
    shopify = h.ticket("where?", order=True, tracking="JD0700", platform="shopify")
    amazon = h.ticket("where?", order=True, tracking="JD0701", platform="amazon")
    h.desk.tracking.discover(h.admin)
    assert "JD0700" in h.desk.templates.render(h.admin, "link", shopify).body
    with pytest.raises(TemplateError, match="tracking_link"):
        h.desk.templates.render(h.admin, "link", amazon)


def test_every_state_is_named_in_every_language():
    assert set(NAMES) == set(STATES)
    for state, texts in NAMES.items():
        assert set(texts) == set(LANGUAGES), state
        assert len(set(texts.values())) >= 12, state  # written per language, not copied


def test_desk_overrides_a_state_name(wismo, track17):
    h = wismo
    h.desk.set_setting(h.admin, "tracking_state_names", {"info_received": {"de": "angemeldet"}})
    de = h.ticket("?", order=True, tracking="JD0800", language="de")
    h.desk.tracking.discover(h.admin)
    h.desk.templates.save(h.admin, "s", "x", variants={"de": "Status: {shipment_state}"})
    assert h.desk.templates.render(h.admin, "s", de).body == "Status: angemeldet"


def test_conversation_shows_the_shipment_timeline(desk17, track17):
    h = desk17
    ticket_id = h.ticket("Where?", order=True, tracking="JD0900")
    h.desk.tracking.refresh(h.admin)
    track17.scan("JD0900", "InTransit", "Departed facility", at=h.clock.now - 7200, location="Leipzig")
    track17.scan("JD0900", "Exception", "Address <b>unknown</b> [x]", at=h.clock.now, location="Berlin")
    h.desk.tracking.refresh(h.admin, force=True)
    view = h.desk.conversation.view(h.admin, ticket_id)
    [s] = view.shipments
    assert s["state"] == "exception"
    assert [e["description"] for e in s["events"]] == ["Departed facility", "Address <b>unknown</b> [x]"]
    text = parcels_text(view.shipments)
    assert "JD0900" in text and "exception" in text
    assert text.index("Address") < text.index("Departed")  # newest first
    assert "\\[x]" in text  # carrier text is escaped, never markup
    assert parcels_text([]).endswith("no tracked parcel")
