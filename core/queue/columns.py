"""The queue's column schema: every column of the open-ticket snapshot declared once.

Each :class:`Column` says how a value is read from a ``tickets`` row (an SQL expression, NULLs handled
there), its numpy dtype and how a stored value is coded into that dtype. Everything else is derived from
:data:`SCHEMA`:

- the live snapshot's ``SELECT`` and ``DTYPES``, the :class:`Columns` arrays and :func:`to_columns`
  (``desk.queue``);
- the batch re-score's SQL and its chunk conversions (:func:`batch_select`, :func:`to_array`), in
  :mod:`crossdesk.queue.rescore`.

Where the score columns' names and dtypes come from: ``crossdesk.native.SCORE_COLUMNS``, the kernel's
own contract (the compiled kernel is typed by them, in that order). The native layer sits below the queue
and may not import it, and it has no business knowing SQL or the name tables, so the list stays there and
this schema takes each score column's dtype from it and adds what only the queue knows.
:func:`check_kernel` (run on import, and by the tests) fails when the schema and the kernel drift apart:
a column the kernel reads that the schema lacks, a score column the kernel does not read, a dtype that
differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, make_dataclass
from typing import Any

import numpy as np

from crossdesk import native
from crossdesk.models import INTENT_CODES, PLATFORM_CODES, TicketStatus
from crossdesk.native import INT64_MAX

OPEN = int(TicketStatus.SOLVED)  # statuses below this are in the queue

# How a stored value becomes the column's dtype.
INT = "int"  # as it is (SQLite integers are int64 already)
FLOAT = "float"  # through float64, so NULL is NaN, then rounded to the dtype
CLIP = "clip"  # an int clipped into the dtype's range: a hand-edited 300 must not wrap around to 44
FLAG = "flag"  # 1 when non-zero: any truthy value counts, as the kernel reads it
CODE = "code"  # a name looked up in a name -> code table (NULL is ""); unknown names get codes past it
CODINGS = (INT, FLOAT, CLIP, FLAG, CODE)


@dataclass(frozen=True)
class Column:
    """One snapshot column: ``sql`` is its value over a ``tickets`` row (NULLs handled), ``dtype`` its
    numpy type, ``coding`` how a stored value becomes that type, ``codes`` the fixed name -> code table of
    a CODE column, ``kernel`` whether :func:`crossdesk.native.score` reads it."""

    name: str
    sql: str
    dtype: Any
    coding: str = INT
    codes: Mapping[str, int] | None = None
    kernel: bool = False

    def coded_sql(self) -> str:
        """The value with names already turned into codes inside SQLite (the batch: rows then carry small
        ints instead of strings). A name the table does not know gets the first code past the table, which
        the kernel reads as weight 0, like the live snapshot's codes for unknown names."""
        if self.coding != CODE:
            return self.sql
        assert self.codes is not None
        whens = " ".join(f"WHEN '{name}' THEN {code}" for name, code in self.codes.items() if "'" not in name)
        unknown = max(self.codes.values(), default=-1) + 1
        return f"CASE IFNULL({self.sql}, '') {whens} ELSE {unknown} END"


def _score(name: str, sql: str, coding: str = INT, codes: Mapping[str, int] | None = None) -> Column:
    # The dtype is the kernel's (None when the kernel does not read this name: check_kernel says so).
    return Column(name, sql, native.SCORE_COLUMNS.get(name), coding, codes, kernel=True)


#: The snapshot, in ``SELECT`` order. A NULL deadline means "no SLA"; a ticket without a buyer message
#: waits since it was created; an unassigned ticket has assignee -1.
SCHEMA: tuple[Column, ...] = (
    Column("id", "id", np.int64),
    _score("status", "status", CLIP),
    _score("sla_due", f"COALESCE(sla_due, {INT64_MAX})"),
    _score("last_customer_msg_at", "COALESCE(last_customer_msg_at, created_at)"),
    _score("order_value_usd", "order_value_usd", FLOAT),
    _score("tier", "tier", CLIP),
    _score("intent", "intent", CODE, INTENT_CODES),
    _score("sentiment", "sentiment", FLOAT),
    _score("platform", "platform", CODE, PLATFORM_CODES),
    _score("escalated", "escalated", FLAG),
    Column("created_at", "created_at", np.int64),
    Column("shop_id", "shop_id", np.int64),
    Column("language", "language", np.int16, CODE, {"": 0}),
    Column("assignee_id", "COALESCE(assignee_id, -1)", np.int64),
)
BY_NAME: dict[str, Column] = {c.name: c for c in SCHEMA}
#: The score columns in the kernel's order (the order of ``native.SCORE_COLUMNS``).
SCORE: tuple[Column, ...] = tuple(BY_NAME[name] for name in native.SCORE_COLUMNS if name in BY_NAME)


def check_kernel(schema: Sequence[Column] = SCHEMA, kernel: Mapping[str, Any] | None = None) -> None:
    """Raise RuntimeError unless the schema's score columns are exactly what the kernel reads
    (``native.SCORE_COLUMNS`` by default), with the kernel's dtypes, and every column is well formed."""
    kernel = native.SCORE_COLUMNS if kernel is None else kernel
    problems = []
    names = [c.name for c in schema]
    if len(set(names)) != len(names):
        problems.append("a column is declared twice")
    ours = {c.name: c for c in schema if c.kernel}
    for name in kernel:
        if name not in ours:
            problems.append(f"the kernel reads {name!r}, which the schema does not declare as a score column")
    for name, col in ours.items():
        if name not in kernel:
            problems.append(f"the schema declares {name!r} as a score column; the kernel does not read it")
        elif col.dtype is None or np.dtype(col.dtype) != np.dtype(kernel[name]):
            problems.append(
                f"{name!r} is {col.dtype} in the schema but {np.dtype(kernel[name])} in the kernel"
            )
    for col in schema:
        if col.coding not in CODINGS:
            problems.append(f"{col.name!r} has an unknown coding {col.coding!r}")
        elif (col.coding == CODE) != (col.codes is not None):
            problems.append(f"{col.name!r}: a name -> code table goes with the CODE coding, and only with it")
    if problems:
        raise RuntimeError("queue column schema and score kernel disagree: " + "; ".join(problems))


check_kernel()

#: Columns read per ticket, in this order (the live snapshot; names are coded in Python, see Codes).
SELECT = "SELECT " + ", ".join(c.sql for c in SCHEMA) + " FROM tickets"
DTYPES: dict[str, Any] = {c.name: c.dtype for c in SCHEMA}


def batch_select(
    columns: Sequence[Column], extra: Sequence[str] = (), where: str = "", tail: str = ""
) -> str:
    """One query that returns a whole chunk as one row of JSON arrays, one array per column (then one per
    ``extra`` expression): SQLite builds the text in C and orjson parses it, instead of a Python tuple
    per ticket (about half the time of ``fetchall`` on 1M tickets). Names are coded in SQL."""
    exprs = [f"{c.coded_sql()} AS {c.name}" for c in columns]
    exprs += [f"{sql} AS x{i}" for i, sql in enumerate(extra)]
    aliases = [c.name for c in columns] + [f"x{i}" for i in range(len(extra))]
    rows = f"SELECT {', '.join(exprs)} FROM tickets {where} {tail}".strip()
    return "SELECT " + ", ".join(f"json_group_array({a})" for a in aliases) + f" FROM ({rows})"


def to_array(col: Column, values: Sequence[Any]) -> np.ndarray:
    """Stored values (CODE columns: already codes) -> the column's array, coded as the schema says."""
    if col.coding == FLOAT:
        # Beyond float32's range is infinite, which the kernel defines (an infinite order value counts
        # as the cap): no warning for it.
        with np.errstate(over="ignore"):
            return np.array(values, dtype=np.float64).astype(col.dtype)
    if col.coding == CLIP:
        info = np.iinfo(col.dtype)
        return np.clip(np.array(values, dtype=np.int64), info.min, info.max).astype(col.dtype)
    if col.coding == FLAG:
        return (np.array(values, dtype=np.int64) != 0).astype(col.dtype)
    return np.array(values, dtype=col.dtype)


class Codes:
    """A growing str -> int dictionary; names the static tables do not know get codes past them, which
    the score kernel reads as weight 0."""

    def __init__(self, fixed: Mapping[str, int]) -> None:
        self.codes = dict(fixed)
        self.next = max(fixed.values(), default=-1) + 1

    def __call__(self, name: str | None) -> int:
        name = name or ""
        code = self.codes.get(name)
        if code is None:
            code = self.codes[name] = self.next
            self.next += 1
        return code

    def many(self, names: Iterable[str | None]) -> list[int]:
        get = self.codes.get
        out = []
        for name in names:
            code = get(name or "")
            out.append(code if code is not None else self(name))
        return out


def _score_cols(self: Any) -> dict[str, np.ndarray]:
    """The arrays :func:`crossdesk.native.score` reads, by name."""
    return {c.name: getattr(self, c.name) for c in SCORE}


def _len(self: Any) -> int:
    return len(self.id)


#: The snapshot as arrays, one attribute per column of :data:`SCHEMA` (``cols.status``, ``cols.id`` ...),
#: all of one length; generated from the schema so a column is never declared twice.
Columns = make_dataclass(
    "Columns",
    [(c.name, np.ndarray) for c in SCHEMA],
    namespace={"score_cols": _score_cols, "__len__": _len},
)
Columns.__module__ = __name__


def to_columns(rows: Sequence[tuple], intents: Codes, platforms: Codes, languages: Codes) -> Columns:
    """Rows of ``SELECT`` -> typed :class:`Columns`; names coded with the given tables."""
    if not rows:
        return Columns(**{c.name: np.empty(0, dtype=c.dtype) for c in SCHEMA})
    tables = {"intent": intents, "platform": platforms, "language": languages}
    values = list(zip(*rows, strict=True))
    out = {}
    for i, col in enumerate(SCHEMA):
        v: Any = values[i]
        if col.coding == CODE:
            v = tables[col.name].many(v)
        out[col.name] = to_array(col, v)
    return Columns(**out)


def platform_codes() -> Codes:
    # Platforms the table does not know (a plugin's) get codes past it: weight 0, but they still filter
    # by their own name.
    return Codes(BY_NAME["platform"].codes or {})


def concat(parts: list[Columns]) -> Columns:
    """The rows of several snapshots, in order."""
    return Columns(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in DTYPES})
