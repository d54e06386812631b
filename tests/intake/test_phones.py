"""Buyers' phone numbers normalised with a worker process during an import (crossdesk.intake.phones): the
same answers as one by one, whichever side gives them, and the import goes on should the worker fail."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from crossdesk.api import Desk
from crossdesk.customers.identity import normalise_phone
from crossdesk.intake import phones
from crossdesk.io import import_jsonl
from crossdesk.io.batch import BatchImporter
from crossdesk.models import Actor

ADMIN = Actor.system("test")
NOW = 1_795_000_000


def _numbers(n: int, seed: int = 5) -> list[tuple[str, str]]:
    """Valid, invalid, national and international numbers, a few of them twice."""
    rng = random.Random(seed)
    shapes = [
        lambda: (f"+4915{rng.randrange(10**8, 10**9)}", "DE"),
        lambda: (f"0{rng.randrange(7000000000, 7999999999)}", "GB"),
        lambda: (f"+1 415 555 {rng.randrange(1000, 9999)}", "US"),
        lambda: (f"+81 90 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}", "jp"),
        lambda: (f"12{rng.randrange(100, 999)}", "FR"),  # too short: ""
        lambda: ("not a number", "DE"),
        lambda: (f"+33 6 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} 12", ""),
    ]
    out = [rng.choice(shapes)() for _ in range(n)]
    return out + out[:: max(1, n // 20)]


@pytest.fixture(autouse=True)
def _cold():
    phones.normalise.cache_clear()
    yield
    phones.normalise.cache_clear()


def _counted(monkeypatch) -> list[tuple[str, str]]:
    """The numbers normalised in this process (the worker's are not)."""
    here: list[tuple[str, str]] = []
    real = phones.normalise

    def counting(phone: str, country: str) -> str:
        here.append((phone, country))
        return real(phone, country)

    monkeypatch.setattr(phones, "normalise", counting)
    return here


def test_numbers_normalised_with_the_worker_are_those_normalised_here(monkeypatch):
    pairs = _numbers(5 * phones.CHUNK)
    here = _counted(monkeypatch)
    with phones.Ahead() as ahead:
        for pair in pairs:
            ahead.add(*pair)
        assert ahead.running
        # the batch is written once the worker has answered some of it (it never waits for the rest)
        ahead._collect(timeout=60)
        assert ahead._known
        ahead.ready(pairs)
        got = [ahead.get(*pair) for pair in pairs]
    assert got == [normalise_phone(*pair) for pair in pairs]
    assert any(got) and "" in got
    # the worker answered some (at least its first chunk), this process the rest, none twice here
    assert len(here) <= len(set(pairs)) - phones.CHUNK
    assert len(here) == len(set(here))


def test_once_finished_the_worker_still_answers_what_it_was_handed_then_ends(monkeypatch):
    pairs = _numbers(4 * phones.CHUNK, seed=9)
    here = _counted(monkeypatch)
    with phones.Ahead() as ahead:
        for pair in pairs:
            ahead.add(*pair)
        worker = ahead._process
        assert worker is not None
        ahead.finish()  # told to stop: what it was handed is still answered
        while ahead._flight:
            ahead._collect(timeout=60)
        worker.join(timeout=60)
        assert not worker.is_alive()  # ended on its own, before the block
        assert worker.exitcode == 0
        ahead.ready(pairs)
        got = [ahead.get(*pair) for pair in pairs]
    assert got == [normalise_phone(*pair) for pair in pairs]
    # every full chunk came from the worker: here only the numbers never handed over
    assert len(here) < phones.CHUNK


def test_a_failing_worker_is_turned_off_and_the_numbers_are_normalised_here(monkeypatch):
    # the worker's task raises there (int() of a list of pairs)
    monkeypatch.setattr(phones, "normalise_all", int)
    pairs = _numbers(3 * phones.CHUNK, seed=9)
    with phones.Ahead() as ahead:
        for pair in pairs:
            ahead.add(*pair)
        ahead._collect(timeout=60)  # the worker has answered (that it failed)
        ahead.ready(pairs)
        assert not ahead.running
        got = [ahead.get(*pair) for pair in pairs]
        ahead.add("+4915112345678", "DE")  # off: nothing more is handed over
        assert not ahead._queued
    assert got == [normalise_phone(*pair) for pair in pairs]


def test_what_is_handed_over_never_fills_the_pipes_whatever_their_size(monkeypatch):
    """Pipes of one page: one chunk in flight at a time, and a chunk larger than the pipe still goes when
    none is in flight (the idle worker reads it); nothing blocks, every answer is the one made here."""
    monkeypatch.setattr(phones, "PIPE_BYTES", 4096)
    pairs = _numbers(12 * phones.CHUNK, seed=4)
    pairs += [(f"+4915{10**8 + i} {'x' * 40}", "DE") for i in range(phones.CHUNK)]  # 15 KB a chunk
    with phones.Ahead() as ahead:
        for pair in pairs:
            ahead.add(*pair)
            assert len(ahead._flight) <= 1
        assert ahead.running and ahead._waiting  # the rest waits for room
        while ahead._flight:
            ahead._collect(timeout=60)
        ahead.ready(pairs)
        got = [ahead.get(*pair) for pair in pairs]
        assert ahead.running
    assert got == [normalise_phone(*pair) for pair in pairs]


def test_a_worker_killed_in_the_middle_is_turned_off_and_the_numbers_are_normalised_here():
    pairs = _numbers(6 * phones.CHUNK, seed=6)
    with phones.Ahead() as ahead:
        for pair in pairs[: 3 * phones.CHUNK]:
            ahead.add(*pair)
        worker = ahead._process
        assert worker is not None
        worker.kill()
        worker.join(timeout=60)
        for pair in pairs[3 * phones.CHUNK :]:
            ahead.add(*pair)
        ahead.ready(pairs)
        assert not ahead.running
        got = [ahead.get(*pair) for pair in pairs]
    assert got == [normalise_phone(*pair) for pair in pairs]


def test_no_worker_starts_for_fewer_numbers_than_a_chunk():
    with phones.Ahead() as ahead:
        for pair in _numbers(phones.CHUNK // 2):
            ahead.add(*pair)
        assert not ahead.running


def _export(path: Path, buyers: int) -> Path:
    lines = [{"type": "shop", "platform": "shopify", "external_id": "s1", "name": "Shop"}]
    for i, (phone, country) in enumerate(_numbers(buyers, seed=3)[:buyers]):
        lines.append(
            {
                "type": "customer",
                "platform": "shopify",
                "shop": "s1",
                "external_id": f"c{i}",
                "name": f"Buyer {i}",
                "phone": phone,
                "country": country,
            }
        )
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    return path


def _phones_of(desk: Desk) -> list[tuple]:
    return desk.db.execute(
        "SELECT i.external_id, c.phone, c.country, c.merged_into FROM customer_identities i "
        "JOIN customers c ON c.id = i.customer_id ORDER BY i.external_id"
    ).fetchall()


def test_an_import_with_the_worker_stores_the_numbers_an_import_without_it_does(tmp_path, monkeypatch):
    source = _export(tmp_path / "buyers.jsonl", 3 * phones.CHUNK)
    started: list[bool] = []
    real_ready = phones.Ahead.ready

    def ready(self, pairs):
        started.append(self.running)
        return real_ready(self, pairs)

    monkeypatch.setattr(phones.Ahead, "ready", ready)
    with_worker = Desk.memory(clock=lambda: NOW)
    assert import_jsonl(with_worker, ADMIN, source, batch=4 * phones.CHUNK).bad == []
    assert started == [True]

    phones.normalise.cache_clear()
    monkeypatch.setattr(phones.Ahead, "add", lambda self, phone, country: None)  # no worker
    started.clear()
    without = Desk.memory(clock=lambda: NOW)
    assert import_jsonl(without, ADMIN, source, batch=4 * phones.CHUNK).bad == []
    assert started == [False]
    assert _phones_of(with_worker) == _phones_of(without)
    assert any(row[1] for row in _phones_of(without))


def test_the_worker_has_the_next_batch_of_numbers_while_a_batch_is_written(tmp_path, monkeypatch):
    """A batch waits while the next is read: when it is written, the worker was handed the next batch's
    numbers too, and the answers it gives for them are kept until that batch is written."""
    batch = 2 * phones.CHUNK
    source = _export(tmp_path / "buyers.jsonl", 3 * batch)
    handed: list[int] = []
    at_write: list[tuple[int, int]] = []  # (numbers handed over so far, lines in the batch written)
    real_add, real_apply = phones.Ahead.add, BatchImporter.apply

    def add(self, phone, country):
        handed.append(1)
        return real_add(self, phone, country)

    def apply(self, lines, report, checked=None):
        at_write.append((len(handed), len(lines)))
        return real_apply(self, lines, report, checked)

    monkeypatch.setattr(phones.Ahead, "add", add)
    monkeypatch.setattr(BatchImporter, "apply", apply)
    desk = Desk.memory(clock=lambda: NOW)
    report = import_jsonl(desk, ADMIN, source, batch=batch)
    assert report.bad == [] and report.added["customer"] == 3 * batch
    buyers = [(n, size) for n, size in at_write if size > 1]  # the shop goes alone
    assert buyers == [(2 * batch, batch), (3 * batch, batch), (3 * batch, batch)]


def test_forgetting_a_written_batch_keeps_the_answers_for_the_next(monkeypatch):
    first = _numbers(40, seed=1)
    second = [pair for pair in _numbers(40, seed=2) if pair not in first]  # a shared one goes with the first
    here = _counted(monkeypatch)
    with phones.Ahead() as ahead:  # fewer than a chunk: all answered here
        ahead.ready(first + second)
        ahead.forget(first)
        done = len(here)
        ahead.ready(second)
        assert len(here) == done  # the next batch's answers were kept
        ahead.ready(first)
        assert len(here) > done  # the written batch's were dropped


_KILLED_IMPORTER = """
import sys, time
from crossdesk.intake import phones
ahead = phones.Ahead()
for i in range(phones.CHUNK):
    ahead.add(f"+4915{10**8 + i}", "DE")
ahead._collect(timeout=60)  # the worker runs
assert ahead._known
print(ahead._process.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_worker_of_a_killed_importer_ends_too():
    importer = subprocess.Popen([sys.executable, "-c", _KILLED_IMPORTER], stdout=subprocess.PIPE, text=True)
    try:
        (worker,) = map(int, importer.stdout.readline().split())
        assert _alive(worker)
    finally:
        importer.kill()
        importer.wait()
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
