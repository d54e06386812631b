"""The conversation an agent reads (``desk.conversation``): everything about one ticket in one call.

A front end shows a ticket with its thread, its buyer, its order, its SLA clocks, the rules that fired on
it, knowledge-base suggestions and its latest audit rows. :meth:`ConversationService.view` gathers them
from the services that own each (so the front end holds no query and no rule of its own), and
:meth:`ConversationService.draft` and :meth:`ConversationService.lint` check a reply before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crossdesk.customers import CustomerService
from crossdesk.models import Actor
from crossdesk.orders import OrderService, Rates
from crossdesk.rules import RuleService
from crossdesk.sla import SlaService
from crossdesk.store import Store
from crossdesk.templates import TemplateService
from crossdesk.templates.lint import lint_text
from crossdesk.tickets import TicketService
from crossdesk.tracking.views import timeline

#: Knowledge-base articles suggested beside a ticket and with a template.
KB_SUGGESTIONS = 3
#: Audit rows shown beside a ticket.
AUDIT_ROWS = 8


@dataclass(frozen=True)
class TicketView:
    """One ticket as the agent sees it.

    - ``ticket``: the ticket row with ``messages`` (oldest first), ``tags``, ``shop`` (the shop row) and
      ``assignee`` (the agent's name, "" when unassigned);
    - ``customer``: the buyer (:meth:`CustomerService.summary`: the row and ``lifetime_value_usd``), or None;
    - ``order``: the ticket's order with its ``lines``, or None; ``digits``: its currency's minor digits;
    - ``sla``: :meth:`SlaService.status` (policy, deadlines, pauses);
    - ``firings``: the rules that fired on the ticket, newest first (:meth:`RuleService.firings`);
    - ``kb``: suggested knowledge-base articles (``title``, ``language`` ...);
    - ``audit``: the ticket's newest audit rows;
    - ``shipments``: the parcels of the order and of the ticket's cases, each with its scans
      (:func:`crossdesk.tracking.views.timeline`).
    """

    ticket: dict
    customer: dict | None
    order: dict | None
    digits: int
    sla: dict
    firings: list[dict]
    kb: list[dict]
    audit: list[dict]
    shipments: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Draft:
    """A template filled for one ticket's buyer: the text, the variant's language (``""`` for the default
    text), what the ticket's platform would object to in it, and knowledge-base articles to point to."""

    template: str
    body: str
    language: str
    warnings: list[str] = field(default_factory=list)
    kb: list[dict] = field(default_factory=list)


class ConversationService:
    """Read models of one ticket for the agent, over the services that own each part."""

    def __init__(
        self,
        store: Store,
        tickets: TicketService,
        customers: CustomerService,
        orders: OrderService,
        rates: Rates,
        rules: RuleService,
        sla: SlaService,
        templates: TemplateService,
    ) -> None:
        self.store = store
        self.tickets = tickets
        self.customers = customers
        self.orders = orders
        self.rates = rates
        self.rules = rules
        self.sla = sla
        self.templates = templates

    def view(self, actor: Actor, ticket_id: int) -> TicketView:
        """The ticket with its thread, buyer, order, SLA state, rule firings, KB suggestions and audit."""
        self.store.require(actor, "view")
        ticket = self.tickets.get(actor, ticket_id)
        self.tickets.add_names(actor, [ticket])
        customer = (
            self.customers.summary(actor, ticket["customer_id"])
            if ticket.get("customer_id") is not None
            else None
        )
        order = self.orders.get(actor, ticket["order_id"]) if ticket.get("order_id") is not None else None
        return TicketView(
            ticket=ticket,
            customer=customer,
            order=order,
            digits=self.rates.minor_digits(order["currency"]) if order else 2,
            sla=self.sla.status(actor, ticket_id),
            firings=self.rules.firings(actor, ticket_id),
            kb=self.templates.kb_suggest(actor, ticket_id, limit=KB_SUGGESTIONS),
            audit=self.store.audit_trail(actor, "ticket", ticket_id, limit=AUDIT_ROWS),
            shipments=timeline(
                self.store.db,
                ticket.get("order_id"),
                [r[0] for r in self.store.db.execute("SELECT id FROM cases WHERE ticket_id = ?", [ticket_id])],
            ),
        )

    def lint(self, actor: Actor, ticket_id: int, body: str) -> list[str]:
        """What the ticket's platform would block or penalise in ``body`` (links, e-mail addresses, asking
        for reviews ...), one line each; empty when nothing."""
        self.store.require(actor, "view")
        platform = self.tickets.row(ticket_id)["platform"]
        return [str(finding) for finding in lint_text(body, [platform])]

    def draft(self, actor: Actor, ticket_id: int, template: str) -> Draft:
        """Template ``template`` filled for the ticket's buyer, in their language, with its lint warnings
        and KB suggestions. :class:`~crossdesk.templates.TemplateError` names any placeholder without a
        value."""
        rendered = self.templates.render(actor, template, ticket_id)
        return Draft(
            template=template,
            body=rendered.body,
            language=rendered.language,
            warnings=self.lint(actor, ticket_id, rendered.body),
            kb=self.templates.kb_suggest(actor, ticket_id, limit=KB_SUGGESTIONS),
        )
