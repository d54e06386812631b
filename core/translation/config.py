"""Translation settings: which provider per language pair, with fallbacks, and each provider's keys.

**Public** (translator SDK): :class:`Secret` (how a translator receives its keys) and :func:`reveal`; the
rest is the translation service's own.

Read from the ``[translation]`` table of the config file (``CROSSDESK_CONFIG``, else ``config.toml`` in the
user config directory) and from the environment, which wins. Keys are held in :class:`Secret`, whose
``repr`` and ``str`` never show them, so a key cannot reach a log line, an error or the database by
accident. Example::

    [translation]
    agent_language = "en"
    providers = ["deepl", "google", "libretranslate", "offline"]  # the default route, in order

    [translation.routes]             # per pair; "*" matches any language
    "ja->en" = ["google", "offline"]
    "*->ko" = ["google", "offline"]

    [translation.deepl]
    auth_key = "..."                 # or DEEPL_AUTH_KEY
    [translation.libretranslate]
    url = "https://lt.example.org"   # or LIBRETRANSLATE_URL; api_key or LIBRETRANSLATE_API_KEY
    [translation.google]
    api_key = "..."                  # or GOOGLE_TRANSLATE_API_KEY
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

ENV_CONFIG = "CROSSDESK_CONFIG"
ENV_PROVIDERS = "CROSSDESK_TRANSLATORS"  # comma-separated default route, e.g. "deepl,offline"
ENV_AGENT_LANGUAGE = "CROSSDESK_AGENT_LANGUAGE"

#: Environment variables per provider setting; they override the config file.
PROVIDER_ENV: dict[str, dict[str, str]] = {
    "deepl": {"auth_key": "DEEPL_AUTH_KEY", "base_url": "DEEPL_BASE_URL"},
    "libretranslate": {"url": "LIBRETRANSLATE_URL", "api_key": "LIBRETRANSLATE_API_KEY"},
    "google": {"api_key": "GOOGLE_TRANSLATE_API_KEY", "base_url": "GOOGLE_TRANSLATE_BASE_URL"},
}

#: Setting names that hold secrets, whatever the provider.
SECRET_FIELDS = frozenset({"auth_key", "api_key", "key", "token", "password", "secret"})

DEFAULT_ORDER = ("deepl", "google", "libretranslate", "llm", "offline")


class Secret:
    """A value that never prints itself. ``reveal()`` is the only way to the text."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def reveal(value: Any) -> str:
    """The text of a setting that may or may not be a :class:`Secret` (for translators)."""
    if isinstance(value, Secret):
        return value.reveal()
    return "" if value is None else str(value)


@dataclass
class TranslationConfig:
    """The resolved settings. ``routes`` maps ``"src->dst"`` (``*`` wildcards) to provider names."""

    agent_language: str = "en"
    providers: list[str] = field(default_factory=lambda: list(DEFAULT_ORDER))
    routes: dict[str, list[str]] = field(default_factory=dict)
    provider_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_size: int = 200  # incoming messages per background batch
    retry_after: int = 300  # seconds before a message nobody could translate is tried again
    source: str = "defaults"

    def route(self, source: str, target: str) -> list[str]:
        """Providers to try for ``source -> target``, most specific rule first, else the default order."""
        for key in (f"{source}->{target}", f"{source}->*", f"*->{target}", "*->*"):
            if key in self.routes:
                return list(self.routes[key])
        return list(self.providers)

    def settings_for(self, provider: str) -> dict[str, Any]:
        return dict(self.provider_settings.get(provider, {}))

    def describe(self) -> dict[str, Any]:
        """A printable view: secrets shown only as set or not set."""
        return {
            "agent_language": self.agent_language,
            "providers": self.providers,
            "routes": self.routes,
            "provider_settings": {
                name: {k: ("(set)" if v else "(empty)") if isinstance(v, Secret) else v for k, v in s.items()}
                for name, s in self.provider_settings.items()
            },
            "source": self.source,
        }


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    return Path(platformdirs.user_config_dir("crossdesk", appauthor=False)) / "config.toml"


def _lang(code: Any, where: str) -> str:
    text = str(code).strip().lower()
    if text != "*" and not (2 <= len(text) <= 3 and text.isalpha()):
        raise ValueError(f"{where}: {code!r} is not an ISO 639-1 language code")
    return text


def _secretize(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: Secret(str(v)) if k in SECRET_FIELDS and not isinstance(v, Secret) else v
        for k, v in settings.items()
    }


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | None = None,
) -> TranslationConfig:
    """Build the settings from ``data`` (a ``[translation]`` table already parsed), else the config file
    at ``path`` (default :func:`config_path`; a missing file means defaults), then the environment.

    A malformed file or a wrong value raises ``ValueError`` with one line that says where.
    """
    env = os.environ if env is None else env
    cfg = TranslationConfig()
    table: Mapping[str, Any] = {}
    if data is not None:
        table = data
        cfg.source = "given"
    else:
        file = Path(path) if path is not None else config_path(env)
        if file.is_file():
            try:
                parsed = tomllib.loads(file.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{file}: not valid TOML: {exc}") from None
            table = parsed.get("translation", {})
            if not isinstance(table, Mapping):
                raise ValueError(f"{file}: [translation] must be a table")
            cfg.source = str(file)
    if "agent_language" in table:
        cfg.agent_language = _lang(table["agent_language"], "translation.agent_language")
    if "providers" in table:
        providers = table["providers"]
        if not isinstance(providers, list) or not all(isinstance(p, str) for p in providers):
            raise ValueError("translation.providers must be a list of provider names")
        cfg.providers = [p.strip() for p in providers if p.strip()]
    for key in ("batch_size", "retry_after"):
        if key in table:
            value = table[key]
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"translation.{key} must be a positive integer")
            setattr(cfg, key, value)
    for pair, providers in dict(table.get("routes", {})).items():
        src, sep, dst = str(pair).partition("->")
        if not sep:
            raise ValueError(f"translation.routes: {pair!r} must look like 'de->en' or '*->ja'")
        if not isinstance(providers, list) or not providers:
            raise ValueError(f"translation.routes.{pair} must be a non-empty list of provider names")
        cfg.routes[f"{_lang(src, 'translation.routes')}->{_lang(dst, 'translation.routes')}"] = [
            str(p) for p in providers
        ]
    for name, settings in table.items():
        if isinstance(settings, Mapping) and name != "routes":
            cfg.provider_settings[name] = _secretize(settings)
    # The environment wins over the file.
    if env.get(ENV_AGENT_LANGUAGE):
        cfg.agent_language = _lang(env[ENV_AGENT_LANGUAGE], ENV_AGENT_LANGUAGE)
    if env.get(ENV_PROVIDERS):
        cfg.providers = [p.strip() for p in env[ENV_PROVIDERS].split(",") if p.strip()]
    for provider, names in PROVIDER_ENV.items():
        for setting, var in names.items():
            if env.get(var):
                cfg.provider_settings.setdefault(provider, {})[setting] = (
                    Secret(env[var]) if setting in SECRET_FIELDS else env[var]
                )
    return cfg
