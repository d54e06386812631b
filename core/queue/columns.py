"""The queue's column snapshot: which ticket columns are read, their numpy types, and the name -> code
tables that turn intents, platforms and languages into the small ints the score kernel reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossdesk import native
from crossdesk.models import PLATFORM_CODES, TicketStatus
from crossdesk.native import INT64_MAX

OPEN = int(TicketStatus.SOLVED)  # statuses below this are in the queue

#: Columns read per ticket, in this order; NULL deadlines mean "no SLA", a ticket without a buyer message
#: waits since it was created.
SELECT = (
    f"SELECT id, status, COALESCE(sla_due, {INT64_MAX}), COALESCE(last_customer_msg_at, created_at), "
    "order_value_usd, tier, intent, sentiment, platform, escalated, created_at, shop_id, language, "
    "COALESCE(assignee_id, -1) FROM tickets"
)


class Codes:
    """A growing str -> int dictionary; names the static tables do not know get codes past them, which
    the score kernel reads as weight 0."""

    def __init__(self, fixed: dict[str, int]) -> None:
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


@dataclass
class Columns:
    id: np.ndarray
    status: np.ndarray
    sla_due: np.ndarray
    last_customer_msg_at: np.ndarray
    order_value_usd: np.ndarray
    tier: np.ndarray
    intent: np.ndarray
    sentiment: np.ndarray
    platform: np.ndarray
    escalated: np.ndarray
    created_at: np.ndarray
    shop_id: np.ndarray
    language: np.ndarray
    assignee_id: np.ndarray

    def score_cols(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in native.SCORE_COLUMNS}

    def __len__(self) -> int:
        return len(self.id)


DTYPES = {
    "id": np.int64,
    "status": np.int8,
    "sla_due": np.int64,
    "last_customer_msg_at": np.int64,
    "order_value_usd": np.float32,
    "tier": np.int8,
    "intent": np.int16,
    "sentiment": np.float32,
    "platform": np.int8,
    "escalated": np.uint8,
    "created_at": np.int64,
    "shop_id": np.int64,
    "language": np.int16,
    "assignee_id": np.int64,
}


def to_columns(rows: Sequence[tuple], intents: Codes, platforms: Codes, languages: Codes) -> Columns:
    """Rows of ``SELECT`` -> typed columns."""
    names = list(DTYPES)
    if not rows:
        return Columns(**{n: np.empty(0, dtype=DTYPES[n]) for n in names})
    cols = list(zip(*rows, strict=True))
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(names):
        values: Any = cols[i]
        if name == "intent":
            values = intents.many(values)
        elif name == "platform":
            values = platforms.many(values)
        elif name == "language":
            values = languages.many(values)
        dtype = DTYPES[name]
        if dtype in (np.float32,):
            out[name] = np.array(values, dtype=np.float64).astype(dtype)
        elif name in ("tier", "status", "escalated"):
            # Out-of-range codes in a hand-edited row must not wrap around: clip into the column type.
            info = np.iinfo(dtype)
            out[name] = np.clip(np.array(values, dtype=np.int64), info.min, info.max).astype(dtype)
        else:
            out[name] = np.array(values, dtype=dtype)
    return Columns(**out)


def platform_codes() -> Codes:
    # Unknown platforms score as "other" (code 0) but still filter by their own name.
    return Codes(dict(PLATFORM_CODES))


def concat(parts: list[Columns]) -> Columns:
    return Columns(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in DTYPES})


# ---- the batch -------------------------------------------------------------------------------------------
