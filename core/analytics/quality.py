"""Quality early warnings per SKU: complaint and return rates, and a spike detector (docs/analytics.md,
"Quality warnings").

For each SKU, overall and per marketplace, the orders placed in the current window (default the last 14
days) are compared with the orders placed in the SKU's own baseline (the 56 days before it); numerator
and denominator come from the same orders, so the windows match:

- complaint rate: orders holding the SKU with a ticket whose intent says the product is at fault
  (damaged, wrong item, not as described), over orders holding the SKU;
- return rate: units of the SKU in return, refund and exchange cases (a unit counted once, at most the
  units ordered), over units of the SKU sold.

The test is exact: given k events now and K before, with exposures n and N (orders or units), the rates
are equal under the null hypothesis, so k follows Binomial(k + K, n / (n + N)); the p-value is
P(X >= k). The exposure now is scaled by the trend of the other SKUs of the same marketplace (now over
before, when above 1 and they hold enough events), so a season in which every product draws more complaints is no one
product's spike. A warning needs at least ``min_count`` events now, a rate now above the trend-adjusted
rate before, and a p-value below ``alpha`` divided by the number of SKU-marketplace pairs tested (those with
``min_count`` events now and a baseline: Bonferroni), so a desk with many SKUs does not warn by chance.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from crossdesk.analytics.sales import SkuSales
from crossdesk.models import Actor
from crossdesk.store import Store

DAY = 86_400
#: Intents that say the product itself is at fault (the ``quality_intents`` setting overrides).
COMPLAINT_INTENTS = ("damaged_item", "wrong_item", "not_as_described")
RETURN_CASES = ("return", "refund", "exchange")
#: complaints per order, returned units per unit sold, negative reviews per review (reviews of the SKU
#: written in the window, pulled by crossdesk.reputation).
KINDS = ("complaints", "returns", "ratings")
DEFAULTS = {"window_days": 14, "baseline_days": 56, "min_count": 3, "alpha": 0.01}


@dataclass
class QualityWarning:
    """A SKU whose complaint or return rate rose beyond chance."""

    kind: str  # complaints | returns | ratings
    sku: str
    platform: str  # '' for every marketplace together
    count_now: int
    base_now: int
    count_before: int
    base_before: int
    rate_now: float
    rate_before: float | None
    p_value: float
    tickets: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f" on {self.platform}" if self.platform else ""
        before = "n/a" if self.rate_before is None else f"{100 * self.rate_before:.1f}%"
        unit = {"complaints": "orders", "returns": "units"}.get(self.kind, "reviews")
        return (
            f"{self.sku}{where}: {self.kind} {100 * self.rate_now:.1f}% now ({self.count_now}/{self.base_now} "
            f"{unit}) vs {before} before ({self.count_before}/{self.base_before}); p = {self.p_value:.2g}; "
            f"tickets {', '.join(f'#{t}' for t in self.tickets[:12])}{' ...' if len(self.tickets) > 12 else ''}"
        )


def binomial_tail(k: int, m: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(m, p), summed exactly in log space."""
    if k <= 0:
        return 1.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(m + 1) - math.lgamma(i + 1) - math.lgamma(m - i + 1) + i * lp + (m - i) * lq
        for i in range(k, m + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def spike_p(k: int, n: float, big_k: int, big_n: float) -> float:
    """One-sided p-value that the rate k/n exceeds the baseline big_k/big_n by chance (conditional
    binomial test of two Poisson rates; ``n`` may be scaled by the desk-wide trend)."""
    if n <= 0 or big_n <= 0:
        return 1.0
    return binomial_tail(k, k + big_k, n / (n + big_n))


#: Events (now and before together) the other SKUs of a marketplace need before their trend is trusted.
TREND_MIN_EVENTS = 10


def _trend(now: dict, before: dict) -> dict[tuple[str, str], float]:
    """Per (sku, marketplace): how the rate of every *other* SKU of the marketplace moved (now over
    before, at least 1; 1 when they hold fewer than ``TREND_MIN_EVENTS`` events). A season in which all
    products draw more complaints is no one product's spike, and a spike does not hide itself by raising
    the trend it is measured against."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0])
    for key, (k, n, _) in now.items():
        totals[key[1]][0] += k
        totals[key[1]][1] += n
    for key, (k, n, _) in before.items():
        totals[key[1]][2] += k
        totals[key[1]][3] += n
    out = {}
    for key in now:
        k, n, _ = now[key]
        big_k, big_n, _ = before.get(key, [0, 0, []])
        tk, tn, tbk, tbn = totals[key[1]]
        rk, rn, rbk, rbn = tk - k, tn - n, tbk - big_k, tbn - big_n
        ok = rn > 0 and rbn > 0 and rbk > 0 and rk + rbk >= TREND_MIN_EVENTS
        out[key] = max(1.0, (rk / rn) / (rbk / rbn)) if ok else 1.0
    return out


class Quality:
    """``desk.analytics.quality``: rates per SKU and the spike detector."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._memo: dict[tuple, dict] = {}

    def settings(self) -> dict[str, Any]:
        return {**DEFAULTS, **(self.store.get_setting("quality_warnings", None) or {})}

    def _intents(self) -> tuple[str, ...]:
        return tuple(self.store.get_setting("quality_intents", None) or COMPLAINT_INTENTS)

    @property
    def sales(self) -> SkuSales:
        """The per-day SKU counts, for the complaint intents in force."""
        return SkuSales(self.store, self._intents())

    def _counts(self, start: int, end: int) -> dict[str, dict]:
        """Per kind: {(sku, platform): [events, exposure, ticket ids]} for the orders placed in
        [start, end) (platform '' holds every marketplace together). Kept while the desk is unchanged, so
        ``rates`` and ``detect`` one after the other count each window once."""
        db = self.store.db
        self.sales.try_refresh()  # before the version: its writes would change it
        version = (
            start,
            end,
            tuple(self._intents()),
            db.conn.total_changes,
            db.execute("PRAGMA data_version").fetchone()[0],
        )
        if version not in self._memo:
            if len(self._memo) > 8:
                self._memo.clear()
            self._memo[version] = self._count(start, end)
        return self._memo[version]

    def _count(self, start: int, end: int) -> dict[str, dict]:
        out: dict[str, dict] = {"complaints": {}, "returns": {}, "ratings": {}}
        for sku, platform, reviews, negative in self.store.db.execute(
            "SELECT sku, platform, COUNT(*), SUM(negative) FROM reviews WHERE sku != '' AND kind = 'product_review' "
            "AND created_at >= ? AND created_at < ? GROUP BY 1, 2",
            [start, end],
        ):
            for key in ((sku, platform), (sku, "")):
                r = out["ratings"].setdefault(key, [0, 0, []])
                r[0] += int(negative or 0)
                r[1] += reviews
        for (sku, platform), (orders, units, complaints, returned) in self.sales.counts(start, end).items():
            for key in ((sku, platform), (sku, "")):
                c = out["complaints"].setdefault(key, [0, 0, []])
                c[0] += complaints
                c[1] += orders
                r = out["returns"].setdefault(key, [0, 0, []])
                r[0] += returned
                r[1] += units
        return out

    def tickets(self, kind: str, skus: list[str], start: int, end: int) -> dict[tuple[str, str], list[int]]:
        """The tickets behind the complaints (tickets of a complaint intent on the SKU's orders) or returns
        (tickets of its return, refund and exchange cases) of ``skus``, for the orders placed in [start,
        end): {(sku, platform): ids} (platform '' for all). One query for all the warnings of a kind."""
        if not skus:
            return {}
        marks = ",".join("?" * len(skus))
        if kind == "ratings":
            sql = (
                "SELECT sku, platform, ticket_id FROM reviews WHERE negative = 1 AND ticket_id IS NOT NULL "
                "AND kind = 'product_review' "
                f"AND created_at >= ? AND created_at < ? AND sku IN ({marks})"
            )
            args: list[Any] = [start, end, *skus]
        elif kind == "complaints":
            intents = self._intents()
            sql = (
                "SELECT l.sku, o.platform, t.id FROM tickets t CROSS JOIN orders o ON o.id = t.order_id "
                f"CROSS JOIN order_lines l ON l.order_id = o.id WHERE t.intent IN ({','.join('?' * len(intents))}) "
                f"AND o.ordered_at >= ? AND o.ordered_at < ? AND l.sku IN ({marks})"
            )
            args = [*intents, start, end, *skus]
        else:
            sql = (
                "SELECT l.sku, o.platform, c.ticket_id FROM cases c CROSS JOIN case_lines cl ON cl.case_id = c.id "
                "CROSS JOIN order_lines l ON l.id = cl.order_line_id CROSS JOIN orders o ON o.id = l.order_id "
                f"WHERE c.type IN ({','.join('?' * len(RETURN_CASES))}) AND c.ticket_id IS NOT NULL "
                f"AND o.ordered_at >= ? AND o.ordered_at < ? AND l.sku IN ({marks})"
            )
            args = [*RETURN_CASES, start, end, *skus]
        out: dict[tuple[str, str], set[int]] = defaultdict(set)
        for sku, platform, tid in self.store.db.execute(sql, args):
            out[(sku, platform)].add(tid)
            out[(sku, "")].add(tid)
        return {key: sorted(ids) for key, ids in out.items()}

    def rates(self, actor: Actor, *, now: int | None = None) -> list[dict[str, Any]]:
        """Complaint and return rates of every SKU (all marketplaces), now and before."""
        self.store.require(actor, "view")
        cfg = self.settings()
        end = self.store.now() if now is None else now
        start = end - cfg["window_days"] * DAY
        now_c, before_c = self._counts(start, end), self._counts(start - cfg["baseline_days"] * DAY, start)
        skus = sorted(
            {k[0] for kind in now_c.values() for k in kind}
            | {k[0] for kind in before_c.values() for k in kind}
        )
        rows = []
        for sku in skus:
            row: dict[str, Any] = {"sku": sku}
            for kind in KINDS:
                k, n, _ = now_c[kind].get((sku, ""), [0, 0, []])
                big_k, big_n, _ = before_c[kind].get((sku, ""), [0, 0, []])
                row[kind] = {
                    "now": k,
                    "of_now": n,
                    "rate_now": k / n if n else None,
                    "before": big_k,
                    "of_before": big_n,
                    "rate_before": big_k / big_n if big_n else None,
                }
            rows.append(row)
        return rows

    def detect(self, actor: Actor, *, now: int | None = None) -> list[QualityWarning]:
        """The SKUs (overall and per marketplace) whose complaint or return rate spiked in the window."""
        self.store.require(actor, "view")
        cfg = self.settings()
        end = self.store.now() if now is None else now
        start = end - int(cfg["window_days"]) * DAY
        now_c = self._counts(start, end)
        before_c = self._counts(start - int(cfg["baseline_days"]) * DAY, start)
        warnings = []
        for kind in KINDS:
            # Only pairs with enough events now and a baseline are tested, and only they share alpha.
            tested = [
                key
                for key, (k, n, _) in now_c[kind].items()
                if k >= int(cfg["min_count"]) and n > 0 and before_c[kind].get(key, [0, 0])[1] > 0
            ]
            level = float(cfg["alpha"]) / max(1, len(tested))
            trend = _trend(now_c[kind], before_c[kind])
            found = []
            for key in sorted(tested):
                k, n, _ = now_c[kind][key]
                big_k, big_n, _ = before_c[kind][key]
                rate_now, rate_before = k / n, big_k / big_n
                if rate_now <= rate_before * trend[key]:
                    continue
                p = spike_p(k, n * trend[key], big_k, big_n)
                if p < level:
                    found.append(
                        QualityWarning(kind, key[0], key[1], k, n, big_k, big_n, rate_now, rate_before, p)
                    )
            ids = self.tickets(kind, sorted({w.sku for w in found}), start, end)
            for w in found:
                w.tickets = ids.get((w.sku, w.platform), [])
            warnings += found
        return warnings

    def check(self, actor: Actor) -> list[QualityWarning]:
        """Detect, store each warning once per day, and raise ``quality_warning`` on each of its tickets
        (rules on that event can notify or tag). Returns the new warnings."""
        self.store.require(actor, "manage_rules")
        now = self.store.now()
        tz = self.store.get_setting("timezone", None) or "UTC"
        from zoneinfo import ZoneInfo

        day = dt.datetime.fromtimestamp(now, ZoneInfo(tz)).date().isoformat()
        cfg = self.settings()
        new = []
        # the SKU days are brought up to date in their own transaction first: inside the one below a failed
        # write (a full disk) would end it under the savepoint, and the error would be about the savepoint
        self.sales.try_refresh()
        with self.store.tx():
            for w in self.detect(actor, now=now):
                inserted = self.store.db.execute(
                    "INSERT OR IGNORE INTO quality_warnings (kind, sku, platform, day, window_start, window_end, "
                    "count_now, base_now, count_before, base_before, rate_now, rate_before, p_value, tickets, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        w.kind,
                        w.sku,
                        w.platform,
                        day,
                        now - int(cfg["window_days"]) * DAY,
                        now,
                        w.count_now,
                        w.base_now,
                        w.count_before,
                        w.base_before,
                        w.rate_now,
                        w.rate_before,
                        w.p_value,
                        orjson.dumps(w.tickets).decode(),
                        now,
                    ],
                ).rowcount
                if not inserted:
                    continue
                new.append(w)
                self.store.audit(actor, "quality.warning", "sku", None, None, w.as_dict())
                for tid in w.tickets:
                    self.store.emit(
                        actor,
                        "quality_warning",
                        "ticket",
                        tid,
                        kind=w.kind,
                        sku=w.sku,
                        platform=w.platform,
                        p_value=w.p_value,
                    )
        return new

    def recent(self, actor: Actor, *, days: int = 7) -> list[QualityWarning]:
        """The warnings ``crossdesk automate`` stored in the last ``days``, the newest of each SKU,
        marketplace and kind (what the dashboard lists without recomputing them)."""
        self.store.require(actor, "view")
        rows = self.store.rows(
            "SELECT * FROM quality_warnings WHERE created_at >= ? ORDER BY created_at DESC, id DESC",
            [self.store.now() - days * DAY],
        )
        seen, out = set(), []
        for r in rows:
            key = (r["kind"], r["sku"], r["platform"])
            if key in seen:
                continue
            seen.add(key)
            out.append(
                QualityWarning(
                    r["kind"],
                    r["sku"],
                    r["platform"],
                    r["count_now"],
                    r["base_now"],
                    r["count_before"],
                    r["base_before"],
                    r["rate_now"],
                    r["rate_before"],
                    r["p_value"],
                    orjson.loads(r["tickets"]),
                )
            )
        return out

    def warnings(self, actor: Actor, *, limit: int = 50) -> list[dict[str, Any]]:
        """The stored warnings, newest first."""
        self.store.require(actor, "view")
        rows = self.store.rows(
            "SELECT * FROM quality_warnings ORDER BY created_at DESC, id DESC LIMIT ?", [limit]
        )
        for row in rows:
            row["tickets"] = orjson.loads(row["tickets"])
        return rows
