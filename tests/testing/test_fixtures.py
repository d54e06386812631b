"""crossdesk.testing's fixtures register the plugin under test once, whether or not it is also installed."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

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


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A pip-installed plugin package (module and dist-info) with two entry points: an instance of a class
    (``weekend_installed:plugin``) and the module itself."""
    (tmp_path / "weekend_installed.py").write_text(
        textwrap.dedent("""
        from crossdesk import hookimpl
        from crossdesk.models import RuleCondition

        class Weekend:
            @hookimpl
            def crossdesk_rule_conditions(self):
                return [RuleCondition("weekend_installed", lambda desk, ticket: False)]

        plugin = Weekend()

        @hookimpl
        def crossdesk_intents():
            return {"weekend": {"en": ["saturday"]}}
        """)
    )
    info = tmp_path / "weekend_installed-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: weekend-installed\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[crossdesk]\nweekend_obj = weekend_installed:plugin\nweekend_mod = weekend_installed\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "weekend_installed", raising=False)
    return importlib.import_module("weekend_installed")


def test_an_installed_instance_of_the_same_class_steps_aside_for_the_block(installed: Any) -> None:
    desk = make_desk(only=["weekend_obj"])
    pm = desk.pm
    assert pm.get_plugin("weekend_obj") is installed.plugin
    mine = installed.Weekend()
    with plugin_registered(pm, mine):
        assert pm.is_registered(mine) and not pm.is_registered(installed.plugin)
        assert _conditions(pm) == ["weekend_installed"]  # once, not twice
    assert pm.get_plugin("weekend_obj") is installed.plugin and not pm.is_registered(mine)
    # make_desk does the same for the desk's lifetime.
    other = make_desk(installed.Weekend(), only=["weekend_obj"])
    assert _conditions(other.pm) == ["weekend_installed"]
    desk.close()
    other.close()


def test_a_reloaded_copy_of_an_installed_module_is_not_registered_twice(installed: Any) -> None:
    desk = make_desk(only=["weekend_mod"])
    spec = importlib.util.spec_from_file_location("weekend_installed", installed.__file__)
    reloaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reloaded)
    assert reloaded is not installed
    with plugin_registered(desk.pm, reloaded):
        assert desk.pm.hook.crossdesk_intents() == [{"weekend": {"en": ["saturday"]}}]
    assert desk.pm.get_plugin("weekend_mod") is installed
    desk.close()


def test_two_instances_the_test_registers_are_both_kept() -> None:
    first, second = Weekend(), Weekend()
    desk = make_desk(first, second, builtins=False)
    assert desk.pm.is_registered(first) and desk.pm.is_registered(second)
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
