"""SLA clocks on tickets: policies, first and next reply, pauses, marketplace clocks, breaches."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crossdesk.models import TicketStatus
from crossdesk.rules import RuleError

HOUR = 3600
DAY = 86400


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def _row(h, ticket):
    return dict(h.desk.db["tickets"].get(ticket))


def _policies(h, *policies):
    return h.desk.sla.save_policies(h.admin, list(policies))


def test_first_match_by_position_and_targets_per_priority(h):
    _policies(
        h,
        {
            "name": "everyone",
            "position": 20,
            "clock": "wall",
            "targets": {"normal": {"first_reply": "8h"}, "urgent": {"first_reply": "1h"}},
        },
        {
            "name": "amazon",
            "position": 10,
            "clock": "marketplace",
            "all": [{"field": "platform", "op": "is", "value": "amazon"}],
            "targets": {"normal": {"first_reply": "24h"}},
        },
    )
    amazon = h.ticket("hi", platform="amazon")
    ebay = h.ticket("hi", platform="ebay")
    now = h.clock.now
    assert h.desk.sla.status(h.admin, amazon)["policy"] == "amazon"
    assert _row(h, amazon)["first_reply_due"] == now + 24 * HOUR
    assert _row(h, ebay)["first_reply_due"] == now + 8 * HOUR
    # Priority changes move the deadline; a level without targets falls back to normal.

    h.desk.tickets.set_priority_level(h.admin, ebay, "urgent")
    assert _row(h, ebay)["first_reply_due"] == now + HOUR
    h.desk.tickets.set_priority_level(h.admin, ebay, "low")
    assert _row(h, ebay)["first_reply_due"] == now + 8 * HOUR
    assert _row(h, ebay)["sla_due"] == now + 8 * HOUR


def test_no_matching_policy_means_no_deadline(h):
    _policies(
        h,
        {
            "name": "ebay only",
            "all": [{"field": "platform", "op": "is", "value": "ebay"}],
            "targets": {"normal": {"first_reply": "8h"}},
        },
    )
    ticket = h.ticket("hi", platform="amazon")
    row = _row(h, ticket)
    assert row["sla_policy_id"] is None and row["sla_due"] is None


def test_first_reply_then_next_reply_restarting_on_every_buyer_message(h):
    _policies(
        h,
        {"name": "wall", "clock": "wall", "targets": {"normal": {"first_reply": "24h", "next_reply": "12h"}}},
    )
    start = h.clock.now
    ticket = h.ticket("hello")
    assert _row(h, ticket)["first_reply_due"] == start + 24 * HOUR
    h.clock.advance(HOUR)
    h.desk.reply(h.admin, ticket, "Hi, on it", status="open")
    row = _row(h, ticket)
    assert row["first_reply_due"] is None and row["next_reply_due"] is None and row["sla_due"] is None
    h.clock.advance(4 * HOUR)
    h.message(ticket, "any news?")
    assert _row(h, ticket)["next_reply_due"] == start + 5 * HOUR + 12 * HOUR
    h.clock.advance(HOUR)
    h.message(ticket, "hello??")
    assert _row(h, ticket)["next_reply_due"] == start + 6 * HOUR + 12 * HOUR  # restarted
    h.clock.advance(HOUR)
    h.desk.reply(h.admin, ticket, "Here it is")
    assert _row(h, ticket)["next_reply_due"] is None


def _friday_9am(h):
    # The fixture clock is Monday 2025-12-15 10:00 UTC; move to Friday 2025-12-19 09:00 UTC.
    h.clock.now = ts(2025, 12, 19, 9)


def test_pending_over_a_weekend_pauses_the_resolution_clock_in_business_time(h):
    _policies(h, {"name": "business", "clock": "business", "targets": {"normal": {"resolution": "16h"}}})
    _friday_9am(h)
    ticket = h.ticket("My lamp is broken")
    # 16 business hours from Friday 09:00 (Mon-Fri 09-17 UTC, the desk default): Monday 17:00
    assert _row(h, ticket)["resolution_due"] == ts(2025, 12, 22, 17)
    h.clock.now = ts(2025, 12, 19, 10)
    h.desk.reply(h.admin, ticket, "Could you send a photo?")  # pending: the clock stops
    row = _row(h, ticket)
    assert row["status"] == TicketStatus.PENDING and row["sla_paused_at"] == ts(2025, 12, 19, 10)
    assert row["resolution_due"] is None
    h.clock.now = ts(2025, 12, 22, 10)  # Monday: the buyer answers, the ticket reopens
    h.message(ticket, "here is the photo")
    row = _row(h, ticket)
    # Paused: Friday 10-17 (7 h) + Monday 09-10 (1 h) = 8 business hours, the weekend counts for nothing
    assert row["sla_paused_at"] is None and row["sla_paused_seconds"] == 8 * HOUR
    assert row["resolution_due"] == ts(2025, 12, 23, 17)  # 16 h + 8 h from Friday 09:00
    (pause,) = h.desk.sla.status(h.admin, ticket)["pauses"]
    assert (pause["started_at"], pause["ended_at"], pause["seconds"]) == (
        ts(2025, 12, 19, 10),
        ts(2025, 12, 22, 10),
        8 * HOUR,
    )


def test_on_hold_pauses_too_and_pauses_add_up(h):
    _policies(h, {"name": "wall", "clock": "wall", "targets": {"normal": {"resolution": "48h"}}})
    start = h.clock.now
    ticket = h.ticket("hi")
    for status in ("on_hold", "open", "pending", "open"):
        h.clock.advance(2 * HOUR)
        h.desk.update_ticket(h.admin, ticket, status=status)
    row = _row(h, ticket)
    assert row["sla_paused_seconds"] == 4 * HOUR
    assert row["resolution_due"] == start + 52 * HOUR
    assert len(h.desk.sla.status(h.admin, ticket)["pauses"]) == 2


def test_a_marketplace_clock_never_pauses(h):
    _policies(h, {"name": "amazon", "clock": "marketplace", "targets": {"normal": {"resolution": "48h"}}})
    _friday_9am(h)
    start = h.clock.now
    ticket = h.ticket("hi")
    h.clock.advance(HOUR)
    h.desk.reply(h.admin, ticket, "On it")
    row = _row(h, ticket)
    assert row["status"] == TicketStatus.PENDING
    assert row["sla_paused_at"] is None and row["resolution_due"] == start + 48 * HOUR
    h.clock.advance(2 * DAY)
    h.message(ticket, "and?")
    row = _row(h, ticket)
    assert row["sla_paused_seconds"] == 0 and row["resolution_due"] == start + 48 * HOUR
    assert h.desk.sla.status(h.admin, ticket)["pauses"] == []


def test_solving_stops_every_clock(h):
    _policies(
        h, {"name": "wall", "clock": "wall", "targets": {"normal": {"first_reply": "1h", "resolution": "8h"}}}
    )
    ticket = h.ticket("hi")
    h.desk.update_ticket(h.admin, ticket, status="solved")
    row = _row(h, ticket)
    assert (row["first_reply_due"], row["resolution_due"], row["sla_due"]) == (None, None, None)


def test_team_calendar_with_time_zone_and_holidays(h):
    team = h.desk.create_team(
        h.admin,
        "Berlin",
        timezone="Europe/Berlin",
        calendar={
            "hours": {
                "mon": "09:00-17:00",
                "tue": "09:00-17:00",
                "wed": "09:00-17:00",
                "thu": "09:00-17:00",
                "fri": "09:00-17:00",
            },
            "holidays": "DE",
        },
    )
    _policies(
        h,
        {
            "name": "berlin",
            "clock": "business",
            "team": "Berlin",
            "targets": {"normal": {"first_reply": "2h"}},
        },
    )
    h.clock.now = ts(2025, 12, 24, 15)  # Christmas Eve, 16:00 Berlin
    ticket = h.ticket("Wo ist mein Paket?", language="de")
    assert _row(h, ticket)["first_reply_due"] == ts(2025, 12, 29, 9)
    assert team


def test_breach_and_near_breach_events_once_each_and_rules_can_use_them(h):
    _policies(
        h,
        {"name": "wall", "clock": "wall", "warn_before": "30m", "targets": {"normal": {"first_reply": "2h"}}},
    )
    h.rules(
        {"name": "warned", "event": "sla_near_breach", "actions": [{"action": "add_tag", "tag": "near"}]},
        {
            "name": "breached",
            "event": "sla_breached",
            "actions": [{"action": "set_priority", "value": "urgent"}],
        },
    )
    ticket = h.ticket("hello")
    assert h.desk.automate(h.admin)["near_breaches"] == 0
    h.clock.advance(100 * 60)
    assert h.desk.automate(h.admin)["near_breaches"] == 1
    assert h.desk.automate(h.admin)["near_breaches"] == 0
    assert h.tags(ticket) == ["near"]
    h.clock.advance(30 * 60)
    result = h.desk.automate(h.admin)
    assert (result["breaches"], result["near_breaches"]) == (1, 0)
    assert h.desk.automate(h.admin)["breaches"] == 0
    row = _row(h, ticket)
    assert row["sla_breached"] & 1 and row["priority_level"] == "urgent"
    kinds = [(e["kind"], e["target"]) for e in h.desk.sla.status(h.admin, ticket)["events"]]
    assert kinds == [("near_breach", "first_reply"), ("breach", "first_reply")]


def test_policies_load_from_a_file(h, tmp_path: Path):
    path = tmp_path / "sla.toml"
    path.write_text(
        """
[[policies]]
name = "Amazon"
clock = "marketplace"
all = [{ field = "platform", op = "is", value = "amazon" }]
warn_before = "2h"
[policies.targets.normal]
first_reply = "24h"
next_reply = "24h"

[[policies]]
name = "Business hours"
[policies.targets.normal]
first_reply = "1d"
resolution = 4320
[policies.targets.urgent]
first_reply = "1h30m"
""",
        encoding="utf-8",
    )
    ids = h.desk.sla.load_file(h.admin, path)
    assert len(ids) == 2
    amazon, business = h.desk.sla.policies()
    assert amazon.warn_before == 2 * HOUR and amazon.targets["normal"]["first_reply"] == 24 * HOUR
    assert (
        business.targets["urgent"]["first_reply"] == 90 * 60
        and business.targets["normal"]["resolution"] == 72 * HOUR
    )


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            {"name": "p", "clock": "sundial", "targets": {"normal": {"first_reply": "1h"}}},
            "clock must be one of",
        ),
        ({"name": "p", "targets": {"normal": {"first_reply": "soon"}}}, "is not a duration"),
        ({"name": "p", "targets": {"normal": {"first_reply": 0}}}, "must be positive"),
        ({"name": "p", "targets": {"critical": {"first_reply": "1h"}}}, "unknown priority 'critical'"),
        ({"name": "p", "targets": {"normal": {"lunch": "1h"}}}, "unknown target 'lunch'"),
        ({"name": "p"}, "needs targets"),
        (
            {"name": "p", "clock": "wall", "team": "Berlin", "targets": {"normal": {"first_reply": "1h"}}},
            "only a business clock",
        ),
        (
            {
                "name": "p",
                "all": [{"field": "status", "op": "changed"}],
                "targets": {"normal": {"first_reply": "1h"}},
            },
            "cannot use 'changed'",
        ),
        (
            {
                "name": "p",
                "all": [{"field": "hours_since_created", "op": "gt", "value": 1}],
                "targets": {"normal": {"first_reply": "1h"}},
            },
            "cannot depend on",
        ),
    ],
)
def test_bad_policies_are_refused(h, policy, message):
    with pytest.raises(RuleError, match=message):
        h.desk.sla.save_policies(h.admin, [policy])


def test_a_broken_team_calendar_never_blocks_intake(h, caplog):
    team = h.desk.create_team(h.admin, "Broken", calendar={"hours": {"mon": "all day"}})
    _policies(
        h,
        {
            "name": "business",
            "clock": "business",
            "team": "Broken",
            "targets": {"normal": {"first_reply": "1h"}},
        },
    )
    with caplog.at_level("WARNING", logger="crossdesk.sla"):
        ticket = h.ticket("hello")  # Monday 10:00 UTC: the desk calendar (Mon-Fri 09-17 UTC) applies
    assert _row(h, ticket)["first_reply_due"] == h.clock.now + HOUR
    assert "must look like '09:00-17:00'" in caplog.text
    assert h.desk.sla.check_calendars(h.admin) == [
        "team 'Broken' calendar: mon hours 'all day' must look like '09:00-17:00'"
    ]
    assert team


def test_policy_conditions_can_use_keywords_and_calendar_changes_are_seen(h):
    team = h.desk.create_team(
        h.admin, "Support", calendar={"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}
    )
    _policies(
        h,
        {
            "name": "disputes",
            "clock": "wall",
            "all": [{"field": "keywords", "op": "contains", "value": ["chargeback"]}],
            "targets": {"normal": {"first_reply": "2h"}},
        },
        {
            "name": "business",
            "clock": "business",
            "team": "Support",
            "targets": {"normal": {"first_reply": "8h"}},
        },
    )
    dispute = h.ticket("I will file a chargeback")
    calm = h.ticket("Where is my parcel?")
    assert h.desk.sla.status(h.admin, dispute)["policy"] == "disputes"
    assert _row(h, calm)["first_reply_due"] == ts(2025, 12, 16, 10)  # Monday 10:00 + 8 business hours
    # The team now works until 18:00: the next recompute counts on the new hours.
    h.desk.db["teams"].update(
        team, {"calendar": '{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}'}
    )
    h.desk.update_ticket(h.admin, calm, type="question2")
    assert _row(h, calm)["first_reply_due"] == ts(2025, 12, 15, 18)


def test_the_example_policies_load(h):
    h.desk.create_team(
        h.admin,
        "Japan",
        timezone="Asia/Tokyo",
        calendar={"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00", "holidays": "JP"},
    )
    examples = Path(__file__).resolve().parents[2] / "examples" / "sla.toml"
    assert len(h.desk.sla.load_file(h.admin, examples)) == 6  # the first: negative reviews (docs/reputation.md)
    amazon = h.ticket("Where is my order?", platform="amazon")
    japanese = h.ticket("荷物はいつ届きますか", platform="ebay", language="ja")
    assert h.desk.sla.status(h.admin, amazon)["policy"] == "Amazon: 24 hours, every day"
    assert h.desk.sla.status(h.admin, japanese)["policy"] == "eBay: 1 business day"  # first match wins


def test_without_policies_a_timed_ticket_is_stopped_and_an_untimed_one_left_alone(h):
    """Without any policy a ticket that still has a clock (a deadline, a pause) has it stopped on its next
    event, and one that has none is not written at all."""
    untimed = h.ticket("hello")
    before = _row(h, untimed)
    assert h.desk.sla.recompute(untimed) == {}
    assert _row(h, untimed) == before
    timed = h.ticket("hi")
    with h.desk.tx():  # left by a policy since removed behind the desk's back
        h.desk.db.execute(
            "UPDATE tickets SET resolution_due = ?, sla_due = ?, sla_paused_at = ? WHERE id = ?",
            [h.clock.now + DAY, h.clock.now + DAY, h.clock.now, timed],
        )
        h.desk.db.execute(
            "INSERT INTO sla_pauses (ticket_id, started_at, seconds) VALUES (?, ?, 0)", [timed, h.clock.now]
        )
    h.clock.advance(HOUR)
    assert h.desk.sla.recompute(timed) == {"sla_paused_at": None, "resolution_due": None, "sla_due": None}
    assert [p["ended_at"] for p in h.desk.sla.status(h.admin, timed)["pauses"]] == [h.clock.now]
    assert h.desk.sla.recompute(timed) == {}
    # Each column alone is a clock to stop.
    for column in ("sla_policy_id", "sla_paused_at", "first_reply_due", "next_reply_due", "resolution_due"):
        with h.desk.tx():
            h.desk.db.execute(  # an inactive policy: no clock runs, but a ticket may still name it
                "INSERT OR IGNORE INTO sla_policies (id, name, active, created_at, updated_at) "
                "VALUES (99, 'off', 0, 0, 0)"
            )
            h.desk.db.execute(f"UPDATE tickets SET {column} = 99 WHERE id = ?", [timed])
        assert h.desk.sla.recompute(timed) == {column: None}, column
