"""The import's worker process (crossdesk.io.prepare): a file prepared by the worker imports exactly as one
prepared in the importing process (same report, same desk), and the worker never outlives the import."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import orjson
import pytest

from crossdesk.api import Desk
from crossdesk.io import import_jsonl, importer, prepare
from crossdesk.io.batch import BatchImporter
from crossdesk.models import Actor
from tests.demo_export import demo_export

NOW = 1_795_000_000
ADMIN = Actor.system("test")
NEW_SHOP = {
    "type": "shop",
    "platform": "shopee",
    "external_id": "990000001",
    "name": "Late Shop",
    "currency": "SGD",
}
TABLES = {
    "shops": "platform, external_id, name, currency",
    "customer_identities": "customer_id, platform, shop_id, external_id",
    "customers": "id, name, email, country, tier",
    "orders": "id, platform, shop_id, external_id, customer_id, status, currency, total_minor, ordered_at",
    "order_lines": "order_id, sku, quantity, unit_price_minor",
    "tickets": "id, platform, shop_id, external_id, customer_id, order_id, subject, status, created_at, "
    "updated_at, first_replied_at, last_agent_msg_at",
    "messages": "id, ticket_id, platform, shop_id, external_id, direction, author, body, created_at",
    "ticket_tags": "ticket_id, tag",
}


def _line(record: dict) -> bytes:
    return orjson.dumps(record)


@pytest.fixture(scope="module")
def dirty_file(tmp_path_factory) -> Path:
    """A demo export with planted faults: bad JSON and UTF-8, a non-object, an unknown type, checks that
    fail (a tier, a direction, a missing platform), unknown shops (one also with a bad tier: the shop is
    named first), a shop created mid-file with records before it (unknown) and after it (imported),
    repeated deliveries, blank lines and a line over the length limit."""
    folder = tmp_path_factory.mktemp("worker")
    lines = demo_export(folder / "clean.jsonl", size=120, seed=3, now=NOW).read_bytes().splitlines()
    customer = next(orjson.loads(x) for x in lines if b'"type":"customer"' in x)
    message = next(x for x in lines if b'"type":"message"' in x and b'"direction":"in"' in x)
    order = next(x for x in lines if b'"type":"order"' in x)
    new_shop = {**NEW_SHOP, "platform": customer["platform"]}
    late_customer = {**customer, "shop": new_shop["external_id"], "external_id": "late-1"}
    planted = {
        len(lines) // 5: [
            b'{"type":"order","platform":"amazon"',
            b'\xff\xfe{"type":"customer"}',
            b"[1, 2]",
            b"",
            _line({"type": "refund", "external_id": "r-1"}),
            _line({**customer, "external_id": "tier-9", "tier": 9}),
            _line({**customer, "external_id": "no-platform", "platform": None}),
            _line({**customer, "shop": "nowhere", "external_id": "lost", "tier": 9}),
            _line(late_customer),  # before its shop: unknown
        ],
        len(lines) // 3: [_line(new_shop), _line(late_customer), order, b"   "],
        len(lines) // 2: [
            message,
            _line({**orjson.loads(message), "external_id": "odd-direction", "direction": "sideways"}),
            b'{"type":"message","body":"' + b"x" * 70_000 + b'"}',
            _line({**late_customer, "external_id": "late-2", "name": "Second Late"}),
        ],
    }
    out: list[bytes] = []
    for i, line in enumerate(lines):
        out.extend(planted.get(i, []))
        out.append(line)
    out.extend(lines[-5:])  # delivered twice
    path = folder / "dirty.jsonl"
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


@pytest.fixture
def short_lines(monkeypatch):
    monkeypatch.setattr(importer, "MAX_LINE_BYTES", 64 * 1024)
    monkeypatch.setattr(importer, "PREPARE_IN_WORKER", True)  # off by default (docs/scale.md)


def _import(path: Path, *, worker: bool, monkeypatch, batch: int = 40) -> tuple[dict, dict]:
    started: list[prepare.Preparer] = []
    original = prepare.Preparer.__init__

    def counted(self) -> None:
        original(self)
        started.append(self)

    monkeypatch.setattr(prepare.Preparer, "__init__", counted)
    monkeypatch.setattr(importer, "WORKER_FROM_BATCHES", 2 if worker else 10**9)
    desk = Desk.memory(clock=lambda: NOW + 3600)
    try:
        report = import_jsonl(desk, ADMIN, path, batch=batch)
        tables = {
            t: [tuple(r) for r in desk.db.execute(f"SELECT {cols} FROM {t} ORDER BY {cols}")]
            for t, cols in TABLES.items()
        }
    finally:
        desk.close()
    assert len(started) == (1 if worker else 0)
    assert all(not p.process.is_alive() for p in started)
    return report.as_dict(), tables


@pytest.mark.parametrize("fallback", [False, True], ids=["set-based", "line-by-line"])
def test_the_worker_path_imports_as_the_in_process_path(dirty_file, short_lines, monkeypatch, fallback):
    if fallback:  # every batch rolled back and applied line by line: the worker's lines are parsed again

        def fail(self, *a, **kw):
            raise LookupError("forced")

        monkeypatch.setattr(BatchImporter, "_bulk", fail)
    here, here_tables = _import(dirty_file, worker=False, monkeypatch=monkeypatch)
    there, there_tables = _import(dirty_file, worker=True, monkeypatch=monkeypatch)
    assert there == here
    assert there_tables == here_tables
    reasons = {bad["reason"] for bad in here["bad"]}
    assert any("not valid JSON" in r for r in reasons)
    assert any("not valid UTF-8" in r for r in reasons)
    assert "a record must be a JSON object" in reasons
    assert any("unknown record type 'refund'" in r for r in reasons)
    assert any(r.startswith("customer tier-9: tier must be 0-3") for r in reasons)
    assert "customer no-platform: field 'platform' is missing" in reasons
    unknown = "unknown shop [a-z]+/{} \\(a shop record must come first\\)"
    assert any(re.fullmatch("customer lost: " + unknown.format("nowhere"), r) for r in reasons)
    late = [
        b["line"]
        for b in here["bad"]
        if re.fullmatch("customer late-1: " + unknown.format("990000001"), b["reason"])
    ]
    assert len(late) == 1  # before its shop only
    assert any("direction must be in, out or note" in r for r in reasons)
    assert "line is longer than 65,536 bytes" in reasons
    assert len(here["bad"]) == 10
    late = [r for r in here_tables["customer_identities"] if r[3] in ("late-1", "late-2")]
    assert len(late) == 2  # the shop made mid-file serves the lines after it
    assert here["unchanged"]  # the repeated deliveries


def test_a_small_file_and_a_stream_are_prepared_in_process(dirty_file, short_lines, monkeypatch):
    started: list[object] = []
    monkeypatch.setattr(prepare.Preparer, "__init__", lambda self: started.append(self) or 1 / 0)
    desk = Desk.memory(clock=lambda: NOW + 3600)
    lines = sum(1 for _ in dirty_file.open("rb"))
    import_jsonl(desk, ADMIN, dirty_file, batch=lines)  # one batch of lines: no worker
    with dirty_file.open("rb") as stream:
        import_jsonl(desk, ADMIN, stream, batch=10)  # a stream: no worker, whatever its length
    desk.close()
    assert started == []


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_the_worker_ends_with_a_failed_import(dirty_file, short_lines, monkeypatch, error):
    started: list[prepare.Preparer] = []
    original = prepare.Preparer.__init__

    def counted(self) -> None:
        original(self)
        started.append(self)

    applied = []

    def dies(self, batch, report, checked=None):
        applied.append(len(batch))
        if len(applied) > 3:
            raise error("stop")

    monkeypatch.setattr(prepare.Preparer, "__init__", counted)
    monkeypatch.setattr(BatchImporter, "apply", dies)
    desk = Desk.memory(clock=lambda: NOW + 3600)
    with pytest.raises(error):
        import_jsonl(desk, ADMIN, dirty_file, batch=20)
    desk.close()
    assert len(started) == 1
    assert started[0].process.exitcode is not None  # ended and reaped, not left running
    assert started[0].process not in multiprocessing.active_children()


def test_a_worker_that_fails_stops_the_import_with_its_reason(dirty_file, short_lines, monkeypatch):
    def broken(lines, **kw):
        raise MemoryError("no room")

    monkeypatch.setattr(prepare, "prepare_lines", broken)  # the forked worker has it too
    desk = Desk.memory(clock=lambda: NOW + 3600)
    try:
        with pytest.raises(prepare.WorkerFailed, match="no room"):
            import_jsonl(desk, ADMIN, dirty_file, batch=20)
    finally:
        desk.close()


def _ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.split()[1:2] == ["Z"] for line in status if line.startswith("State:"))
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to follow the worker")
def test_the_worker_ends_when_the_importing_process_is_killed(dirty_file, tmp_path):
    """SIGKILL leaves the importing process no chance to clean up: the worker ends on its own, as its pipe
    closes."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from crossdesk.api import Desk
        from crossdesk.io import import_jsonl, importer, prepare
        from crossdesk.io.batch import BatchImporter
        from crossdesk.models import Actor
        importer.MAX_LINE_BYTES = 64 * 1024
        importer.PREPARE_IN_WORKER = True
        original = prepare.Preparer.__init__
        def counted(self):
            original(self)
            print(self.process.pid, flush=True)
        prepare.Preparer.__init__ = counted
        BatchImporter.apply = lambda self, *a: time.sleep(60)
        desk = Desk.open({str(tmp_path / "desk.db")!r})
        import_jsonl(desk, Actor.system("test"), {str(dirty_file)!r}, batch=20)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert not _ended(worker)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while not _ended(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _ended(worker)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_no_worker_is_forked_while_other_threads_run(dirty_file, short_lines, monkeypatch):
    """A forked child could inherit a lock another thread holds: with a second thread the file is
    prepared in the importing process, and imports the same."""
    started: list[object] = []
    monkeypatch.setattr(prepare.Preparer, "__init__", lambda self: started.append(self) or 1 / 0)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    desk = Desk.memory(clock=lambda: NOW + 3600)
    try:
        report = import_jsonl(desk, ADMIN, dirty_file, batch=20)
    finally:
        release.set()
        other.join()
        desk.close()
    assert started == []
    assert len(report.bad) == 10 and report.imported > 400
