"""``recompute_all`` (the whole desk at once) gives what ``recompute`` gives ticket by ticket."""

from __future__ import annotations

import random

from crossdesk.models import Actor
from crossdesk.sla.policy import parse_policy
from crossdesk.testing import FIXED_NOW, FixedClock, make_desk

COLUMNS = (
    "sla_policy_id",
    "sla_paused_at",
    "sla_paused_seconds",
    "first_reply_due",
    "next_reply_due",
    "resolution_due",
    "sla_due",
)
POLICIES = [
    {
        "name": "amazon",
        "clock": "marketplace",
        "all": [{"field": "platform", "op": "is", "value": "amazon"}],
        "targets": {"normal": {"first_reply": "24h", "next_reply": "24h", "resolution": "3d"}},
    },
    {
        "name": "japan",
        "clock": "business",
        "team": "Japan",
        "all": [{"field": "language", "op": "is", "value": "ja"}],
        "targets": {"normal": {"first_reply": "4h", "resolution": "2d"}, "urgent": {"first_reply": "1h"}},
    },
    {
        "name": "refunds",
        "clock": "wall",
        "all": [{"field": "keywords", "op": "contains", "value": ["refund"]}],
        "targets": {"normal": {"first_reply": "6h", "resolution": "1d"}},
    },
    {
        "name": "rest",
        "clock": "business",
        "all": [{"field": "platform", "op": "is_not", "value": "shopee"}],
        "targets": {
            "normal": {"first_reply": "8h", "next_reply": "16h", "resolution": "5d"},
            "high": {"first_reply": "2h"},
        },
    },
]


def _desk(seed: int):
    rng = random.Random(seed)
    desk = make_desk(clock=FixedClock(FIXED_NOW))
    admin = Actor.system()
    teams = [
        desk.create_team(
            admin,
            "Japan",
            timezone="Asia/Tokyo",
            calendar={"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00", "holidays": "JP"},
        ),
        desk.create_team(
            admin,
            "Berlin",
            timezone="Europe/Berlin",
            calendar={"holidays": {"country": "DE", "subdiv": "BE"}},
        ),
    ]
    db = desk.db
    shops = {
        p: db["shops"].insert({"platform": p, "external_id": p, "name": p, "created_at": 0}).last_pk
        for p in ("amazon", "ebay", "shopee")
    }
    for i in range(150):
        platform = rng.choice(list(shops))
        created = FIXED_NOW - rng.randint(0, 30 * 86400)
        replied = rng.choice([None, created + rng.randint(60, 86400)])
        buyer = rng.choice([created, created + rng.randint(0, 5 * 86400)])
        agent = replied if replied is None else rng.choice([replied, buyer, buyer + 60, buyer - 60])
        paused = rng.random() < 0.3
        tid = (
            db["tickets"]
            .insert(
                {
                    "platform": platform,
                    "shop_id": shops[platform],
                    "external_id": f"t{i}",
                    "status": rng.choice([0, 1, 2, 3]),
                    "language": rng.choice(["ja", "en", "de"]),
                    "team_id": rng.choice([None, *teams]),
                    "priority_level": rng.choice(["low", "normal", "high", "urgent"]),
                    "created_at": created,
                    "updated_at": created,
                    "first_replied_at": replied,
                    "last_customer_msg_at": buyer,
                    "last_agent_msg_at": agent,
                    "sla_paused_at": FIXED_NOW - rng.randint(0, 4 * 86400) if paused else None,
                    "sla_paused_seconds": rng.choice([0, 3600, 7200]),
                }
            )
            .last_pk
        )
        if paused:
            db.execute(
                "INSERT INTO sla_pauses (ticket_id, started_at, seconds) VALUES (?, ?, 0)",
                [tid, FIXED_NOW - 86400],
            )
        db["messages"].insert(
            {
                "ticket_id": tid,
                "platform": platform,
                "shop_id": shops[platform],
                "external_id": f"m{i}",
                "direction": "in",
                "body": rng.choice(["I want a refund", "where is it", "hello"]),
                "created_at": created,
            }
        )
    # Stored directly, without save_policies' own recompute, so both sides start from the same state.
    for n, raw in enumerate(POLICIES):
        parsed = parse_policy(raw, "test", desk.sla._vocabulary, n)
        row = parsed.as_row()
        team = (
            db.execute("SELECT id FROM teams WHERE name = ?", [parsed.team]).fetchone()
            if parsed.team
            else None
        )
        db["sla_policies"].insert(
            {**row, "team_id": team[0] if team else None, "created_at": 0, "updated_at": 0}
        )
    return desk, admin


def _state(desk):
    rows = desk.db.execute(
        f"SELECT id, {', '.join(COLUMNS)} FROM tickets WHERE status < 4 ORDER BY id"
    ).fetchall()
    pauses = desk.db.execute(
        "SELECT ticket_id, started_at, ended_at, seconds FROM sla_pauses ORDER BY ticket_id, started_at"
    ).fetchall()
    return rows, pauses


def test_whole_desk_recompute_equals_ticket_by_ticket():
    one, admin = _desk(3)
    many, _ = _desk(3)
    try:
        with one.tx():
            for (tid,) in one.db.execute("SELECT id FROM tickets WHERE status < 4").fetchall():
                one.sla.recompute(tid)
        changed = many.sla.recompute_all(admin)
        expected, got = _state(one), _state(many)
        assert changed > 100
        assert got[0] == expected[0]
        assert got[1] == expected[1]
        # Idempotent: a second pass changes nothing.
        assert many.sla.recompute_all(admin) == 0
    finally:
        one.close()
        many.close()
