"""The top-level group of the command line, loading each area's module only when one of its commands runs.

``crossdesk --help`` reads the command names and their short help from a table (``COMMAND_MODULES`` in
``crossdesk.cli``) instead of importing every command module and, through them, the facade, the exporter
and the rest: start-up of any one command pays only for its own module. ``tests/cli/test_lazy.py`` checks
the table against the modules (every name reachable, every short help as the command says it).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

from crossdesk.cli.common import CleanErrorGroup


class LazyGroup(CleanErrorGroup):
    """A click group whose commands live in modules named by a table: ``{module: {command: short help}}``.

    A module is imported, and its ``register(group)`` called, the first time one of its commands is asked
    for (to run it, or to show its own help). The group's help lists the table without importing any."""

    def __init__(
        self, *args: Any, modules: Mapping[str, Mapping[str, str]], package: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.modules = modules
        self.package = package
        self._module_of = {name: module for module, names in modules.items() for name in names}
        self._help = {name: text for names in modules.values() for name, text in names.items()}
        self._loaded: set[str] = set()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._module_of, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            module = self._module_of.get(cmd_name)
            if module is not None:
                self.load(module)
        return self.commands.get(cmd_name)

    def load(self, module: str) -> None:
        """Import ``module`` of the package and register its commands (once)."""
        if module in self._loaded:
            return
        importlib.import_module(f"{self.package}.{module}").register(self)
        self._loaded.add(module)

    def load_all(self) -> None:
        """Import every command module (for tools that walk the whole command tree)."""
        for module in self.modules:
            self.load(module)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from the table: no command module is imported."""
        names = self.list_commands(ctx)
        rows = []
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if loaded.hidden:
                    continue
                rows.append((name, loaded.get_short_help_str(limit)))
            else:
                # shortened by click's own rule, as the command itself would be
                rows.append((name, click.Command(name, help=self._help[name]).get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
