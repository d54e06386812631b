"""Rules on parcels: events raised by desk.tracking, and time conditions such as three days after delivery,
which fire exactly once through ``crossdesk automate`` (the desk's injectable clock moves time)."""

from __future__ import annotations

from crossdesk.conditions import BulkEvaluator, Facts, evaluate

DAY = 86400


def test_delivered_fires_a_time_rule_three_days_later_exactly_once(desk17, track17):
    h = desk17
    h.rules(
        {
            "name": "CSAT after delivery",
            "event": "time",
            "once_per_ticket": True,
            "all": [
                {"field": "shipment_state", "op": "is", "value": "delivered"},
                {"field": "days_since_delivered", "op": "gte", "value": 3},
            ],
            "actions": [{"action": "add_tag", "tag": "csat-asked"}],
        },
        {
            "name": "delivered",
            "event": "shipment_delivered",
            "actions": [{"action": "add_tag", "tag": "delivered"}],
        },
    )
    ticket_id = h.ticket("Where is my parcel?", order=True, tracking="JD0100")
    other = h.ticket("Where is mine?", order=True, tracking="JD0101")  # never delivered
    h.desk.automate(h.admin)  # discovers and registers both
    track17.scan("JD0100", "Delivered", "Delivered", at=h.clock.now, location="Hamburg")
    h.clock.advance(7 * 3600)
    run = h.desk.automate(h.admin)
    assert run["shipments"]["changed"] == 1
    assert "delivered" in h.tags(ticket_id)  # the event rule, at once
    delivered_at = h.desk.tracking.find(h.admin, "JD0100")["delivered_at"]

    fired_on = []
    for hours in range(6, 24 * 6, 6):  # automate every 6 hours for six days
        h.clock.now = delivered_at + hours * 3600
        run = h.desk.automate(h.admin)
        if run["time_rules_fired"].get("CSAT after delivery"):
            fired_on.append(hours)
    assert fired_on == [72]  # three days after delivery, once
    assert len(h.firings(ticket_id, "CSAT after delivery")) == 1
    assert "csat-asked" in h.tags(ticket_id) and "csat-asked" not in h.tags(other)
    assert h.firings(other, "CSAT after delivery") == []


def test_time_fields_agree_in_sql_and_python(desk17, track17):
    """The bulk (SQL) evaluator and the per-ticket one read the parcel the same way."""
    h = desk17
    t1 = h.ticket("a", order=True, tracking="JD0200")
    t2 = h.ticket("b", order=True, tracking="JD0201")
    t3 = h.ticket("c")  # no order at all
    h.desk.automate(h.admin)
    track17.scan("JD0200", "Delivered", "Delivered", at=h.clock.now)
    h.desk.tracking.refresh(h.admin, force=True)
    h.clock.advance(2 * DAY)
    rules = [
        {
            "name": "a",
            "event": "time",
            "all": [{"field": "days_since_delivered", "op": "gt", "value": 1.5}],
            "actions": [{"action": "add_tag", "tag": "x"}],
        },
        {
            "name": "b",
            "event": "time",
            "all": [{"field": "shipment_state", "op": "is_not", "value": "delivered"}],
            "actions": [{"action": "add_tag", "tag": "x"}],
        },
        {
            "name": "c",
            "event": "time",
            "all": [{"field": "shipment_stalled", "op": "is_set"}],
            "actions": [{"action": "add_tag", "tag": "x"}],
        },
    ]
    expected = {"a": {t1}, "b": {t2, t3}, "c": {t1, t2}}  # a negation holds where there is no parcel
    for raw in rules:
        rule = h.desk.rules.parse(raw)
        vocab = h.desk.rules.vocabulary()[0]
        py_ids = {
            t
            for t in (t1, t2, t3)
            if evaluate(rule.conditions, Facts(h.desk.db, h.desk.tickets.row(t), h.desk.now()), vocab)
        }
        with BulkEvaluator(h.desk.db, vocab, h.desk.now(), [rule.conditions]) as bulk:
            bulk_ids = set(bulk.ticket_ids(rule.conditions))
        assert py_ids == bulk_ids, raw["name"]
        assert py_ids == expected[raw["name"]]


def test_stuck_parcel_tells_the_buyer_before_they_ask(desk17, track17):
    h = desk17
    h.desk.templates.save(
        h.admin,
        "parcel_stuck",
        "Your parcel {tracking_number} is {shipment_state}; we are on it.",
        variants={"de": "Ihr Paket {tracking_number}: {shipment_state}. Wir kümmern uns darum."},
    )
    h.rules(
        {
            "name": "stuck",
            "event": "shipment_stalled",
            "once_per_ticket": True,
            "actions": [{"action": "reply", "template": "parcel_stuck"}],
        }
    )
    ticket_id = h.ticket("Danke für die Bestellung", order=True, tracking="JD0300", language="de")
    h.desk.automate(h.admin)
    track17.scan("JD0300", "InTransit", "Im Paketzentrum", at=h.clock.now)
    h.desk.tracking.refresh(h.admin, force=True)
    h.clock.advance(6 * DAY)
    h.desk.automate(h.admin)
    h.clock.advance(DAY)
    h.desk.automate(h.admin)
    out = [m for m in h.desk.ticket(h.admin, ticket_id)["messages"] if m["direction"] == "out"]
    assert len(out) == 1
    assert "JD0300" in out[0]["body"] and "unterwegs" in out[0]["body"]


def test_the_example_rules_follow_up_after_delivery_in_the_buyers_language(desk17, track17):
    from pathlib import Path

    h = desk17
    h.desk.templates.install_starter(h.admin)
    h.desk.rules.load_file(h.admin, Path(__file__).resolve().parents[2] / "examples" / "rules.toml")
    ticket_id = h.ticket(
        "Merci, j'attends le colis", order=True, tracking="JD0400", platform="shopify", language="fr"
    )
    amazon = h.ticket("Thanks", order=True, tracking="JD0401", platform="amazon")
    h.desk.automate(h.admin)
    for number in ("JD0400", "JD0401"):
        track17.scan(number, "Delivered", "Livré", at=h.clock.now, location="Lyon")
    h.desk.tracking.refresh(h.admin, force=True)
    for _ in range(8):  # a run a day for eight days
        h.clock.advance(DAY)
        h.desk.automate(h.admin)
    out = [m for m in h.desk.ticket(h.admin, ticket_id)["messages"] if m["direction"] == "out"]
    assert len(out) == 1 and "a été livré le" in out[0]["body"] and "JD0400" in out[0]["body"]
    assert [
        m for m in h.desk.ticket(h.admin, amazon)["messages"] if m["direction"] == "out"
    ] == []  # not on Amazon
