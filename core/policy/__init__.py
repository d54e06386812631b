"""Return law and platform return policies, evaluated and explained (**public**, **contract**).

    from datetime import date
    from crossdesk.policy import ReturnQuery, evaluate_return
    verdict = evaluate_return(ReturnQuery(country="DE", delivered=[date(2025, 12, 12)],
                                          requested=date(2025, 12, 29)), pm=desk.pm)
    verdict.eligible, verdict.deadline, verdict.basis, verdict.reasons, verdict.considered

Policies are plugins (hook ``crossdesk_return_policies``): objects with ``id``, ``applies(query)`` and
``evaluate(query) -> Verdict``. The buyer gets the most favourable of every policy that applies (the law of
their country, the platform's policy, the shop's own); all of them are kept in ``considered``. When no law
applies, the answer says so and what is missing; it never presents a guess as law.

Helpers for policy authors: :mod:`crossdesk.policy.periods` (counting per Regulation 1182/71 with public
holidays from the ``holidays`` package) and :class:`StatutoryWithdrawal` (a right of withdrawal as data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from crossdesk.policy.model import FLAGS, PLATFORMS, Policy, QueryError, ReturnQuery, Verdict, gather
from crossdesk.policy.periods import Calendar, Period, add_days, add_months, calendar_for, period_end
from crossdesk.policy.withdrawal import StatutoryWithdrawal, Uninformed, fmt

__all__ = [
    "FLAGS",
    "PLATFORMS",
    "Calendar",
    "Period",
    "Policy",
    "PolicyError",
    "QueryError",
    "ReturnQuery",
    "StatutoryWithdrawal",
    "Uninformed",
    "Verdict",
    "add_days",
    "add_months",
    "calendar_for",
    "evaluate_return",
    "favourability",
    "fmt",
    "load_policies",
    "period_end",
]


class PolicyError(Exception):
    """A policy plugin failed while evaluating; the message names it."""


def load_policies(pm: Any) -> list[Policy]:
    """Every policy the plugins of ``pm`` offer (hook ``crossdesk_return_policies``), first registration of
    an id wins."""
    return gather(pm.hook.crossdesk_return_policies())


def favourability(verdict: Verdict, priority: int = 0) -> tuple:
    """Sort key, larger is better for the buyer: eligible first; then a right with no end (Australia's
    consumer guarantees, a withdrawal before delivery); then the later deadline; then ``priority``."""
    open_ended = verdict.eligible and verdict.deadline is None and not verdict.missing
    deadline = verdict.deadline or dt.date.min
    return (verdict.eligible, open_ended, deadline, priority)


def evaluate_return(
    query: ReturnQuery, *, policies: Iterable[Policy] | None = None, pm: Any = None
) -> Verdict:
    """Judge a return or withdrawal request under every policy that applies.

    Returns the verdict most favourable to the buyer, with every applying policy's own verdict in
    ``considered`` (best first) and its reasons. The policies are ``policies`` (tests, scripts) or those the
    plugins of ``pm`` offer (``desk.pm``, or :func:`crossdesk.plugin_manager.plugins_manager`).
    """
    if not isinstance(query, ReturnQuery):
        raise QueryError(f"expected a ReturnQuery, got {type(query).__name__}")
    if policies is None and pm is None:
        raise TypeError("evaluate_return needs the policies or a plugin manager (pm=desk.pm)")
    found = list(policies) if policies is not None else load_policies(pm)
    ranked: list[tuple[tuple, int, Verdict]] = []
    for index, policy in enumerate(found):
        try:
            if not policy.applies(query):
                continue
            verdict = policy.evaluate(query)
        except QueryError:
            raise
        except Exception as exc:  # a broken plugin must say who it is, not hide in a traceback
            raise PolicyError(f"return policy {getattr(policy, 'id', policy)!r} failed: {exc}") from exc
        if not isinstance(verdict, Verdict):
            raise PolicyError(f"return policy {policy.id!r} returned {type(verdict).__name__}, not a Verdict")
        priority = int(getattr(policy, "priority", 0))
        ranked.append((favourability(verdict, priority), -index, verdict))
    if not any(v.kind == "law" for _, _, v in ranked):
        ranked.append(((False, False, dt.date.min, -1000), -len(found) - 1, _no_law(query)))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
    verdicts = tuple(v for _, _, v in ranked)
    best = verdicts[0]
    others: list[str] = []
    for v in verdicts[1:]:
        others.append(f"also considered: {v.policy} - {v.summary()}")
        if (v.eligible, v.deadline) == (best.eligible, best.deadline) and v.kind == best.kind:
            # The same answer under another text (a national law beside its directive): its citations
            # are as much the reason as the best one's.
            others.extend(f"{v.policy}: {reason}" for reason in v.reasons)
    return best.with_(considered=verdicts, reasons=best.reasons + tuple(others))


def _no_law(query: ReturnQuery) -> Verdict:
    if not query.country:
        return Verdict(
            policy="law.unknown",
            eligible=False,
            deadline=None,
            basis="no law: buyer's country unknown",
            reasons=(
                "the buyer's country is not known, so no statutory right can be stated; "
                "give the country (ISO 3166-1 alpha-2) to evaluate the law",
            ),
            kind="none",
            missing=("country",),
        )
    return Verdict(
        policy="law.unknown",
        eligible=False,
        deadline=None,
        basis=f"no law known for {query.country}",
        reasons=(
            f"no loaded return-law policy covers {query.country}: no statutory right is assumed; check the "
            "law of that country, or install a policy plugin for it",
        ),
        kind="none",
        missing=("law for " + query.country,),
    )
