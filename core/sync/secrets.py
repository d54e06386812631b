"""Marketplace credentials: where they come from, and how they are kept out of logs and the database.

Credentials never go into the desk database (``shops.config`` holds only non-secret settings such as a
marketplace id or a page size). The keys a platform reads are the ones its plugin declares
(``PlatformSpec.credentials``), the same way for a built-in platform and a third-party one. Each comes
from, first match wins per key:

1. the environment, per shop: ``CROSSDESK_<PLATFORM>_<SHOP>_<KEY>``, e.g.
   ``CROSSDESK_AMAZON_A1PA6795UKMFR9_REFRESH_TOKEN``;
2. the environment, per platform: ``CROSSDESK_<PLATFORM>_<KEY>``, e.g. ``CROSSDESK_SHOPIFY_ACCESS_TOKEN``;
3. the credentials file, TOML, at ``CROSSDESK_CREDENTIALS`` or ``credentials.toml`` in the user config
   directory, with a table per shop (every key of it is passed on, declared or not)::

       [amazon."A1PA6795UKMFR9"]
       client_id = "amzn1.application-oa2-client...."
       client_secret = "..."
       refresh_token = "Atzr|..."

In a name, the platform name, the shop's external id and the key are each upper-cased with every character
other than an ASCII letter or digit turned into ``_`` (:func:`env_names`). The environment is searched for
declared keys only, never scanned by prefix: a shop id may contain underscores (``acme_outlet``) and one
platform's name may begin another's, so a name cannot be split back into platform, shop and key.

Every value loaded is registered with the :data:`REDACTOR`, and :func:`install_redaction` rewrites each
log record as it is created, so neither a token's value nor the usual secret-bearing fragments
(``access_token=...``, ``Authorization: Bearer ...``, ``sign=...``) reach any handler.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import platformdirs

from crossdesk.shops.service import secret_keys

ENV_FILE = "CROSSDESK_CREDENTIALS"


log = logging.getLogger(__name__)


class CredentialsError(Exception):
    """The credentials could not be read (unreadable file, bad TOML); the message says which and why."""


class Secret(str):
    """A string that does not show itself in ``repr`` (tracebacks, debug dumps of a config dict)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"


# ---- redaction -----------------------------------------------------------------------------------

_PATTERNS = (
    # key=value in query strings and form bodies, key: value / "key": "value" in headers and JSON
    re.compile(
        r"(?i)(\b(?:access_token|refresh_token|client_secret|partner_key|sign|api_key|password)"
        r"[\"']?\s*[=:]\s*[\"']?)([^&\s\"',}]+)"
    ),
    re.compile(
        r"(?i)((?:authorization|x-amz-access-token|x-shopify-access-token)[\"']?\s*[:=]\s*[\"']?)([^\"'\n,}]+)"
    ),
    re.compile(r"(?i)(\b(?:bearer|iaf|basic)\s+)([A-Za-z0-9._~+/=|-]{8,})"),
)


class Redactor:
    """Replaces registered secret values, and secret-looking fragments, with ``***``."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._regex: re.Pattern[str] | None = None

    def register(self, value: str) -> None:
        # Very short values would redact ordinary words; real credentials are long.
        if isinstance(value, str) and len(value) >= 6:
            with self._lock:
                if value not in self._values:
                    self._values.add(value)
                    self._regex = None

    def redact(self, text: str) -> str:
        if not text:
            return text
        with self._lock:
            if self._regex is None and self._values:
                alternatives = sorted(self._values, key=len, reverse=True)
                self._regex = re.compile("|".join(re.escape(v) for v in alternatives))
            regex = self._regex
        if regex is not None:
            text = regex.sub("***", text)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + "***", text)
        return text


REDACTOR = Redactor()
_installed = False
_install_lock = threading.Lock()


def redact(text: str) -> str:
    """``text`` with every known secret and secret-looking fragment replaced by ``***``."""
    return REDACTOR.redact(text)


def install_redaction() -> None:
    """Redact every log record at creation, whichever logger makes it (httpx logs request URLs, and
    Shopee's carry the access token). Idempotent."""
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # a broken format string is the caller's bug; leave it to logging
                return record
            clean = REDACTOR.redact(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_info[1] is not None:
                import traceback

                record.exc_text = REDACTOR.redact(
                    "".join(traceback.format_exception(*record.exc_info)).rstrip()
                )
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


# ---- loading -------------------------------------------------------------------------------------


def credentials_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(ENV_FILE):
        return Path(env[ENV_FILE])
    return Path(platformdirs.user_config_dir("crossdesk", appauthor=False)) / "credentials.toml"


def _env_name(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p).upper() for p in ("crossdesk", *parts))


def env_names(platform: str, shop: str, key: str) -> tuple[str, str]:
    """The environment variables that may hold ``key`` for one shop, in the order they are tried:
    ``("CROSSDESK_<PLATFORM>_<SHOP>_<KEY>", "CROSSDESK_<PLATFORM>_<KEY>")``."""
    return _env_name(platform, shop, key), _env_name(platform, key)


def load_credentials(
    platform: str,
    shop: str,
    *,
    keys: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> dict[str, Secret]:
    """The credentials of one shop (``shop`` is its external id), each value a :class:`Secret` registered
    for redaction: every declared key in ``keys`` found in the environment or the file, and every key of
    the shop's table in the file."""
    env = os.environ if env is None else env
    platform = platform.lower()
    found: dict[str, str] = {}
    file = path if path is not None else credentials_path(env)
    if file.exists():
        mode = file.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            log.warning("credentials file %s is readable by other users; chmod 600 it", file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CredentialsError(f"cannot read credentials file {file}: {exc}") from None
        section = (data.get(platform) or {}).get(shop) or {}
        if isinstance(section, dict):
            found.update({str(k): str(v) for k, v in section.items()})
    for key in set(keys) | set(found):
        for name in env_names(platform, shop, key):
            if env.get(name):
                found[key] = env[name]
                break
    out = {k: Secret(v) for k, v in found.items()}
    for value in out.values():
        REDACTOR.register(value)
    return out


def check_no_secrets(platform: str, shop: str, config: Mapping[str, Any], keys: Iterable[str] = ()) -> None:
    """Refuse a shop config (stored in the database) that holds a credential: a key the platform declares
    as one (``keys``), or one whose name says it is a secret. ``desk.shops.upsert`` refuses to store one;
    this catches a config written before a plugin declared the key, or by hand."""
    bad = secret_keys(config, keys)
    if bad:
        raise CredentialsError(
            f"{platform} shop {shop}: the shop config in the database holds {', '.join(bad)}; "
            "move it to the environment or the credentials file and remove it from the shop"
        )
