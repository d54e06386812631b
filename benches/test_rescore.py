"""rescore of a 1M-ticket desk end to end: read every ticket, score, write the priorities back."""

from __future__ import annotations

import pytest

from crossdesk.api import Desk
from crossdesk.models import Actor, Role
from crossdesk.queue import rescore
from crossdesk.store.db import connect

import corpus  # isort: skip
from conftest import RESCORE_N  # isort: skip


@pytest.fixture(scope="module")
def desk_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("rescore") / "desk.db"
    db = connect(path)
    corpus.synth_desk(db, RESCORE_N)
    db.conn.close()
    return path


@pytest.mark.benchmark(group="rescore")
def test_rescore_end_to_end(benchmark, desk_path):
    desk = Desk.open(desk_path, clock=lambda: corpus.NOW)
    actor = Actor(name="bench", role=Role.ADMIN)
    report = benchmark.pedantic(rescore, args=(desk.store, actor), rounds=1)
    benchmark.extra_info["tickets"] = RESCORE_N
    benchmark.extra_info["open"] = report.tickets
    benchmark.extra_info["written"] = report.written
    assert report.written == RESCORE_N
    desk.close()
