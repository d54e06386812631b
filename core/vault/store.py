"""Vault back ends: the system keyring, or a file only its owner can read, encrypted with the operator's key.

Which one :func:`open_vault` picks, first match wins:

1. ``CROSSDESK_VAULT_KEY`` is set: the encrypted file (``CROSSDESK_VAULT_FILE``, or ``vault.bin`` in the
   user config directory). The key is a passphrase; the file key is derived from it with scrypt and a
   random salt kept in the file, and every write is Fernet-encrypted (AES-128-CBC + HMAC-SHA256) by the
   ``cryptography`` library;
2. a real system keyring (Secret Service, macOS Keychain, Windows Credential Locker) through the
   ``keyring`` library;
3. neither: :class:`VaultError` saying how to give a key.

Every write of the file is atomic: the whole new content goes to a temporary file in the same directory
(mode 0600), is flushed and fsynced, then ``os.replace``-d over the old file and the directory fsynced.
A crash at any point leaves either the old file or the new one, never a half-written one, so a rotated
refresh token is on disk before the one it replaces is gone. Writers in several processes are serialised
with an advisory lock (``fcntl.flock``) on a lock file beside it.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

import orjson

ENV_KEY = "CROSSDESK_VAULT_KEY"
ENV_FILE = "CROSSDESK_VAULT_FILE"
SERVICE = "crossdesk"
_INDEX = "__index__"


class VaultError(Exception):
    """The vault cannot be opened, read or written; the message says which and what to do."""


def entry_name(platform: str, shop: str) -> str:
    """The vault entry of one shop's credentials: ``"<platform>/<shop external id>"``."""
    return f"{platform.lower()}/{shop}"


class Vault(Protocol):
    """A small store of named entries, each a mapping of text to text."""

    description: str

    def get(self, name: str) -> dict[str, str] | None: ...

    def put(self, name: str, values: Mapping[str, str]) -> None: ...

    def delete(self, name: str) -> bool: ...

    def names(self) -> list[str]: ...


class MemoryVault:
    """A vault in memory, for tests and the demo (nothing survives the process)."""

    description = "memory"

    def __init__(self) -> None:
        self._data: dict[str, dict[str, str]] = {}

    def get(self, name: str) -> dict[str, str] | None:
        value = self._data.get(name)
        return dict(value) if value is not None else None

    def put(self, name: str, values: Mapping[str, str]) -> None:
        self._data[name] = {str(k): str(v) for k, v in values.items()}

    def delete(self, name: str) -> bool:
        return self._data.pop(name, None) is not None

    def names(self) -> list[str]:
        return sorted(self._data)


# ---- the encrypted file -----------------------------------------------------------------------------


def _fernet(passphrase: str, salt: bytes):  # -> cryptography.fernet.Fernet
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    key = Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(passphrase.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


class FileVault:
    """Entries in one file, readable by its owner only, encrypted with a key derived from a passphrase."""

    def __init__(self, path: str | Path, passphrase: str) -> None:
        if not passphrase or len(passphrase) < 12:
            raise VaultError(
                f"{ENV_KEY} must be at least 12 characters (a passphrase only the operator knows)"
            )
        self.path = Path(path)
        self.description = f"encrypted file {self.path}"
        self._passphrase = passphrase
        self._lock = threading.Lock()
        self._cache: tuple[bytes, object] | None = None  # (salt, Fernet): scrypt is slow on purpose

    # -- reading

    def _cipher(self, salt: bytes):
        if self._cache is None or self._cache[0] != salt:
            self._cache = (salt, _fernet(self._passphrase, salt))
        return self._cache[1]

    def _load(self) -> tuple[bytes, dict[str, dict[str, str]]]:
        from cryptography.fernet import InvalidToken

        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return os.urandom(16), {}
        except OSError as exc:
            raise VaultError(f"cannot read the vault {self.path}: {exc.strerror}") from None
        try:
            head = orjson.loads(raw)
            salt = base64.b64decode(head["salt"])
            token = head["data"].encode("ascii")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise VaultError(f"the vault {self.path} is not a crossdesk vault file") from None
        try:
            data = orjson.loads(self._cipher(salt).decrypt(token))
        except InvalidToken:
            raise VaultError(
                f"cannot decrypt the vault {self.path}: {ENV_KEY} is not the key it was written with"
            ) from None
        return salt, data

    # -- writing

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._lock:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def _write(self, salt: bytes, data: Mapping[str, Mapping[str, str]]) -> None:
        token = self._cipher(salt).encrypt(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
        blob = orjson.dumps({"v": 1, "salt": base64.b64encode(salt).decode(), "data": token.decode()})
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            self._before_replace(tmp)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _before_replace(self, tmp: Path) -> None:
        """A seam for the crash tests: runs after the new content is on disk, before it replaces the old."""

    def get(self, name: str) -> dict[str, str] | None:
        _, data = self._load()
        value = data.get(name)
        return dict(value) if value is not None else None

    def put(self, name: str, values: Mapping[str, str]) -> None:
        with self._locked():
            salt, data = self._load()
            data[name] = {str(k): str(v) for k, v in values.items()}
            self._write(salt, data)

    def delete(self, name: str) -> bool:
        with self._locked():
            salt, data = self._load()
            if name not in data:
                return False
            del data[name]
            self._write(salt, data)
            return True

    def names(self) -> list[str]:
        return sorted(self._load()[1])


# ---- the system keyring -----------------------------------------------------------------------------


class KeyringVault:
    """Entries in the system keyring, one password per entry (JSON), plus an index of the names."""

    def __init__(self, backend: object | None = None) -> None:
        import keyring

        self._kr = backend if backend is not None else keyring.get_keyring()
        self.description = f"system keyring ({type(self._kr).__module__}.{type(self._kr).__name__})"

    def get(self, name: str) -> dict[str, str] | None:
        raw = self._kr.get_password(SERVICE, name)
        return dict(orjson.loads(raw)) if raw else None

    def put(self, name: str, values: Mapping[str, str]) -> None:
        self._kr.set_password(
            SERVICE, name, orjson.dumps({str(k): str(v) for k, v in values.items()}).decode()
        )
        names = set(self.names()) | {name}
        self._kr.set_password(SERVICE, _INDEX, orjson.dumps(sorted(names)).decode())

    def delete(self, name: str) -> bool:
        import keyring.errors

        try:
            self._kr.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            return False
        names = set(self.names()) - {name}
        self._kr.set_password(SERVICE, _INDEX, orjson.dumps(sorted(names)).decode())
        return True

    def names(self) -> list[str]:
        raw = self._kr.get_password(SERVICE, _INDEX)
        return list(orjson.loads(raw)) if raw else []


def _real_keyring() -> object | None:
    """The system keyring backend, or None when only the fail/null backends exist (a headless server)."""
    try:
        import keyring
    except ImportError:
        return None
    backend = keyring.get_keyring()
    module = type(backend).__module__
    if re.search(r"keyring\.backends\.(fail|null)\b", module) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def default_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(ENV_FILE):
        return Path(env[ENV_FILE])
    import platformdirs

    return Path(platformdirs.user_config_dir("crossdesk", appauthor=False)) / "vault.bin"


def open_vault(env: Mapping[str, str] | None = None, *, required: bool = True) -> Vault | None:
    """The desk's vault, as the module docstring says; None when there is none and ``required`` is False."""
    env = os.environ if env is None else env
    if env.get(ENV_KEY):
        return FileVault(default_path(env), env[ENV_KEY])
    backend = _real_keyring()
    if backend is not None:
        return KeyringVault(backend)
    if not required:
        return None
    raise VaultError(
        f"no secret store: this system has no keyring; set {ENV_KEY} to a passphrase (12+ characters) "
        f"and tokens go to an encrypted file ({default_path(env)}, or {ENV_FILE})"
    )
