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
        return gw.call(method, gw.actor, progress=progress)
    return gw.call(method, gw.actor)


# ---- templates ---------------------------------------------------------------------------------------


@dataclass
class Rendered:
    """A template filled for one ticket: the text, the variant's language, lint warnings, KB titles."""

    body: str
    language: str = ""
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


def template_choices(gw: Gateway) -> list[tuple[str, str]]:
    svc = service(gw, "templates")
    listing = _method(svc, "templates", "list", "list_templates", "all")
    rows = gw.call(listing, gw.actor)
    out = []
    for row in rows:
        name = row["name"] if isinstance(row, dict) else getattr(row, "name", str(row))
        langs = row.get("languages") if isinstance(row, dict) else getattr(row, "languages", None)
        label = name + (f"  [{', '.join(langs)}]" if langs else "")
        out.append((name, label))
    return out


def render_template(gw: Gateway, ticket_id: int, name: str) -> Rendered:
    svc = service(gw, "templates")
    render = _method(svc, "templates", "render_for_ticket", "render")
    return _rendered(gw.call(render, gw.actor, name, ticket_id=ticket_id))


def _rendered(result: Any) -> Rendered:
    if isinstance(result, str):
        return Rendered(result)
    get = result.get if isinstance(result, dict) else lambda k, d=None: getattr(result, k, d)
    warnings = [str(w) for w in (get("warnings", None) or get("lint", None) or [])]
    suggestions = [
        (s.get("title") if isinstance(s, dict) else getattr(s, "title", str(s)))
        for s in (get("suggestions", None) or get("kb", None) or [])
    ]
    return Rendered(str(get("body", "")), str(get("language", "") or ""), warnings, suggestions)


def reply_with_template(gw: Gateway, ticket_id: int, name: str) -> str:
    """Fill ``name`` for the ticket's buyer and send it; "ok" or the reason it was not sent."""
    rendered = render_template(gw, ticket_id, name)
    if not rendered.body.strip():
        return "error: the template rendered empty"
    gw.call(gw.desk.reply, gw.actor, ticket_id, rendered.body, language=rendered.language, template=name)
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


def preview_reply(gw: Gateway, ticket_id: int, text: str) -> str:
    svc = service(gw, "translation")
    preview = _method(svc, "translation", "preview_reply")
    result = gw.call(preview, gw.actor, ticket_id, text)
    return result if isinstance(result, str) else str(getattr(result, "text", result))


def translate_incoming(gw: Gateway, ticket_id: int) -> Any:
    svc = service(gw, "translation")
    translate = _method(svc, "translation", "translate_ticket", "translate_incoming")
    return gw.call(translate, gw.actor, ticket_id)


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
    from crossdesk import analytics

    order = gw.call(analytics.order, gw.desk, gw.actor, order_id)
    cases: list[dict] = []
    svc = gw.service("cases")
    if svc is not None:
        listing = _method(svc, "cases", "for_order", "list_cases", "list")
        cases = [_case_dict(c) for c in gw.call(listing, gw.actor, order_id=order_id)]
    return {"order": order, "cases": cases}


def _case_dict(case: Any) -> dict:
    return dict(case) if isinstance(case, dict) else dict(vars(case))


def verdict_text(case: dict) -> str:
    from rich.markup import escape

    verdict = case.get("verdict") or {}
    if isinstance(verdict, str):
        import orjson

        verdict = orjson.loads(verdict) if verdict.strip() else {}
    head = f"[b]Case #{case['id']}[/b] {case['type']} · {case['state']}"
    if case.get("reason"):
        head += f" · reason: {escape(case['reason'])}"
    if not verdict:
        return head + "\n[dim]no policy verdict recorded[/dim]"
    lines = [head]
    outcome = (
        verdict.get("outcome")
        or verdict.get("decision")
        or ("eligible" if verdict.get("eligible") else "not eligible")
    )
    lines.append(
        f"verdict: [b]{escape(str(outcome))}[/b]"
        + (f" · policy {escape(str(verdict['policy']))}" if verdict.get("policy") else "")
    )
    deadline = verdict.get("deadline")
    if deadline:
        from crossdesk.tui.format import when

        lines.append(
            f"deadline: {when(int(deadline)) if isinstance(deadline, int | float) else escape(str(deadline))}"
        )
    for reason in verdict.get("reasons", []):
        lines.append(f"  · {escape(str(reason))}")
    return "\n".join(lines)


def open_case(gw: Gateway, kind: str, order: dict, line: dict, reason: str, ticket_id: int | None) -> Any:
    svc = service(gw, "cases")
    opener = _method(svc, "cases", "open", "open_case")
    return gw.call(
        opener,
        gw.actor,
        kind,
        order_id=order["id"],
        lines=[{"order_line_id": line["id"], "quantity": line["quantity"]}],
        reason=reason,
        ticket_id=ticket_id,
    )


def decide(gw: Gateway, case_id: int, approve: bool, reason: str) -> Any:
    svc = service(gw, "cases")
    if approve:
        return gw.call(_method(svc, "cases", "approve"), gw.actor, case_id)
    return gw.call(_method(svc, "cases", "decline"), gw.actor, case_id, reason=reason)


def refund(gw: Gateway, case_id: int, amount_minor: int, currency: str) -> Any:
    svc = service(gw, "cases")
    return gw.call(
        _method(svc, "cases", "refund"), gw.actor, case_id, amount_minor=amount_minor, currency=currency
    )
