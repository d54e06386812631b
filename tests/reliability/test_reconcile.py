"""Issue 18 item 2: reconciliation identifies the very refund, or sends the item to a person."""

from __future__ import annotations

from crossdesk.platforms import Refund

from .conftest import ADMIN


def _refund(h, key: str, amount: int, ret) -> int:
    action = Refund(
        platform=h.platform,
        shop_external_id=h.shop_external_id,
        idempotency_key=key,
        amount_minor=amount,
        currency="USD",
        digits=2,
        return_external_id=ret.return_id,
        order_external_id=ret.order_id,
        reason="partial",
    )
    return h.desk.enqueue_outbox(ADMIN, action)


def _abandon(h, item_id: int) -> None:
    """As a dispatcher killed after its claim and before its request: the item is left ``sending``."""
    h.desk.db.execute(
        "UPDATE outbox SET status = 'sending', attempts = 1, next_attempt_at = ? WHERE id = ?",
        [h.clock() - 1, item_id],
    )


def _status(h, item_id: int) -> str:
    return h.desk.db.execute("SELECT status FROM outbox WHERE id = ?", [item_id]).fetchone()[0]


def test_two_partial_ebay_refunds_both_reach_ebay(ebay):
    assert ebay.sync().ok
    ret = ebay.fake.returns[0]
    first = _refund(ebay, "refund:1", 500, ret)
    assert ebay.dispatch().sent == [first]
    second = _refund(ebay, "refund:2", 300, ret)
    _abandon(ebay, second)  # the return is REFUND_ISSUED already, by the first refund
    report = ebay.dispatch()
    assert report.reconciled == []
    assert _status(ebay, second) in ("pending", "sent")
    ebay.dispatch()
    assert _status(ebay, second) == "sent"
    amounts = [body["refundDetail"]["totalAmount"]["value"] for _, _, body in ebay.fake.actions_of("refund")]
    assert amounts == ["5.00", "3.00"]


def test_an_ebay_refund_that_happened_is_found_by_its_key(ebay):
    assert ebay.sync().ok
    ret = ebay.fake.returns[0]
    first = _refund(ebay, "refund:1", 500, ret)
    ebay.dispatch()
    _abandon(ebay, first)  # as a crash between eBay's yes and our bookkeeping
    assert ebay.dispatch().reconciled == [first]
    assert len(ebay.fake.actions_of("refund")) == 1


def test_an_ebay_refund_that_cannot_be_told_apart_goes_to_manual(ebay):
    assert ebay.sync().ok
    ret = ebay.fake.returns[0]
    ebay.fake.seller_hub_refund(ret.return_id, "3.00")  # a refund made by hand, carrying no key of ours
    item = _refund(ebay, "refund:2", 300, ret)
    _abandon(ebay, item)
    report = ebay.dispatch()
    assert report.manual == [item] and report.sent == []
    row = ebay.desk.db.execute("SELECT status, last_error FROM outbox WHERE id = ?", [item]).fetchone()
    assert row[0] == "manual" and "Seller Hub" in row[1]
    assert ebay.fake.actions_of("refund") == []
