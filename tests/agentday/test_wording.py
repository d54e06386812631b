"""Issue 17 item 10: verdicts worded as a person would say them, in the TUI and the CLI."""

from __future__ import annotations

import datetime as dt

import pytest

from crossdesk.policy.words import verdict_words
from crossdesk.tui.widgets.aftersales.cases import verdict_summary, verdict_text


@pytest.mark.parametrize(
    ("eligible", "deadline", "today", "words"),
    [
        (True, "2025-12-29", None, "eligible: returns accepted until 2025-12-29"),
        (True, None, None, "eligible (no deadline)"),
        (True, "None", None, "eligible (no deadline)"),
        (False, "2025-12-01", dt.date(2025, 12, 20), "not eligible: the return window closed on 2025-12-01"),
        (
            False,
            "2025-12-30",
            dt.date(2025, 12, 20),
            "not eligible, although the return window runs until 2025-12-30",
        ),
        (False, None, None, "not eligible"),
    ],
)
def test_verdict_words(eligible, deadline, today, words):
    assert verdict_words(eligible, deadline, today) == words


@pytest.mark.parametrize("deadline", [None, "2025-12-01"])
@pytest.mark.parametrize("eligible", [True, False])
def test_the_case_screen_never_says_until_none_or_not_eligible_until(eligible, deadline):
    case = {
        "id": 1,
        "type": "return",
        "state": "requested",
        "verdict": {"eligible": eligible, "deadline": deadline},
    }
    for text in (verdict_summary(case), verdict_text(case)):
        assert "until None" not in text and "not eligible until" not in text
