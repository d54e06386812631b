"""The import contracts of DESIGN.md cover every module of the core, including ones added later."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _core_modules() -> set[str]:
    names = set()
    for path in (ROOT / "core").iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            names.add(f"crossdesk.{path.name}")
        elif path.suffix == ".py" and path.stem not in {"__init__", "__main__"}:
            names.add(f"crossdesk.{path.stem}")
    return names


def _contract(name: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["name"] == name)


def test_core_contracts_cover_every_core_module():
    core = _core_modules()
    for name in ("The core never imports the TUI or textual", "The core imports no plugin by name"):
        listed = set(_contract(name)["source_modules"])
        assert core - listed == set(), f"{name}: add these to source_modules in pyproject.toml"
        assert listed - core == set(), f"{name}: these are listed but do not exist"
