"""Amazon seller feedback through the Reports API: ask, poll, download (gzip or not), parse; a negative one
opens a ticket tied to buyer and order; no reply API, and no text asking to change or remove feedback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossdesk.fakes.amazon import REPORTS, FakeAmazon
from crossdesk.mail.lint import lint_amazon
from crossdesk.platforms import MessageOut
from tests.reputation.conftest import ADMIN, pull
from tests.sync.conftest import Harness, build

FAST = {"report_poll_seconds": 0.01, "report_wait_seconds": 2, "feedback_days": 3650}


@pytest.fixture
def amazon() -> Iterator[Harness]:
    with FakeAmazon() as fake:
        h = build("amazon", fake, **FAST)
        assert h.sync().ok  # orders first, so the feedback finds them
        yield h
        h.desk.close()


@pytest.mark.parametrize("gzipped", [True, False])
def test_negative_feedback_from_the_report_opens_tickets(amazon: Harness, gzipped: bool) -> None:
    amazon.fake.gzip_reports = gzipped
    report = pull(amazon)
    assert report.errors == [] and (report.fetched, report.new, report.negative) == (4, 4, 2)
    assert len(amazon.fake.actions_of("createReport")) == 1
    assert len(amazon.fake.requests_to(f"{REPORTS}/reports/{{id}}", "GET")) == 2  # IN_PROGRESS, then DONE
    assert all("x-amz-access-token" not in r.headers for r in amazon.fake.requests_to("/s3/reports/{d}"))
    negatives = {f["Order ID"]: f for f in amazon.fake.feedback if int(f["Rating"]) <= 2}
    assert len(report.tickets) == len(negatives) == 2
    for ticket_id in report.tickets:
        ticket = amazon.desk.db["tickets"].get(ticket_id)
        order = amazon.desk.db["orders"].get(ticket["order_id"])
        row = negatives.pop(order["external_id"])
        assert ticket["customer_id"] == order["customer_id"]  # the relay address is the order's buyer
        assert ticket["external_id"] == f"amazon-feedback:{row['Order ID']}"
        assert {"review", "negative-review"} <= set(amazon.desk.tickets.tags(ticket_id))
    stored = {r["external_id"]: r for r in amazon.desk.reputation.list(ADMIN)}
    for row in amazon.fake.feedback:
        review = stored[row["Order ID"]]
        assert (review["rating"], review["body"], review["kind"]) == (
            int(row["Rating"]),
            row["Comments"],
            "seller_feedback",
        )
        assert amazon.fake.feedback_date(review["created_at"]) == amazon.fake.feedback_date(row["when"])
    again = pull(amazon)  # a new report, nothing new in it
    assert (again.new, again.negative) == (0, 0) and len(amazon.fake.actions_of("createReport")) == 2


def test_a_report_not_ready_is_polled_again_by_the_next_pull(amazon: Harness) -> None:
    amazon.fake.report_polls = 10_000
    amazon.set_config(**{**FAST, "report_wait_seconds": 0.1})
    first = pull(amazon)
    assert first.new == 0 and first.errors == [] and "still IN_PROGRESS" in first.waiting[0]
    amazon.fake.report_polls = 0
    second = pull(amazon)
    assert second.errors == [] and second.new == 4
    assert len(amazon.fake.actions_of("createReport")) == 1  # the same report, not a new one


def test_a_fatal_report_is_said_and_the_next_pull_asks_again(amazon: Harness) -> None:
    amazon.fake.report_status = "FATAL"
    first = pull(amazon)
    assert "FATAL" in first.errors[0] and amazon.count("reviews") == 0
    amazon.fake.report_status = "DONE"
    assert pull(amazon).new == 4
    assert len(amazon.fake.actions_of("createReport")) == 2


def test_a_report_without_its_columns_is_refused_and_stores_nothing(amazon: Harness) -> None:
    import gzip

    pull(amazon)  # a first, good report
    amazon.desk.db.execute("DELETE FROM sync_cursors WHERE resource = 'reviews'")
    original = amazon.fake._document

    def wrong(start: int) -> str:
        doc_id = original(start)
        signature, _ = amazon.fake.documents[doc_id]
        amazon.fake.documents[doc_id] = (signature, gzip.compress(b"Datum\tSterne\nx\ty\n"))
        return doc_id

    amazon.fake._document = wrong  # type: ignore[method-assign]
    before = amazon.count("reviews")
    report = pull(amazon)
    assert "no column date, rating, order id" in report.errors[0]
    assert amazon.count("reviews") == before


def _feedback_ticket(h: Harness) -> int:
    report = pull(h)
    return report.tickets[0]


def test_a_reply_to_amazon_feedback_is_a_manual_step(amazon: Harness) -> None:
    ticket_id = _feedback_ticket(amazon)
    amazon.desk.tickets.reply(ADMIN, ticket_id, "We are sorry; a replacement is on its way.")
    report = amazon.dispatch()
    [item] = amazon.desk.db.execute("SELECT status, last_error FROM outbox").fetchall()
    assert report.manual and item[0] == "manual" and "Feedback Manager" in item[1]
    assert amazon.fake.actions == [a for a in amazon.fake.actions if a[0] == "createReport"]


@pytest.mark.parametrize(
    "text",
    [
        "Sorry for the trouble. Could you please remove your negative feedback?",
        "We refunded you; please update your feedback.",
        "Könnten Sie die Bewertung entfernen? Danke!",
        "Please leave positive feedback next time.",
    ],
)
def test_asking_an_amazon_buyer_to_change_feedback_is_never_sent(amazon: Harness, text: str) -> None:
    ticket_id = _feedback_ticket(amazon)
    ticket = amazon.desk.db["tickets"].get(ticket_id)
    order = amazon.desk.db["orders"].get(ticket["order_id"])
    action = MessageOut(
        platform="amazon",
        shop_external_id=amazon.shop_external_id,
        idempotency_key=f"t{ticket_id}",
        body=text,
        created_at=int(amazon.clock()),
        thread_id=ticket["external_id"],
        order_external_id=order["external_id"],
        message_type="unexpectedProblem",
    )
    item_id = amazon.desk.enqueue_outbox(ADMIN, action)
    report = amazon.dispatch()
    row = amazon.desk.db["outbox"].get(item_id)
    assert report.failed == [item_id] and row["status"] == "failed"
    assert "feedback" in row["last_error"]
    assert amazon.fake.actions_of("unexpectedProblem") == []
    # the same text is flagged while the agent writes it, and refused by the mail path too
    assert any("feedback" in w for w in amazon.desk.conversation.lint(ADMIN, ticket_id, text))
    assert any("feedback" in p or "review" in p for p in lint_amazon(text))


def test_a_plain_apology_on_an_order_message_goes_out(amazon: Harness) -> None:
    ticket_id = _feedback_ticket(amazon)
    ticket = amazon.desk.db["tickets"].get(ticket_id)
    order = amazon.desk.db["orders"].get(ticket["order_id"])
    text = "We are sorry about the wrong size: a replacement left today."
    assert amazon.desk.conversation.lint(ADMIN, ticket_id, text) == [] and lint_amazon(text) == []
    action = MessageOut(
        platform="amazon",
        shop_external_id=amazon.shop_external_id,
        idempotency_key=f"ok{ticket_id}",
        body=text,
        created_at=int(amazon.clock()),
        thread_id=ticket["external_id"],
        order_external_id=order["external_id"],
        message_type="unexpectedProblem",
    )
    item_id = amazon.desk.enqueue_outbox(ADMIN, action)
    assert amazon.dispatch().sent == [item_id]
    assert len(amazon.fake.actions_of("unexpectedProblem")) == 1
