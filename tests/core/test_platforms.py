"""crossdesk.platforms: the action types, their one serialised form, the connector protocols and errors."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossdesk import models, platforms
from crossdesk.platforms import (
    ACTIONS,
    Action,
    Attachment,
    Cancellation,
    MessageOut,
    Page,
    PlatformError,
    Refund,
    RefundLine,
    ReturnDecision,
    check_connector,
    from_json,
    manual,
    to_json,
)

COMMON = {"platform": "ebay", "shop_external_id": "acme_outlet", "idempotency_key": "k:1"}

text = st.text(min_size=1, max_size=30).filter(str.strip)
maybe_text = st.none() | text
ids = st.integers(min_value=0, max_value=2**53)


def common() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "platform": text,
            "shop_external_id": text,
            "idempotency_key": text,
            "buyer_external_id": maybe_text,
        }
    )


messages = st.builds(
    lambda c, **kw: MessageOut(**c, **kw),
    common(),
    body=text,
    created_at=ids,
    thread_id=maybe_text,
    order_external_id=maybe_text,
    message_id=st.none() | ids,
    template=st.none() | st.text(max_size=10),
    message_type=st.text(max_size=10),
    attachments=st.lists(st.builds(Attachment, upload_destination_id=text, file_name=text), max_size=2).map(
        tuple
    ),
)
decisions = st.builds(
    lambda c, **kw: ReturnDecision(**c, **kw),
    common(),
    decision=st.sampled_from(["approve", "decline"]),
    order_external_id=text,
    return_external_id=maybe_text,
    note=st.text(max_size=20),
    reason=st.text(max_size=20),
    reason_code=st.text(max_size=5),
    evidence=st.lists(text, max_size=2).map(tuple),
)
refunds = st.builds(
    lambda c, **kw: Refund(**c, **kw),
    common(),
    order_external_id=text,
    amount_minor=st.integers(min_value=0, max_value=10**12),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
    digits=st.integers(min_value=0, max_value=4),
    return_external_id=maybe_text,
    lines=st.lists(
        st.builds(RefundLine, line_external_id=text, quantity=st.integers(1, 99), sku=st.text(max_size=8)),
        max_size=3,
    ).map(tuple),
    reason=st.text(max_size=20),
    notify=st.booleans(),
)
cancellations = st.builds(
    lambda c, **kw: Cancellation(**c, **kw),
    common(),
    order_external_id=text,
    refund=st.booleans(),
    restock=st.booleans(),
    notify=st.booleans(),
    reason_code=st.text(max_size=8),
)


@given(st.one_of(messages, decisions, refunds, cancellations))
def test_every_action_reads_back_as_itself(action: Action) -> None:
    stored = to_json(action)
    back = from_json(action.kind, stored)
    assert back == action and type(back) is type(action)
    assert to_json(back) == stored  # serialised once: reading and writing again changes nothing
    data = orjson.loads(stored)
    assert list(data) == sorted(data) and set(data) == {f.name for f in dataclasses.fields(action)}


def test_the_registry_names_each_type_by_its_kind_and_capability() -> None:
    assert dict(ACTIONS) == {
        "message": MessageOut,
        "return_decision": ReturnDecision,
        "refund": Refund,
        "cancellation": Cancellation,
    }
    for kind, cls in ACTIONS.items():
        assert cls.kind == kind and cls.capability in platforms.CAPABILITIES
        assert platforms.METHODS[cls.capability] == cls.method and cls.verb
    with pytest.raises(TypeError):
        ACTIONS["other"] = MessageOut  # type: ignore[index]
    with pytest.raises(ValueError, match=r"unknown outbox kind 'ebay\.return_decide'"):
        platforms.action_type("ebay.return_decide")


def test_actions_are_frozen_and_keyword_only() -> None:
    refund = Refund(**COMMON, order_external_id="O-1", amount_minor=1999, currency="EUR", digits=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        refund.amount_minor = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        Refund("ebay", "acme", "k", "O-1", 1999, "EUR", 2)  # type: ignore[misc]
    assert hash(refund) == hash(dataclasses.replace(refund))


@pytest.mark.parametrize(
    ("minor", "currency", "digits", "amount"),
    [(1999, "EUR", 2, "19.99"), (500, "USD", 2, "5.00"), (1500, "JPY", 0, "1500"), (1234, "KWD", 3, "1.234")],
)
def test_refund_amount_is_exact(minor: int, currency: str, digits: int, amount: str) -> None:
    refund = Refund(**COMMON, order_external_id="O", amount_minor=minor, currency=currency, digits=digits)
    assert refund.amount == Decimal(amount) and str(refund.amount) == amount


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: MessageOut(**COMMON, body=" ", created_at=1), "body must be non-empty"),
        (lambda: MessageOut(**COMMON, body="hi", created_at="1"), "created_at"),  # type: ignore[arg-type]
        (
            lambda: MessageOut(**{**COMMON, "shop_external_id": ""}, body="x", created_at=1),
            "shop_external_id",
        ),
        (lambda: MessageOut(**COMMON, body="x", created_at=1, thread_id=""), "thread_id"),
        (
            lambda: ReturnDecision(**COMMON, decision="ACCEPT", order_external_id="O"),  # type: ignore[arg-type]
            "'approve' or 'decline'",
        ),
        (lambda: ReturnDecision(**COMMON, decision="approve", order_external_id=""), "order_external_id"),
        (
            lambda: Refund(**COMMON, order_external_id="O", amount_minor=-1, currency="EUR", digits=2),
            "amount_minor",
        ),
        (
            lambda: Refund(**COMMON, order_external_id="O", amount_minor=1, currency="eur", digits=2),
            "ISO 4217",
        ),
        (lambda: Refund(**COMMON, order_external_id="O", amount_minor=1, currency="EUR", digits=9), "digits"),
        (lambda: RefundLine(line_external_id="L", quantity=0), "quantity"),
        (lambda: RefundLine(line_external_id="", quantity=1), "line_external_id"),
        (lambda: Cancellation(**COMMON, order_external_id=" "), "order_external_id"),
        (lambda: Attachment(upload_destination_id="u", file_name=""), "file_name"),
    ],
)
def test_an_action_that_cannot_exist_is_refused(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_a_textless_message_type_needs_no_body() -> None:
    action = MessageOut(**COMMON, body="", created_at=1, message_type="negativeFeedbackRemoval")
    assert from_json("message", to_json(action)) == action


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("not json", "message payload is not JSON"),
        ("[]", "must be an object"),
        ('{"platform": "ebay"}', "lacks body, created_at, idempotency_key, shop_external_id"),
        ({**COMMON, "body": "x", "created_at": 1, "amazon_action": "x"}, "unknown fields amazon_action"),
        ({**COMMON, "body": "x", "created_at": True}, "created_at must be a whole number"),
        ({**COMMON, "body": 5, "created_at": 1}, "body must be text"),
        ({**COMMON, "body": "x", "created_at": 1, "attachments": {}}, "attachments must be a list"),
        (
            {**COMMON, "body": "x", "created_at": 1, "attachments": [{"file_name": "f"}]},
            r"attachments\[0\] lacks upload_destination_id",
        ),
    ],
)
def test_a_bad_payload_is_one_clear_error(payload, message: str) -> None:
    text_ = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    with pytest.raises(ValueError, match=message):
        from_json("message", text_)


def test_missing_optional_fields_take_their_defaults() -> None:
    stored = orjson.dumps({**COMMON, "decision": "decline", "order_external_id": "O", "reason": "used"})
    action = from_json("return_decision", stored)
    assert action == ReturnDecision(**COMMON, decision="decline", order_external_id="O", reason="used")
    assert action.return_external_id is None and action.evidence == ()


def test_only_registered_actions_are_serialised() -> None:
    with pytest.raises(TypeError):
        to_json({"kind": "message"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_json(Action(**COMMON))


# ---- errors and pages ------------------------------------------------------------------------------


def test_platform_error_carries_what_to_do_next() -> None:
    err = PlatformError("ebay: busy", retryable=True, retry_after=3.0, ambiguous=True, status=503, code="X")
    assert (err.retryable, err.retry_after, err.ambiguous, err.manual_step, err.status, err.code) == (
        True,
        3.0,
        True,
        None,
        503,
        "X",
    )
    step = manual("Refund it in Seller Central")
    assert isinstance(step, PlatformError) and step.manual_step == str(step) == "Refund it in Seller Central"
    assert not step.retryable and not step.ambiguous


def test_the_built_in_connectors_use_the_public_types() -> None:
    from crossdesk.plugins.platforms import _http, amazon, ebay, shopee, shopify

    for module in (amazon, ebay, shopee, shopify, _http):
        assert module.PlatformError is PlatformError
    for module in (amazon, ebay, shopee, shopify):
        assert module.Page is Page
    assert not hasattr(_http, "Page") and not hasattr(_http, "manual")
    assert platforms.CAPABILITIES is models.CAPABILITIES and platforms.Connector is models.Connector


# ---- protocols -------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["amazon", "ebay", "shopee", "shopify"])
def test_built_in_connectors_implement_what_they_declare(platform: str) -> None:
    import importlib

    module = importlib.import_module(f"crossdesk.plugins.platforms.{platform}")
    cls = next(v for k, v in vars(module).items() if k.endswith("Connector") and isinstance(v, type))
    connector = cls.__new__(cls)  # the declaration only: no credentials, no client
    assert check_connector(connector) == []
    for capability in connector.capabilities:
        assert isinstance(connector, platforms.PROTOCOLS[capability])
    # Amazon's Messaging API cannot read messages back, so it cannot reconcile; the others can.
    assert isinstance(connector, platforms.Reconciler) == (platform != "amazon")


def test_check_connector_names_each_problem() -> None:
    class Sloppy:
        capabilities = frozenset({"orders", "refunds", "teleport"})

        def fetch_orders(self, cursor):
            return Page([], None, False)

    assert check_connector(Sloppy()) == [
        "declares refunds but has no refund() method",
        "unknown capability 'teleport'; known: cancellations, messages_in, messages_out, orders, "
        "refunds, returns_decide, returns_in",
    ]
    assert check_connector(object()) == ["capabilities must be a frozenset of capability names"]
    assert isinstance(Sloppy(), platforms.OrderReader) and not isinstance(Sloppy(), platforms.Refunder)
