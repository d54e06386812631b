"""The TUI is a thin client: the App in app.py (under 500 lines), one module per screen, no SQL, no
permission tables, no second desk opened by hand."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from textual.screen import Screen

from crossdesk.tui import screens

TUI = Path(__file__).resolve().parents[2] / "tui"
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TABLE|INDEX)|PRAGMA)\b")


def sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(TUI.rglob("*.py"))}


def test_app_py_holds_the_app_in_under_500_lines():
    text = (TUI / "app.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 500
    tree = ast.parse(text)
    classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    assert classes == ["CrossdeskApp"]


def test_no_sql_and_no_execute_anywhere_in_the_tui_package():
    found = []
    for path, text in sources().items():
        if "execute(" in text:
            found.append(f"{path.name}: execute(")
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and SQL.search(token.string):
                found.append(f"{path.name}:{token.start[0]}: {token.string[:40]}")
    assert found == []


def test_no_permission_tables_and_no_reach_below_the_services():
    for path, text in sources().items():
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                # The after-sales rules come from its read models, not from a copy of its tables.
                assert node.module != "crossdesk.aftersales.states", path
                if node.module.startswith("crossdesk.store"):
                    assert [a.name for a in node.names] == ["allowed"], path
                names = {a.name for a in node.names}
                assert not names & {"MATRIX", "PERMISSIONS", "TRANSITIONS", "GOODS_COME_BACK"}, path
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("db", "conn", "store"), f"{path.name}:{node.lineno} .{node.attr}"


def test_the_tui_opens_one_desk_only_to_run():
    opened = []
    for path, text in sources().items():
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("open", "memory")
                and getattr(node.func.value, "id", "") == "Desk"
            ):
                opened.append((path.name, node.lineno))
    assert [name for name, _ in opened] == ["app.py"]  # run(): the desk the TUI is opened on
    assert not (TUI / "areas.py").exists()


def test_each_screen_lives_in_its_own_module_under_screens():
    for name in screens.__all__:
        cls = getattr(screens, name)
        assert issubclass(cls, Screen)
        module = cls.__module__
        assert module.startswith("crossdesk.tui.screens."), module
        assert name.lower().removesuffix("screen") == module.rsplit(".", 1)[1]
    for area in ("aftersales", "customer", "conversation", "inbox", "dashboard", "common"):
        modules = [p for p in (TUI / "widgets" / area).glob("*.py") if p.name != "__init__.py"]
        assert modules, f"widgets/{area} is empty"
