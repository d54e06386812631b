"""Sign-in: scrypt passwords, rate-limited and audited failures, sessions that expire, OS user names, and
the rule for who the CLI acts as on a shared desk."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor, Role
from crossdesk.team.signin import SignInFailed, verify_password

from .conftest import ADMIN

SECRET = "correct horse battery"


def test_password_is_stored_only_as_a_scrypt_hash(td):
    ana = td.agent("ana")
    td.desk.team.signin.set_password(ADMIN, ana, SECRET)
    stored = td.desk.db.execute("SELECT password_hash FROM agents WHERE id = ?", [ana]).fetchone()[0]
    assert stored.startswith("scrypt$") and SECRET not in stored
    assert verify_password(SECRET, stored) and not verify_password("wrong password", stored)
    # Nothing anywhere in the database holds the password, nor any reversible form of it.
    dump = "\n".join(td.desk.db.conn.iterdump())
    for form in (SECRET, SECRET.encode().hex(), "Y29ycmVjdCBob3JzZSBiYXR0ZXJ5"):
        assert form not in dump
    with pytest.raises(DeskError, match="at least"):
        td.desk.team.signin.set_password(ADMIN, ana, "short")
    with pytest.raises(PermissionDenied):
        td.desk.team.signin.set_password(Actor("bob", Role.AGENT, 999), ana, SECRET)
    td.desk.team.signin.set_password(Actor("ana", Role.AGENT, ana), ana, SECRET + "!")  # their own


def test_wrong_password_refused_tenth_try_slowed_and_audited(td, clock):
    ana = td.agent("ana")
    signin = td.desk.team.signin
    signin.set_password(ADMIN, ana, SECRET)
    slept: list[float] = []
    signin.sleep = slept.append
    for _ in range(9):
        with pytest.raises(SignInFailed, match="wrong agent name or password"):
            signin.authenticate("ana", "guess")
    assert slept == []
    with pytest.raises(SignInFailed):
        signin.authenticate("ana", "guess")  # the 10th wrong try in the minute
    assert len(slept) == 1 and slept[0] >= 1
    signin.authenticate("ana", SECRET)  # the right one still works, also slowed
    assert len(slept) == 2 and slept[1] > slept[0]
    clock.advance(61)
    assert signin.authenticate("ana", SECRET).agent_id == ana
    assert len(slept) == 2  # a minute later: no longer slowed
    with pytest.raises(SignInFailed):
        signin.authenticate("nobody", "guess")
    trail = td.desk.team.audit(ADMIN, object_type="agent")
    fails = [r for r in trail if r["action"] == "signin.fail"]
    assert len(fails) == 11 and any("slowed_s" in r["after"] for r in fails)
    assert all("guess" not in str(r) for r in trail)


def test_sessions_expire_and_store_only_a_hash(td, clock):
    ana = td.agent("ana")
    signin = td.desk.team.signin
    token = signin.open_session(Actor("ana", Role.AGENT, ana), ttl=3600)
    assert token not in "\n".join(td.desk.db.conn.iterdump())
    assert signin.session_actor(token).agent_id == ana
    assert signin.session_actor("forged") is None
    clock.advance(3601)
    assert signin.session_actor(token) is None


@pytest.fixture
def shared(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSDESK_SESSION", str(tmp_path / "state" / "sessions.json"))
    monkeypatch.delenv("CROSSDESK_ACTOR", raising=False)
    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    admin = Actor.system("setup")
    ana = desk.team.create_agent(admin, "ana", languages=["en"])
    desk.team.create_agent(admin, "viv", languages=["en"])
    desk.close()
    return path, ana


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_personal_desk_acts_as_owner_and_shared_desk_needs_sign_in(shared, monkeypatch):
    path, _ana = shared
    assert "(admin)" in run("whoami", "--db", path).output  # personal desk: the owner, as before
    assert (
        run("team", "password", "ana", "--password-stdin", "--db", path, input=SECRET + "\n").exit_code == 0
    )
    # Now shared: nobody is silently admin.
    out = run("whoami", "--db", path)
    assert out.exit_code == 1 and "shared" in out.output
    monkeypatch.setenv("CROSSDESK_ACTOR", "ana")
    assert run("whoami", "--db", path).exit_code == 1  # naming an agent is not signing in
    monkeypatch.delenv("CROSSDESK_ACTOR")
    bad = run("login", "ana", "--password-stdin", "--db", path, input="nope\n")
    assert bad.exit_code == 1 and "wrong agent name or password" in bad.output
    ok = run("login", "ana", "--password-stdin", "--db", path, input=SECRET + "\n")
    assert ok.exit_code == 0, ok.output
    session_file = os.environ["CROSSDESK_SESSION"]
    assert stat.S_IMODE(os.stat(session_file).st_mode) == 0o600
    assert "ana (agent)" in run("whoami", "--db", path).output
    # ana is an agent: she may not change settings as the admin could.
    denied = run("team", "map-user", "viv", "someone", "--db", path)
    assert denied.exit_code == 1 and "may not manage settings" in denied.output
    trail = run("audit", "--object", "agent", "--since", "1d", "--db", path)
    assert "signin.fail" in trail.output and "signin.ok" in trail.output and "session.open" in trail.output
    assert run("audit", "--since", "yesterday", "--db", path).exit_code == 1
    assert run("logout", "--db", path).exit_code == 0
    assert run("whoami", "--db", path).exit_code == 1


def test_os_user_mapping_on_a_shared_server(shared, monkeypatch):
    path, ana = shared
    desk = Desk.open(path)
    desk.team.update_agent(Actor.system("setup"), ana, os_user="ana_os")
    with pytest.raises(DeskError, match="already mapped"):
        viv = desk.team.signin.agent_id("viv")
        desk.team.update_agent(Actor.system("setup"), viv, os_user="ana_os")
    desk.close()
    monkeypatch.setattr("crossdesk.cli.common.os_user", lambda: "ana_os")
    assert "ana (agent)" in run("whoami", "--db", path).output
    monkeypatch.setattr("crossdesk.cli.common.os_user", lambda: "mallory")
    out = run("whoami", "--db", path)
    assert out.exit_code == 1 and "mallory" in out.output
