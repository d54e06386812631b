"""The house rules of docs/architecture.md: one-way layers (checked by import-linter in ``make lint``), no
import cycle larger than two modules, modules of a readable size."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"core": "crossdesk", "ext": "crossdesk._native", "plugins": "crossdesk.plugins", "tui": "crossdesk.tui"}
#: Lines above which a module must say at its top why it is one module.
LONG = 600


def _layers_contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["type"] == "layers")


def _modules() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def test_the_layers_contract_is_exhaustive_and_strict():
    contract = _layers_contract()
    assert contract["containers"] == ["crossdesk"] and contract["exhaustive"] is True
    assert "allow_indirect_imports" not in contract
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config.get("exclude_type_checking_imports") is False  # TYPE_CHECKING imports count
    # Every deliberate exception carries its reason on the line above it.
    text = (ROOT / "pyproject.toml").read_text()
    for ignored in contract.get("ignore_imports", []):
        before = text[: text.index(f'"{ignored}"')].rstrip().splitlines()[-1].strip()
        assert before.startswith("#"), f"{ignored}: say why on the line above"


def test_architecture_doc_lists_the_layers_of_the_contract():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer in _layers_contract()["layers"]:
        for name in layer.replace(":", "|").split("|"):
            assert f"`{name.strip()}`" in doc, f"docs/architecture.md does not place {name.strip()}"


def _import_targets(module: str, path: Path, known: set[str]) -> set[str]:
    """Every crossdesk module ``module`` imports: top level, in functions, under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                parts = parts if is_package else parts[:-1]
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and not (module.startswith(name + ".") and name in known):
                found.add(name)
    return found


def test_no_import_cycle_larger_than_two_modules():
    modules = _modules()
    known = set(modules)
    graph = {m: _import_targets(m, p, known) for m, p in modules.items()}
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    largest = max(components, key=len)
    assert len(largest) <= 2, f"import cycle of {len(largest)} modules: {sorted(largest)}"


def test_long_modules_say_why_at_their_top():
    for module, path in _modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) <= LONG:
            continue
        head = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "one module" in head.lower(), (
            f"{module} has {len(lines)} lines: split it, or say at its top why it is one module"
        )


@pytest.mark.slow
def test_lint_fails_when_a_lower_layer_imports_a_higher_one(tmp_path):
    """``make lint`` runs import-linter over a merged copy of the four folders; a store module importing
    the facade must break the layers contract."""
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("lint-imports is missing from the virtual environment (make test installs it)")
    tree = tmp_path / "crossdesk"
    shutil.copytree(ROOT / "core", tree, ignore=shutil.ignore_patterns("__pycache__"))
    for folder, package in FOLDERS.items():
        if folder != "core":
            shutil.copytree(ROOT / folder, tree / package.split(".")[1], ignore=shutil.ignore_patterns("__pycache__"))
    clean = subprocess.run(
        [str(lint), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert clean.returncode == 0, clean.stdout[-2000:]
    session = tree / "store" / "session.py"
    session.write_text(session.read_text() + "\nfrom crossdesk.api import Desk  # noqa\n")
    broken = subprocess.run(
        [str(lint), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert broken.returncode != 0
    assert "Layers point down BROKEN" in broken.stdout
    assert "crossdesk.store is not allowed to import crossdesk.api" in broken.stdout
