"""A report as flat rows (CSV, Parquet, the terminal table, the HTML report): one row per group plus a
``total`` row, one column per figure (``first_reply.median``, ``sla.first_reply.rate`` ...)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from crossdesk.analytics.report import Report
from crossdesk.errors import DeskError

TOTAL = "(total)"


def _flat(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(f"{prefix}.{k}" if prefix else str(k), v)
    else:
        yield prefix, value


def flatten(report: Report) -> tuple[list[str], list[list[Any]]]:
    """(column names, rows): the grouping columns first, then every figure in report order. Refund
    amounts per currency become one column per currency (``refunds.by_currency.EUR``, minor units)."""
    entries = [({d: TOTAL for d in report.by}, report.total)] + [
        (g["key"], {k: v for k, v in g.items() if k != "key"}) for g in report.groups
    ]
    columns: list[str] = list(report.by)
    flat_rows = []
    for key, entry in entries:
        flat = dict(key)
        for name, value in _flat("", entry):
            flat[name] = value
            if name not in columns:
                columns.append(name)
        flat_rows.append(flat)
    return columns, [[row.get(c) for c in columns] for row in flat_rows]


def to_json(report: Report) -> bytes:
    return orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)


def to_csv(report: Report) -> str:
    columns, rows = flatten(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


def to_parquet(report: Report, path: Path) -> None:
    """Write the flat rows as a Parquet file (needs pyarrow, an optional dependency: ``crossdesk[parquet]``)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DeskError(
            "parquet output needs pyarrow, which is not installed: pip install 'crossdesk[parquet]', "
            "or use --format csv"
        ) from None
    columns, rows = flatten(report)
    table = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
    pq.write_table(table, path)
