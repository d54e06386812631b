"""The plugin docs hold: the connector example of docs/plugins.md, pip-installed, gets its credentials from
CROSSDESK_<PLATFORM>_<KEY> and passes its own harness tests; every module the docs tell plugin authors to
import is public and says so."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crossdesk.api import Desk
from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer
from crossdesk.models import Actor

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
#: The pages written for plugin authors.
PLUGIN_DOCS = ("plugins.md", "internals.md", "platforms.md", "return-policies.md", "translation.md")


def _blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block."""
    return re.findall(r"```(\w*)\n(.*?)```", text, re.S)


def _public_modules() -> list[str]:
    doc = (DOCS / "internals.md").read_text(encoding="utf-8")
    section = doc.split("## Public modules", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(crossdesk[\w.]*)` \|", section, re.M)


def test_the_public_modules_say_so_at_their_top() -> None:
    modules = _public_modules()
    assert {"crossdesk", "crossdesk.api", "crossdesk.models", "crossdesk.testing"} <= set(modules)
    for name in modules:
        doc = importlib.import_module(name).__doc__ or ""
        top = " ".join(doc.split("\n\n")[:2]).lower()
        assert "public" in top, f"{name} does not say at its top that it is public"


def test_every_module_the_plugin_docs_import_is_public() -> None:
    public = set(_public_modules())
    for page in PLUGIN_DOCS:
        for lang, code in _blocks((DOCS / page).read_text(encoding="utf-8")):
            if lang != "python":
                continue
            # Regular expressions, not ast: some python blocks are signatures, not code.
            names = re.findall(r"^\s*from (crossdesk(?:\.[\w.]+)?) import", code, re.M)
            names += re.findall(r"^\s*import (crossdesk(?:\.[\w.]+)?)\s*$", code, re.M)
            for name in names:
                assert name in public, f"docs/{page} imports {name}, which is not a public module"


def test_the_readme_and_the_architecture_link_internals() -> None:
    assert "docs/internals.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "internals.md" in (DOCS / "architecture.md").read_text(encoding="utf-8")


# ---- the connector example, written only from the docs ---------------------------------------------


def _example_files() -> dict[str, str]:
    doc = (DOCS / "plugins.md").read_text(encoding="utf-8")
    section = doc.split("### Testing a connector: the harness", 1)[1].split("\n## ", 1)[0]
    files = {}
    for _, code in _blocks(section):
        first, _, rest = code.partition("\n")
        if first.startswith("# ") and "." in first:
            files[first[2:].strip()] = code if first.endswith(".py") else rest
    return files


class SoukApi(FakeServer):
    """The Souk API as the example's own fake describes it, as a loopback server, for a real CLI run."""

    def __init__(self, token: str) -> None:
        super().__init__("souk")
        self.token = token
        self.add_route("GET", "/v1/orders", self.orders)
        self.add_route("GET", "/v1/messages", self.messages)

    def _checked(self, request: FakeRequest, items: list[dict]) -> FakeResponse:
        if request.header("x-souk-token") != self.token:
            return FakeResponse.json({"error": "bad token"}, status=401)
        after = request.arg("after") or ""
        ids = [i["id"] for i in items]
        return FakeResponse.json({"items": items[ids.index(after) + 1 :] if after else items, "more": False})

    def orders(self, request: FakeRequest) -> FakeResponse:
        order = {
            "id": "S-9",
            "created": 1_765_000_000,
            "currency": "MAD",
            "state": "shipped",
            "buyer": {"id": "b-1", "name": "Omar"},
            "items": [{"sku": "RUG-2", "qty": 1, "price": "1200.50"}],
        }
        return self._checked(request, [order])

    def messages(self, request: FakeRequest) -> FakeResponse:
        return self._checked(request, [])


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, cwd=cwd, env={**os.environ, **env}, timeout=300
    )


@pytest.mark.slow
def test_the_connector_example_installs_syncs_with_env_credentials_and_passes_its_tests(
    tmp_path: Path,
) -> None:
    files = _example_files()
    assert set(files) == {"pyproject.toml", "crossdesk_souk.py", "tests/conftest.py", "tests/test_souk.py"}
    package = tmp_path / "crossdesk-souk"
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    install = _run([*pip, "--target", str(site), str(package)], tmp_path)
    assert install.returncode == 0, install.stderr
    (package / "crossdesk_souk.py").unlink()  # from here on, only the installed copy exists
    env = {"PYTHONPATH": str(site), "CROSSDESK_CREDENTIALS": str(tmp_path / "no-credentials.toml")}

    listed = _run([sys.executable, "-m", "crossdesk", "plugins", "--json"], tmp_path, **env)
    assert listed.returncode == 0, listed.stderr
    [souk] = [p for p in json.loads(listed.stdout) if p["name"] == "souk"]
    assert souk["kind"] == "third-party" and souk["version"] == "0.1.0"
    assert souk["hooks"] == ["crossdesk_platforms"] and souk["source"] == "crossdesk-souk: crossdesk_souk"

    # The plugin's own tests, with the plugin installed: the harness syncs and sends; no double registration.
    tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], package, **env)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "2 passed" in tests.stdout

    # A seller's desk: the shop created as the docs say, the token in CROSSDESK_SOUK_TOKEN, crossdesk sync.
    token = "souk-live-token-0042"
    db = tmp_path / "desk.db"
    with SoukApi(token) as api:
        desk = Desk.open(db)
        desk.shops.upsert(
            Actor.system(), platform="souk", external_id="acme-ma", name="Acme MA", currency="MAD",
            config={"base_url": api.base_url},
        )  # fmt: skip
        desk.close()
        sync = _run(
            [sys.executable, "-m", "crossdesk", "sync", "--db", str(db), "--pull-only"],
            tmp_path,
            **env,
            CROSSDESK_SOUK_TOKEN=token,
        )
        assert sync.returncode == 0, sync.stdout + sync.stderr
        assert api.requests_to("/v1/orders")[0].header("x-souk-token") == token
        # The per-shop name wins over the platform's.
        per_shop = _run(
            [sys.executable, "-m", "crossdesk", "sync", "--db", str(db), "--pull-only"],
            tmp_path,
            **env,
            CROSSDESK_SOUK_TOKEN="wrong-token-for-every-shop",
            CROSSDESK_SOUK_ACME_MA_TOKEN=token,
        )
        assert per_shop.returncode == 0, per_shop.stdout + per_shop.stderr
        assert api.requests_to("/v1/orders")[-1].header("x-souk-token") == token
    desk = Desk.open(db)
    try:
        [(external_id, status, total)] = desk.db.execute(
            "SELECT external_id, status, total_minor FROM orders"
        ).fetchall()
    finally:
        desk.close()
    assert (external_id, status, total) == ("S-9", "shipped", 120050)
    assert token not in sync.stdout + sync.stderr + per_shop.stdout + per_shop.stderr
