"""After-sales read models: a case with everything attached, lists of cases, an order with its cases, the
case actions an actor may take now, and a refund quote (what is left, the suggested amount, whether the goods come back first).

The rules here are the after-sales rules themselves (the states table, the permission of each step, which
case types send goods back), stated once so a front end shows what the service would accept instead of
keeping a copy of its own. The service checks every call again. :class:`~crossdesk.aftersales.CaseService`
serves these through :meth:`~crossdesk.aftersales.CaseService.order_cases` and
:meth:`~crossdesk.aftersales.CaseService.quote`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from crossdesk.aftersales.states import GOODS_COME_BACK, PERMISSIONS, STATES, TRANSITIONS, CaseError
from crossdesk.errors import NotFound
from crossdesk.models import Actor, CaseType, Role
from crossdesk.orders import Rates
from crossdesk.store import Store
from crossdesk.store.permissions import allowed

#: Opening a case: not a transition of the states table, but a step with a permission of its own.
OPEN = "open"
#: Steps that move goods back to the seller: they mean something only where the goods come back.
GOODS_STEPS = frozenset({"issue_label", "ship_back", "receive"})
#: Audit rows shown per case.
AUDIT_ROWS = 6
#: Cases shown per order.
CASES_PER_ORDER = 100


def case_detail(store: Store, case: dict) -> dict:
    """A case row with its lines, refunds, reservations, events, and its verdict and request parsed."""
    case_id = case["id"]
    case["verdict"] = orjson.loads(case["verdict"] or "{}")
    case["request"] = orjson.loads(case["request"] or "{}")
    case["lines"] = store.rows(
        "SELECT cl.*, ol.sku, ol.title, ol.unit_price_minor, ol.quantity AS ordered_quantity "
        "FROM case_lines cl JOIN order_lines ol ON ol.id = cl.order_line_id WHERE cl.case_id = ?",
        [case_id],
    )
    case["refunds"] = store.rows("SELECT * FROM refunds WHERE case_id = ?", [case_id])
    case["reservations"] = store.rows("SELECT * FROM reservations WHERE case_id = ?", [case_id])
    case["events"] = [
        {**r, "data": orjson.loads(r["data"])}
        for r in store.rows("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])
    ]
    return case


def list_cases(
    store: Store,
    *,
    state: str | Iterable[str] | None = None,
    type: str | None = None,
    platform: str | None = None,
    order_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Case rows, oldest request first; ``state`` is one state or several (:class:`CaseError` for a state
    that does not exist)."""
    where, args = [], []
    if state is not None:
        wanted = [state] if isinstance(state, str) else list(state)
        for s in wanted:
            if s not in STATES:
                raise CaseError(f"unknown case state {s!r}; expected one of {', '.join(STATES)}")
        where.append(f"state IN ({','.join('?' * len(wanted))})")
        args += wanted
    for column, value in (("type", type), ("platform", platform), ("order_id", order_id)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    sql = "SELECT * FROM cases" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY requested_at, id LIMIT ? OFFSET ?"
    return store.rows(sql, [*args, limit, offset])


def permitted_actions(role: Role) -> frozenset[str]:
    """The case steps (``open`` included) ``role`` holds the permission for, whatever a case's state."""
    return frozenset(action for action, permission in PERMISSIONS.items() if allowed(role, permission))


def steps_for(permissions: Iterable[str]) -> frozenset[str]:
    """The case steps (``open`` included) an actor holding ``permissions`` may take, whatever a case's
    state: :func:`permitted_actions` for a custom role's set too (``desk.permissions(actor)``)."""
    held = frozenset(permissions)
    return frozenset(action for action, permission in PERMISSIONS.items() if permission in held)


def available_actions(role: Role, case: Mapping[str, Any]) -> frozenset[str]:
    """The steps ``role`` may take on ``case`` now: permitted, allowed from its state, and meaningful for
    its type (goods steps only where the goods come back, a replacement only for an exchange)."""
    out = set()
    for action, (sources, _) in TRANSITIONS.items():
        if case["state"] not in sources or not allowed(role, PERMISSIONS[action]):
            continue
        if action in GOODS_STEPS and case["type"] not in GOODS_COME_BACK:
            continue
        if action == "ship_replacement" and case["type"] != CaseType.EXCHANGE.value:
            continue
        out.add(action)
    return frozenset(out)


def goods_outstanding(case: Mapping[str, Any]) -> bool:
    """Whether the case's goods should come back and have not yet: a refund now is one without return."""
    return case["type"] in GOODS_COME_BACK and case.get("received_at") is None


#: Amounts of 10^15 major units or more are typos (or "1e999"), not refunds; the sync engine's bound too.
MAX_AMOUNT_DIGITS = 15


def parse_amount(text: str, digits: int) -> int:
    """What a person typed as an amount, in minor units: ``"12.50"`` -> 1250 for ``digits`` = 2 (a comma
    works as the point). Decimal, never float. ValueError, in words, for anything else."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount: type a number such as 12.50")
    if value and value.adjusted() >= MAX_AMOUNT_DIGITS:
        raise ValueError(f"{text!r} is far more than any order: type a number such as 12.50")
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise ValueError(f"{text!r} has more than {digits} decimal places")
    return int(minor)


@dataclass(frozen=True)
class RefundQuote:
    """What a refund on one case would be, before anyone types an amount.

    ``left`` is what remains refundable on the order (paid minus every refund so far), ``suggested`` what
    the case still asks for capped by ``left`` (all of ``left`` when the case names no amount), and
    ``without_return`` says that the case's goods should come back and are not back yet, so refunding now
    refunds without the return. Amounts are minor units of ``currency``, which has ``digits`` decimals."""

    case_id: int
    order_id: int
    order_external_id: str
    currency: str
    digits: int
    left: int
    suggested: int
    without_return: bool
    #: The acting agent's refund limit in USD cents (None: no limit), shown before an amount is typed.
    limit_usd_minor: int | None = None
    #: What the case itself still covers: its lines' value (or the smaller amount it asks for, or that
    #: amount alone when it has no lines) minus the refunds already made on the case; 0: it names none.
    case_left: int = 0

    def parse(self, text: str) -> int:
        """An amount typed in the order's currency, in minor units; ValueError (in words) when it is not
        an amount, has too many decimals, or is not more than zero."""
        minor = parse_amount(text, self.digits)
        if minor <= 0:
            raise ValueError("the amount must be more than zero")
        return minor

    def fits(self, amount_minor: int) -> bool:
        """Whether the amount is within what is left to refund (the service checks again)."""
        return 0 < amount_minor <= self.left

    def as_text(self, amount_minor: int) -> str:
        """Minor units as the plain decimal a person would type (``12900`` -> ``"129.00"``)."""
        return f"{Decimal(amount_minor).scaleb(-self.digits):.{self.digits}f}"


def lines_value(store: Store, case_id: int) -> int:
    """What a case's lines are worth at their order price, in minor units (0: the case has no lines)."""
    row = store.db.execute(
        "SELECT COALESCE(SUM(ol.unit_price_minor * cl.quantity), 0) FROM case_lines cl "
        "JOIN order_lines ol ON ol.id = cl.order_line_id WHERE cl.case_id = ?",
        [case_id],
    ).fetchone()
    return int(row[0])


def refund_quote(
    case: Mapping[str, Any],
    order: Mapping[str, Any],
    refunded: int,
    digits: int,
    lines_value: int | None = None,
) -> RefundQuote:
    """The quote for ``case`` on ``order``, of which ``refunded`` minor units are refunded already.

    ``lines_value`` is what the case's lines are worth (None or 0: the case has no lines). The case covers
    its lines, or less when it asks for less (its requested amount), minus the refunds made on it."""
    left = max(0, int(order["total_minor"]) - int(refunded))
    requested = int(case["requested_minor"])
    covered = min(int(lines_value), requested) if lines_value and requested else (lines_value or requested)
    asked = max(0, covered - int(case["refunded_minor"]))
    return RefundQuote(
        case_id=int(case["id"]),
        order_id=int(order["id"]),
        order_external_id=str(order["external_id"]),
        currency=str(order["currency"]),
        digits=digits,
        left=left,
        suggested=min(left, asked or left),
        without_return=goods_outstanding(case),
        case_left=asked,
    )


@dataclass(frozen=True)
class OrderCases:
    """An order (with its lines) and its cases, as the after-sales screen shows them.

    Each case is as :meth:`CaseService.get` returns it, plus ``audit`` (its newest audit rows) and
    ``actions`` (the steps the reading actor may take on it now, sorted). ``digits`` are the minor-unit
    digits of the order's currency."""

    order: dict
    digits: int
    cases: list[dict]


def order_cases(store: Store, rates: Rates, actor: Actor, order_id: int, cases: list[dict]) -> OrderCases:
    """Put together :class:`OrderCases` for ``cases`` (already read, with the view permission checked)."""
    order = store.row("SELECT * FROM orders WHERE id = ?", [order_id])
    if order is None:
        raise NotFound(f"no order #{order_id}")
    order["lines"] = store.rows("SELECT * FROM order_lines WHERE order_id = ? ORDER BY id", [order_id])
    for case in cases:
        case["audit"] = store.audit_trail(actor, "case", case["id"], limit=AUDIT_ROWS)
        case["actions"] = sorted(available_actions(actor.role, case))
    return OrderCases(order=order, digits=rates.minor_digits(order["currency"]), cases=cases)
