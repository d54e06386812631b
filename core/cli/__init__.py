"""The ``crossdesk`` command line (click).

Each area keeps its commands in its own module here, listed in ``COMMAND_MODULES`` with the names and
short help of its commands; a module defines ``register(cli)`` that adds them to the group. The group
(:class:`~crossdesk.cli.lazy.LazyGroup`) imports a module only when one of its commands is used, and
``crossdesk --help`` lists the table without importing any. Errors a user can cause raise
:class:`UserError` (or ``click.ClickException``) and print one line with a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import sys

import click

from crossdesk import __version__
from crossdesk.cli.common import UserError
from crossdesk.cli.lazy import LazyGroup

#: Modules of crossdesk.cli that add commands: {module: {command: its short help}}. The short help is the
#: first sentence of the command's docstring; tests/cli/test_lazy.py checks both against the modules.
COMMAND_MODULES: dict[str, dict[str, str]] = {
    "desk": {
        "init": "Create a desk database (or bring an existing one up to date).",
        "doctor": "Versions, native backend, database path and schema version, plugins (broken ones too: exit 1).",
        "plugins": "Plugins: name, kind (core, default, third-party), version, hooks, where from, and the broken ones.",
    },
    "data": {
        "import": "Import shops, customers, orders and messages from a JSON Lines FILE.",
        "export": "Export the desk as JSON Lines (the format 'crossdesk import' reads).",
        "demo": "Build a demo desk (an earlier demo at the same path is replaced), then open the TUI on it.",
    },
    "language": {
        "detect": "Print the language of TEXT: its ISO 639-1 code, then the confidence.",
        "translate": "Print TEXT translated into --to.",
        "translate-incoming": "Translate buyer messages not yet in the agent's language (cached; safe to re-run).",
        "translators": "Installed translators, whether each is ready, and the configured order.",
        "glossary": "Terms never translated (brands, products, SKUs) or always translated one way, per shop.",
    },
    "tui": {
        "tui": "Open the agent TUI (inbox, conversation, customer, after-sales, dashboard).",
    },
    "automation": {
        "rules": "Automation rules: dry-run, lint, load, list, firing log.",
        "automate": "Run SLA checks, time rules and the translation backlog once, within a time budget (for cron or a systemd timer).",
        "sla": "SLA policies and clocks.",
        "templates": "Reply templates: list, show, render, lint, install the starter set.",
        "kb": "Knowledge base.",
    },
    "aftersales": {
        "returns": "Return law and platform return policies.",
        "cases": "After-sales cases: returns, exchanges, refunds, cancellations, complaints.",
    },
    "sync": {
        "sync": "Pull orders, buyer messages and returns from the marketplaces, then send the outbox.",
        "outbox": "What crossdesk sends to the marketplaces: list, send, resolve.",
        "sync-rebind": "Send SHOP's credentials to the endpoints its config names now (after moving it to a sandbox or a new host on purpose).",
    },
    "rescore": {
        "rescore": "Re-score every ticket from the database and write the priorities back.",
    },
    "routing": {
        "route": "Route the open, unassigned tickets, best first, to the agents who can take them.",
    },
    "evaluate": {
        "evaluate": "Measure classification and language detection on labelled sets.",
    },
    "customers": {
        "customers": "Buyers merged across platforms: their segments, and merges you confirm or undo.",
    },
    "surveys": {
        "csat": "CSAT and NPS surveys after solved tickets, read from the buyers' replies.",
    },
    "outreach": {
        "outreach": "Campaigns to a segment or filter, within each marketplace's messaging rules.",
    },
    "tracking": {
        "tracking": "Parcels of orders and returns: add, list, show, refresh from the provider, webhooks, labels.",
    },
    "analytics": {
        "report": "Service metrics of the tickets created in a period: first reply (by people; rule replies apart), resolution, reopens, first-contact resolution, SLA achievement, backlog, refunds.",
    },
    "access": {
        "login": "Sign in as agent NAME: the CLI (and the TUI) then act as them until the session expires.",
        "logout": "End this account's session on the desk.",
        "whoami": "Who the command line acts as on this desk, and why.",
        "audit": "The audit trail, newest first.",
    },
    "approvals": {
        "approvals": "Requests waiting for a supervisor: refunds above an agent's limit, returns to approve.",
        "escalate": "Move a ticket up a tier: to a specialist team's queue, or to a supervisor.",
    },
    "serve": {
        "serve": "Serve the agent TUI to browsers; every agent signs in with their password.",
    },
    "team": {
        "team": "Agents' shifts, load and coverage; taking, releasing and moving tickets.",
    },
    "mail": {
        "mail": "The e-mail channel: buyer mail in (IMAP, files), replies out (SMTP).",
    },
    "scale": {
        "reprocess": "Detect, classify and/or score the desk's backlog again (all three when none is named), in partitions: in this process, on a local Dask cluster (--workers N) or on an existing one (--scheduler ADDR).",
    },
    "tickets": {
        "tickets": "List, show, explain and answer tickets.",
    },
    "assist": {
        "draft": "Draft a reply to TICKET_ID in the buyer's language, with a back-translation.",
        "summarize": "A short summary of TICKET_ID's thread in the agent's language.",
        "thread": "TICKET_ID's messages, each buyer message with how much of it was translated and by whom.",
        "llm": "The language model: usage and cost, the daily budget, a bench.",
    },
    "shops": {
        "shops": "Bind shops (consent in the browser, tokens in the vault), list, test and unbind them.",
    },
    "reputation": {
        "reviews": "Reviews and seller feedback: pull them (a negative one opens a ticket), list them, ratings per SKU.",
    },
}

__all__ = ["COMMAND_MODULES", "UserError", "cli", "main"]


@click.group(
    cls=LazyGroup,
    modules=COMMAND_MODULES,
    package=__name__,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="crossdesk")
def cli() -> None:
    """crossdesk: one ranked queue for every marketplace, shop and language you sell in."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``crossdesk`` script."""
    try:
        cli.main(args=argv, prog_name="crossdesk", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
