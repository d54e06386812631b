"""The bulk (SQL + match_many) evaluator and the per-ticket (Python) evaluator agree on every condition."""

from __future__ import annotations

import random

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossdesk.conditions import BulkEvaluator, Facts, KeywordIndex, Vocabulary, evaluate, parse_conditions
from crossdesk.testing import FIXED_NOW, FixedClock, make_desk

PLATFORMS = ["amazon", "ebay", "shopee", "shopify"]
LANGUAGES = ["en", "de", "pt-BR", "pt", "ja", "", "fr"]
INTENTS = ["", "shipping_status", "damaged_item", "return_request", "chargeback_threat", "praise"]
TAGS = ["vip", "wismo", "return:size", "angry", "Ünïcode"]
SKUS = ["LAMP-01", "SHOE-42", "CASE-IP15"]
COUNTRIES = ["DE", "FR", "JP", "BR", "US", ""]
AGENTS = ["ana", "kenji", "Zoë"]
TEAMS = ["Japan", "EU"]
PHRASES = [
    "where is my order",
    "Wo ist mein Paket",
    "chargeback",
    "配送状況を教えて",
    "too small",
    "Thank you!",
    "I want a refund",
    "ORDER where",
]
KEYWORDS = ["where is my order", "wo ist mein paket", "chargeback", "配送", "too small", "refund", "order"]


@pytest.fixture(scope="module")
def world():
    rng = random.Random(7)
    desk = make_desk(clock=FixedClock())
    db = desk.db
    now = FIXED_NOW
    shops = {
        p: db["shops"].insert({"platform": p, "external_id": f"{p}-1", "name": p, "created_at": now}).last_pk
        for p in PLATFORMS
    }
    agents = [db["agents"].insert({"name": n, "role": "agent", "created_at": now}).last_pk for n in AGENTS]
    teams = [db["teams"].insert({"name": n}).last_pk for n in TEAMS]
    for i in range(60):
        platform = rng.choice(PLATFORMS)
        customer = None
        if rng.random() < 0.8:
            customer = (
                db["customers"]
                .insert(
                    {
                        "name": f"b{i}",
                        "country": rng.choice(COUNTRIES),
                        "tier": rng.randint(0, 3),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                .last_pk
            )
            if rng.random() < 0.7:
                db["customer_segments"].insert(
                    {
                        "customer_id": customer,
                        "segment": rng.choice(["new", "core", "high-value", "at-risk"]),
                        **dict.fromkeys(("frequency", "monetary_usd", "orders_total", "r", "f", "m"), 0),
                        "reason": "",
                        "computed_at": now,
                    }
                )
        order = None
        if rng.random() < 0.7:
            order = (
                db["orders"]
                .insert(
                    {
                        "platform": platform,
                        "shop_id": shops[platform],
                        "external_id": f"o{i}",
                        "customer_id": customer,
                        "currency": "EUR",
                        "total_minor": 100,
                        "ordered_at": now,
                        "tracking_number": rng.choice(["", f"TRK{i}"]),
                        "country": rng.choice(COUNTRIES),
                    }
                )
                .last_pk
            )
            for kind in ("outbound", "return"):  # parcels (docs/tracking.md): some orders have none
                if rng.random() < (0.6 if kind == "outbound" else 0.2):
                    db["shipments"].insert(
                        {
                            "order_id": order,
                            "kind": kind,
                            "tracking_number": f"P{i}{kind[0]}",
                            "state": rng.choice(["in_transit", "delivered", "exception", "returned"]),
                            "shipped_at": now - rng.randint(1, 20) * 86400,
                            "delivered_at": rng.choice([None, now - rng.randint(0, 10) * 86400]),
                            "last_scan_at": rng.choice([None, now - rng.randint(0, 10) * 86400]),
                            "stalled_at": rng.choice([None, now]),
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
            for j in range(rng.randint(1, 2)):
                db["order_lines"].insert(
                    {
                        "order_id": order,
                        "external_id": str(j),
                        "sku": rng.choice(SKUS),
                        "quantity": 1,
                        "unit_price_minor": 100,
                        "currency": "EUR",
                    }
                )
        ticket = (
            db["tickets"]
            .insert(
                {
                    "platform": platform,
                    "shop_id": shops[platform],
                    "external_id": f"t{i}",
                    "customer_id": customer,
                    "order_id": order,
                    "status": rng.randint(0, 5),
                    "type": rng.choice(["question", "return"]),
                    "assignee_id": rng.choice([None, *agents]),
                    "team_id": rng.choice([None, *teams]),
                    "language": rng.choice(LANGUAGES),
                    "intent": rng.choice(INTENTS),
                    "sentiment": round(rng.uniform(-1, 1), 2),
                    "flags": rng.randint(0, 7),
                    "tier": rng.randint(0, 3),
                    "order_value_usd": rng.choice([0.0, 15.5, 99.99, 250.0]),
                    "escalated": rng.randint(0, 1),
                    "created_at": now - rng.randint(0, 200) * 3600,
                    "updated_at": now,
                    "last_customer_msg_at": rng.choice([None, now - rng.randint(0, 100) * 3600]),
                    "sla_due": rng.choice([None, now + rng.randint(-50, 50) * 3600]),
                    "priority_level": rng.choice(["low", "normal", "high", "urgent"]),
                }
            )
            .last_pk
        )
        for tag in rng.sample(TAGS, rng.randint(0, 2)):
            db["ticket_tags"].insert({"ticket_id": ticket, "tag": tag.lower()})
        if rng.random() < 0.3:  # a ticket opened by a negative review (docs/reputation.md)
            db["reviews"].insert(
                {
                    "platform": platform,
                    "shop_id": shops[platform],
                    "external_id": f"r{i}",
                    "kind": rng.choice(["seller_feedback", "product_review"]),
                    "rating": 1,
                    "negative": 1,
                    "ticket_id": ticket,
                    "created_at": now,
                    "pulled_at": now,
                }
            )
        for j in range(rng.randint(0, 2)):
            db["messages"].insert(
                {
                    "ticket_id": ticket,
                    "platform": platform,
                    "shop_id": shops[platform],
                    "external_id": f"m{i}-{j}",
                    "direction": rng.choice(["in", "in", "out"]),
                    "body": rng.choice(PHRASES),
                    "translation": rng.choice(["", "where is my order"]),
                    "intents": orjson.dumps(rng.sample(INTENTS[1:], rng.randint(0, 2))).decode(),
                    "created_at": now,
                }
            )
    yield desk
    desk.close()


def _values(field: str):
    return {
        "platform": st.sampled_from([*PLATFORMS, "AMAZON", "web"]),
        "shop": st.sampled_from([f"{p}-1" for p in PLATFORMS]),
        "language": st.sampled_from(["en", "de", "pt", "pt-BR", "PT-br", "ja", "zh"]),
        "intent": st.sampled_from(INTENTS),
        "intents": st.sampled_from(INTENTS[1:]),
        "sentiment": st.floats(-1, 1, allow_nan=False).map(lambda x: round(x, 2)),
        "keywords": st.sampled_from(KEYWORDS),
        "tier": st.sampled_from([0, 1, 2, 3, "new", "high-value"]),
        "country": st.sampled_from([*COUNTRIES[:-1], "de"]),
        "segment": st.sampled_from(["new", "High-Value", "core", "lapsed"]),
        "order_value": st.sampled_from([0, 15.5, 50, 99.99, 250]),
        "sku": st.sampled_from([*SKUS, "lamp-01"]),
        "status": st.sampled_from(["new", "open", "pending", "on_hold", "solved", "closed"]),
        "priority": st.sampled_from(["low", "normal", "high", "urgent"]),
        "type": st.sampled_from(["question", "return"]),
        "tags": st.sampled_from([t.lower() for t in TAGS] + ["VIP"]),
        "assignee": st.sampled_from([*AGENTS, "ANA"]),
        "team": st.sampled_from(TEAMS),
        "escalated": st.sampled_from([0, 1]),
        "flags": st.sampled_from([1, 2, 4, 3]),
        "tracking_number": st.sampled_from(["TRK1", "trk", ""]),
        "review": st.sampled_from(["seller_feedback", "product_review", "PRODUCT_REVIEW", ""]),
        "hours_since_created": st.sampled_from([0, 10, 50, 150]),
        "hours_since_buyer_message": st.sampled_from([0, 10, 50]),
        "hours_until_sla_breach": st.sampled_from([-10, 0, 10, 40]),
        "shipment_state": st.sampled_from(["in_transit", "delivered", "DELIVERED", "exception"]),
        "return_state": st.sampled_from(["in_transit", "delivered", "returned"]),
        "shipment_stalled": st.sampled_from([0, 1]),
        "days_since_shipped": st.sampled_from([0, 3, 10.5]),
        "days_since_delivered": st.sampled_from([0, 3, 7]),
        "days_since_last_scan": st.sampled_from([0, 2, 5]),
    }[field]


NUMERIC = {
    "sentiment",
    "order_value",
    "escalated",
    "flags",
    "hours_since_created",
    "hours_since_buyer_message",
    "hours_until_sla_breach",
    "shipment_stalled",
    "days_since_shipped",
    "days_since_delivered",
    "days_since_last_scan",
}
ORDERED = NUMERIC | {"tier", "priority"}
SETS = {"intents", "keywords", "sku", "tags"}


@st.composite
def condition(draw, field=None):
    field = field or draw(st.sampled_from(sorted(Vocabulary().fields)))
    ops = ["is", "is_not", "in", "not_in", "is_set", "is_not_set"]
    if field in ORDERED:
        ops += ["gt", "gte", "lt", "lte"]
    if field not in NUMERIC and field not in SETS:
        ops += ["contains", "not_contains"]
    if field in SETS:
        ops = ["contains", "not_contains", "in", "not_in"] + ([] if field == "keywords" else ["is", "is_set"])
    if field == "flags":
        ops.append("has_bits")
    if field in {"status", "tier", "priority"}:
        ops = [o for o in ops if o not in {"contains", "not_contains"}]
    op = draw(st.sampled_from(ops))
    if op in {"is_set", "is_not_set"}:
        return {"field": field, "op": op}
    if op in {"in", "not_in"}:
        return {"field": field, "op": op, "value": draw(st.lists(_values(field), min_size=1, max_size=3))}
    value = draw(_values(field))
    if field in {"status", "priority"} and op in {"contains", "not_contains"}:
        op = "is"
    if op in {"contains", "not_contains"} and field not in SETS:
        value = str(value)[:2] or "a"
    return {"field": field, "op": op, "value": value}


def _agree(world, all_, any_):
    vocab = Vocabulary()
    conds = parse_conditions({"all": all_, "any": any_}, "parity", vocab)
    now = world.now()
    with BulkEvaluator(world.db, vocab, now, [conds]) as bulk:
        in_bulk = set(bulk.ticket_ids(conds))
    keywords = KeywordIndex.for_conditions([conds], vocab)
    cursor = world.db.execute("SELECT * FROM tickets")
    cols = [d[0] for d in cursor.description]
    one_by_one = {
        row["id"]
        for row in (dict(zip(cols, r, strict=True)) for r in cursor.fetchall())
        if evaluate(conds, Facts(world.db, row, now), vocab, keywords)
    }
    assert in_bulk == one_by_one


@pytest.mark.parametrize("field", sorted(Vocabulary().fields))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_field_agrees(world, field, data):
    _agree(world, [data.draw(condition(field))], [])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(all_=st.lists(condition(), max_size=3), any_=st.lists(condition(), max_size=2))
def test_combined_conditions_agree(world, all_, any_):
    _agree(world, all_, any_)


def test_the_world_is_varied_enough_to_mean_something(world):
    vocab = Vocabulary()
    for raw in (
        {"all": [{"field": "keywords", "op": "contains", "value": "where is my order"}]},
        {"all": [{"field": "language", "op": "is", "value": "pt"}]},
        {"all": [{"field": "intents", "op": "contains", "value": "damaged_item"}]},
        {"all": [{"field": "sku", "op": "contains", "value": "LAMP-01"}]},
        {"all": [{"field": "hours_until_sla_breach", "op": "lt", "value": 0}]},
    ):
        conds = parse_conditions(raw, "t", vocab)
        with BulkEvaluator(world.db, vocab, world.now(), [conds]) as bulk:
            hits = list(bulk.ticket_ids(conds))
        assert 0 < len(hits) < 60, raw
