"""The lazy command line: ``crossdesk --help`` lists every command from the table without importing the
command modules, the table agrees with the modules, and a command imports only its own module."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from crossdesk.cli import COMMAND_MODULES, cli

MODULES = sorted(COMMAND_MODULES)


def _eager(module: str) -> click.Group:
    """The commands ``module`` registers, on a group of their own."""
    group = click.Group()
    importlib.import_module(f"crossdesk.cli.{module}").register(group)
    return group


def _fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; it prints the crossdesk modules imported, one a line."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport sys\nprint('\\n'.join(m for m in sys.modules if m.startswith('crossdesk')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


@pytest.mark.parametrize("module", MODULES)
def test_the_table_names_every_command_of_each_module(module):
    registered = _eager(module).commands
    assert sorted(registered) == sorted(COMMAND_MODULES[module])
    for name, command in registered.items():
        assert COMMAND_MODULES[module][name] == command.get_short_help_str(10**6), name


def test_every_command_is_reachable_through_the_group():
    owners: dict[str, str] = {}
    for module, names in COMMAND_MODULES.items():
        for name in names:
            assert name not in owners, f"{name} is listed under {owners[name]} and {module}"
            owners[name] = module
    ctx = click.Context(cli)
    for name, module in owners.items():
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert command.callback.__module__ == f"crossdesk.cli.{module}", name
    assert cli.get_command(ctx, "no-such-command") is None


def test_help_lists_every_command_as_the_eager_group_would():
    eager = click.Group(
        name=cli.name,
        help=cli.help,
        params=list(cli.params),
        context_settings=dict(cli.context_settings),
    )
    for module in MODULES:
        for command in _eager(module).commands.values():
            eager.add_command(command)
    lazy = CliRunner().invoke(cli, ["--help"], prog_name="crossdesk", terminal_width=100)
    expected = CliRunner().invoke(eager, ["--help"], prog_name="crossdesk", terminal_width=100)
    assert lazy.exit_code == 0 and lazy.output == expected.output
    for names in COMMAND_MODULES.values():
        for name in names:
            assert f"\n  {name} " in lazy.output


def test_help_imports_no_command_module():
    loaded = _fresh("from crossdesk.cli import main\nmain(['--help'])")
    commands = [m for m in loaded if m.startswith("crossdesk.cli.") and m.split(".")[2] in COMMAND_MODULES]
    assert commands == []
    assert "crossdesk.api" not in loaded and "crossdesk.store" not in loaded


def test_a_command_imports_only_its_own_module():
    loaded = _fresh("from crossdesk.cli import main\nmain(['report', '--help'])")
    commands = {m.split(".")[2] for m in loaded if m.startswith("crossdesk.cli.") and m.count(".") == 2}
    assert "analytics" in commands
    assert commands & set(COMMAND_MODULES) == {"analytics"}
    assert "crossdesk.io" not in loaded and "crossdesk.api" not in loaded


def test_an_unknown_command_is_one_line():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output and "Traceback" not in result.output
