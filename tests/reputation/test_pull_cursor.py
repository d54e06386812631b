"""Reviews come with ``sync``; the pull keeps a cursor: a rerun adds nothing and reads little, and a pull
that dies (between pages, or between a review and its ticket) loses nothing when it is run again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossdesk.fakes.ebay import FakeEbay
from crossdesk.reputation import ReputationService
from tests.reputation.conftest import ADMIN, pull
from tests.sync.conftest import _NO_FILE, Harness, build

FEEDBACK = "/commerce/feedback/v1/feedback"
KINDS = ("POSITIVE", "NEGATIVE", "NEUTRAL")


@pytest.fixture
def ebay() -> Iterator[Harness]:
    with FakeEbay() as fake:
        for i in range(9):  # 12 feedback in all: three pages of five
            fake.add_feedback(KINDS[i % 3], order=3 + i, days_later=6)
        h = build("ebay", fake)
        yield h
        h.desk.close()


def _negatives(h: Harness) -> list[tuple]:
    return h.desk.db.execute(
        "SELECT external_id, ticket_id FROM reviews WHERE negative = 1 ORDER BY external_id"
    ).fetchall()


def _expected_negatives(h: Harness) -> list[str]:
    return sorted(f["feedbackId"] for f in h.fake.feedback if f["commentType"] == "NEGATIVE")


def test_sync_pulls_reviews_and_a_rerun_adds_nothing(ebay: Harness) -> None:
    first = ebay.desk.sync.run(ADMIN, env=ebay.env, credentials_path=_NO_FILE, push=False)
    [reviews] = first["reviews"]
    assert reviews.errors == [] and reviews.new == 12 and reviews.negative == len(_expected_negatives(ebay))
    assert len(ebay.fake.requests_to(FEEDBACK, "GET")) == 3
    again = ebay.desk.sync.run(ADMIN, env=ebay.env, credentials_path=_NO_FILE, push=False)
    [reviews] = again["reviews"]
    assert (reviews.new, reviews.negative) == (0, 0)
    assert len(ebay.fake.requests_to(FEEDBACK, "GET")) == 4  # newest first: one page told it nothing is new
    assert ebay.count("reviews") == 12


def test_a_new_feedback_is_found_on_the_first_page(ebay: Harness) -> None:
    pull(ebay)
    entry = ebay.fake.add_feedback("NEGATIVE", order=1, days_later=30)
    report = pull(ebay)
    assert (report.new, report.negative, report.fetched) == (1, 1, 5)
    ticket = ebay.desk.db["tickets"].get(report.tickets[0])
    assert ticket["external_id"] == f"feedback:{entry['feedbackId']}"
    assert pull(ebay, full=True).fetched == 13  # --full reads every page, stores nothing twice
    assert ebay.count("reviews") == 13


def test_a_pull_that_dies_between_pages_resumes_and_loses_nothing(
    ebay: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ReputationService._take
    calls = {"n": 0}

    def dies_on_the_seventh(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 7:  # the middle of the second page
            raise KeyboardInterrupt("killed")
        return original(self, *args, **kw)

    monkeypatch.setattr(ReputationService, "_take", dies_on_the_seventh)
    with pytest.raises(KeyboardInterrupt):
        pull(ebay)
    assert ebay.count("reviews") == 6
    monkeypatch.setattr(ReputationService, "_take", original)
    before = len(ebay.fake.requests_to(FEEDBACK, "GET"))
    report = pull(ebay)
    resumed = ebay.fake.requests_to(FEEDBACK, "GET")[before:]
    assert [r.arg("offset") for r in resumed] == ["5", "10"]  # from the page it died on
    assert report.new == 6 and ebay.count("reviews") == 12
    assert [n[0] for n in _negatives(ebay)] == _expected_negatives(ebay)
    assert all(ticket for _, ticket in _negatives(ebay))


def test_a_review_stored_without_its_ticket_gets_it_on_the_next_pull(
    ebay: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ReputationService._ticket

    def dies(self, *args, **kw):
        raise KeyboardInterrupt("killed after the review, before its ticket")

    monkeypatch.setattr(ReputationService, "_ticket", dies)
    with pytest.raises(KeyboardInterrupt):
        pull(ebay)
    [(_, ticket)] = _negatives(ebay)
    assert ticket is None
    monkeypatch.setattr(ReputationService, "_ticket", original)
    report = pull(ebay)
    negatives = _negatives(ebay)
    assert [n[0] for n in negatives] == _expected_negatives(ebay)
    assert all(ticket for _, ticket in negatives)
    assert len(report.tickets) == len(negatives) == len(set(report.tickets))
    assert pull(ebay, full=True).tickets == []  # nothing opened twice
    tickets = ebay.desk.db.execute("SELECT count(*) FROM tickets WHERE external_id LIKE 'feedback:%'")
    assert tickets.fetchone()[0] == len(negatives)
