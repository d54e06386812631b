"""The ``crossdesk`` command line (click).

Each area keeps its commands in its own module here and is listed in ``COMMAND_MODULES``; a module defines
``register(cli)`` that adds its commands to the group. Command modules import what they need inside each
command, so ``crossdesk --help`` stays fast. Errors a user can cause raise :class:`UserError`
(or ``click.ClickException``) and print one line with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys

import click

from crossdesk.cli import aftersales, automation, data, desk, evaluate, language, rescore, routing, sync, tui
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
    assist_commands,  # draft, summarize, thread, llm usage|budget|bench
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
