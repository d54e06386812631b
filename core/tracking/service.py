"""The tracking service (``desk.tracking``): shipments per order, their provider, refresh and events.

A shipment comes from an order's data (:meth:`TrackingService.discover`), from an agent
(:meth:`TrackingService.add`), or from a return label (:mod:`crossdesk.tracking.labels`). It is registered
with the desk's tracking provider (a ``crossdesk_carriers`` plugin), refreshed by :meth:`refresh` (run by
``crossdesk automate``) within the provider's quota, and by :meth:`webhook`. Every change of state is
stored with the scans that explain it, audited, and raised as an event rules can answer (see
:data:`SHIPMENT_EVENTS`): on each ticket of the order (and of the return's case), else on the shipment.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crossdesk.carriers import (
    DELIVERED,
    EXCEPTION,
    FAILED_ATTEMPT,
    FINAL_STATES,
    RETURNED,
    STATES,
    CarrierError,
    CarrierProvider,
    QuotaExceeded,
    RateLimited,
    TrackInfo,
    TrackRequest,
)
from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store

log = logging.getLogger(__name__)

#: Events raised for rules: shipment_shipped, shipment_delivered, shipment_exception, shipment_stalled,
#: return_received.
SHIPMENT_EVENTS = (
    "shipment_shipped",
    "shipment_delivered",
    "shipment_exception",
    "shipment_stalled",
    "return_received",
)

#: Defaults of the ``tracking`` setting (a dict); ``stall_days`` maps a carrier (lower case) or
#: ``default`` to the days without a scan after which a parcel is stalled.
DEFAULTS: dict[str, Any] = {
    "provider": "",  # the provider to register with; "" = the first one with its keys set
    "label_provider": "",
    "poll_hours": 6,  # how often an open shipment is asked for
    "max_per_run": 200,  # most shipments one refresh asks for (and discovers), whatever the quota says
    "discover_days": 60,  # orders placed this many days back are looked at for a tracking number
    "stall_days": {"default": 5},
    "providers": {},  # per provider: non-secret settings (base_url)
    "return_address": {},
}
SECRET_KEYS = frozenset({"token", "api_key", "key", "secret", "webhook_secret", "password"})


class TrackingError(DeskError):
    """A shipment or provider problem a user can fix; the message says what."""


@dataclass
class RefreshResult:
    discovered: int = 0
    registered: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # number -> why
    checked: int = 0
    changed: int = 0
    stalled: int = 0
    events: dict[str, int] = field(default_factory=dict)
    quota_left: int | None = None
    stopped: str = ""  # why the run stopped early (quota, rate limit, provider down)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class TrackingService:
    """Shipments and their tracking. ``cases`` is the after-sales service (for return labels)."""

    def __init__(self, store: Store, cases: Any = None) -> None:
        self.store = store
        self.cases = cases
        self._providers: dict[str, CarrierProvider] | None = None

    # ---- settings and providers ---------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        out = dict(DEFAULTS)
        out.update(self.store.get_setting("tracking", {}) or {})
        return out

    def configure(self, actor: Actor, **changes: Any) -> dict[str, Any]:
        """Change the ``tracking`` setting; keys never go there (they come from the environment)."""
        self.store.require(actor, "manage_plugins")
        unknown = set(changes) - set(DEFAULTS)
        if unknown:
            raise TrackingError(f"unknown tracking setting(s): {', '.join(sorted(unknown))}")
        for name, block in (changes.get("providers") or {}).items():
            bad = SECRET_KEYS & set(block or {})
            if bad:
                raise TrackingError(
                    f"provider {name!r}: {', '.join(sorted(bad))} is a secret; set it in the environment"
                )
        cfg = self.config()
        cfg.update(changes)
        with self.store.tx():
            self.store.set_setting(actor, "tracking", {k: cfg[k] for k in DEFAULTS})
        self._providers = None
        return cfg

    def providers(self) -> dict[str, CarrierProvider]:
        if self._providers is None:
            found: dict[str, CarrierProvider] = {}
            settings = self.config()["providers"]
            for batch in self.store.pm.hook.crossdesk_carriers():
                for provider in batch or []:
                    provider.configure(dict(settings.get(provider.name) or {}))
                    found.setdefault(provider.name, provider)
            self._providers = found
        return self._providers

    def provider(self, name: str | None = None) -> CarrierProvider:
        providers = self.providers()
        wanted = name or self.config()["provider"]
        if wanted:
            if wanted not in providers:
                raise TrackingError(
                    f"no tracking provider {wanted!r} (installed: {', '.join(providers) or 'none'})"
                )
            return providers[wanted]
        for provider in providers.values():
            if getattr(provider, "tracks", True) and _has_keys(provider):
                return provider
        raise TrackingError(
            "no tracking provider has its keys set ("
            + ", ".join(f"{p.name}: {' '.join(getattr(p, 'credentials', ()))}" for p in providers.values())
            + ")"
        )

    def stall_days(self, carrier: str) -> float:
        table = {str(k).lower(): float(v) for k, v in (self.config()["stall_days"] or {}).items()}
        return table.get(carrier.strip().lower(), table.get("default", 5.0))

    # ---- shipments -----------------------------------------------------------------------------------

    def add(
        self,
        actor: Actor,
        number: str,
        *,
        order_id: int | None = None,
        carrier: str = "",
        kind: str = "outbound",
        case_id: int | None = None,
        source: str = "agent",
        label_url: str = "",
    ) -> dict:
        """Add a shipment (or return the existing one with the same number and carrier). An outbound parcel
        raises ``shipment_shipped`` on the order's tickets."""
        self.store.require(actor, "reply")
        number = "".join(number.split()).upper()
        if not number or len(number) > 40 or not number.isalnum():
            raise TrackingError(f"{number!r} is not a tracking number (letters and digits, at most 40)")
        if kind not in ("outbound", "return"):
            raise TrackingError(f"kind must be outbound or return, not {kind!r}")
        if order_id is not None and self.store.row("SELECT 1 FROM orders WHERE id = ?", [order_id]) is None:
            raise NotFound(f"no order #{order_id}")
        carrier = carrier.strip()
        existing = self.store.row(
            "SELECT * FROM shipments WHERE tracking_number = ? AND carrier = ?", [number, carrier]
        )
        if existing is not None:
            return existing
        now = self.store.now()
        with self.store.tx():
            row = {
                "order_id": order_id,
                "case_id": case_id,
                "kind": kind,
                "tracking_number": number,
                "carrier": carrier,
                "source": source,
                "shipped_at": now,
                "created_at": now,
                "updated_at": now,
                "next_check_at": now,
                "label_url": label_url,
            }
            sid = self.store.insert("shipments", row)
            self.store.audit(actor, "shipment_add", "shipment", sid, None, row)
            if kind == "outbound":
                self._raise(actor, "shipment_shipped", self.store.get("shipments", sid))
        return self.store.get("shipments", sid)

    def discover(self, actor: Actor) -> int:
        """Shipments for the orders (placed in the last ``discover_days``, newest first, at most
        ``max_per_run``) whose data carries a tracking number we do not track yet."""
        cfg = self.config()
        since = self.store.now() - int(float(cfg["discover_days"]) * 86400)
        rows = self.store.db.execute(
            "SELECT o.id, o.tracking_number, o.carrier FROM orders o WHERE o.tracking_number != '' "
            "AND o.ordered_at >= ? AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id "
            "AND s.kind = 'outbound' AND s.tracking_number = o.tracking_number) ORDER BY o.ordered_at DESC LIMIT ?",
            [since, int(cfg["max_per_run"])],
        ).fetchall()
        added = 0
        for order_id, number, carrier in rows:
            try:
                self.add(actor, number, order_id=order_id, carrier=carrier or "", source="order")
                added += 1
            except TrackingError as exc:  # a marketplace sent something that is no tracking number
                log.warning("order #%s: %s", order_id, exc)
        return added

    def get(self, actor: Actor, shipment_id: int) -> dict:
        self.store.require(actor, "view")
        row = self.store.get("shipments", shipment_id)
        row["events"] = self.store.rows(
            "SELECT at, state, description, place FROM shipment_events WHERE shipment_id = ? ORDER BY at, id",
            [shipment_id],
        )
        return row

    def find(self, actor: Actor, ref: str) -> dict:
        """A shipment by id (``#12`` or ``12``) or by tracking number."""
        self.store.require(actor, "view")
        text = ref.strip().lstrip("#")
        row = self.store.row(
            "SELECT id FROM shipments WHERE tracking_number = ? ORDER BY id LIMIT 1",
            ["".join(text.split()).upper()],
        )
        if row is None and text.isdigit():
            row = self.store.row("SELECT id FROM shipments WHERE id = ?", [int(text)])
        if row is None:
            raise NotFound(f"no shipment {ref!r}")
        return self.get(actor, row["id"])

    def list(
        self, actor: Actor, *, state: str | None = None, order_id: int | None = None, limit: int = 100
    ) -> list[dict]:
        self.store.require(actor, "view")
        if state is not None and state not in STATES and state != "stalled":
            raise TrackingError(f"unknown state {state!r}; one of {', '.join(STATES)}, stalled")
        where, args = [], []
        if state == "stalled":
            where.append("stalled_at IS NOT NULL")
        elif state is not None:
            where.append("state = ?")
            args.append(state)
        if order_id is not None:
            where.append("order_id = ?")
            args.append(order_id)
        sql = "SELECT * FROM shipments" + (" WHERE " + " AND ".join(where) if where else "")
        return self.store.rows(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])

    # ---- provider work -------------------------------------------------------------------------------

    def refresh(
        self,
        actor: Actor,
        *,
        ids: Sequence[int] | None = None,
        provider: str | None = None,
        force: bool = False,
    ) -> RefreshResult:
        """One pass: discover shipments in order data, register new ones, ask the provider for those due
        (or ``ids``), within its quota, then mark the stalled. Safe to run as often as you like."""
        self.store.require(actor, "reply")
        result = RefreshResult(discovered=self.discover(actor) if ids is None else 0)
        prov = self.provider(provider)
        cfg = self.config()
        try:
            quota = prov.quota()
            result.quota_left = quota.remaining
            self._register(actor, prov, result)
            now = self.store.now()
            budget = int(cfg["max_per_run"])
            if ids is not None:
                marks = ",".join("?" * len(ids))
                due = self.store.rows(f"SELECT * FROM shipments WHERE id IN ({marks})", list(ids))
            else:
                due = self.store.rows(
                    "SELECT * FROM shipments WHERE registered_at IS NOT NULL AND provider = ? "
                    "AND next_check_at IS NOT NULL AND (next_check_at <= ? OR ?) ORDER BY next_check_at LIMIT ?",
                    [prov.name, now, int(force), budget],
                )
            by_number = {r["tracking_number"]: r for r in due}
            if by_number:
                infos = prov.track([TrackRequest(r["tracking_number"], r["carrier"]) for r in due])
                result.checked = len(due)
                for info in infos:
                    row = by_number.get(info.number)
                    if row is not None and self.apply(actor, row, info):
                        result.changed += 1
                with self.store.tx():
                    later = now + int(float(cfg["poll_hours"]) * 3600)
                    for row in due:  # asked, answered or not: not again before the next poll
                        self.store.db.execute(
                            "UPDATE shipments SET checked_at = ?, next_check_at = ? WHERE id = ? "
                            "AND state NOT IN ('delivered', 'returned', 'expired')",
                            [now, later, row["id"]],
                        )
        except (QuotaExceeded, RateLimited) as exc:
            result.stopped = str(exc)
        except CarrierError as exc:
            if not exc.retryable:
                raise TrackingError(str(exc)) from exc
            result.stopped = str(exc)
        result.stalled = self.check_stalled(actor)
        return result

    def automate(self, actor: Actor) -> dict[str, Any]:
        """The tracking part of ``crossdesk automate``: a refresh when a provider is set up, else only the
        discovery of new shipments and the stall check (no provider call)."""
        if (
            self.store.row("SELECT 1 FROM shipments LIMIT 1") is None
            and self.store.row("SELECT 1 FROM orders WHERE tracking_number != '' LIMIT 1") is None
        ):
            return {}
        try:
            self.provider()
        except TrackingError as exc:
            result = RefreshResult(discovered=self.discover(actor), stopped=str(exc))
            result.stalled = self.check_stalled(actor)
            return result.as_dict()
        return self.refresh(actor).as_dict()

    def _register(self, actor: Actor, prov: CarrierProvider, result: RefreshResult) -> None:
        pending = self.store.rows(
            "SELECT * FROM shipments WHERE registered_at IS NULL AND register_error = '' "
            "AND state NOT IN ('delivered', 'returned', 'expired') ORDER BY id LIMIT ?",
            [prov.batch_size * 5],
        )
        if result.quota_left is not None:
            pending = pending[: max(0, result.quota_left)]
            if not pending and result.quota_left <= 0:
                result.stopped = f"{prov.name}: quota used up"
                return
        if not pending:
            return
        answers = {
            r.number: r
            for r in prov.register([TrackRequest(s["tracking_number"], s["carrier"]) for s in pending])
        }
        now = self.store.now()
        with self.store.tx():
            for s in pending:
                answer = answers.get(s["tracking_number"])
                if answer is None:
                    continue
                if answer.accepted:
                    self.store.update(
                        "shipments",
                        s["id"],
                        {"provider": prov.name, "registered_at": now, "next_check_at": now},
                    )
                    result.registered += 1
                    if result.quota_left is not None and answer.new:
                        result.quota_left -= 1
                elif answer.retryable:  # e.g. the quota ran out meanwhile: stays pending for the next run
                    result.stopped = f"{prov.name}: {answer.error} ({answer.code})"
                else:
                    why = f"{answer.error} ({answer.code})" if answer.code else answer.error
                    self.store.update("shipments", s["id"], {"provider": prov.name, "register_error": why})
                    self.store.audit(
                        actor, "shipment_register_refused", "shipment", s["id"], None, {"error": why}
                    )
                    result.refused[s["tracking_number"]] = why

    def webhook(self, actor: Actor, provider: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Apply a provider's webhook (signature checked by the provider); returns shipments changed.
        A body for a number we do not track changes nothing."""
        prov = self.provider(provider)
        try:
            infos = prov.parse_webhook(body, headers)
        except CarrierError as exc:
            raise TrackingError(str(exc)) from exc
        changed = 0
        for info in infos:
            row = self.store.row(
                "SELECT * FROM shipments WHERE tracking_number = ? ORDER BY id LIMIT 1", [info.number.upper()]
            )
            if row is not None and self.apply(actor, row, info):
                changed += 1
        self.check_stalled(actor)
        return changed

    # ---- state changes -------------------------------------------------------------------------------

    def apply(self, actor: Actor, row: Mapping[str, Any], info: TrackInfo) -> bool:
        """Store what the provider says of one shipment; raise the events its change of state means."""
        if info.state not in STATES:
            raise TrackingError(f"provider state {info.state!r} is not one of {', '.join(STATES)}")
        now = self.store.now()
        with self.store.tx():
            new_events = 0
            for e in info.events:
                new_events += self.store.db.execute(
                    "INSERT OR IGNORE INTO shipment_events (shipment_id, at, state, description, place) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [row["id"], e.at, e.state, e.description[:500], e.place[:200]],
                ).rowcount
            last = info.last
            patch: dict[str, Any] = {"substate": info.substate, "checked_at": now}
            if info.eta is not None:
                patch["eta"] = info.eta
            if last is not None and (row["last_scan_at"] is None or last.at >= row["last_scan_at"]):
                patch.update(
                    last_scan_at=last.at, last_scan=last.description[:500], last_place=last.place[:200]
                )
                if row["stalled_at"] is not None and (
                    row["last_scan_at"] is None or last.at > row["last_scan_at"]
                ):
                    patch["stalled_at"] = None  # moving again
            changed = (
                info.state != row["state"] or new_events > 0 or patch.get("eta", row["eta"]) != row["eta"]
            )
            if info.state != row["state"]:
                patch["state"] = info.state
            if info.state in FINAL_STATES:
                patch["next_check_at"] = None
            first_delivery = info.state == DELIVERED and row["delivered_at"] is None
            if first_delivery:
                patch["delivered_at"] = last.at if last is not None and last.state == DELIVERED else now
            if changed:
                patch["updated_at"] = now
            self.store.update("shipments", row["id"], patch)
            if info.state != row["state"]:
                self.store.audit(
                    actor,
                    "shipment_state",
                    "shipment",
                    row["id"],
                    {"state": row["state"]},
                    {"state": info.state, "substate": info.substate},
                )
                fresh = self.store.get("shipments", row["id"])
                if first_delivery:
                    name = "return_received" if row["kind"] == "return" else "shipment_delivered"
                    self._raise(actor, name, fresh)
                elif info.state in (EXCEPTION, FAILED_ATTEMPT) or (
                    info.state == RETURNED and row["kind"] == "outbound"
                ):
                    self._raise(actor, "shipment_exception", fresh)
        return changed

    def check_stalled(self, actor: Actor) -> int:
        """Mark open shipments with no scan for their carrier's stall window; raise ``shipment_stalled``.
        Only parcels a provider follows: one nobody asks about is not stalled, merely unknown."""
        now = self.store.now()
        rows = self.store.rows(
            "SELECT * FROM shipments WHERE stalled_at IS NULL AND registered_at IS NOT NULL "
            "AND state NOT IN ('delivered', 'returned', 'expired')"
        )
        count = 0
        for row in rows:
            since = row["last_scan_at"] or row["shipped_at"] or row["created_at"]
            if now - since < self.stall_days(row["carrier"]) * 86400:
                continue
            with self.store.tx():
                self.store.update("shipments", row["id"], {"stalled_at": now, "updated_at": now})
                self.store.audit(actor, "shipment_stalled", "shipment", row["id"], None, {"since": since})
                self._raise(actor, "shipment_stalled", self.store.get("shipments", row["id"]))
            count += 1
        return count

    def _raise(self, actor: Actor, name: str, shipment: Mapping[str, Any]) -> None:
        """The event on every ticket of the shipment's order (and its case's), else on the shipment."""
        tickets: set[int] = set()
        if shipment["order_id"] is not None:
            tickets |= {
                r[0]
                for r in self.store.db.execute(
                    "SELECT id FROM tickets WHERE order_id = ?", [shipment["order_id"]]
                )
            }
        if shipment["case_id"] is not None:
            tickets |= {
                r[0]
                for r in self.store.db.execute(
                    "SELECT ticket_id FROM cases WHERE id = ? AND ticket_id IS NOT NULL",
                    [shipment["case_id"]],
                )
            }
        data = {
            "shipment_id": shipment["id"],
            "state": shipment["state"],
            "kind": shipment["kind"],
            "tracking_number": shipment["tracking_number"],
        }
        if not tickets:
            self.store.emit(actor, name, "shipment", shipment["id"], **data)
        for ticket_id in sorted(tickets):
            self.store.emit(actor, name, "ticket", ticket_id, **data)


def _has_keys(provider: Any) -> bool:
    names = getattr(provider, "credentials", ())
    return bool(names) and bool(os.environ.get(names[0]))
