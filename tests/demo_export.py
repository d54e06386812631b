"""A demo desk's JSON Lines export written to a file, for the import tests (bulk, crash, dirty days)."""

from __future__ import annotations

import io
from pathlib import Path

from crossdesk.api import Desk
from crossdesk.demo import build_demo
from crossdesk.io import export_jsonl
from crossdesk.models import Actor


def demo_export(path: Path, *, size: int, seed: int, now: int) -> Path:
    """Build a ``size``-ticket demo desk in memory on a clock stopped at ``now``, export it to ``path``."""
    desk = Desk.memory(clock=lambda: now)
    try:
        build_demo(desk, size=size, seed=seed, now=now)
        out = io.BytesIO()
        export_jsonl(desk, Actor.system("test"), out)
    finally:
        desk.close()
    path.write_bytes(out.getvalue())
    return path
