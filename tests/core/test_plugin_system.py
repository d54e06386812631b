import importlib.metadata
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pluggy
import pytest

import crossdesk
from crossdesk import hookimpl, hookspecs
from crossdesk.plugin_manager import PluginError, describe, plugins_manager

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("crossdesk_"))


def test_core_plugins_are_always_registered_and_defaults_load_through_entry_points():
    pm = plugins_manager()
    info = {i.name: i for i in describe(pm)}
    assert info["core:events"].kind == "core" and info["core:events"].hooks == ("crossdesk_event",)
    assert info["core:language"].hooks == ("crossdesk_detect_language",)
    assert info["core:events"].version == crossdesk.__version__
    ebay = info["platform_ebay"]
    assert ebay.kind == "default" and ebay.version != "-" and ebay.source.startswith("crossdesk: ")
    # Core plugins come first in the listing.
    assert [i.name for i in describe(pm)][:2] == ["core:events", "core:language"]


def test_env_narrows_default_plugins_but_never_the_core(monkeypatch):
    monkeypatch.setenv("CROSSDESK_LOAD_PLUGINS", "")
    assert [i.name for i in describe(plugins_manager())] == ["core:events", "core:language", "core:notify"]
    monkeypatch.setenv("CROSSDESK_LOAD_PLUGINS", "policy_de")
    assert [i.name for i in describe(plugins_manager())] == [
        "core:events",
        "core:language",
        "core:notify",
        "policy_de",
    ]
    # Even without any entry point, a desk detects languages and logs its events.
    pm = plugins_manager(load_entrypoints=False)
    assert pm.hook.crossdesk_detect_language(text="Wo ist mein Paket?").language == "de"


def test_a_misspelled_name_in_load_plugins_is_reported_not_silently_ignored(monkeypatch):
    from click.testing import CliRunner

    from crossdesk.cli import cli

    monkeypatch.setenv("CROSSDESK_LOAD_PLUGINS", "policy_de,polcy_uk")
    pm = plugins_manager()
    assert pm.unknown == ("polcy_uk",)
    assert [i.name for i in describe(pm)] == ["core:events", "core:language", "core:notify", "policy_de"]
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0
    assert "CROSSDESK_LOAD_PLUGINS names polcy_uk, which no installed plugin has" in result.output
    monkeypatch.setenv("CROSSDESK_LOAD_PLUGINS", "policy_de")
    assert plugins_manager().unknown == ()


def test_misspelled_hook_fails_loudly():
    class Typo:
        @hookimpl
        def crossdesk_return_policy(self):  # missing the s
            return []

    with pytest.raises(pluggy.PluginValidationError, match="crossdesk_return_policy") as err:
        plugins_manager(load_entrypoints=False, extra=[Typo()])
    assert "did you mean crossdesk_return_policies?" in str(err.value)


def test_a_hook_without_hookimpl_is_not_silently_ignored():
    class Forgot:
        def crossdesk_intents(self):  # no @hookimpl: pluggy alone would never call it
            return {"x": {"en": ["x"]}}

    with pytest.raises(pluggy.PluginValidationError, match="crossdesk_intents lacks @hookimpl"):
        plugins_manager(load_entrypoints=False, extra=[Forgot()])


def _typed_signature(name: str) -> str:
    """``crossdesk_detect_language(text: str) -> LanguageGuess | None``, as the hookspec declares it."""
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


def test_every_hook_is_typed():
    for name in HOOKS:
        sig = inspect.signature(getattr(hookspecs, name))
        assert sig.return_annotation is not inspect.Signature.empty, name
        assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values()), name
        assert "Any" not in _typed_signature(name), f"{name}: say what it takes and returns"
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert doc.startswith(("Return", "Observe")) and "\n" not in doc, (
            f"{name}: one line saying what it returns"
        )


def test_every_hook_is_documented_with_its_exact_signature_and_an_example():
    doc = (ROOT / "docs" / "plugins.md").read_text()
    for name in HOOKS:
        section = doc.split(f"### {name}\n", 1)
        assert len(section) == 2, f"docs/plugins.md has no section for {name}"
        body = section[1].split("\n### ", 1)[0]
        signature = _typed_signature(name)
        assert f"```python\n{signature}\n```" in body, f"{name}: signature {signature} not documented"
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


def _dist(root: Path, module: str, source: str, package: str, version: str, entry: str) -> None:
    """A module and its dist-info with one ``crossdesk`` entry point, as pip would leave them."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[crossdesk]\n{entry} = {module}\n")


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    """Three installed third-party plugins: one that fails to import, one with a misspelled hook, one good."""
    _dist(tmp_path, "broken_plugin", "raise ImportError('needs libfoo')\n", "broken-plugin", "0.1", "broken")
    _dist(
        tmp_path,
        "typo_plugin",
        """
        from crossdesk import hookimpl

        @hookimpl
        def crossdesk_platfroms():
            return []
        """,
        "typo-plugin",
        "2.0",
        "typo",
    )
    _dist(
        tmp_path,
        "good_plugin",
        """
        from crossdesk import hookimpl

        @hookimpl
        def crossdesk_intents():
            return {"warranty": {"en": ["warranty"]}}
        """,
        "good-plugin",
        "3.1",
        "good",
    )
    return tmp_path


def _keep(line: str) -> list[str]:
    """The entry-point names a broken plugin's line says to keep."""
    return line.split("CROSSDESK_LOAD_PLUGINS=", 1)[1].split()[0].rstrip(",").split(",")


def test_broken_plugins_are_named_in_one_line_and_the_rest_still_listed(broken_site: Path):
    result = _crossdesk(["plugins", "--json"], PYTHONPATH=str(broken_site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    broken = next(line for line in lines if "'broken'" in line)
    typo = next(line for line in lines if "'typo'" in line)
    assert broken.startswith(
        "plugin 'broken' (broken_plugin, package broken-plugin 0.1) failed to load: ImportError: needs libfoo; "
        "switch it off with CROSSDESK_LOAD_PLUGINS="
    )
    assert broken.endswith(", or pip uninstall broken-plugin")
    assert typo.startswith(
        "plugin 'typo' (typo_plugin, package typo-plugin 2.0) failed to load: crossdesk_platfroms is not a "
        "crossdesk hook (did you mean crossdesk_platforms?); switch it off with CROSSDESK_LOAD_PLUGINS="
    )
    # Every other plugin is listed, the broken ones as broken.
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["good"]["status"] == "ok" and rows["good"]["kind"] == "third-party"
    assert rows["good"]["version"] == "3.1" and rows["good"]["hooks"] == ["crossdesk_intents"]
    assert rows["policy_de"]["status"] == "ok" and rows["core:language"]["kind"] == "core"
    assert rows["broken"]["status"] == "broken" and rows["broken"]["error"] == broken
    assert rows["typo"]["status"] == "broken" and rows["typo"]["version"] == "2.0"
    # The names to keep are exactly the plugins that loaded, core ones aside (they cannot be switched off).
    keep = _keep(broken)
    assert set(keep) == {
        name for name, row in rows.items() if row["status"] == "ok" and row["kind"] != "core"
    }
    # The table says it too, and doctor shows the rest of its report.
    table = _crossdesk(["plugins"], PYTHONPATH=str(broken_site))
    assert table.returncode == 1 and "BROKEN" in table.stdout and "good" in table.stdout
    doctor = _crossdesk(["doctor", "--db", str(broken_site / "none.db")], PYTHONPATH=str(broken_site))
    assert doctor.returncode == 1 and "native backend" in doctor.stdout
    assert "typo, broken" in doctor.stdout or "broken, typo" in doctor.stdout
    assert broken in doctor.stderr and "Traceback" not in doctor.stderr


def test_other_commands_refuse_with_the_line_and_the_suggested_setting_works(broken_site: Path):
    result = _crossdesk(["detect", "Wo ist mein Paket?"], PYTHONPATH=str(broken_site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert "plugin 'broken' (broken_plugin, package broken-plugin 0.1) failed to load" in result.stderr
    keep = ",".join(_keep(result.stderr.strip().splitlines()[0].removeprefix("Error: ")))
    ok = _crossdesk(
        ["detect", "Wo ist mein Paket?"], PYTHONPATH=str(broken_site), CROSSDESK_LOAD_PLUGINS=keep
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("de ")
    listed = _crossdesk(["plugins", "--json"], PYTHONPATH=str(broken_site), CROSSDESK_LOAD_PLUGINS=keep)
    assert listed.returncode == 0 and '"good"' in listed.stdout and '"broken"' not in listed.stdout
    # The TUI refuses before it takes the screen; a command that never calls a plugin still runs.
    db = str(broken_site / "desk.db")
    assert _crossdesk(["init", "--db", db], PYTHONPATH=str(broken_site)).returncode == 0
    tui = _crossdesk(["tui", "--db", db], PYTHONPATH=str(broken_site))
    assert (
        tui.returncode == 1 and "plugin 'typo' (typo_plugin" in tui.stderr and "Traceback" not in tui.stderr
    )


def test_broken_plugin_in_python(broken_site: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(broken_site))
    with pytest.raises(PluginError) as err:
        plugins_manager(only=["broken", "good"])
    assert [b.name for b in err.value.broken] == ["broken"]
    assert str(err.value) == err.value.broken[0].line()
    assert err.value.broken[0].keep == ("good",)
    pm = plugins_manager(only=["broken", "typo", "good"], strict=False)
    assert {b.name for b in pm.broken} == {"broken", "typo"}
    assert pm.get_plugin("good") is not None and pm.get_plugin("typo") is None
    pm.check_pending()  # the misspelled plugin was taken out again: the rest is consistent
    # A module that raises something other than ImportError while it runs is broken the same way.
    (broken_site / "raises_plugin.py").write_text("1 / 0\n")
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group: [importlib.metadata.EntryPoint("raises", "raises_plugin", "crossdesk")],
    )
    pm = plugins_manager(strict=False)
    [b] = pm.broken
    assert b.reason == "ZeroDivisionError: division by zero" and b.package == ""
    assert b.line().endswith('switch it off with CROSSDESK_LOAD_PLUGINS=""')


@pytest.mark.slow
def test_a_pip_installed_plugin_with_a_misspelled_hook_is_named_with_its_package(tmp_path: Path):
    package = tmp_path / "crossdesk-typo"
    package.mkdir()
    (package / "pyproject.toml").write_text(
        textwrap.dedent("""
        [project]
        name = "crossdesk-typo"
        version = "4.2.0"

        [project.entry-points.crossdesk]
        typo = "crossdesk_typo:plugin"

        [tool.setuptools]
        py-modules = ["crossdesk_typo"]
        """)
    )
    (package / "crossdesk_typo.py").write_text(
        textwrap.dedent("""
        from crossdesk import hookimpl

        class Plugin:
            @hookimpl
            def crossdesk_rule_action(self):
                return []

        plugin = Plugin()
        """)
    )
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    install = subprocess.run(
        [*pip, "--target", str(site), str(package)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    result = _crossdesk(["plugins", "--json"], PYTHONPATH=str(site))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "plugin 'typo' (crossdesk_typo:plugin, package crossdesk-typo 4.2.0) failed to load: "
        "crossdesk_rule_action is not a crossdesk hook (did you mean crossdesk_rule_actions?); "
        "switch it off with CROSSDESK_LOAD_PLUGINS=actions_assist,flow_amazon,platform_amazon,"
    )
    assert line.endswith(", or pip uninstall crossdesk-typo")
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert (
        rows["typo"]["status"] == "broken"
        and rows["typo"]["source"] == "crossdesk-typo: crossdesk_typo:plugin"
    )
    assert rows["platform_shopify"]["status"] == "ok"


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
