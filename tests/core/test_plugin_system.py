import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pluggy
import pytest

from crossdesk import hookimpl, hookspecs
from crossdesk.plugin_manager import PluginError, describe, plugins_manager

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("crossdesk_"))


def test_builtins_load_through_entry_points():
    pm = plugins_manager()
    names = {info.name for info in describe(pm)}
    assert "builtin_events" in names
    info = next(i for i in describe(pm) if i.name == "builtin_events")
    assert info.hooks == ("crossdesk_event",) and info.version != "-"


def test_env_narrows_plugins(monkeypatch):
    monkeypatch.setenv("CROSSDESK_LOAD_PLUGINS", "")
    assert describe(plugins_manager()) == []
    monkeypatch.setenv("CROSSDESK_LOAD_PLUGINS", "builtin_events")
    assert [i.name for i in describe(plugins_manager())] == ["builtin_events"]


def test_misspelled_hook_fails_loudly():
    class Typo:
        @hookimpl
        def crossdesk_return_policy(self):  # missing the s
            return []

    with pytest.raises(pluggy.PluginValidationError, match="crossdesk_return_policy"):
        plugins_manager(load_entrypoints=False, extra=[Typo()])


def test_every_hook_is_documented_with_its_exact_signature_and_an_example():
    doc = (ROOT / "docs" / "plugins.md").read_text()
    for name in HOOKS:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        section = doc.split(f"### {name}\n", 1)
        assert len(section) == 2, f"docs/plugins.md has no section for {name}"
        body = section[1].split("\n### ", 1)[0]
        assert f"{name}({params})" in body, f"{name}: signature ({params}) not documented"
        assert "@hookimpl" in body and f"def {name}(" in body, f"{name}: no example"


def test_every_hook_has_a_test():
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_hook_\w+)\(", path.read_text(), re.M))
    missing = [h for h in HOOKS if f"test_hook_{h}" not in names]
    assert missing == []


def _crossdesk(args, **env):
    return subprocess.run(
        [sys.executable, "-m", "crossdesk", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_plugin_written_from_the_docs_loads(tmp_path):
    # An "installed" distribution: a module and its dist-info with an entry point, as pip would leave them.
    (tmp_path / "swiss_greetings.py").write_text(
        textwrap.dedent("""
        from crossdesk import hookimpl
        from crossdesk.models import LanguageGuess

        @hookimpl
        def crossdesk_detect_language(text):
            if "grüezi" in text.lower():
                return LanguageGuess("de", 0.99, "swiss-greetings")
            return None
    """)
    )
    info = tmp_path / "swiss_greetings-1.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: swiss-greetings\nVersion: 1.2.0\n")
    (info / "entry_points.txt").write_text("[crossdesk]\nswiss = swiss_greetings\n")
    result = _crossdesk(["plugins", "--json"], PYTHONPATH=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert '"name": "swiss"' in result.stdout and '"version": "1.2.0"' in result.stdout
    assert "crossdesk_detect_language" in result.stdout


def test_broken_plugin_is_named_and_can_be_switched_off(tmp_path):
    (tmp_path / "broken_plugin.py").write_text("raise ImportError('needs libfoo')\n")
    info = tmp_path / "broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[crossdesk]\nbroken = broken_plugin\n")
    result = _crossdesk(["plugins"], PYTHONPATH=str(tmp_path))
    assert result.returncode != 0
    assert "plugin 'broken' (broken_plugin) failed to load: needs libfoo" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(PluginError):
        sys.path.insert(0, str(tmp_path))
        try:
            plugins_manager(only=["broken"])
        finally:
            sys.path.remove(str(tmp_path))
    names = ",".join(i.name for i in describe(plugins_manager()))
    ok = _crossdesk(["plugins"], PYTHONPATH=str(tmp_path), CROSSDESK_LOAD_PLUGINS=names)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.slow
def test_example_package_installs_and_is_listed(tmp_path):
    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT / "examples" / "crossdesk-ch-returns"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    result = _crossdesk(["plugins", "--json"], PYTHONPATH=str(target))
    assert result.returncode == 0, result.stderr
    assert '"name": "ch_returns"' in result.stdout and "crossdesk-ch-returns" in result.stdout
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "examples" / "crossdesk-ch-returns" / "tests"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(target)},
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
