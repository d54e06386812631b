"""Translation settings: file, environment, routes, secrets."""

from __future__ import annotations

import pytest

from crossdesk.translation import Secret, load_config


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    cfg = load_config(tmp_path / "missing.toml", env={})
    assert cfg.providers == ["deepl", "google", "libretranslate", "llm", "offline"]
    assert cfg.agent_language == "en" and cfg.route("de", "en") == cfg.providers


def test_file_routes_and_provider_settings(tmp_path):
    path = write(
        tmp_path,
        """
[translation]
agent_language = "de"
providers = ["google", "offline"]
[translation.routes]
"ja->en" = ["deepl", "offline"]
"*->ko" = ["google"]
[translation.deepl]
auth_key = "file-key:fx"
base_url = "http://127.0.0.1:9"
""",
    )
    cfg = load_config(path, env={})
    assert cfg.agent_language == "de"
    assert cfg.route("ja", "en") == ["deepl", "offline"]
    assert cfg.route("fr", "ko") == ["google"]
    assert cfg.route("fr", "en") == ["google", "offline"]
    deepl = cfg.settings_for("deepl")
    assert isinstance(deepl["auth_key"], Secret) and deepl["auth_key"].reveal() == "file-key:fx"
    assert deepl["base_url"] == "http://127.0.0.1:9"


def test_environment_wins_over_the_file(tmp_path):
    path = write(tmp_path, '[translation.deepl]\nauth_key = "file-key"\n')
    env = {
        "DEEPL_AUTH_KEY": "env-key:fx",
        "LIBRETRANSLATE_URL": "http://127.0.0.1:5000",
        "GOOGLE_TRANSLATE_API_KEY": "g-key",
        "CROSSDESK_TRANSLATORS": "libretranslate, offline",
        "CROSSDESK_AGENT_LANGUAGE": "JA",
    }
    cfg = load_config(path, env=env)
    assert cfg.settings_for("deepl")["auth_key"].reveal() == "env-key:fx"
    assert cfg.settings_for("libretranslate")["url"] == "http://127.0.0.1:5000"
    assert cfg.settings_for("google")["api_key"].reveal() == "g-key"
    assert cfg.providers == ["libretranslate", "offline"] and cfg.agent_language == "ja"


def test_config_file_found_through_the_environment(tmp_path):
    path = write(tmp_path, '[translation]\nagent_language = "fr"\n')
    assert load_config(env={"CROSSDESK_CONFIG": str(path)}).agent_language == "fr"


def test_secrets_never_print():
    s = Secret("abc:fx")
    assert "abc" not in repr(s) and "abc" not in str(s) and "abc" not in f"{s}"
    cfg = load_config(data={"deepl": {"auth_key": "abc:fx"}}, env={})
    assert "abc" not in repr(cfg) and "abc" not in str(cfg.describe())
    assert cfg.describe()["provider_settings"]["deepl"]["auth_key"] == "(set)"


@pytest.mark.parametrize(
    "text,message",
    [
        ("[translation\n", "not valid TOML"),
        ('[translation]\nagent_language = "english"\n', "not an ISO 639-1"),
        ('[translation]\nproviders = "deepl"\n', "must be a list"),
        ('[translation.routes]\n"de-en" = ["deepl"]\n', "must look like"),
        ('[translation.routes]\n"de->en" = []\n', "non-empty list"),
        ("[translation]\nbatch_size = 0\n", "positive integer"),
    ],
)
def test_bad_settings_say_where(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_config(write(tmp_path, text), env={})
