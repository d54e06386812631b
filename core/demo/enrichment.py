"""After a demo build: let the desk's own engines fill what they own.

The demo writes what a marketplace would send (buyers, orders, messages, the buyer's language) and what
agents did (replies, statuses). Intents, sentiment, threat flags, SLA deadlines and queue priorities are
the outputs of classification, the SLA clocks and the queue; the demo never makes them up. :func:`enrich`
installs the starter templates, optionally loads SLA policies and automation rules, then runs those engines
over the whole desk in the order of the data flow (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from crossdesk.classify import classify_desk
from crossdesk.demo import automation
from crossdesk.demo.history import add_history
from crossdesk.models import Actor
from crossdesk.queue import rescore


def enrich(
    desk: Any,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    sla: Path | None = None,
    rules: Path | None = None,
) -> dict[str, str]:
    """Install the starter templates, load ``sla`` policies and ``rules`` files when given, then classify
    every buyer message, compute SLA deadlines and score the queue. Returns one line per step."""
    actor = Actor.system("demo")
    report: dict[str, str] = {}
    installed = desk.templates.install_starter(actor)
    report["templates"] = f"{installed} starter templates in 13 languages"
    report.update(automation.load(desk, actor, sla=sla, rules=rules))
    report["classify"] = str(classify_desk(desk, actor, progress=progress))
    report["history"] = ", ".join(f"{n:,} {k}" for k, n in add_history(desk, actor).items())
    desk.sla.recompute_all(actor, progress)
    desk.analytics.facts.rebuild(actor)
    clocked = desk.db.execute(
        "SELECT count(*) FROM tickets WHERE status < 4 AND sla_due IS NOT NULL"
    ).fetchone()[0]
    report["sla"] = f"{clocked:,} open tickets with deadlines"
    report["automation"] = automation.fire(desk, actor)
    report["queue"] = str(rescore(desk.store, actor, progress=progress))
    return report
