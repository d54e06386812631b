"""Evaluate rule conditions over a whole desk at once, in SQL.

Column conditions become one WHERE clause over ``tickets t``. Keyword conditions are answered by one
pass of the native matcher (``match_many``) over every buyer message, whose hits land in a temporary table
the WHERE clause joins; plugin conditions (Python callables) are evaluated once per ticket into another.
The result must equal the per-ticket evaluator of :mod:`crossdesk.conditions.evaluate` (a parity test checks
it), except for ``changed*`` operators, which need an event: here ``changed_to X`` reads as "is X now" and
``changed`` / ``changed_from`` as true, so a dry run gives an upper bound for rules that use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from crossdesk.conditions.evaluate import Condition, Conditions, KeywordIndex, Vocabulary, positive_holds
from crossdesk.conditions.fields import CHANGE_OPS, NEGATIVE, PRIORITY_RANK, Facts, FieldSpec, fold

if TYPE_CHECKING:
    import sqlite_utils

#: Buyer messages are read and matched in chunks of this many, to keep memory flat on big desks.
CHUNK = 200_000

_PRED = re.compile(r"\{pred_([\w.]+)\}")


class BulkEvaluator:
    """Turns conditions into SQL over ``tickets t`` of one desk database at one moment ``now``.

    Create it with every condition set it will see, so the buyer messages are scanned only once.
    Use as a context manager: the temporary tables go when it closes.
    """

    def __init__(
        self, db: sqlite_utils.Database, vocab: Vocabulary, now: int, groups: Sequence[Conditions]
    ) -> None:
        self.db = db
        self.vocab = vocab
        self.now = int(now)
        self.keywords = KeywordIndex.for_conditions(groups, vocab)
        self._plugin_tables: dict[tuple[str, str, str], str] = {}
        self._keywords_ready = False
        self._intents_ready = False
        self._closed = False

    def __enter__(self) -> BulkEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        tables = list(self._plugin_tables.values())
        if self._keywords_ready:
            tables.append("_rules_kw")
        if self._intents_ready:
            tables.append("_rules_intents")
        for name in tables:
            self.db.execute(f"DROP TABLE IF EXISTS temp.{name}")

    # ---- keywords ----------------------------------------------------------------------------------

    def _prepare_keywords(self) -> None:
        if self._keywords_ready:
            return
        db = self.db
        db.execute("DROP TABLE IF EXISTS temp._rules_kw")
        db.execute(
            "CREATE TEMP TABLE _rules_kw (ticket_id INTEGER NOT NULL, kw INTEGER NOT NULL, "
            "PRIMARY KEY (ticket_id, kw)) WITHOUT ROWID"
        )
        self._keywords_ready = True
        for ticket_ids, texts in _buyer_text_chunks(self.db):
            text_idx, kw = self.keywords.match_many(texts)
            if len(text_idx) == 0:
                continue
            pairs = np.unique(np.stack([ticket_ids[text_idx], kw.astype(np.int64)], axis=1), axis=0)
            db.conn.executemany("INSERT OR IGNORE INTO _rules_kw VALUES (?, ?)", pairs.tolist())

    def _prepare_intents(self) -> None:
        if self._intents_ready:
            return
        db = self.db
        db.execute("DROP TABLE IF EXISTS temp._rules_intents")
        db.execute(
            "CREATE TEMP TABLE _rules_intents (ticket_id INTEGER NOT NULL, intent TEXT NOT NULL, "
            "PRIMARY KEY (ticket_id, intent)) WITHOUT ROWID"
        )
        self._intents_ready = True
        db.execute(
            "INSERT OR IGNORE INTO _rules_intents SELECT m.ticket_id, j.value FROM messages m, json_each(m.intents) j "
            "WHERE m.direction = 'in' AND m.intents <> '[]'"
        )

    # ---- plugin fields -----------------------------------------------------------------------------

    def forget_plugin_values(self) -> None:
        """Drop the plugin answers computed so far (they may depend on columns that have changed)."""
        for name in self._plugin_tables.values():
            self.db.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self._plugin_tables.clear()

    def _plugin_table(self, spec: FieldSpec, cond: Condition) -> str:
        key = (cond.field, NEGATIVE.get(cond.op, cond.op), repr(cond.value))
        if key in self._plugin_tables:
            return self._plugin_tables[key]
        name = f"_rules_plugin_{len(self._plugin_tables)}"
        db = self.db
        db.execute(f"CREATE TEMP TABLE {name} (ticket_id INTEGER PRIMARY KEY)")
        positive = NEGATIVE.get(cond.op, cond.op)
        cursor = db.execute("SELECT * FROM tickets")
        columns = [d[0] for d in cursor.description]
        hits = []
        for values in cursor:
            row = dict(zip(columns, values, strict=True))
            if positive_holds(spec, positive, spec.getter(Facts(self.db, row, self.now)), cond.value):
                hits.append((row["id"],))
        db.conn.executemany(f"INSERT INTO {name} VALUES (?)", hits)
        self._plugin_tables[key] = name
        return name

    # ---- SQL ---------------------------------------------------------------------------------------

    def where(self, conditions: Conditions) -> tuple[str, list[Any]]:
        """A boolean SQL expression over ``t`` and its parameters."""
        params: list[Any] = []
        parts_all = [self._condition(c, params) for c in conditions.all]
        parts_any = [self._condition(c, params) for c in conditions.any]
        clauses = []
        if parts_all:
            clauses.append(" AND ".join(f"({p})" for p in parts_all))
        if parts_any:
            clauses.append("(" + " OR ".join(f"({p})" for p in parts_any) + ")")
        return (" AND ".join(clauses) or "1"), params

    def ticket_ids(
        self, conditions: Conditions, extra_where: str = "", extra_params: Sequence[Any] = ()
    ) -> Iterator[int]:
        sql, params = self.where(conditions)
        if extra_where:
            sql = f"({sql}) AND ({extra_where})"
            params = [*params, *extra_params]
        for (tid,) in self.db.execute(f"SELECT t.id FROM tickets t WHERE {sql} ORDER BY t.id", params):
            yield tid

    def _condition(self, cond: Condition, params: list[Any]) -> str:
        spec = self.vocab.fields[cond.field]
        op = cond.op
        if op in CHANGE_OPS:
            if op != "changed_to":
                return "1"
            op = "is"
        positive = NEGATIVE.get(op, op)
        sql = self._positive_sql(spec, positive, cond, params)
        return f"NOT ({sql})" if op in NEGATIVE else sql

    def _positive_sql(self, spec: FieldSpec, op: str, cond: Condition, params: list[Any]) -> str:
        value = cond.value
        wanted = value if isinstance(value, list) else [value]
        if spec.kind == "plugin":
            return f"t.id IN (SELECT ticket_id FROM temp.{self._plugin_table(spec, cond)})"
        if spec.kind == "keywords":
            self._prepare_keywords()
            ids = sorted({self.keywords.ids[fold(w)] for w in wanted})
            params.extend(ids)
            marks = ",".join("?" * len(ids))
            return f"EXISTS (SELECT 1 FROM temp._rules_kw k WHERE k.ticket_id = t.id AND k.kw IN ({marks}))"
        if spec.kind == "set":
            assert spec.set_sql is not None
            template = spec.set_sql
            if spec.name == "intents":
                # Probing each ticket's messages for JSON intents costs a random read per ticket; one
                # sequential pass into a table keyed by ticket is ten times faster on a big desk.
                self._prepare_intents()
                template = (
                    "(({pred_t.intent}) OR EXISTS (SELECT 1 FROM temp._rules_intents i "
                    "WHERE i.ticket_id = t.id AND {pred_i.intent}))"
                )
            if op == "is_set":
                return _PRED.sub(lambda m: f"COALESCE({m.group(1)}, '') <> ''", template)

            def pred(m: re.Match) -> str:
                params.extend(fold(w) for w in wanted)
                return f"COALESCE(lower({m.group(1)}) IN ({','.join('?' * len(wanted))}), 0)"

            return _PRED.sub(pred, template)
        assert spec.sql is not None
        expr = spec.sql.replace("{now}", str(self.now))
        if op == "is_set":
            return f"COALESCE(({expr}) IS NOT NULL AND ({expr}) <> '', 0)"
        if op == "has_bits":
            params.append(int(value))
            params.append(int(value))
            return f"COALESCE((({expr}) & ?) = ?, 0)"
        if op in {"is", "in"}:
            return " OR ".join(self._eq(spec, expr, v, params) for v in wanted) or "0"
        if op == "contains":
            params.append(fold(value))
            return f"COALESCE(instr(lower({expr}), ?) > 0, 0)"
        sym = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        if spec.kind == "priority":
            ranked = "CASE " + " ".join(f"WHEN {expr} = '{k}' THEN {r}" for k, r in PRIORITY_RANK.items())
            params.append(PRIORITY_RANK[value])
            return f"COALESCE(({ranked} ELSE 1 END) {sym} ?, 0)"
        params.append(value)
        return f"COALESCE(({expr}) {sym} ?, 0)"

    def _eq(self, spec: FieldSpec, expr: str, value: Any, params: list[Any]) -> str:
        if spec.kind == "language":
            params.extend([fold(value), fold(value) + "-"])
            return f"COALESCE(lower({expr}) = ? OR substr(lower({expr}), 1, {len(value) + 1}) = ?, 0)"
        if spec.kind in {"number", "status", "tier", "priority"} or isinstance(value, int | float):
            params.append(value)
            return f"COALESCE(({expr}) = ?, 0)"
        params.append(fold(value))
        return f"COALESCE(lower({expr}) = ?, 0)"


def _buyer_text_chunks(db: sqlite_utils.Database) -> Iterator[tuple[np.ndarray, list[str]]]:
    cursor = db.execute("SELECT ticket_id, body, translation FROM messages WHERE direction = 'in'")
    while True:
        rows = cursor.fetchmany(CHUNK)
        if not rows:
            return
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        texts = [r[1] if not r[2] else f"{r[1]}\n{r[2]}" for r in rows]
        yield ids, texts


def matching_ids(
    db: sqlite_utils.Database,
    vocab: Vocabulary,
    conditions: Conditions,
    now: int,
    groups: Iterable[Conditions] = (),
) -> list[int]:
    """Ids of the tickets meeting ``conditions`` now (a convenience for one condition set)."""
    with BulkEvaluator(db, vocab, now, [conditions, *groups]) as bulk:
        return list(bulk.ticket_ids(conditions))
