import os
import subprocess
import sys

from click.testing import CliRunner

from crossdesk.cli import cli


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_init_creates_a_desk_with_an_admin(tmp_path):
    path = tmp_path / "desk.db"
    result = run("init", "--db", str(path), "--owner", "mia")
    assert result.exit_code == 0 and "desk created" in result.output
    again = run("init", "--db", str(path))
    assert again.exit_code == 0 and "desk updated" in again.output
    from crossdesk.api import Desk

    desk = Desk.open(path)
    assert [(a["name"], a["role"]) for a in desk.agents(desk.actor_for("mia"))] == [("mia", "admin")]


def test_desk_comes_from_the_environment(tmp_path):
    path = tmp_path / "env.db"
    result = run("init", env={"CROSSDESK_DB": str(path)})
    assert result.exit_code == 0 and path.exists()


def test_doctor_reports_backend_schema_and_plugins(tmp_path):
    path = tmp_path / "desk.db"
    run("init", "--db", str(path))
    result = run("doctor", "--db", str(path))
    assert result.exit_code == 0
    assert "native backend" in result.output and "up to date" in result.output
    assert "core:events" in result.output and "platform_ebay" in result.output


def test_user_errors_are_one_line_without_traceback(tmp_path):
    env = {**os.environ, "CROSSDESK_DB": str(tmp_path / "x.db"), "CROSSDESK_ACTOR": "nobody"}
    subprocess.run(
        [sys.executable, "-m", "crossdesk", "init"],
        env={**env, "CROSSDESK_ACTOR": ""},
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "crossdesk", "doctor", "--db", "/proc/nope/desk.db"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0  # doctor reports a missing desk instead of failing
    assert "no desk yet" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "crossdesk", "init", "--db", "/proc/nope/desk.db"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
