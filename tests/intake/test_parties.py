"""Buyers by the batch give the answers of ``CustomerService.upsert`` one by one: a new identity joins the
lowest profile with its exact e-mail or phone among the buyers of the same seller, never another seller's."""

from __future__ import annotations

import pytest

from crossdesk.api import Desk
from crossdesk.models import Actor

ADMIN = Actor.system("test")


def _shops(desk: Desk) -> dict[str, int]:
    return {
        key: desk.upsert_shop(
            ADMIN, platform="shopify", external_id=f"{key}-1", name=key, config={"seller": seller}
        )
        for key, seller in (("acme", "Acme GmbH"), ("other", "Other Ltd"), ("acme2", "Acme GmbH"))
    }


ROWS = [  # (shop, external id, e-mail, phone)
    ("acme", "a1", "anna@example.org", ""),
    ("other", "o1", "anna@example.org", ""),
    ("acme2", "a2", "ANNA@example.org", ""),
    ("other", "o2", "", "+49 30 901820"),
    ("acme", "a3", "", "+49 30 901820"),
    ("other", "o3", "bob@example.org", "+49 30 901820"),
    ("acme2", "a4", "bob@example.org", ""),
]


def _row(shops: dict[str, int], shop: str, ext: str, email: str, phone: str) -> dict:
    return {
        "platform": "shopify",
        "shop_id": shops[shop],
        "external_id": ext,
        "name": ext,
        "email": email,
        "phone": phone,
        "country": "DE",
    }


def _one_by_one(rows: list) -> tuple[list[int], list]:
    desk = Desk.memory()
    shops = _shops(desk)
    ids = [desk.upsert_customer(ADMIN, **_row(shops, *r)) for r in rows]
    return ids, _state(desk)


def _state(desk: Desk) -> list:
    return desk.db.execute(
        "SELECT c.id, c.email, c.phone, group_concat(i.external_id) FROM customers c "
        "JOIN customer_identities i ON i.customer_id = c.id GROUP BY c.id ORDER BY c.id"
    ).fetchall()


@pytest.mark.parametrize("split", [len(ROWS), 1, 3])
def test_batches_join_buyers_as_one_by_one_never_across_sellers(split):
    expected_ids, expected = _one_by_one(ROWS)
    desk = Desk.memory()
    shops = _shops(desk)
    ids = []
    for start in range(0, len(ROWS), split):
        part = [_row(shops, *r) for r in ROWS[start : start + split]]
        ids += [result[0] for result in desk.intake.customers(ADMIN, part)]
    assert ids == expected_ids
    assert _state(desk) == expected
    # anna of Acme (two shops) is one buyer; anna of Other Ltd is another.
    assert ids[0] == ids[2] != ids[1]


def test_a_profile_completed_later_in_the_batch_joins_only_its_sellers_buyers():
    desk = Desk.memory()
    shops = _shops(desk)
    first = desk.upsert_customer(ADMIN, **_row(shops, "other", "o9", "", ""))
    rows = [
        _row(shops, "other", "o9", "carl@example.org", ""),  # the stored profile gets its e-mail
        _row(shops, "acme", "a9", "carl@example.org", ""),  # another seller: a new buyer
        _row(shops, "other", "o10", "carl@example.org", ""),  # the same seller: joined
    ]
    got = [r[0] for r in desk.intake.customers(ADMIN, rows)]
    assert got[0] == got[2] == first and got[1] != first
