"""A message the desk or the batch already has is found once per batch (issue 16): the importer's one
lookup of the desk's messages stands for each wave's, and the batch's own are remembered, so a repeated
message is reported unchanged and written once, without falling back to the line-by-line path."""

from __future__ import annotations

import orjson
import pytest

from crossdesk.api import Desk
from crossdesk.io import import_jsonl
from crossdesk.io.batch import BatchImporter
from crossdesk.models import Actor

NOW = 1_795_000_000
ADMIN = Actor.system("test")
BASE = {"platform": "shopify", "shop": "s1"}


def _file(tmp_path, name: str, records: list[dict]):
    path = tmp_path / name
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    return path


def _message(ext: str, thread: str, direction: str = "in", body: str = "Where is my parcel?") -> dict:
    return {
        "type": "message",
        **BASE,
        "external_id": ext,
        "thread_id": thread,
        "direction": direction,
        "body": body,
        "created_at": NOW - 3600,
    }


def test_repeated_messages_are_unchanged_and_written_once(tmp_path, monkeypatch):
    one_by_one = BatchImporter._one_by_one

    def no_fallback(self, batch, outcomes, bad):
        assert all(r["type"] == "shop" for _, _, r in batch), "the batch fell back to line by line"
        one_by_one(self, batch, outcomes, bad)  # shops go one by one by design

    monkeypatch.setattr(BatchImporter, "_one_by_one", no_fallback)
    desk = Desk.memory(clock=lambda: NOW)
    shop = {"type": "shop", "platform": "shopify", "external_id": "s1", "name": "Acme"}
    first = _file(tmp_path, "first.jsonl", [shop, _message("m1", "t1"), _message("r1", "t1", "out", "Sent")])
    assert import_jsonl(desk, ADMIN, first).bad == []
    second = _file(
        tmp_path,
        "second.jsonl",
        [
            shop,
            _message(" m1 ", "t1"),  # the desk has it (a buyer message's id is trimmed)
            _message("r1", "t1", "out", "Sent"),  # the desk has it
            _message("m2", "t2"),
            _message("m2", "t2"),  # the batch has it, from the wave before
            _message("n1", "t2", "note", "Checked"),
            _message("n1", "t2", "note", "Checked"),
        ],
    )
    report = import_jsonl(desk, ADMIN, second)
    assert report.bad == []
    assert report.added["message"] == 2 and report.unchanged["message"] == 4
    rows = desk.db.execute("SELECT external_id FROM messages ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["m1", "r1", "m2", "n1"]


@pytest.mark.parametrize("batch", [1, 3, 100])
def test_a_rerun_adds_no_message_whatever_the_batch(tmp_path, batch):
    desk = Desk.memory(clock=lambda: NOW)
    shop = {"type": "shop", "platform": "shopify", "external_id": "s1", "name": "Acme"}
    records = [shop] + [_message(f"m{i}", f"t{i % 3}") for i in range(7)]
    path = _file(tmp_path, "f.jsonl", records)
    import_jsonl(desk, ADMIN, path, batch=batch)
    again = import_jsonl(desk, ADMIN, path, batch=batch)
    assert again.added["message"] == 0 and again.unchanged["message"] == 7
    assert desk.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 7
