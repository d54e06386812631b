"""``crossdesk detect``, ``translate``, ``translate-incoming``, ``translators``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.models import Actor


@pytest.fixture
def run(monkeypatch, tmp_path):
    for var in ("DEEPL_AUTH_KEY", "GOOGLE_TRANSLATE_API_KEY", "LIBRETRANSLATE_URL", "CROSSDESK_TRANSLATORS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CROSSDESK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CROSSDESK_DB", str(tmp_path / "absent.db"))
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_detect_prints_code_then_confidence(run):
    result = run("detect", "Wo ist meine Bestellung?")
    assert result.exit_code == 0
    code, confidence = result.output.split()
    assert code == "de" and 0.5 < float(confidence) <= 1.0


def test_detect_many_and_stdin(run):
    result = run("detect", "merci beaucoup", "-", input="谢谢你\nobrigado pela ajuda\n")
    assert [line.split()[0] for line in result.output.splitlines()] == ["fr", "zh", "pt"]


def test_detect_empty_is_a_one_line_error(run):
    result = run("detect", "  ")
    assert result.exit_code == 1 and result.output.strip() == "Error: nothing to detect: the text is empty"


def test_translate_offline(run):
    result = run("translate", "Wo ist meine Bestellung?", "--to", "en")
    assert (result.exit_code, result.output) == (0, "Where is my order?\n")


def test_translate_partial_says_so(run):
    result = run("translate", "Hallo, mein Hund hat das Paket gefressen.", "--to", "en", "--from", "de")
    assert result.exit_code == 0
    assert result.stdout == "Hello, ⟦mein Hund hat das Paket gefressen⟧ (package).\n"
    assert "left as written" in result.stderr


def test_translate_user_errors(run):
    assert run("translate", "x", "--to", "german").output.startswith("Error: --to: 'german' is not")
    bad = run("translate", "hello", "--to", "de", "--provider", "deepl")
    assert bad.exit_code == 1 and "no auth_key" in bad.output
    assert (
        "no translator named 'babel'" in run("translate", "hello", "--to", "de", "--provider", "babel").output
    )


def test_translate_incoming_twice_then_all_from_cache(run, tmp_path):
    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    admin = Actor.system()
    shop = desk.upsert_shop(admin, platform="shopee", external_id="s", name="s")
    for n, body in enumerate(["Wo ist meine Bestellung?", "Onde está o meu pedido?", "Thanks!"]):
        desk.receive_message(
            admin,
            platform="shopee",
            shop_id=shop,
            thread_id=f"t{n}",
            external_id=f"m{n}",
            body=body,
            created_at=n,
        )
    desk.close()
    first = run("translate-incoming", "--db", str(path))
    assert first.output.startswith("3 messages: 2 translated, 1 already in the target language, 0 queued")
    again = run("translate-incoming", "--db", str(path))
    assert again.output.startswith("0 messages")
    forced = run("translate-incoming", "--db", str(path), "--all")
    assert "cache hits 2, sent 0 texts" in forced.output


def test_translators_lists_readiness(run):
    out = run("translators").output
    assert "offline          ready" in out and "deepl            not ready: no auth_key" in out


def test_glossary_commands(run, tmp_path):
    path = str(tmp_path / "g.db")
    Desk.open(path).close()
    assert (
        run("glossary", "set", "AcmePhone", "--db", path).output == "glossary: AcmePhone never translated\n"
    )
    assert (
        run(
            "glossary", "set", "return label", "--to", "de=Retourenschein", "--from", "en", "--db", path
        ).exit_code
        == 0
    )
    listed = run("glossary", "list", "--db", path).output.splitlines()
    assert listed == [
        "AcmePhone: never translated (every shop)",
        "return label [en]: de=Retourenschein (every shop)",
    ]
    bad = run("glossary", "set", "x", "--to", "de", "--db", path)
    assert bad.exit_code == 1 and "LANG=TEXT" in bad.output
    assert run("glossary", "remove", "AcmePhone", "--db", path).output == "removed: AcmePhone\n"
    assert run("glossary", "remove", "AcmePhone", "--db", path).exit_code == 1
    # The phrasebook has this sentence: it translates it and writes the shop's own word for the term
    # (issue 12, the glossary bug: the term used to hide the sentence, left untranslated in ⟦ ⟧).
    out = run("translate", "Please send me a return label", "--to", "de", "--from", "en", "--db", path)
    assert out.stdout == "Bitte schicken Sie mir ein Retourenschein\n"
    out = run("translate", "Please send me a return label", "--to", "fr", "--from", "en", "--db", path)
    assert out.stdout == "Merci de m'envoyer une étiquette de retour\n"  # no French entry: the phrasebook's
