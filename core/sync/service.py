"""``desk.sync``: pulling from the marketplaces and sending the outbox, built over one desk's services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossdesk.aftersales import CaseService
from crossdesk.customers import CustomerService
from crossdesk.intake import IntakeService
from crossdesk.models import Actor
from crossdesk.orders import OrderService, Rates
from crossdesk.outbox import OutboxService
from crossdesk.store import Store
from crossdesk.sync.connections import Connections
from crossdesk.sync.engine import ShopResult, SyncEngine
from crossdesk.sync.hosts import rebind
from crossdesk.sync.outbox import DispatchReport, OutboxDispatcher
from crossdesk.tickets import TicketService


class SyncService:
    """Pull from every shop, then send the outbox; the same work as ``crossdesk sync``.

    :meth:`connections`, :meth:`engine` and :meth:`dispatcher` give the parts for finer control (one
    shop, a test against a fake, a private credentials source)."""

    def __init__(
        self,
        store: Store,
        *,
        tickets: TicketService,
        customers: CustomerService,
        orders: OrderService,
        cases: CaseService,
        outbox: OutboxService,
        rates: Rates,
        intake: IntakeService | None = None,
    ) -> None:
        self.store = store
        self.intake = intake
        self.tickets = tickets
        self.customers = customers
        self.orders = orders
        self.cases = cases
        self.outbox = outbox
        self.rates = rates
        #: thread-id prefix -> connector factory per shop, for replies that leave by another channel
        #: than the marketplace's API (``"email"``: wired by the facade to ``desk.mail``)
        self.channels: dict[str, Callable[[Any], Any]] = {}
        #: name -> ``pull(actor)`` for intake that is not a shop's connector (``"mail"``: every mail
        #: account, wired by the facade); run by :meth:`run` after the shops, its result under its name
        self.pullers: dict[str, Callable[[Actor], Any]] = {}
        #: name -> ``pull(actor, connections, shop)`` run by :meth:`run` after each shop's own sync, with
        #: the same connections (``"reviews"``: ``desk.reputation.pull_shop``); results in a list under
        #: its name, one per shop that synced
        self.shop_pullers: dict[str, Callable[[Actor, Connections, dict], Any]] = {}

    def rebind(self, actor: Actor, shop_id: int) -> dict[str, str]:
        """Bind the shop's credentials to the endpoints its config names now (after a deliberate move
        to a sandbox or a new regional host). Needs the settings permission; audited."""
        return rebind(self.store, actor, shop_id)

    def connections(self, **options: Any) -> Connections:
        """Connectors for this desk's shops (``env``, ``credentials_path``, ``credentials`` and
        ``transport`` as :class:`~crossdesk.sync.Connections` takes them). Close it, or use ``with``."""
        return Connections(self.store, **options)

    def engine(self, connections: Connections, **options: Any) -> SyncEngine:
        """The pulling engine over ``connections`` (``actor``, ``max_pages``, ``on_page``)."""
        return SyncEngine(
            self.store,
            connections,
            tickets=self.tickets,
            customers=self.customers,
            orders=self.orders,
            cases=self.cases,
            rates=self.rates,
            intake=self.intake,
            **options,
        )

    def dispatcher(self, connections: Connections, **options: Any) -> OutboxDispatcher:
        """The outbox sender over ``connections`` (``actor``, ``max_attempts``, ``backoff``, ``lease``)."""
        options.setdefault("channels", self.channels)
        return OutboxDispatcher(self.store, connections, outbox=self.outbox, **options)

    def run(
        self,
        actor: Actor,
        *,
        platform: str | None = None,
        shop: str | None = None,
        push: bool = True,
        progress: Callable[[int, int], None] | None = None,
        **connection_options: Any,
    ) -> dict[str, Any]:
        """Sync the matching shops and (unless ``push=False``) send what is due. ``progress(done, total)``
        is called after each shop. Returns ``{"shops": [ShopResult...], "outbox": DispatchReport | None}``,
        each shop puller's results under its name (``"reviews"``: a list, one per shop that synced) and, for
        a run over every shop, each puller's result under its name (``"mail"``)."""
        self.store.require(actor, "manage_settings")
        with self.connections(**connection_options) as conn:
            engine = self.engine(conn, actor=actor)
            shops = conn.shops(platform, shop)
            results: list[ShopResult] = []
            per_shop: dict[str, list[Any]] = {name: [] for name in self.shop_pullers}
            for i, row in enumerate(shops):
                results.append(engine.sync_shop(row))
                if not (results[-1].skipped or results[-1].error):
                    for name, pull_shop in self.shop_pullers.items():
                        per_shop[name].append(pull_shop(actor, conn, row))
                if progress is not None:
                    progress(i + 1, len(shops))
            pulled = (
                {name: pull(actor) for name, pull in self.pullers.items()} if not (platform or shop) else {}
            )
            report: DispatchReport | None = None
            if push:
                report = self.dispatcher(conn, actor=actor).run(platform=platform, shop=shop)
        return {"shops": results, "outbox": report, **per_shop, **pulled}
