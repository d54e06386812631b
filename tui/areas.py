"""Calls into the area services that hang off the desk (templates, translation, rules, cases).

Each function takes the gateway and raises :class:`Absent` when the area is not installed on this desk,
so a screen shows "not available on this desk" instead of a traceback or a fake. Functions run inside a
worker thread and hold the desk lock through ``gw.call``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crossdesk.tui.services import AREAS, Gateway


class Absent(Exception):
    """The area service is not installed on this desk."""

    def __init__(self, area: str) -> None:
        self.area = area
        super().__init__(f"{AREAS.get(area, area)}: not available on this desk")


def service(gw: Gateway, area: str) -> Any:
    svc = gw.service(area)
    if svc is None:
        raise Absent(area)
    return svc


def _method(svc: Any, area: str, *names: str) -> Any:
    for name in names:
        fn = getattr(svc, name, None)
        if callable(fn):
            return fn
    raise Absent(area)


def call_with_progress(gw: Gateway, method: Any, progress: Any) -> Any:
    """Call a slow service method, passing ``progress(done, total)`` when it accepts one."""
    import inspect

    try:
        accepts = "progress" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        accepts = False
    if accepts:
        # Services report progress as (phase, done, total) or (done, total); the bar wants the last two.
        return gw.call(method, gw.actor, progress=lambda *args: progress(int(args[-2]), int(args[-1])))
    return gw.call(method, gw.actor)


def sync(gw: Gateway, progress: Any) -> dict[str, Any]:
    """Pull from every shop and send the outbox (``desk.sync``).

    On a desk file the sync runs on a connection of its own, so marketplace round trips never hold the
    lock the screens read through; in memory it shares the desk and its lock."""
    from crossdesk.api import Desk

    desk = gw.desk
    path = desk.path
    if path is None or str(path) == ":memory:":
        return gw.call(desk.sync.run, gw.actor, progress=progress)
    own = Desk.open(path, pm=desk.pm, clock=desk.clock)
    try:
        return own.sync.run(gw.actor, progress=progress)
    finally:
        own.close()


def sync_summary(result: dict[str, Any]) -> str:
    """One line for the agent: shops synced, new messages, errors, outbox sent."""
    shops = result.get("shops") or []
    new = sum(getattr(r, "new", 0) for s in shops for r in (getattr(s, "resources", {}) or {}).values())
    errors = [s for s in shops if getattr(s, "error", None)]
    line = f"{len(shops)} shop(s) synced, {new} new record(s)"
    if errors:
        line += f", {len(errors)} with errors (see `crossdesk sync`)"
    report = result.get("outbox")
    if report is not None:
        counts = report.counts()
        line += f"; outbox: {counts.get('sent', 0)} sent, {counts.get('retrying', 0)} to retry"
    return line


# ---- templates ---------------------------------------------------------------------------------------


@dataclass
class Rendered:
    """A template filled for one ticket: the text, the variant's language, lint warnings, KB titles."""

    body: str
    language: str = ""
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


def template_choices(gw: Gateway) -> list[tuple[str, str]]:
    """(name, label) of the active templates, with the languages each has a variant in."""
    svc = service(gw, "templates")
    out = []
    for row in gw.call(svc.list, gw.actor):
        if not row.get("active", 1):
            continue
        langs = row.get("languages") or []
        label = row["name"] + (f"  ({row['category']})" if row.get("category") else "")
        if langs:
            label += f"  [{', '.join(langs)}]"
        out.append((row["name"], label))
    return out


def lint(gw: Gateway, text: str, platform: str) -> list[str]:
    """What the platform would object to in ``text`` (links, e-mail addresses, off-platform contact...)."""
    service(gw, "templates")
    from crossdesk.templates.lint import lint_text

    return [str(f) for f in lint_text(text, [platform])]


def kb_suggestions(gw: Gateway, ticket_id: int, limit: int = 3) -> list[str]:
    svc = service(gw, "templates")
    return [
        f"{a['title']} [{a['language']}]" for a in gw.call(svc.kb_suggest, gw.actor, ticket_id, limit=limit)
    ]


def render_template(gw: Gateway, ticket_id: int, name: str) -> Rendered:
    """The template in the buyer's language with the ticket's values filled in, plus lint and KB hints."""
    svc = service(gw, "templates")
    rendered = gw.call(svc.render, gw.actor, name, ticket_id)
    platform = gw.call(gw.desk.ticket, gw.actor, ticket_id)["platform"]
    return Rendered(
        rendered.body,
        rendered.language,
        lint(gw, rendered.body, platform),
        kb_suggestions(gw, ticket_id),
    )


def reply_with_template(gw: Gateway, ticket_id: int, name: str) -> str:
    """Fill ``name`` for the ticket's buyer and send it; "ok" (errors raise and are reported per item)."""
    svc = service(gw, "templates")
    gw.call(svc.send, gw.actor, name, ticket_id)
    return "ok"


# ---- rules and translation --------------------------------------------------------------------------


def rule_firings(gw: Gateway, ticket_id: int) -> list[str]:
    """The rules that fired on a ticket, newest first, one line each."""
    from crossdesk.tui.format import when

    svc = service(gw, "rules")
    firings = _method(svc, "rules", "firings")
    out = []
    for f in gw.call(firings, gw.actor, ticket_id):
        if isinstance(f, dict):
            name = f.get("rule_name") or f.get("rule") or "?"
            outcome = f.get("outcome", "")
            out.append(f"{when(f.get('at'))} {name} ({f.get('event', '')}) {outcome}".rstrip())
        else:
            out.append(str(f))
    return out


def sla_status(gw: Gateway, ticket_id: int) -> dict[str, Any]:
    """The ticket's SLA policy, deadlines and pause state (from the SLA service)."""
    svc = service(gw, "sla")
    return gw.call(_method(svc, "sla", "status"), gw.actor, ticket_id)


def preview_reply(gw: Gateway, ticket_id: int, text: str) -> tuple[str, list[str]]:
    """The agent's reply translated into the buyer's language, for the agent to check before sending,
    and warnings (parts no translator covered, which provider answered)."""
    from crossdesk.api import DeskError

    svc = service(gw, "translation")
    preview = gw.call(svc.preview_reply, gw.actor, ticket_id, text)
    if preview.text is None:
        raise DeskError(
            f"no translator could translate the reply ({preview.error or 'no provider'}); write it yourself"
        )
    warnings = []
    if preview.untranslated:
        warnings.append("not translated, check: " + "; ".join(preview.untranslated))
    if preview.provider and preview.source != preview.target:
        warnings.append(f"{preview.source} → {preview.target} by {preview.provider}")
    return preview.text, warnings


def translate_incoming(gw: Gateway, ticket_id: int) -> Any:
    """Translate the ticket's buyer messages into the agent's language (cached, idempotent)."""
    svc = service(gw, "translation")
    return gw.call(svc.translate_incoming, gw.actor, ticket_ids=[ticket_id])


# ---- after-sales ---------------------------------------------------------------------------------------


def parse_amount(text: str, digits: int) -> int:
    """``"12.50"`` -> 1250 minor units (for ``digits`` = 2). Decimal, never float."""
    from decimal import Decimal, InvalidOperation

    cleaned = text.strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    minor = value * (10**digits)
    if minor != minor.to_integral_value():
        raise ValueError(f"{text!r} has more than {digits} decimal places")
    return int(minor)


def order_cases(gw: Gateway, order_id: int) -> dict:
    """The order with its lines and its cases (each with lines and the parsed verdict)."""
    order = gw.call(gw.desk.orders.get, gw.actor, order_id)
    cases: list[dict] = []
    svc = gw.service("cases")
    if svc is not None:
        for row in gw.call(svc.list, gw.actor, order_id=order_id, state=None, limit=100):
            case = gw.call(svc.get, gw.actor, row["id"])
            case["lines_text"] = ", ".join(f"{ln['quantity']}× {ln['sku']}" for ln in case.get("lines", []))
            case["audit"] = gw.call(gw.desk.audit_trail, gw.actor, "case", row["id"], limit=6)
            verdict = case.get("verdict") or {}
            if verdict:
                case["verdict_text"] = ("eligible" if verdict.get("eligible") else "not eligible") + (
                    f" until {verdict['deadline']}" if verdict.get("deadline") else ""
                )
            cases.append(case)
    return {"order": order, "cases": cases}


def allowed_actions(state: str) -> set[str]:
    """Case actions the state machine allows from ``state`` (the service checks again)."""
    from crossdesk.aftersales.states import TRANSITIONS

    return {action for action, (sources, _) in TRANSITIONS.items() if state in sources}


def goods_come_back(case: dict) -> bool:
    from crossdesk.aftersales.states import GOODS_COME_BACK

    return case["type"] in GOODS_COME_BACK and case.get("received_at") is None


def verdict_text(case: dict) -> str:
    """The policy verdict of a case: outcome, deadline, basis and the reasons it cites."""
    from rich.markup import escape

    from crossdesk.tui.format import when

    verdict = case.get("verdict") or {}
    head = f"[b]Case #{case['id']}[/b] {case['type']} · {case['state']}"
    if case.get("reason"):
        head += f" · reason: {escape(case['reason'])}"
    lines = [head]
    if case.get("exception_reason"):
        lines.append(f"[red]exception: {escape(case['exception_reason'])}[/red]")
    if not verdict:
        lines.append("[dim]no policy verdict for this case[/dim]")
        return "\n".join(lines + _audit_lines(case))
    ok = verdict.get("eligible")
    outcome = "[green]eligible[/green]" if ok else "[red]not eligible[/red]"
    deadline = f" until [b]{verdict['deadline']}[/b]" if verdict.get("deadline") else ""
    lines.append(
        f"verdict: {outcome}{deadline} · {escape(str(verdict.get('policy', '')))} · {escape(str(verdict.get('basis', '')))}"
    )
    extra = []
    if verdict.get("return_by"):
        extra.append(f"goods back by {verdict['return_by']}")
    if verdict.get("refund_due"):
        extra.append(f"refund due {verdict['refund_due']}")
    elif verdict.get("refund_days") is not None:
        extra.append(
            f"refund within {verdict['refund_days']} days of {verdict.get('refund_from') or 'notice'}"
        )
    if case.get("refund_due"):
        extra.append(f"refund deadline {when(case['refund_due'])}")
    if verdict.get("missing"):
        extra.append("missing: " + ", ".join(verdict["missing"]))
    if extra:
        lines.append(escape(" · ".join(extra)))
    for reason in verdict.get("reasons", []):
        lines.append(f"  · {escape(str(reason))}")
    lines += _audit_lines(case)
    return "\n".join(lines)


def _audit_lines(case: dict) -> list[str]:
    from rich.markup import escape

    from crossdesk.tui.format import money, when

    rows = case.get("audit") or []
    if not rows:
        return []
    out = ["[b]Audit[/b]"]
    for a in rows:
        after = a.get("after") or {}
        detail = f" → {after['state']}" if isinstance(after, dict) and after.get("state") else ""
        if isinstance(after, dict) and after.get("refunded_minor") and case.get("currency"):
            detail += f", refunded {money(after['refunded_minor'], case['currency'])}"
        out.append(f"  {when(a['at'])} {escape(a['actor'])} ({a['role']}) {a['action']}{escape(detail)}")
    return out


def open_case(
    gw: Gateway, kind: str, order: dict, line: dict, quantity: int, reason: str, ticket_id: int | None
) -> int:
    svc = service(gw, "cases")
    return gw.call(
        svc.open,
        gw.actor,
        type=kind,
        order_id=order["id"],
        items=[{"order_line_id": line["id"], "sku": line["sku"], "quantity": quantity}],
        reason=reason,
        ticket_id=ticket_id,
    )


def decide(gw: Gateway, case_id: int, approve: bool, reason: str) -> Any:
    svc = service(gw, "cases")
    if approve:
        return gw.call(svc.approve, gw.actor, case_id)
    return gw.call(svc.decline, gw.actor, case_id, reason)


def receive(gw: Gateway, case_id: int) -> Any:
    svc = service(gw, "cases")
    return gw.call(svc.receive, gw.actor, case_id)


def refund(gw: Gateway, case_id: int, amount_minor: int, currency: str, without_return: bool) -> int:
    svc = service(gw, "cases")
    return gw.call(
        svc.refund,
        gw.actor,
        case_id,
        amount_minor=amount_minor,
        currency=currency,
        without_return=without_return,
    )


def refundable(gw: Gateway, order: dict) -> int:
    """What is left to refund on the order (the service checks again when refunding)."""
    return gw.call(gw.desk.cases.refundable, gw.actor, order["id"])
