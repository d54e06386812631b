"""The command line: ``crossdesk translate --provider llm``, ``draft``, ``summarize``, ``thread``, ``llm``."""

from __future__ import annotations

import pytest
from assist_support import german_damaged_ticket
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.fakes.llm import LlmFake


@pytest.fixture
def env(tmp_path, fake: LlmFake, monkeypatch) -> dict:
    monkeypatch.setenv("CROSSDESK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CROSSDESK_CREDENTIALS", str(tmp_path / "none-creds.toml"))
    monkeypatch.delenv("CROSSDESK_TRANSLATORS", raising=False)
    monkeypatch.delenv("CROSSDESK_ACTOR", raising=False)
    db = tmp_path / "desk.db"
    desk = Desk.open(db)
    german_damaged_ticket(desk)
    desk.close()
    return {
        "CROSSDESK_LLM_BASE_URL": fake.api_base,
        "CROSSDESK_LLM_MODEL": "fake-llm",
        "CROSSDESK_DB": str(db),
    }


def run(env: dict, *args: str):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_translate_with_the_llm_provider(env) -> None:
    out = run(
        env,
        "translate",
        "Where is my order? My order number is 302-1234567-7654321.",
        "--to",
        "de",
        "--provider",
        "llm",
    )
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == "Wo ist meine Bestellung? Meine Bestellnummer ist 302-1234567-7654321."


def test_wrong_language_falls_back_with_the_reason(env) -> None:
    with LlmFake(behaviour="wrong_language") as wrong:
        env = {**env, "CROSSDESK_LLM_BASE_URL": wrong.api_base}
        out = run(env, "translate", "The item arrived broken.", "--to", "de")
        assert out.exit_code == 0
        assert out.stdout.strip() == "Der Artikel kam kaputt an."
        assert "llm: the answer is in fr, not de" in out.stderr and "translated by offline" in out.stderr
        forced = run(env, "translate", "The item arrived broken.", "--to", "de", "--provider", "llm")
        assert forced.exit_code == 1 and "the answer is in fr, not de" in forced.output


def test_draft_and_usage(env) -> None:
    out = run(env, "draft", "1")
    assert out.exit_code == 0, out.output
    assert "draft (de):" in out.stdout and "back-translation (en):" in out.stdout
    assert "1Z999AA10123456781" in out.stdout and "check:" not in out.stdout
    assert "not sent" in out.stderr
    usage = run(env, "llm", "usage")
    assert "1 calls (0 failed)" in usage.stdout and "draft" in usage.stdout


def test_summarize_and_thread(env) -> None:
    out = run(env, "summarize", "1")
    assert out.exit_code == 0 and out.stdout.startswith("1 messages (de).")
    run(env, "translate-incoming")
    shown = run(env, "thread", "1")
    assert "translated by" in shown.stdout


def test_budget_and_clear_errors(env) -> None:
    assert "daily_tokens 10" in run(env, "llm", "budget", "--tokens", "10").stdout
    out = run(env, "draft", "1")
    assert out.exit_code == 1 and "daily budget" in out.output
    out = run({**env, "CROSSDESK_LLM_BASE_URL": ""}, "draft", "1")
    assert out.exit_code == 1 and "CROSSDESK_LLM_BASE_URL" in out.output


def test_thread_says_when_no_real_translator_is_configured(env) -> None:
    env = {**env, "CROSSDESK_LLM_BASE_URL": ""}
    run(env, "translate-incoming")
    out = run(env, "thread", "1")
    assert "translated by the phrasebook" in out.stdout
    assert "No real translator is configured" in out.stderr


def test_bench_reports_tokens_and_time(env) -> None:
    out = run(env, "llm", "bench", "--messages", "24", "--drafts", "2", "--batch", "5")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].startswith("translate: 24 messages in ") and "24 accepted by the checks" in lines[0]
    assert "tokens and" in lines[0] and "ms per message" in lines[0]
    assert lines[1].startswith("draft: 2 drafts: ") and "0 flagged" in lines[1]
