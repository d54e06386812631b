"""The ``crossdesk`` command line (click).

Each area keeps its commands in its own module here and is listed in ``COMMAND_MODULES``; a module defines
``register(cli)`` that adds its commands to the group. Command modules import what they need inside each
command, so ``crossdesk --help`` stays fast. Errors a user can cause raise :class:`UserError`
(or ``click.ClickException``) and print one line with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys

import click

import crossdesk.cli.customers as customers
import crossdesk.cli.outreach as outreach
import crossdesk.cli.surveys as surveys
from crossdesk.cli import (
    access,
    aftersales,
    approvals,
    automation,
    data,
    desk,
    evaluate,
    language,
    mail,
    reputation,
    rescore,
    routing,
    scale,
    serve,
    shops,
    sync,
    team,
    tickets,
    tracking,
    tui,
)
from crossdesk.cli import analytics as analytics_cli
from crossdesk.cli import assist as assist_commands
from crossdesk.cli.common import UserError, main_group

#: Modules of crossdesk.cli that add commands. Keep one line per area.
COMMAND_MODULES = (
    desk,  # init, doctor, plugins
    data,  # import, export, demo
    language,  # detect, translate, translate-incoming, translators
    tui,  # tui
    automation,  # rules test|lint|load, automate, sla, templates, kb
    aftersales,  # returns evaluate, cases list|show|open|act|report|stock
    sync,  # sync, outbox list|send|resolve
    rescore,  # rescore
    routing,  # route
    evaluate,  # evaluate classify|language
    customers,  # customers list|show|segment|segments|suggestions|merge|reject|unmerge
    surveys,  # csat send|list|report
    outreach,  # outreach plan|send|consent
    tracking,  # tracking add|list|show|refresh|webhook|label|configure
    analytics_cli,  # report
    access,  # login, logout, whoami, audit
    approvals,  # approvals list|refund|request-return|approve|decline, escalate
    serve,  # serve (the TUI in a browser)
    team,  # team load|coverage|shifts|leave|take|release|move|handover|skills-timeout
    mail,  # mail add|list|test|poll|import|show
    scale,  # reprocess
    tickets,  # tickets list|show|explain|reply
    assist_commands,  # draft, summarize, thread, llm usage|budget|bench
    shops,  # shops add|list|test|remove
    reputation,  # reviews pull|list|ratings
)

__all__ = ["UserError", "cli", "main"]


def _build() -> click.Group:
    for module in COMMAND_MODULES:
        module.register(main_group)
    return main_group


cli = _build()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``crossdesk`` script."""
    try:
        cli.main(args=argv, prog_name="crossdesk", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
