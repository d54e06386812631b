"""Customer segments from every order of the merged buyer: recency, frequency and monetary value (RFM).

Each buyer profile (``merged_into IS NULL``) gets, over a window (default 365 days):

- ``recency_days``: days since the last order (any time, so a lapsed buyer still has one);
- ``frequency``: orders in the window, on every platform;
- ``monetary_usd``: their value in US dollars through the desk's ``rates`` table;
- scores ``r``, ``f``, ``m`` from 1 to 5 against the desk's own distribution: the cut points are the
  20/40/60/80 % quantiles over the buyers with an order in the window (numpy, vectorised), so "top 20 % by
  spend" means this desk's top 20 %, whatever its currency mix or size.

The segment follows from the scores and the seller's thresholds (setting ``customer_segments``, see
:data:`DEFAULTS` and docs/customers.md), checked in this order: lapsed, at-risk, high-value, core, new,
potential. Each segment maps to the ticket tier the queue scores (setting ``segment_tiers``); the tier is
copied to the buyer's tickets, so the queue's ``tier`` column, rules and SLA policies see it.

A full run (:meth:`SegmentService.recompute_all`) stores the cut points; when one order arrives the buyer
alone is recomputed against them (:meth:`SegmentService.recompute`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossdesk.errors import DeskError
from crossdesk.models import Actor, Event, TicketStatus
from crossdesk.orders import Rates
from crossdesk.store import Store

DAY = 86_400
SEGMENTS = ("new", "potential", "core", "high-value", "at-risk", "lapsed")
SETTING = "customer_segments"
TIERS_SETTING = "segment_tiers"
CUTS_SETTING = "customer_segments.cuts"
#: Below this many buyers with an order in the window, an arriving order is scored against the desk's
#: distribution read afresh (cheap there, and the quantiles of a handful of buyers move with every order).
SMALL_DESK = 500
#: Up to this many buyers written at once, their tickets' tiers are all checked (see ``_write``).
FEW = 10_000
#: Orders with these statuses are not spending: they do not count towards frequency or value.
NOT_COUNTED = ("cancelled", "canceled", "voided")

#: The seller's thresholds, and why each default is what it is (docs/customers.md says the same).
DEFAULTS: dict[str, int] = {
    # A year covers every season a seller has (holidays, sales days) once.
    "window_days": 365,
    # A first order in the last 90 days: still inside return windows and the first repeat cycle.
    "new_days": 90,
    # No order for 180 days from a buyer who had been valuable: half a year without the usual repeat.
    "at_risk_days": 180,
    # High-value: the desk's top 20 % by spend in the window (M = 5) and repeat purchases.
    "high_value_m": 5,
    "high_value_orders": 3,
    # Core: bought again within the window.
    "core_orders": 2,
}
#: Segment -> the ticket tier the queue scores (models.Tier: 0 new, 1 potential, 2 core, 3 high-value).
#: At-risk buyers keep a core service (worth winning back); lapsed ones are served like potential buyers.
DEFAULT_TIERS: dict[str, int] = {
    "new": 0,
    "potential": 1,
    "core": 2,
    "high-value": 3,
    "at-risk": 2,
    "lapsed": 1,
}


@dataclass(frozen=True)
class Cuts:
    """The 20/40/60/80 % cut points of recency (days), frequency and value (USD) on the desk."""

    recency: tuple[float, ...]
    frequency: tuple[float, ...]
    monetary: tuple[float, ...]

    def as_dict(self) -> dict[str, list[float]]:
        return {
            "recency": list(self.recency),
            "frequency": list(self.frequency),
            "monetary": list(self.monetary),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cuts:
        return cls(*(tuple(float(x) for x in data[k]) for k in ("recency", "frequency", "monetary")))


@dataclass
class SegmentReport:
    buyers: int
    counts: dict[str, int]
    tickets_retiered: int
    seconds: float

    def __str__(self) -> str:
        parts = ", ".join(f"{self.counts.get(s, 0):,} {s}" for s in SEGMENTS)
        return f"{self.buyers:,} buyers segmented ({parts}); {self.tickets_retiered:,} tickets re-tiered"


def thresholds(values: Mapping[str, Any] | None) -> dict[str, int]:
    """The defaults with the seller's values over them; a clear error for an unknown key or a bad value."""
    out = dict(DEFAULTS)
    for key, value in (values or {}).items():
        if key not in DEFAULTS:
            raise DeskError(f"unknown segment threshold {key!r}; known: {', '.join(DEFAULTS)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DeskError(f"segment threshold {key} must be a positive whole number, not {value!r}")
        out[key] = value
    if out["high_value_m"] > 5:
        raise DeskError("segment threshold high_value_m is a score from 1 to 5")
    if out["new_days"] > out["window_days"] or out["at_risk_days"] > out["window_days"]:
        raise DeskError("new_days and at_risk_days must not be longer than window_days")
    return out


def tier_map(values: Mapping[str, Any] | None) -> dict[str, int]:
    out = dict(DEFAULT_TIERS)
    for key, value in (values or {}).items():
        if key not in DEFAULT_TIERS:
            raise DeskError(f"unknown segment {key!r}; known: {', '.join(SEGMENTS)}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
            raise DeskError(f"the tier of segment {key} must be 0-3, not {value!r}")
        out[key] = value
    return out


def cut_points(recency: np.ndarray, frequency: np.ndarray, monetary: np.ndarray) -> Cuts:
    """Quantile cut points over the buyers active in the window (empty arrays: no cuts, every score 3)."""
    qs = (0.2, 0.4, 0.6, 0.8)

    def cuts(a: np.ndarray) -> tuple[float, ...]:
        return tuple(float(x) for x in np.quantile(a, qs)) if len(a) else ()

    return Cuts(cuts(recency), cuts(frequency), cuts(monetary))


def score(values: np.ndarray, cuts: tuple[float, ...], *, lower_is_better: bool = False) -> np.ndarray:
    """1-5 per value: how many cut points it is above (ties go up), reversed for recency."""
    if not cuts:
        return np.full(len(values), 3, dtype=np.int64)
    if lower_is_better:
        return 5 - np.searchsorted(np.asarray(cuts), values, side="left")
    return 1 + np.searchsorted(np.asarray(cuts), values, side="right")


def classify(
    recency: np.ndarray,
    frequency: np.ndarray,
    first_days: np.ndarray,
    ever: np.ndarray,
    m: np.ndarray,
    t: Mapping[str, int],
) -> np.ndarray:
    """The segment index (into :data:`SEGMENTS`) of each buyer, vectorised; rules in priority order."""
    out = np.full(len(recency), SEGMENTS.index("potential"), dtype=np.int64)
    has = ever > 0
    valuable = (frequency >= t["core_orders"]) | (m >= t["high_value_m"]) | (ever >= t["core_orders"])
    lapsed = has & (recency > t["window_days"])
    at_risk = has & ~lapsed & (recency > t["at_risk_days"]) & valuable
    high = (m >= t["high_value_m"]) & (frequency >= t["high_value_orders"])
    core = frequency >= t["core_orders"]
    new = ~has | (first_days <= t["new_days"])
    # Later assignments lose to earlier rules: assign from the weakest rule to the strongest.
    out[new] = SEGMENTS.index("new")
    out[core] = SEGMENTS.index("core")
    out[high] = SEGMENTS.index("high-value")
    out[at_risk] = SEGMENTS.index("at-risk")
    out[lapsed] = SEGMENTS.index("lapsed")
    return out


def describe(row: dict | None, now: int) -> dict | None:
    """A stored segment row with ``recency_days`` (from ``last_order_at``) and the recency in the reason."""
    if row is None:
        return None
    last = row.get("last_order_at")
    row["recency_days"] = None if last is None else round((now - last) / DAY, 1)
    if last is not None and row.get("reason"):
        row["reason"] = f"{row['reason']}, last order {row['recency_days']:.0f} days ago"
    return row


def reason(row: Mapping[str, Any], t: Mapping[str, int]) -> str:
    """Why a buyer is in their segment, in one line an agent reads."""
    seg = row["segment"]
    if row["orders_total"] == 0:
        return "no order yet"
    figures = (
        f"{row['frequency']} order(s) worth USD {row['monetary_usd']:,.2f} in {t['window_days']} days "
        f"(R{row['r']} F{row['f']} M{row['m']})"
    )
    why = {
        "lapsed": f"no order for more than {t['window_days']} days",
        "at-risk": f"a valuable buyer without an order for more than {t['at_risk_days']} days",
        "high-value": f"top spend (M >= {t['high_value_m']}) and >= {t['high_value_orders']} orders",
        "core": f">= {t['core_orders']} orders in the window",
        "new": f"first order within {t['new_days']} days",
        "potential": "one order, not recent enough to be new",
    }[seg]
    return f"{seg}: {why}; {figures}"


class SegmentService:
    """``desk.segments``: RFM scores and segments of every buyer, in full or one buyer at a time."""

    def __init__(self, store: Store, rates: Rates) -> None:
        self.store = store
        self.rates = rates
        self._paused = 0

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Arriving orders do not re-segment their buyer meanwhile (a bulk import: the file's tiers stay
        until a full run)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    # ---- settings -----------------------------------------------------------------------------------

    def thresholds(self) -> dict[str, int]:
        return thresholds(self.store.get_setting(SETTING))

    def tiers(self) -> dict[str, int]:
        return tier_map(self.store.get_setting(TIERS_SETTING))

    def set_thresholds(self, actor: Actor, values: Mapping[str, Any]) -> dict[str, int]:
        """Set some thresholds (validated first); the rest keep their value. Run a full segment after."""
        merged = {**(self.store.get_setting(SETTING) or {}), **values}
        thresholds(merged)
        self.store.set_setting(actor, SETTING, merged)
        return self.thresholds()

    # ---- computing ----------------------------------------------------------------------------------

    def _figures(self, now: int, window: int, customer_ids: Iterable[int] | None = None) -> dict[str, Any]:
        """Per buyer (sorted ids): last and first order time, orders in the window, their USD, orders ever."""
        db = self.store.db
        if customer_ids is None:
            ids = np.array(
                [r[0] for r in db.execute("SELECT id FROM customers WHERE merged_into IS NULL ORDER BY id")],
                dtype=np.int64,
            )
            where, params = "", []
        else:
            ids = np.array(sorted(set(customer_ids)), dtype=np.int64)
            where = f" AND customer_id IN ({','.join('?' * len(ids))})"
            params = ids.tolist()
        skip = ",".join("?" * len(NOT_COUNTED))
        rows = db.execute(
            f"SELECT customer_id, ordered_at, total_minor, currency FROM orders "
            f"WHERE customer_id IS NOT NULL AND lower(status) NOT IN ({skip}){where}",
            [*NOT_COUNTED, *params],
        ).fetchall()
        n = len(ids)
        if rows:
            cid, at, total, cur = zip(*rows, strict=True)
            cid_a = np.fromiter(cid, dtype=np.int64, count=len(rows))
            at_a = np.fromiter(at, dtype=np.int64, count=len(rows))
            total_a = np.fromiter(total, dtype=np.float64, count=len(rows))
            names, inverse = np.unique(np.asarray(cur, dtype=object).astype(str), return_inverse=True)
            factor = np.array([self.rates.to_usd(10**8, c) / 10**8 for c in names], dtype=np.float64)
            usd = total_a * factor[inverse]
            pos = np.searchsorted(ids, cid_a)
            pos = np.clip(pos, 0, max(n - 1, 0))
            ok = (ids[pos] == cid_a) if n else np.zeros(len(rows), dtype=bool)
            pos, at_a, usd = pos[ok], at_a[ok], usd[ok]
        else:
            pos = np.empty(0, dtype=np.int64)
            at_a = np.empty(0, dtype=np.int64)
            usd = np.empty(0, dtype=np.float64)
        last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.maximum.at(last, pos, at_a)
        np.minimum.at(first, pos, at_a)
        inside = at_a >= now - window * DAY
        ever = np.bincount(pos, minlength=n).astype(np.int64)
        freq = np.bincount(pos[inside], minlength=n).astype(np.int64)
        money = np.bincount(pos[inside], weights=usd[inside], minlength=n)
        has = ever > 0
        recency = np.where(has, (now - last) / DAY, np.nan)
        first_days = np.where(has, (now - first) / DAY, np.nan)
        return {
            "ids": ids,
            "recency": recency,
            "first_days": first_days,
            "freq": freq,
            "money": money,
            "ever": ever,
            "last": last,
        }

    def _segment(self, fig: dict[str, Any], cuts: Cuts, t: Mapping[str, int]) -> dict[str, np.ndarray]:
        has = fig["ever"] > 0
        r = np.where(has, score(np.nan_to_num(fig["recency"]), cuts.recency, lower_is_better=True), 0)
        f = np.where(has, score(fig["freq"], cuts.frequency), 0)
        m = np.where(has & (fig["freq"] > 0), score(fig["money"], cuts.monetary), np.where(has, 1, 0))
        seg = classify(
            np.nan_to_num(fig["recency"], nan=0.0),
            fig["freq"],
            np.nan_to_num(fig["first_days"], nan=0.0),
            fig["ever"],
            m,
            t,
        )
        return {"r": r, "f": f, "m": m, "segment": seg}

    def recompute_all(
        self,
        actor: Actor,
        progress: Callable[[str, int, int], None] | None = None,
        *,
        touch: bool = True,
        now: int | None = None,
    ) -> SegmentReport:
        """Segment every buyer against the desk's distribution now; store the cut points for incremental
        runs, copy the tiers to customers and their tickets (``touch``: bump open tickets' ``updated_at``
        so a live queue re-reads them; a demo build that re-scores afterwards passes False)."""
        import time

        started = time.perf_counter()
        store = self.store
        store.require(actor, "manage_settings")
        t = self.thresholds()
        now = store.now() if now is None else int(now)
        fig = self._figures(now, t["window_days"])
        active = fig["freq"] > 0
        cuts = cut_points(fig["recency"][active], fig["freq"][active], fig["money"][active])
        result = self._segment(fig, cuts, t)
        with store.tx():
            store.put_setting(CUTS_SETTING, {"at": now, "active": int(active.sum()), **cuts.as_dict()})
            retiered = self._write(fig, result, t, now, touch)
            counts = {s: int(np.count_nonzero(result["segment"] == i)) for i, s in enumerate(SEGMENTS)}
            store.audit(
                actor, "customer.segment_all", "desk", None, None, {"buyers": len(fig["ids"]), **counts}
            )
        if progress:
            progress("segments", len(fig["ids"]), len(fig["ids"]))
        return SegmentReport(len(fig["ids"]), counts, retiered, round(time.perf_counter() - started, 3))

    def recompute(self, actor: Actor, customer_ids: Iterable[int], *, touch: bool = True) -> int:
        """Segment these buyers only, against the stored cut points; before the first full run, or on a
        small desk (fewer than :data:`SMALL_DESK` active buyers), against the desk's distribution now
        (read, not written: no other buyer changes)."""
        store = self.store
        ids = sorted({int(c) for c in customer_ids})
        if not ids:
            return 0
        t = self.thresholds()
        now = store.now()
        stored = store.get_setting(CUTS_SETTING)
        if stored is None or stored.get("active", 0) < SMALL_DESK:
            everyone = self._figures(now, t["window_days"])
            active = everyone["freq"] > 0
            cuts = cut_points(
                everyone["recency"][active], everyone["freq"][active], everyone["money"][active]
            )
        else:
            cuts = Cuts.from_dict(stored)
        roots = [
            r[0]
            for r in store.db.execute(
                f"SELECT id FROM customers WHERE merged_into IS NULL AND id IN ({','.join('?' * len(ids))})",
                ids,
            )
        ]
        if not roots:
            return 0
        fig = self._figures(now, t["window_days"], roots)
        result = self._segment(fig, cuts, t)
        with store.tx():
            self._write(fig, result, t, now, touch)
        return len(roots)

    def on_event(self, actor: Actor, event: Event) -> None:
        """Pipeline step: an order arrived or changed; its buyer is segmented again."""
        if self._paused:
            return
        if event.name == "order_upserted" and event.data.get("customer_id") is not None:
            self.recompute(actor, [int(event.data["customer_id"])])

    def _write(self, fig: dict, result: dict, t: Mapping[str, int], now: int, touch: bool) -> int:
        db = self.store.db
        tiers = self.tiers()
        tier_of = np.array([tiers[s] for s in SEGMENTS], dtype=np.int64)
        ids = fig["ids"].tolist()
        # Unchanged rows are not written again: the stored row holds no time-dependent value (recency is
        # read from last_order_at), so a re-run writes only the buyers whose figures or scores moved.
        stored = {}
        if len(ids) > FEW:
            stored = {r[0]: r[1:] for r in db.execute("SELECT customer_id, segment, last_order_at, frequency, monetary_usd, orders_total, r, f, m FROM customer_segments")}
        rows = []
        all_tiers = list(zip(ids, tier_of[result["segment"]].tolist(), strict=True))
        for i, cid in enumerate(ids):
            seg = SEGMENTS[int(result["segment"][i])]
            has = fig["ever"][i] > 0
            row = {
                "segment": seg,
                "last_order_at": int(fig["last"][i]) if has else None,
                "frequency": int(fig["freq"][i]),
                "monetary_usd": round(float(fig["money"][i]), 2),
                "orders_total": int(fig["ever"][i]),
                "r": int(result["r"][i]),
                "f": int(result["f"][i]),
                "m": int(result["m"][i]),
            }
            values = tuple(row.values())
            if stored.get(cid) == values:
                continue
            rows.append((cid, *values, reason(row, t), now))
        db.execute("CREATE TEMP TABLE IF NOT EXISTS _seg_tier (id INTEGER PRIMARY KEY, tier INTEGER)")
        db.execute("DELETE FROM _seg_tier")
        db.conn.executemany(
            "INSERT OR REPLACE INTO customer_segments (customer_id, segment, last_order_at, frequency, "
            "monetary_usd, orders_total, r, f, m, reason, computed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        tiered = all_tiers
        if len(tiered) > FEW:
            # A full run: only the buyers whose tier changes (their tickets follow), not a join over every
            # ticket of the desk. A few buyers (an order, a merge) re-tier all their tickets, moved ones too.
            current = dict(db.execute("SELECT id, tier FROM customers WHERE merged_into IS NULL"))
            tiered = [(cid, tier) for cid, tier in tiered if current.get(cid) != tier]
        db.conn.executemany("INSERT INTO _seg_tier (id, tier) VALUES (?, ?)", tiered)
        # The tier is derived from the orders: the profile's updated_at (an agent's edits) stays as it was.
        db.execute(
            "UPDATE customers SET tier = s.tier FROM _seg_tier s WHERE customers.id = s.id AND customers.tier <> s.tier"
        )
        # Open tickets that change tier are touched so a live queue re-reads them.
        touched = f"CASE WHEN tickets.status < {int(TicketStatus.SOLVED)} THEN max(tickets.updated_at, ?) ELSE tickets.updated_at END"
        cur = db.execute(
            f"UPDATE tickets SET tier = s.tier, updated_at = {touched if touch else 'tickets.updated_at'} "
            "FROM _seg_tier s WHERE tickets.customer_id = s.id AND tickets.tier <> s.tier",
            [now] if touch else [],
        )
        retiered = cur.rowcount
        db.execute("DELETE FROM _seg_tier")
        return retiered

    # ---- reading ------------------------------------------------------------------------------------

    def of(self, actor: Actor, customer_id: int) -> dict | None:
        """The buyer's stored segment row (scores, figures, reason), or None before the first run."""
        self.store.require(actor, "view")
        return describe(
            self.store.row("SELECT * FROM customer_segments WHERE customer_id = ?", [customer_id]), self.store.now()
        )

    def counts(self, actor: Actor) -> dict[str, int]:
        """Buyers per segment (every segment named, zero included)."""
        self.store.require(actor, "view")
        found = dict(
            self.store.db.execute("SELECT segment, count(*) FROM customer_segments GROUP BY segment")
        )
        return {s: int(found.get(s, 0)) for s in SEGMENTS}

    def list(
        self,
        actor: Actor,
        *,
        segment: str | None = None,
        platform: str | None = None,
        country: str | None = None,
        min_value: float | None = None,
        name: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict]:
        """Live buyer profiles with their segment row and platforms, most valuable first, filtered."""
        self.store.require(actor, "view")
        where, args = ["c.merged_into IS NULL"], []
        if segment is not None:
            if segment not in SEGMENTS:
                raise DeskError(f"unknown segment {segment!r}; known: {', '.join(SEGMENTS)}")
            where.append("g.segment = ?")
            args.append(segment)
        if platform is not None:
            where.append(
                "EXISTS (SELECT 1 FROM customer_identities i WHERE i.customer_id = c.id AND i.platform = ?)"
            )
            args.append(platform)
        if country is not None:
            where.append("c.country = ?")
            args.append(country.upper())
        if min_value is not None:
            where.append("g.monetary_usd >= ?")
            args.append(float(min_value))
        if name:
            where.append("c.name LIKE ?")
            args.append(f"%{name}%")
        now = self.store.now()
        rows = self.store.rows(
            "SELECT c.id, c.name, c.country, c.language, c.tier, g.segment, g.r, g.f, g.m, g.frequency, "
            "g.monetary_usd, g.last_order_at, g.reason, "
            "(SELECT group_concat(DISTINCT i.platform) FROM customer_identities i WHERE i.customer_id = c.id) "
            "AS platforms FROM customers c LEFT JOIN customer_segments g ON g.customer_id = c.id "
            f"WHERE {' AND '.join(where)} ORDER BY g.monetary_usd DESC NULLS LAST, c.id LIMIT ? OFFSET ?",
            [*args, int(limit), int(offset)],
        )
        return [describe(r, now) if r["segment"] else r for r in rows]
