"""The inbox's filter line, parsed without the TUI."""

from __future__ import annotations

import pytest

from crossdesk.tui.query import QueryError, parse, to_filters

CTX = {
    "agents": {"ana": 1, "sam": 2},
    "shops": {"acme amazon de": 1, "amz-de": 1},
    "me": 2,
    "breaching_before": 999,
}


def test_filters_switches_and_words():
    q = parse("platform:Amazon lang:de mine wo ist mein Paket tier:high-value")
    f = to_filters(q, **CTX)
    assert f == {
        "platform": "amazon",
        "language": "de",
        "tier": 3,
        "assignee_id": 2,
        "search": "wo ist mein Paket",
    }
    assert q.text() == "platform:Amazon lang:de tier:high-value mine wo ist mein Paket"


def test_shop_by_external_id_and_assignee_by_name():
    f = to_filters(parse("shop:AMZ-DE assignee:ana breaching status:open,pending"), **CTX)
    assert f == {"shop_id": 1, "assignee_id": 1, "breaching_before": 999, "status": ["open", "pending"]}


def test_toggle_round_trips():
    q = parse("lang:de")
    assert q.toggled("mine").text() == "lang:de mine"
    assert q.toggled("mine").toggled("mine").text() == "lang:de"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tier:gold", "unknown tier 'gold'"),
        ("assignee:zed", "no agent named 'zed'"),
        ("shop:nowhere", "no shop 'nowhere'"),
        ("status:lost", "unknown ticket status 'lost'"),
        ("lang:", "lang: needs a value"),
    ],
)
def test_bad_words_are_named(text, message):
    with pytest.raises(QueryError, match=message):
        to_filters(parse(text), **CTX)
