"""crossdesk.testing's fixtures register the plugin under test once, whether or not it is also installed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pluggy
import pytest

from crossdesk import hookimpl
from crossdesk.models import RuleCondition
from crossdesk.plugin_manager import plugins_manager
from crossdesk.testing import make_desk, plugin_registered


class Weekend:
    """A plugin object: one rule condition."""

    @hookimpl
    def crossdesk_rule_conditions(self) -> list[RuleCondition]:
        return [RuleCondition("weekend", lambda desk, ticket: False, "never, in tests")]


WEEKEND = Weekend()


@pytest.fixture
def crossdesk_plugins() -> list[object]:
    """Overridden here as a plugin author does in their conftest.py."""
    return [WEEKEND]


def _conditions(pm: pluggy.PluginManager) -> list[str]:
    return [c.name for answer in pm.hook.crossdesk_rule_conditions() for c in answer]


def test_crossdesk_plugins_are_registered_on_the_desk(crossdesk_desk) -> None:
    assert crossdesk_desk.pm.is_registered(WEEKEND)
    assert _conditions(crossdesk_desk.pm) == ["weekend"]
    # The installed plugins are there too.
    assert crossdesk_desk.pm.get_plugin("policy_de") is not None


def test_plugin_registered_leaves_an_already_registered_plugin_alone(crossdesk_desk) -> None:
    with plugin_registered(crossdesk_desk.pm, WEEKEND) as plugin:
        assert plugin is WEEKEND and _conditions(crossdesk_desk.pm) == ["weekend"]
    assert crossdesk_desk.pm.is_registered(WEEKEND)  # it was the desk's before the block: still is


def test_an_installed_instance_of_the_same_class_steps_aside_for_the_block(crossdesk_desk) -> None:
    pm = crossdesk_desk.pm
    name = pm.get_name(WEEKEND)
    mine = Weekend()
    with plugin_registered(pm, mine):
        assert pm.is_registered(mine) and not pm.is_registered(WEEKEND)
        assert _conditions(pm) == ["weekend"]  # once, not twice
    assert pm.is_registered(WEEKEND) and not pm.is_registered(mine) and pm.get_name(WEEKEND) == name


def test_a_module_of_the_same_name_is_not_registered_twice() -> None:
    def module() -> types.ModuleType:
        mod = types.ModuleType("crossdesk_weekend")

        @hookimpl
        def crossdesk_rule_conditions() -> list[RuleCondition]:
            return [RuleCondition("weekend", lambda desk, ticket: False)]

        mod.crossdesk_rule_conditions = crossdesk_rule_conditions  # type: ignore[attr-defined]
        return mod

    installed, reloaded = module(), module()
    desk = make_desk(installed, builtins=False)
    with plugin_registered(desk.pm, reloaded):
        assert _conditions(desk.pm) == ["weekend"]
    assert desk.pm.is_registered(installed) and not desk.pm.is_registered(reloaded)
    desk.close()


def test_a_misspelled_hook_of_the_plugin_under_test_is_a_clear_error(crossdesk_desk) -> None:
    class Typo:
        @hookimpl
        def crossdesk_rule_condition(self) -> list:
            return []

    typo = pytest.raises(pluggy.PluginValidationError, match="did you mean crossdesk_rule_conditions")
    with typo, plugin_registered(crossdesk_desk.pm, Typo()):
        pass
    assert _conditions(crossdesk_desk.pm) == ["weekend"]


def test_make_desk_narrows_installed_plugins() -> None:
    desk = make_desk(WEEKEND, only=["policy_de"])
    names = {name for name, _ in desk.pm.list_name_plugin()}
    assert {"policy_de", "core:events", "core:language"} <= names and "policy_eu" not in names
    assert desk.pm.is_registered(WEEKEND)
    desk.close()
    assert plugins_manager(only=[]).get_plugin("policy_de") is None


def test_fixtures_with_the_plugin_under_test_pip_installed(tmp_path: Path) -> None:
    """The plugin is installed (dist-info with an entry point) and its tests name it in crossdesk_plugins
    and use plugin_registered: no double registration, no pluggy error."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "crossdesk_fr_intents.py").write_text(
        textwrap.dedent("""
        from crossdesk import hookimpl

        @hookimpl
        def crossdesk_intents():
            return {"warranty": {"fr": ["garantie"]}}
        """)
    )
    info = site / "crossdesk_fr_intents-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crossdesk-fr-intents\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[crossdesk]\nfr_intents = crossdesk_fr_intents\n")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text(
        textwrap.dedent("""
        import pytest
        import crossdesk_fr_intents

        pytest_plugins = ["crossdesk.testing"]

        @pytest.fixture
        def crossdesk_plugins():
            return [crossdesk_fr_intents]
        """)
    )
    (tests / "test_plugin.py").write_text(
        textwrap.dedent("""
        import crossdesk_fr_intents
        from crossdesk.testing import make_desk, plugin_registered

        def lexicons(pm):
            return [answer for answer in pm.hook.crossdesk_intents()]

        def test_installed_and_under_test(crossdesk_desk):
            pm = crossdesk_desk.pm
            assert pm.get_plugin("fr_intents") is crossdesk_fr_intents  # the installed entry point
            assert lexicons(pm).count({"warranty": {"fr": ["garantie"]}}) == 1
            with plugin_registered(pm, crossdesk_fr_intents):
                assert lexicons(pm).count({"warranty": {"fr": ["garantie"]}}) == 1
            assert pm.is_registered(crossdesk_fr_intents)

        def test_make_desk(crossdesk_clock):
            desk = make_desk(crossdesk_fr_intents, clock=crossdesk_clock)
            assert lexicons(desk.pm).count({"warranty": {"fr": ["garantie"]}}) == 1
        """)
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
