"""The queue's column schema: one declaration per column, held to the kernel's contract; the live
snapshot and the batch re-score derive their reads from it and code every value alike."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from crossdesk import native
from crossdesk.models import INTENT_CODES, PLATFORM_CODES, Actor, Role
from crossdesk.queue import columns
from crossdesk.queue.columns import (
    CODE,
    DTYPES,
    SCHEMA,
    SELECT,
    Codes,
    Column,
    Columns,
    check_kernel,
    platform_codes,
    to_columns,
)

rescore_module = sys.modules["crossdesk.queue.rescore"]
ADMIN = Actor(name="ops", role=Role.ADMIN)


def test_schema_covers_exactly_what_the_kernel_reads(crossdesk_desk):
    check_kernel()
    score = [c for c in SCHEMA if c.kernel]
    assert {c.name for c in score} == set(native.SCORE_COLUMNS)
    for c in score:
        assert np.dtype(c.dtype) == np.dtype(native.SCORE_COLUMNS[c.name])
    # Everything else is derived from the schema, in its order.
    names = [c.name for c in SCHEMA]
    assert list(DTYPES) == names
    assert [f.name for f in dataclasses.fields(Columns)] == names
    assert len(crossdesk_desk.db.execute(f"{SELECT} LIMIT 0").description) == len(SCHEMA)
    assert [c.name for c in columns.SCORE] == list(native.SCORE_COLUMNS)


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        ({**native.SCORE_COLUMNS, "returns_open": np.uint8}, "the kernel reads 'returns_open'"),
        (
            {k: v for k, v in native.SCORE_COLUMNS.items() if k != "tier"},
            "declares 'tier' as a score column; the kernel does not read it",
        ),
        ({**native.SCORE_COLUMNS, "intent": np.int32}, "'intent' is"),
    ],
)
def test_drift_from_the_kernel_fails(kernel, message):
    with pytest.raises(RuntimeError, match=message):
        check_kernel(SCHEMA, kernel)


def test_malformed_columns_fail():
    with pytest.raises(RuntimeError, match="unknown coding"):
        check_kernel((*SCHEMA, Column("x", "x", np.int8, "rot13")), native.SCORE_COLUMNS)
    with pytest.raises(RuntimeError, match="name -> code table"):
        check_kernel((*SCHEMA, Column("x", "x", np.int8, CODE)), native.SCORE_COLUMNS)
    with pytest.raises(RuntimeError, match="declared twice"):
        check_kernel((*SCHEMA, SCHEMA[0]), native.SCORE_COLUMNS)


def test_coded_sql_maps_unknown_names_past_the_table():
    intent = columns.BY_NAME["intent"]
    assert intent.codes == INTENT_CODES
    assert columns.BY_NAME["platform"].codes == PLATFORM_CODES
    sql = intent.coded_sql()
    assert f"ELSE {len(INTENT_CODES)} END" in sql and "WHEN 'chargeback_threat' THEN 15" in sql
    assert columns.BY_NAME["sla_due"].coded_sql() == columns.BY_NAME["sla_due"].sql


def _odd_tickets(desk) -> None:
    """Rows a hand edit or a plugin could leave: out-of-range codes, unknown names, NULLs."""
    now = desk.now()
    desk.db.conn.execute(
        "INSERT INTO shops (id, platform, external_id, name, created_at) VALUES (1, 'amazon', 'S1', 's', ?)",
        [now],
    )
    rows = [
        # status, tier, escalated, intent, platform, sentiment, sla_due, last_customer_msg_at, value
        (0, 300, -1, "plugin_intent", "newmarket", -0.5, None, None, 10.0),
        (1, -7, 256, "", "amazon", -3.0, now + 3600, now - 7200, 1e39),
        (2, 2, 0, "chargeback_threat", "web", 0.9, now - 60, now - 60, 0.0),
        (3, 1, 1, "praise", "other", -1.0, None, now - 86400, 55.5),
        (1, 3, 2, "another_plugin_intent", "newmarket", 0.0, now + 60, None, 3.0),
    ]
    for k, (status, tier, esc, intent, platform, sentiment, sla, last, value) in enumerate(rows):
        desk.db.conn.execute(
            "INSERT INTO tickets (platform, shop_id, external_id, status, tier, escalated, intent, sentiment, "
            "sla_due, last_customer_msg_at, order_value_usd, created_at, updated_at) "
            "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                platform,
                f"T{k}",
                status,
                tier,
                esc,
                intent,
                sentiment,
                sla,
                last,
                value,
                now - 99999,
                now - 99999,
            ],
        )


def test_live_snapshot_and_batch_code_values_alike(crossdesk_desk):
    desk = crossdesk_desk
    _odd_tickets(desk)
    rows = desk.db.execute(f"{SELECT} WHERE status < 4 ORDER BY id").fetchall()
    live = to_columns(rows, Codes(INTENT_CODES), platform_codes(), Codes({"": 0}))
    ids, batch, _old = rescore_module._ChunkReader(desk.db, 100).read(0)
    assert ids.tolist() == live.id.tolist()
    for name, dtype in native.SCORE_COLUMNS.items():
        assert batch[name].dtype == np.dtype(dtype) == live.score_cols()[name].dtype, name
        if name not in ("intent", "platform"):  # unknown names: codes past the table in both, weight 0
            np.testing.assert_array_equal(batch[name], live.score_cols()[name], err_msg=name)
    assert live.tier.tolist() == [127, -7, 2, 1, 3]  # clipped into int8, not wrapped
    assert live.escalated.tolist() == [1, 1, 0, 1, 1]  # any non-zero value is an escalation
    assert live.sla_due[0] == native.INT64_MAX and live.last_customer_msg_at[0] == desk.now() - 99999
    assert live.sentiment[1] == -3.0 and np.isinf(live.order_value_usd[1])  # the kernel clips both
    assert batch["intent"][0] >= len(INTENT_CODES) and live.intent[0] >= len(INTENT_CODES)
    assert batch["platform"][0] >= len(PLATFORM_CODES) and live.platform[0] >= len(PLATFORM_CODES)
    np.testing.assert_array_equal(
        native.score(batch, None, desk.now()), native.score(live.score_cols(), None, desk.now())
    )


def test_rescore_writes_what_the_live_queue_scores_for_odd_rows(crossdesk_desk):
    desk = crossdesk_desk
    _odd_tickets(desk)
    desk.queue.rescore(ADMIN)
    written = dict(desk.db.execute("SELECT id, priority FROM tickets WHERE status < 4").fetchall())
    served = {e.ticket_id: e.priority for e in desk.queue.top(ADMIN, 100)}
    assert written.keys() == served.keys()
    for tid, priority in served.items():
        assert np.float32(written[tid]) == np.float32(priority), tid


def test_empty_snapshot_has_every_column():
    empty = to_columns([], Codes(INTENT_CODES), platform_codes(), Codes({"": 0}))
    assert len(empty) == 0
    for c in SCHEMA:
        assert getattr(empty, c.name).dtype == np.dtype(c.dtype)
