"""Review tickets have an SLA of their own: the ``review`` field, and examples/sla.toml's policy
"Negative review: first reply within 24 h" ahead of the platform's policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossdesk.conditions.fields import RuleError
from crossdesk.fakes.ebay import FakeEbay
from crossdesk.models import Actor
from tests.sync.conftest import _NO_FILE, Harness, build

ADMIN = Actor.system("test")
EXAMPLE = Path(__file__).parents[2] / "examples" / "sla.toml"
REVIEW_POLICY = "Negative review: first reply within 24 h"


@pytest.fixture
def ebay() -> Iterator[Harness]:
    with FakeEbay() as fake:
        h = build("ebay", fake)
        h.desk.create_team(ADMIN, "Japan", timezone="Asia/Tokyo")  # the examples route Japanese to it
        h.desk.sla.load_file(ADMIN, EXAMPLE)
        yield h
        h.desk.close()


def _policy_ids(h: Harness) -> dict[str, int]:
    return {p.name: p.id for p in h.desk.sla.policies()}


def test_a_negative_feedback_ticket_gets_the_review_policy(ebay: Harness) -> None:
    result = ebay.desk.sync.run(ADMIN, env=ebay.env, credentials_path=_NO_FILE, push=False)
    [ticket_id] = result["reviews"][0].tickets
    ids = _policy_ids(ebay)
    ticket = ebay.desk.db["tickets"].get(ticket_id)
    assert ticket["sla_policy_id"] == ids[REVIEW_POLICY]
    assert ticket["first_reply_due"] == ticket["created_at"] + 24 * 3600  # real hours
    # a buyer's message on eBay keeps the eBay policy
    others = ebay.desk.db.execute(
        "SELECT DISTINCT sla_policy_id FROM tickets WHERE id != ? AND platform = 'ebay'", [ticket_id]
    ).fetchall()
    assert others and {o[0] for o in others} == {ids["eBay: 1 business day"]}
    # the whole-desk evaluation (SQL) agrees with the per-ticket one: recomputing changes nothing
    assert ebay.desk.sla.recompute_all(ADMIN) == 0
    assert ebay.desk.db["tickets"].get(ticket_id)["sla_policy_id"] == ids[REVIEW_POLICY]


def test_the_review_field_tells_feedback_from_product_reviews(ebay: Harness) -> None:
    ebay.desk.sync.run(ADMIN, env=ebay.env, credentials_path=_NO_FILE, push=False)
    [ticket_id] = ebay.desk.db.execute("SELECT ticket_id FROM reviews WHERE ticket_id IS NOT NULL").fetchone()

    def only(value: str) -> int | None:
        [pid] = ebay.desk.sla.save_policies(
            ADMIN,
            [
                {
                    "name": f"{value}: 2 h",
                    "clock": "marketplace",
                    "all": [{"field": "review", "op": "is", "value": value}],
                    "targets": {"normal": {"first_reply": "2h"}},
                }
            ],
            replace=True,
        )
        return pid

    only("product_review")  # eBay feedback is not a product review
    assert ebay.desk.db["tickets"].get(ticket_id)["sla_policy_id"] is None
    pid = only("seller_feedback")
    assert ebay.desk.db["tickets"].get(ticket_id)["sla_policy_id"] == pid
    with_policy = ebay.desk.db.execute("SELECT count(*) FROM tickets WHERE sla_policy_id = ?", [pid])
    assert with_policy.fetchone()[0] == 1  # no buyer conversation matches it


def test_a_misspelt_review_field_is_refused_clearly(ebay: Harness, tmp_path: Path) -> None:
    bad = tmp_path / "sla.toml"
    bad.write_text(EXAMPLE.read_text().replace('field = "review", op', 'field = "reviw", op'))
    with pytest.raises(RuleError, match="reviw"):
        ebay.desk.sla.load_file(ADMIN, bad)
    assert REVIEW_POLICY in _policy_ids(ebay)  # the policies in place are kept
