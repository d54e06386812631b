"""A service report over a demo desk: from the per-ticket facts (what ``crossdesk report`` does) against
the same first-reply medians computed by reading every message (what the facts spare)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from crossdesk.api import Desk
from crossdesk.demo import build_demo, enrich
from crossdesk.models import Actor

REPORT_N = int(os.environ.get("CROSSDESK_BENCH_REPORT_N", 50_000))
ADMIN = Actor.system("bench")


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    path = tmp_path_factory.mktemp("analytics") / "demo.db"
    build_demo(path, size=REPORT_N, seed=7)
    desk = Desk.open(path)
    enrich(desk)
    yield desk
    desk.close()


@pytest.mark.benchmark(group="report")
def test_report_facts(benchmark, desk):
    report = benchmark.pedantic(
        desk.analytics.report, args=(ADMIN,), kwargs={"since": 0, "by": ["platform"]}, rounds=3
    )
    benchmark.extra_info["tickets"] = report.total["volume"]
    assert report.total["volume"] >= REPORT_N


def _from_messages(desk):
    rows = desk.db.execute(
        "SELECT t.platform, MIN(CASE WHEN m.direction = 'in' THEN m.created_at END), "
        "MIN(CASE WHEN m.direction = 'out' AND m.author NOT LIKE 'rule:%' AND m.author <> 'system' "
        "THEN m.created_at END) FROM tickets t JOIN messages m ON m.ticket_id = t.id GROUP BY t.id"
    ).fetchall()
    out = {}
    for platform in {r[0] for r in rows}:
        waits = [r[2] - r[1] for r in rows if r[0] == platform and r[1] is not None and r[2] is not None]
        out[platform] = float(np.median(waits))
    return out


@pytest.mark.benchmark(group="report")
def test_report_from_messages(benchmark, desk):
    medians = benchmark.pedantic(_from_messages, args=(desk,), rounds=3)
    report = desk.analytics.report(ADMIN, since=0, by=["platform"])
    assert {g["key"]["platform"]: g["first_reply"]["median"] for g in report.groups} == pytest.approx(medians)
