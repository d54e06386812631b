"""An import runs without automatic garbage collection (crossdesk.io.importer._collector_paused); what a
batch leaves in a reference cycle, a refused record's error with the frames it holds, is freed when that
batch ends, not kept until the end of a long import, and the import's own state (the keys of every
record it wrote) is in no cycle at all: it goes when the import returns, not at the next collection."""

from __future__ import annotations

import gc

import orjson

from crossdesk.api import Desk
from crossdesk.errors import DeskError
from crossdesk.io import import_jsonl
from crossdesk.io.batch import BatchImporter, Known
from crossdesk.models import Actor

NOW = 1_795_000_000
ADMIN = Actor.system("test")


def _lines(batches: int, per_batch: int) -> bytes:
    shop = {"type": "shop", "platform": "shopify", "external_id": "s1", "name": "Acme"}
    out = [orjson.dumps(shop)]
    for b in range(batches):
        for n in range(per_batch):
            # the last message of every batch has a body of blanks: checked as a string, refused by intake
            body = "   " if n == per_batch - 1 else f"Where is order {b}-{n}?"
            out.append(
                orjson.dumps(
                    {
                        "type": "message",
                        "platform": "shopify",
                        "shop": "s1",
                        "thread_id": f"t{b}-{n}",
                        "external_id": f"m{b}-{n}",
                        "body": body,
                        "created_at": NOW - 3600,
                    }
                )
            )
    return b"\n".join(out) + b"\n"


def _errors_alive() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, DeskError))


def test_a_refused_records_cycle_goes_with_its_batch(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_bytes(_lines(batches=4, per_batch=50))
    desk = Desk.memory(clock=lambda: NOW)
    gc.collect()
    before = _errors_alive()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:  # called after each batch: the errors alive then
        seen.append(_errors_alive())

    assert gc.isenabled()
    report = import_jsonl(desk, ADMIN, path, batch=50, progress=progress)
    assert gc.isenabled()  # given back
    assert len(report.bad) == 4 and all("empty" in reason for _, reason in report.bad)
    assert seen and max(seen) == before  # none outlived its batch
    assert _errors_alive() == before


def test_nothing_of_an_import_waits_for_the_collector(tmp_path):
    # Compiled (crossdesk._accel), closures share one scope object that holds them: a cycle that kept the
    # importer, and the keys of everything it wrote, until a collection walked them all.
    path = tmp_path / "export.jsonl"
    path.write_bytes(_lines(batches=3, per_batch=40))
    desk = Desk.memory(clock=lambda: NOW)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds unreachable is kept in gc.garbage
    try:
        report = import_jsonl(desk, ADMIN, path, batch=40)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, BatchImporter | Known)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert report.added["message"] == 3 * 39
    assert left == []
