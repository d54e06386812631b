"""crossdesk serve in a real headless browser (Debian's chromium driven by Playwright): the page opens the
sign-in screen, a wrong password is refused and the right one signs the agent in, both seen in the desk's
audit trail."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.models import Actor
from crossdesk.testing import make_desk, seed

CHROMIUM = "/usr/bin/chromium"
SECRET = "sam's long secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _audit(path: Path, action: str) -> list[dict]:
    desk = Desk.open(path)
    try:
        return [r for r in desk.team.audit(Actor.system("t"), object_type="agent") if r["action"] == action]
    finally:
        desk.close()


def test_serve_refuses_a_desk_without_passwords(tmp_path):
    path = tmp_path / "desk.db"
    seed(make_desk(path=str(path)))
    out = CliRunner().invoke(cli, ["serve", "--db", str(path)])
    assert out.exit_code == 1 and "password" in out.output


def test_sign_in_through_a_real_browser(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no {CHROMIUM}: `make test` installs Debian's chromium; it could not be installed here")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) is not installed")
    path = tmp_path / "desk.db"
    desk = make_desk(path=str(path))
    seed(desk)
    sam = desk.actor_for("sam")
    desk.team.signin.set_password(Actor.system("t"), sam.agent_id, SECRET)
    desk.close()
    port = _free_port()
    env = dict(
        os.environ,
        CROSSDESK_TUI_CONFIG=str(tmp_path / "tui.toml"),
        CROSSDESK_SESSION=str(tmp_path / "s.json"),
    )
    exe = shutil.which("crossdesk", path=str(Path(sys.executable).parent)) or "crossdesk"
    server = subprocess.Popen(
        [exe, "serve", "--db", str(path), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail(
                f"crossdesk serve did not listen: {server.stderr.read().decode() if server.poll() else ''}"
            )
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_timeout(6000)  # the app process starts and draws the sign-in screen
            page.locator("textarea").first.focus()  # xterm.js's keyboard input

            def keys(text: str) -> None:  # at a person's pace: each key is a frame on the websocket
                page.keyboard.type(text, delay=60)
                page.keyboard.press("Enter")
                page.wait_for_timeout(1500)

            page.keyboard.press("Tab")  # from the list of agents to the name field
            page.wait_for_timeout(500)
            keys("sam")
            keys("not the password")
            deadline = time.time() + 30
            while time.time() < deadline and not _audit(path, "signin.fail"):
                page.wait_for_timeout(500)
            keys(SECRET)
            while time.time() < deadline and not _audit(path, "signin.ok"):
                page.wait_for_timeout(500)
            browser.close()
        fails, oks = _audit(path, "signin.fail"), _audit(path, "signin.ok")
        assert [r["after"]["name"] for r in fails] == ["sam"]
        assert [r["object_id"] for r in oks] == [sam.agent_id]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)
