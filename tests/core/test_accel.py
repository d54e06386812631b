"""The compiled twins of the bulk-intake modules (crossdesk._accel): used only while built from the source
as it is, and giving the same desk as the source itself."""

from __future__ import annotations

import importlib.machinery
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from crossdesk._accel import SUFFIX, Finder, digest, stale
from tests.demo_export import demo_export

NOW = 1_796_000_000
PURE = os.environ.get("CROSSDESK_PURE_PYTHON", "") not in ("", "0")

#: Imports an export into a desk on a stopped clock, in a process of its own; prints where io.batch came from.
_IMPORT = """
import sys
from crossdesk.api import Desk
from crossdesk.io import import_jsonl
from crossdesk.models import Actor, Role
import crossdesk.io.batch
desk = Desk.open(sys.argv[1], clock=lambda: {now})
import_jsonl(desk, Actor(name="admin", role=Role.ADMIN), sys.argv[2], batch=int(sys.argv[3]))
desk.close()
print(crossdesk.io.batch.__file__)
"""


def test_a_twin_is_found_only_while_its_source_is_the_text_it_was_built_from(tmp_path):
    package, compiled = tmp_path / "crossdesk", tmp_path / "accel"
    (package / "io").mkdir(parents=True)
    (compiled / "io").mkdir(parents=True)
    source = package / "io" / "batch.py"
    source.write_text("X = 1\n")
    twin = compiled / "io" / ("batch" + SUFFIX)
    twin.write_bytes(b"compiled")
    finder = Finder({"crossdesk.io.batch": digest(source)}, package=package, compiled=compiled)

    spec = finder.find_spec("crossdesk.io.batch")
    assert spec is not None and spec.origin == str(twin)
    assert isinstance(spec.loader, importlib.machinery.ExtensionFileLoader)
    assert finder.find_spec("crossdesk.io.exporter") is None  # not compiled: left to the next finder

    source.write_text("X = 2\n")  # edited after the build: the source is imported, never the old twin
    assert finder.find_spec("crossdesk.io.batch") is None
    source.write_text("X = 1\n")
    assert finder.find_spec("crossdesk.io.batch") is not None
    twin.unlink()
    assert finder.find_spec("crossdesk.io.batch") is None


def test_the_build_compiles_the_intake_modules_and_they_are_the_ones_imported():
    import crossdesk.intake.threads
    import crossdesk.io.batch

    modules = (crossdesk.io.batch, crossdesk.intake.threads)
    if PURE:  # asked for: every module from its source
        assert all(m.__file__.endswith(".py") for m in modules)
        return
    assert stale() == [], "run `make build`: these modules are imported from their sources"
    assert all(m.__file__.endswith(SUFFIX) for m in modules)


def _rows(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        tables = ("customers", "customer_identities", "orders", "order_lines", "tickets", "messages", "audit")
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


def test_the_compiled_and_the_source_modules_import_the_same_desk(tmp_path):
    """The same export imported by a process with the compiled twins (as built) and by one that imports
    every module from its source: every row of the two desks is the same, ids and audit trail included."""
    export = demo_export(tmp_path / "export.jsonl", size=250, seed=11, now=NOW)
    script = _IMPORT.format(now=NOW)
    files = {}
    for name, pure in (("twin", "0"), ("source", "1")):
        env = {**os.environ, "CROSSDESK_PURE_PYTHON": pure}
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / f"{name}.db"), str(export), "300"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        files[name] = done.stdout.strip()
    assert files["source"].endswith("batch.py")
    if not PURE:
        assert files["twin"].endswith(SUFFIX)
    twin, source = _rows(tmp_path / "twin.db"), _rows(tmp_path / "source.db")
    assert {t: len(r) for t, r in twin.items()} == {t: len(r) for t, r in source.items()}
    assert len(twin["messages"]) > 500
    assert twin == source
