"""The :class:`Desk` facade: one store session and the services built over it.

The facade is the plugin-facing entry point. It owns nothing but wiring: it opens the store, builds each
service once (on first use) with the services it depends on passed in explicitly, and wires the event
pipeline into the store. Services never reach each other through the facade.

The methods below the services (``desk.reply``, ``desk.upsert_order``...) are the stable names plugins and
scripts have used since the first release; each is one line into its service.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from crossdesk.aftersales import CaseService
from crossdesk.analytics import Analytics
from crossdesk.approvals import ApprovalService
from crossdesk.assist import AssistService
from crossdesk.autorun import ROLLUP_SLICE, AutorunService, Sliced, Waits, automate_summary
from crossdesk.bulk import BulkService
from crossdesk.classify.pipeline import TicketClassifier
from crossdesk.conversation import ConversationService
from crossdesk.customers import CustomerService, MergeService, SegmentService
from crossdesk.drafts import DraftService
from crossdesk.explain import ExplainService
from crossdesk.intake import IntakeService
from crossdesk.language.pipeline import MessageLanguage
from crossdesk.llm import LlmService
from crossdesk.mail.service import MailService
from crossdesk.models import Actor, Event
from crossdesk.notify import NotificationService
from crossdesk.onboarding import OnboardingService
from crossdesk.orders import OrderService, Rates
from crossdesk.outbox import OutboxService
from crossdesk.outreach import OutreachService
from crossdesk.platforms import Action
from crossdesk.plugin_manager import plugins_manager
from crossdesk.queue import QueueService
from crossdesk.reputation import ReputationService
from crossdesk.routing import RoutingService
from crossdesk.rules import RuleService
from crossdesk.shops import ShopService
from crossdesk.sla import SlaService
from crossdesk.store import Store
from crossdesk.store import db as storage
from crossdesk.surveys import SurveyService
from crossdesk.sync import SyncService
from crossdesk.team import ShiftService, TeamService
from crossdesk.templates import TemplateService
from crossdesk.tickets import TicketService
from crossdesk.tracking import TrackingService
from crossdesk.translation import TranslationService

if TYPE_CHECKING:
    import pluggy


class Desk:
    """A desk: its store session and every service over it.

    Services: ``desk.tickets``, ``desk.customers``, ``desk.orders``, ``desk.rates``, ``desk.shops``,
    ``desk.team``, ``desk.outbox``, ``desk.cases``, ``desk.templates``, ``desk.translation``,
    ``desk.rules``, ``desk.sla``, ``desk.queue``, ``desk.routing``, ``desk.analytics``, ``desk.sync``,
    ``desk.bulk``, ``desk.conversation``, ``desk.tracking``, ``desk.mail``, ``desk.llm``, ``desk.assist``. Each follows the same rules: actor first, permission checked first, audit row
    in the same transaction as the change. Customers also have ``desk.segments``, ``desk.merges``, ``desk.surveys`` and ``desk.outreach``.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        pm: pluggy.PluginManager | None = None,
        *,
        clock: Callable[[], float] = time.time,
        path: str | Path | None = None,
    ) -> None:
        self.store = Store(db, pm, pm_factory=plugins_manager, clock=clock, path=path)
        # The data flow, in order: language, classification, SLA clocks, then automation rules. SLA runs
        # before the rules so their conditions see the deadlines; a rule's own change (a priority, a
        # status) raises ``ticket_updated``, which runs the SLA step again with it.
        self.store.steps = [
            MessageLanguage(self.store),
            TicketClassifier(self.store),
            lambda actor, event: self.surveys.on_event(actor, event),
            lambda actor, event: self.sla.on_event(actor, event),
            lambda actor, event: self.rules.on_event(actor, event),
            lambda actor, event: self.routing.on_event(actor, event),  # only with routing.on_intake
            lambda actor, event: self.notifications.on_event(actor, event),  # tell the agents concerned
            lambda actor, event: self.segments.on_event(actor, event),
            lambda actor, event: self.analytics.facts.on_event(actor, event),  # last: sees what rules did
        ]

    # ---- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, pm: pluggy.PluginManager | None = None, **kw: Any) -> Desk:
        """Open the desk at ``path`` (default: ``CROSSDESK_DB`` or the user data dir), migrating it."""
        resolved = storage.default_path() if path is None else path
        return cls(storage.connect(resolved), pm, path=resolved, **kw)

    @classmethod
    def memory(cls, pm: pluggy.PluginManager | None = None, **kw: Any) -> Desk:
        """An in-memory desk (tests, plugin authors' fixtures)."""
        return cls(storage.connect(":memory:"), pm, path=":memory:", **kw)

    def close(self) -> None:
        if "queue" in self.__dict__:  # built: its snapshot may hold a connection of its own
            self.queue.close()
        if "llm" in self.__dict__:
            self.llm.close()
        self.store.close()

    @contextmanager
    def detached(self) -> Iterator[Desk]:
        """A desk for long work in a worker thread (a marketplace sync) that must not hold this desk's
        connection meanwhile: on a desk file, a second desk on the same file, closed afterwards; in memory,
        where no second connection can see the data, this desk itself, held under its store's lock."""
        if self.store.in_memory:
            with self.store.lock:
                yield self
            return
        other = Desk.open(self.path, pm=self.pm, clock=self.clock)
        try:
            yield other
        finally:
            other.close()

    # ---- the session ---------------------------------------------------------------------------------

    @property
    def db(self) -> sqlite_utils.Database:
        return self.store.db

    @property
    def pm(self) -> pluggy.PluginManager:
        """The plugin manager, built on first use so opening a desk stays cheap."""
        return self.store.pm

    @property
    def clock(self) -> Callable[[], float]:
        return self.store.clock

    @property
    def path(self) -> str | Path | None:
        return self.store.path

    def now(self) -> int:
        return self.store.now()

    @property
    def lock(self) -> threading.RLock:
        """The lock of the desk's connection (:attr:`crossdesk.store.Store.lock`): whoever calls the desk
        from several threads holds it around each call."""
        return self.store.lock

    # ---- services ----------------------------------------------------------------------------------

    @cached_property
    def rates(self) -> Rates:
        return Rates(self.store)

    @cached_property
    def shops(self) -> ShopService:
        return ShopService(self.store)

    @cached_property
    def team(self) -> TeamService:
        return TeamService(self.store)

    @cached_property
    def outbox(self) -> OutboxService:
        return OutboxService(self.store)

    @cached_property
    def orders(self) -> OrderService:
        return OrderService(self.store)

    @cached_property
    def customers(self) -> CustomerService:
        return CustomerService(self.store, self.rates)

    @cached_property
    def segments(self) -> SegmentService:
        return SegmentService(self.store, self.rates)

    @cached_property
    def merges(self) -> MergeService:
        return MergeService(self.store, self.segments)

    @cached_property
    def surveys(self) -> SurveyService:
        return SurveyService(self.store, self.tickets)

    @cached_property
    def outreach(self) -> OutreachService:
        return OutreachService(self.store, self.outbox)

    @cached_property
    def tickets(self) -> TicketService:
        return TicketService(self.store, self.rates, self.outbox)

    @cached_property
    def cases(self) -> CaseService:
        return CaseService(self.store, self.rates, self.outbox)

    @cached_property
    def templates(self) -> TemplateService:
        return TemplateService(self.store, self.tickets, self.rates)

    @cached_property
    def translation(self) -> TranslationService:
        return TranslationService(self.store, self.tickets, llm=self.llm)

    @cached_property
    def llm(self) -> LlmService:
        return LlmService(self.store)

    @cached_property
    def assist(self) -> AssistService:
        return AssistService(
            self.store, self.tickets, self.orders, self.templates, self.rates, self.translation, self.llm
        )

    @cached_property
    def rules(self) -> RuleService:
        # Plugin actions and conditions receive the facade (their documented argument); the rule service
        # itself uses only the services it is given.
        return RuleService(self.store, self.tickets, self.templates, self.cases, plugin_desk=self)

    @cached_property
    def sla(self) -> SlaService:
        return SlaService(self.store, plugin_desk=self)

    @cached_property
    def queue(self) -> QueueService:
        return QueueService(self.store, self.tickets)

    @cached_property
    def drafts(self) -> DraftService:
        return DraftService(self.store)

    @cached_property
    def explain(self) -> ExplainService:
        return ExplainService(self.store, self.queue.weights)

    @cached_property
    def notifications(self) -> NotificationService:
        return NotificationService(self.store)

    @cached_property
    def approvals(self) -> ApprovalService:
        return ApprovalService(self.store, self.rates, self.cases, self.tickets)

    @cached_property
    def shifts(self) -> ShiftService:
        return self.team.shifts

    @cached_property
    def routing(self) -> RoutingService:
        return RoutingService(self.store, self.queue, self.tickets, self.team, self.bulk)

    @cached_property
    def analytics(self) -> Analytics:
        return Analytics(self.store, lambda: self.sla)

    @cached_property
    def sync(self) -> SyncService:
        service = SyncService(
            self.store,
            tickets=self.tickets,
            customers=self.customers,
            orders=self.orders,
            cases=self.cases,
            outbox=self.outbox,
            rates=self.rates,
            intake=self.intake,
        )
        service.channels["email"] = lambda shop: self.mail.connector(shop)
        service.pullers["mail"] = lambda actor: self.mail.poll(actor)
        service.shop_pullers["reviews"] = lambda actor, conn, shop: self.reputation.pull_shop(
            actor, conn, shop
        )
        return service

    @cached_property
    def onboarding(self) -> OnboardingService:
        return OnboardingService(
            self.store, self.shops, mail=self.mail, flows=self.pm.hook.crossdesk_binding_flows
        )

    @cached_property
    def reputation(self) -> ReputationService:
        return ReputationService(
            self.store, customers=self.customers, orders=self.orders, tickets=self.tickets, intake=self.intake
        )

    @cached_property
    def tracking(self) -> TrackingService:
        return TrackingService(self.store, self.cases)

    @cached_property
    def autorun(self) -> AutorunService:
        return AutorunService(
            self.store,
            sla=self.sla,
            rules=self.rules,
            translation=self.translation,
            passes=(
                ("parcels", self.tracking.automate),  # within the provider's quota; events feed time rules
                ("handover", Sliced(lambda actor, n: len(self.routing.handover(actor, limit=n)))),
            ),
            later=(  # after the time rules: figures wait, buyers do not
                (
                    "rollups",
                    Sliced(self.analytics.build_rollups, ROLLUP_SLICE, self.analytics.rollups_pending),
                ),
                # SKU quality warnings and the scheduled HTML report, which read those rollups
                ("quality", Waits(self.analytics.automate, on="rollups")),
            ),
        )

    @cached_property
    def intake(self) -> IntakeService:
        return IntakeService(self.store, self.rates, self.sla, self.rules)

    @cached_property
    def bulk(self) -> BulkService:
        return BulkService(self.store, self.tickets, self.templates, self.cases)

    @cached_property
    def conversation(self) -> ConversationService:
        return ConversationService(
            self.store,
            self.tickets,
            self.customers,
            self.orders,
            self.rates,
            self.rules,
            self.sla,
            self.templates,
        )

    @cached_property
    def mail(self) -> MailService:
        return MailService(self.store, tickets=self.tickets, customers=self.customers, orders=self.orders)

    # ---- the session's disciplines ---------------------------------------------------------------------

    def tx(self) -> Any:
        """One atomic unit of work (see :meth:`crossdesk.store.Store.tx`)."""
        return self.store.tx()

    def require(self, actor: Actor, permission: str, *, amount_usd_minor: int | None = None) -> None:
        self.store.require(actor, permission, amount_usd_minor=amount_usd_minor)

    def permissions(self, actor: Actor) -> frozenset[str]:
        """What ``actor`` may do (their custom role's permissions, else their role's): for a front end to
        choose what to offer. Every service checks again."""
        return self.store.permissions(actor)

    def audit(self, actor: Actor, action: str, object_type: str, object_id: int | None,
              before: Any = None, after: Any = None) -> int:  # fmt: skip
        return self.store.audit(actor, action, object_type, object_id, before, after)

    def emit(self, actor: Actor, name: str, object_type: str, object_id: int | None, **data: Any) -> Event:
        return self.store.emit(actor, name, object_type, object_id, **data)

    def audit_trail(self, actor: Actor, object_type: str | None = None, object_id: int | None = None,
                    limit: int = 200) -> list[dict]:  # fmt: skip
        return self.store.audit_trail(actor, object_type, object_id, limit)

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self.store.get_setting(key, default)

    def set_setting(self, actor: Actor, key: str, value: Any) -> None:
        self.store.set_setting(actor, key, value)

    def automate(
        self, actor: Actor, *, budget: float | None = None, translate: bool = False
    ) -> dict[str, Any]:
        """One pass of time-based work, for cron or a systemd timer, through ``desk.autorun`` (locked,
        incremental SLA pass): SLA near-breaches and breaches (raising their events, so rules on them run),
        parcels, shift hand-over, time rules, quality warnings and the scheduled report. ``budget`` None
        runs every task to its end; seconds make it a budgeted run (what did not fit is in ``left``).
        ``translate`` adds the translation backlog. Safe to run as often as you like."""
        return automate_summary(self.autorun.run(actor, budget=budget, translate=translate))

    # ---- the stable names, one line each into their service ---------------------------------------------

    def upsert_shop(self, actor: Actor, **shop: Any) -> int:
        return self.shops.upsert(actor, **shop)

    def shop_id(self, platform: str, external_id: str) -> int:
        return self.shops.id_of(platform, external_id)

    def create_team(self, actor: Actor, name: str, **team: Any) -> int:
        return self.team.create_team(actor, name, **team)

    def create_agent(self, actor: Actor, name: str, *args: Any, **agent: Any) -> int:
        return self.team.create_agent(actor, name, *args, **agent)

    def agents(self, actor: Actor) -> list[dict]:
        return self.team.agents(actor)

    def actor_for(self, name: str) -> Actor:
        return self.team.actor_for(name)

    def upsert_customer(self, actor: Actor, **customer: Any) -> int:
        return self.customers.upsert(actor, **customer)

    def customer(self, actor: Actor, customer_id: int) -> dict:
        return self.customers.profile(actor, customer_id)

    def merge_candidates(self, actor: Actor, customer_id: int, **kw: Any) -> list[tuple[int, float]]:
        return self.customers.merge_candidates(actor, customer_id, **kw)

    def merge_customers(self, actor: Actor, keep_id: int, other_id: int) -> None:
        self.merges.merge(actor, keep_id, other_id)

    def to_usd(self, amount_minor: int, currency: str) -> float:
        return self.rates.to_usd(amount_minor, currency)

    def minor_digits(self, currency: str) -> int:
        return self.rates.minor_digits(currency)

    def upsert_order(self, actor: Actor, **order: Any) -> int:
        return self.orders.upsert(actor, **order)

    def order_id(self, platform: str, shop_id: int, external_id: str) -> int | None:
        return self.orders.id_of(platform, shop_id, external_id)

    def receive_message(self, actor: Actor, **message: Any) -> tuple[int, int, bool]:
        return self.tickets.receive(actor, **message)

    def ticket(self, actor: Actor, ticket_id: int) -> dict:
        return self.tickets.get(actor, ticket_id)

    def tags(self, ticket_id: int) -> list[str]:
        return self.tickets.tags(ticket_id)

    def update_ticket(self, actor: Actor, ticket_id: int, **changes: Any) -> dict:
        return self.tickets.update(actor, ticket_id, **changes)

    def assign(self, actor: Actor, ticket_ids: Iterable[int], agent_id: int | None) -> dict[int, str]:
        return self.bulk.assign(actor, list(ticket_ids), agent_id)

    def add_tags(self, actor: Actor, ticket_id: int, tags: Iterable[str]) -> list[str]:
        return self.tickets.add_tags(actor, ticket_id, tags)

    def remove_tags(self, actor: Actor, ticket_id: int, tags: Iterable[str]) -> list[str]:
        return self.tickets.remove_tags(actor, ticket_id, tags)

    def reply(self, actor: Actor, ticket_id: int, body: str, **kw: Any) -> int:
        return self.tickets.reply(actor, ticket_id, body, **kw)

    def add_note(self, actor: Actor, ticket_id: int, body: str) -> int:
        return self.tickets.add_note(actor, ticket_id, body)

    def enqueue_outbox(self, actor: Actor, action: Action, **where: Any) -> int:
        return self.outbox.enqueue(actor, action, **where)

    def list_tickets(self, actor: Actor, **kw: Any) -> list[dict]:
        return self.tickets.list(actor, **kw)

    def count_tickets(self, actor: Actor, **filters: Any) -> int:
        return self.tickets.count(actor, **filters)
