"""``desk.intake``: the bulk intake service (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crossdesk.errors import DeskError
from crossdesk.intake.parties import upsert_customers, upsert_orders
from crossdesk.intake.phones import normalise as normalise_phone
from crossdesk.intake.threads import Threads, waves
from crossdesk.models import Actor
from crossdesk.orders import Rates
from crossdesk.rules import RuleService
from crossdesk.sla import SlaService
from crossdesk.store import Store

#: Records per batch (one transaction each) that import and sync use by default.
BATCH = 2000


class RowError(DeskError):
    """A record refused by bulk intake; the others of its batch are written."""


class IntakeService:
    """Customers, orders, buyer messages, history and ticket state by the batch.

    Every method takes rows in the shape of the one-record service call it stands for and returns one
    result per row, in order: the outcome, or the :class:`DeskError` that refused that row (nothing of it
    is written). Call inside ``store.tx()`` to make a batch one transaction; each method is its own
    otherwise."""

    def __init__(self, store: Store, rates: Rates, sla: SlaService, rules: RuleService) -> None:
        self.store = store
        self.rates = rates
        self.sla = sla
        self.rules = rules

    def customers(
        self,
        actor: Actor,
        rows: Sequence[Mapping[str, Any]],
        *,
        phones: Callable[[str, str], str] = normalise_phone,
    ) -> list[tuple[int, str] | DeskError]:
        """As ``desk.customers.upsert`` per row: ``(customer_id, "added" | "unchanged")``. ``phones``
        normalises a phone number (an importer passes its :class:`~crossdesk.intake.phones.Ahead`'s)."""
        self.store.require(actor, "manage_settings")
        with self.store.tx():
            return upsert_customers(self.store, actor, rows, phones)

    def orders(
        self, actor: Actor, rows: Sequence[Any], *, checked: bool = False
    ) -> list[tuple[int, str] | DeskError]:
        """As ``desk.orders.upsert`` per row: ``(order_id, "added" | "updated" | "unchanged")``. With
        ``checked`` each row is already the order's row with its lines' rows under ``"lines"``, as
        ``crossdesk.intake.parties.order_row`` makes them from a row it has checked (the importer's record
        checks are the same), and is not checked again."""
        self.store.require(actor, "manage_settings")
        with self.store.tx():
            return upsert_orders(self.store, actor, rows, checked=checked)

    def messages(
        self, actor: Actor, rows: Sequence[Mapping[str, Any]]
    ) -> list[tuple[int, int, bool] | DeskError]:
        """As ``desk.tickets.receive`` per row, in order: ``(ticket_id, message_id, new)``."""
        self.store.require(actor, "manage_settings")
        return self._per_wave(actor, rows, "receive")

    def history(self, actor: Actor, rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, bool] | DeskError]:
        """Replies (``direction`` "out") and notes ("note") stored as history: ``(message_id, new)``."""
        self.store.require(actor, "manage_settings")
        return self._per_wave(actor, rows, "history")

    def restore(self, actor: Actor, rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, bool] | DeskError]:
        """Ticket status and subject from an export, without events: ``(ticket_id, changed)``."""
        self.store.require(actor, "reply")
        return self._per_wave(actor, rows, "restore")

    def threads(self, actor: Actor) -> Threads:
        """The writer of single waves (rows on distinct threads), for callers that cut their own waves
        across kinds of records (the importer); its ``events`` go to :meth:`deliver` afterwards."""
        engine = self.rules.engine
        by_event = engine.ruleset().by_event
        active = bool(by_event.get("ticket_created") or by_event.get("message_received"))
        return Threads(
            self.store,
            self.rates,
            actor,
            sla_recompute=self.sla.recompute,
            sla_active=bool(self.sla.policies()),
            rules_step=self.rules.on_event if active else None,
        )

    def deliver(self, threads: Threads) -> None:
        """Write what ``threads`` still holds of its ticket rows and hand its events to plugin observers
        (after the transaction commits)."""
        threads.flush()
        self.store.defer(threads.events)
        threads.events = []

    def _per_wave(self, actor: Actor, rows: Sequence[Mapping[str, Any]], method: str) -> list:
        results: list = [None] * len(rows)
        with self.store.tx():
            threads = self.threads(actor)
            keys = [(r["platform"], r["shop_id"], str(r.get("thread_id") or "")) for r in rows]
            for wave in waves(keys):
                done = getattr(threads, method)([rows[i] for i in wave])
                for i, result in zip(wave, done, strict=True):
                    results[i] = result
            self.deliver(threads)
        return results
