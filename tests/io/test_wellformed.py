"""The fast path of the import's checks (crossdesk.io.wellformed) answers as the checked path does.

For any line it takes, its check is the checked path's (``prepare.check`` of ``prepare.parse_line``), row
for row, value type for value type and in the same key order (the intake writes a batch's rows with the
columns of its first row); any line it does not take goes to the checked path, which decides. Hypothesis
draws records of every type from plain values mixed with what the format allows or refuses (numbers for
ids, nulls, blanks, booleans, floats, numbers past 64 bits, times out of range, unknown currencies,
statuses and directions, attachments).
"""

from __future__ import annotations

import json

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.io import prepare
from crossdesk.io.wellformed import check_line
from tests.demo_export import demo_export

NOW = 1_795_000_000


def _slow(line: bytes) -> prepare.Checked | None:
    """The checked path's answer: the check of a record line, None for a bad line or a shop."""
    try:
        record = prepare.parse_line(line)
    except prepare.RecordError:
        return None
    return None if record["type"] == "shop" else prepare.check(record)


def _same(line: bytes) -> bool:
    """The fast path takes the line and answers as the checked path, or leaves it (None)."""
    fast = check_line(line)
    if fast is None:
        return False
    slow = _slow(line)
    assert slow is not None and slow[4] is None, (line, slow)
    assert orjson.dumps(fast) == orjson.dumps(slow), line  # values, their types and the keys' order
    return True


def test_every_record_of_a_demo_export_takes_the_fast_path_with_the_checked_answer(tmp_path):
    lines = demo_export(tmp_path / "desk.jsonl", size=300, seed=5, now=NOW).read_bytes().splitlines()
    records = [x for x in lines if not x.startswith(b'{"type":"shop"')]
    taken = [_same(x) for x in records]
    assert len(records) > 1000
    # the mail channel's messages with attachments take the checked path; every other record is plain
    with_attachments = sum(b'"attachments":[{' in x for x in records)
    assert taken.count(False) == with_attachments


def test_what_the_fast_path_leaves_is_decided_by_the_checked_path():
    shop = '"platform":"amazon","shop":"A1"'
    for line, why in [
        (b'{"type":"shop","platform":"amazon","external_id":"A1"}', "a shop"),
        (b'{"type":"customer",' + shop.encode() + b',"external_id":7}', "an id as a number"),
        (b'{"type":"customer",' + shop.encode() + b',"external_id":"c","name":null}', "a null"),
        (b'{"type":"customer",' + shop.encode() + b',"external_id":"c","tier":9}', "a tier out of range"),
        (b'{"type":"customer",' + shop.encode() + b',"external_id":"  "}', "a blank id"),
        (b'{"type":"customer",' + shop.encode() + b',"external_id":"c","tier":true}', "a boolean"),
        (
            b'{"type":"order",' + shop.encode() + b',"external_id":"o","currency":"eur",'
            b'"ordered_at":"2026-01-01T00:00:00Z","lines":[{"sku":"S","unit_price_minor":1}]}',
            "a currency in small letters",
        ),
        (
            b'{"type":"order",' + shop.encode() + b',"external_id":"o","currency":"EUR",'
            b'"ordered_at":"2026-01-01T00:00:00Z","lines":[{"sku":"S","unit_price_minor":1e2}]}',
            "a price as a float",
        ),
        (
            b'{"type":"order",' + shop.encode() + b',"external_id":"o","currency":"EUR",'
            b'"ordered_at":99999999999999999999999,"lines":[{"sku":"S","unit_price_minor":1}]}',
            "a number past 64 bits",
        ),
        (
            b'{"type":"message",' + shop.encode() + b',"thread_id":"t","external_id":"m","body":"hi",'
            b'"created_at":1700000000,"direction":"sideways"}',
            "an unknown direction",
        ),
        (
            b'{"type":"message",' + shop.encode() + b',"thread_id":"t","external_id":"m","body":"hi",'
            b'"created_at":1700000000,"attachments":[{"filename":"a.pdf"}]}',
            "attachments",
        ),
        (b'{"type":"ticket",' + shop.encode() + b',"thread_id":"t","status":"lost"}', "an unknown status"),
        (b'{"type":"ticket",' + shop.encode() + b',"thread_id":"t"', "invalid JSON"),
        (b'{"type":"ticket",' + shop.encode() + b',"thread_id":"\xff"}', "invalid UTF-8"),
    ]:
        assert check_line(line) is None, why


# ---- any record --------------------------------------------------------------------------------------

_WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "  ", "x", " padded ", "Ünïcødé", "EUR", "eur", "XXX", "open", "solved", "NEW"]),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
_WORD = st.text(st.characters(exclude_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=8)
_TEXT = st.one_of(_WORD, _WORD, _WORD, st.text(max_size=8), st.sampled_from(["", "  ", " id ", "A1"]))
_TIME = st.one_of(
    st.integers(min_value=-10, max_value=4_102_444_900),
    st.just("2026-11-20T08:15:00Z"),
    st.sampled_from(
        [
            "2026-11-20T08:15:00Z",
            "2026-11-20T08:15:00+02:00",
            "2026-11-20T08:15:00",
            " 2026-11-20T08:15:00Z ",
            "2026-11-20",
            "2126-01-01T00:00:00Z",
            "20 Nov 2026",
        ]
    ),
)


def _record(
    kind: str | None, required: tuple[str, ...], fields: dict[str, st.SearchStrategy]
) -> st.SearchStrategy:
    """A record of ``kind`` (None: an order line) with plain values (its required fields and some others),
    then as often as not one or two of its fields dropped or set to anything."""
    if kind is not None:
        required = ("type", "platform", "shop", *required)
        fields = {
            "type": st.just(kind),
            "platform": st.sampled_from(["amazon", "Shopee", "ebay"]),
            "shop": _TEXT,
            **fields,
        }
    plain = st.fixed_dictionaries(
        {k: v for k, v in fields.items() if k in required},
        optional={k: v for k, v in fields.items() if k not in required},
    )
    changes = st.lists(
        st.tuples(st.sampled_from(sorted(fields)), st.one_of(st.just(_DROP), _WEIRD)), max_size=2
    )
    return st.tuples(plain, st.one_of(st.just([]), changes)).map(_changed)


_DROP = object()


def _changed(drawn: tuple[dict, list]) -> dict:
    record, changes = drawn
    for key, value in changes:
        if value is _DROP:
            record.pop(key, None)
        else:
            record[key] = value
    return record


_LINE = _record(
    None,
    ("sku", "unit_price_minor"),
    {
        "sku": _TEXT,
        "unit_price_minor": st.one_of(st.integers(min_value=-1, max_value=10**13), st.just(2**63 - 1)),
        "external_id": _TEXT,
        "title": _TEXT,
        "quantity": st.integers(min_value=-1, max_value=1_000_001),
        "delivered_at": _TIME,
    },
)
RECORDS = st.one_of(
    _record(
        "customer",
        ("external_id",),
        {
            "external_id": _TEXT,
            "tier": st.integers(min_value=-1, max_value=4),
            **dict.fromkeys(("name", "email", "phone", "country", "region", "language", "handle"), _TEXT),
        },
    ),
    _record(
        "order",
        ("external_id", "currency", "ordered_at", "lines"),
        {
            "external_id": _TEXT,
            "currency": st.one_of(
                st.sampled_from(["EUR", "USD", "SGD", "JPY"]), st.sampled_from(["eur", "", "ZZZ"])
            ),
            "ordered_at": _TIME,
            "lines": st.lists(_LINE, min_size=1, max_size=3),
            "total_minor": st.integers(min_value=-1, max_value=10**13),
            **dict.fromkeys(("customer", "status", "tracking_number", "carrier", "country", "region"), _TEXT),
            "shipped_at": _TIME,
            "delivered_at": _TIME,
        },
    ),
    _record(
        "message",
        ("thread_id", "external_id", "body", "created_at"),
        {
            "thread_id": _TEXT,
            "external_id": _TEXT,
            "body": _TEXT,
            "created_at": _TIME,
            "direction": st.sampled_from(["in", "out", "note", "IN", ""]),
            "attachments": st.lists(st.dictionaries(st.text(max_size=3), st.text(max_size=3)), max_size=1),
            **dict.fromkeys(
                ("language", "author", "channel", "customer", "order", "subject", "translation"), _TEXT
            ),
        },
    ),
    _record(
        "ticket",
        ("thread_id",),
        {
            "thread_id": _TEXT,
            "status": st.sampled_from(["open", "Solved", " pending ", "lost", ""]),
            "subject": _TEXT,
            "tags": st.lists(st.text(max_size=4), max_size=2),
        },
    ),
)


@settings(max_examples=1500, deadline=None)
@given(RECORDS)
def test_any_record_the_fast_path_takes_is_checked_as_the_checked_path_checks_it(record):
    # the standard library's encoder writes numbers past 64 bits too (orjson refuses them)
    _same(json.dumps(record).encode())


_PLAIN_TIME = st.one_of(
    st.integers(min_value=0, max_value=4_102_444_799), st.just("2026-11-20T08:15:00Z"), st.just("2026-11-20")
)
_PLAIN_LINE = st.fixed_dictionaries(
    {"sku": _WORD, "unit_price_minor": st.integers(min_value=0, max_value=10**9)},
    optional={
        "external_id": _TEXT,
        "title": _TEXT,
        "quantity": st.integers(min_value=1, max_value=1_000_000),
        "delivered_at": _PLAIN_TIME,
    },
)
PLAIN_ORDERS = st.fixed_dictionaries(
    {
        "type": st.just("order"),
        "platform": st.sampled_from(["amazon", "Shopee"]),
        "shop": _WORD,
        "external_id": _WORD,
        "currency": st.sampled_from(["EUR", "USD", "SGD", "JPY"]),
        "ordered_at": _PLAIN_TIME,
        "lines": st.lists(_PLAIN_LINE, min_size=1, max_size=3),
    },
    optional={
        "total_minor": st.integers(min_value=0, max_value=10**12),
        **dict.fromkeys(("customer", "status", "tracking_number", "carrier", "country", "region"), _TEXT),
        "shipped_at": _PLAIN_TIME,
        "delivered_at": _PLAIN_TIME,
    },
)


@settings(max_examples=300, deadline=None)
@given(PLAIN_ORDERS)
def test_a_plain_order_takes_the_fast_path_with_the_checked_answer(record):
    """Orders have the most checks; the records above are rarely plain orders, these always are."""
    assert _same(orjson.dumps(record))
