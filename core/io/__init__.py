"""JSON Lines import and export (format: docs/import-format.md).

from crossdesk.io import export_jsonl, import_jsonl
report = import_jsonl(desk, actor, "orders.jsonl")   # report.added, .unchanged, .bad
export_jsonl(desk, actor, "desk.jsonl")
"""

from __future__ import annotations

import crossdesk._accel  # noqa: F401  (before the modules below: their compiled twins, when built)
from crossdesk.io.exporter import export_jsonl, records
from crossdesk.io.importer import MAX_LINE_BYTES, ImportReport, import_jsonl
from crossdesk.io.records import RECORD_TYPES, RecordError

__all__ = [
    "MAX_LINE_BYTES",
    "RECORD_TYPES",
    "ImportReport",
    "RecordError",
    "export_jsonl",
    "import_jsonl",
    "records",
]
