"""Mail accounts: one or more per desk, each tied to a shop, with IMAP in and SMTP out.

Settings live in ``mail_accounts``; the password never does. It is read like a marketplace credential
(:mod:`crossdesk.sync.secrets`), with the platform name ``mail`` and the account's name as the shop:
``CROSSDESK_MAIL_<ACCOUNT>_PASSWORD``, ``CROSSDESK_MAIL_PASSWORD``, or a ``[mail."<account>"]`` table with
``password = "..."`` in the credentials file; an account bound by ``crossdesk shops add amazon`` keeps it
in the vault, under ``mail/<account>``, which wins (docs/onboarding.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store
from crossdesk.sync.secrets import Secret, env_names, load_credentials

SECURITY = ("tls", "starttls", "none")
FIELDS = (
    "address",
    "username",
    "imap_host",
    "imap_port",
    "imap_security",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "folder",
    "processed_folder",
    "sent_folder",
)
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    shop_id: int
    address: str
    username: str
    imap_host: str
    imap_port: int
    imap_security: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    folder: str
    processed_folder: str
    sent_folder: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Account:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})

    @property
    def login(self) -> str:
        return self.username or self.address


class Accounts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, actor: Actor, *, name: str, shop_id: int, address: str, **settings: Any) -> int:
        """Add (or change) an account; any password given is refused: it belongs in the environment."""
        self.store.require(actor, "manage_settings")
        name = name.strip()
        if not name:
            raise DeskError("a mail account needs a name")
        bad = [k for k in settings if k not in FIELDS]
        if bad:
            raise DeskError(
                f"mail accounts have no setting {', '.join(bad)}"
                + (" (passwords go in the environment or the credentials file)" if "password" in bad else "")
            )
        if not _ADDRESS.match(address or ""):
            raise DeskError(f"{address!r} is not an e-mail address")
        for key in ("imap_security", "smtp_security"):
            if key in settings and settings[key] not in SECURITY:
                raise DeskError(f"{key} must be one of {', '.join(SECURITY)}, not {settings[key]!r}")
        if not self.store.db.execute("SELECT 1 FROM shops WHERE id = ?", [shop_id]).fetchone():
            raise NotFound(f"no shop #{shop_id}")
        row = {"name": name, "shop_id": shop_id, "address": address.lower(), **settings}
        with self.store.tx():
            existing = self.store.row("SELECT * FROM mail_accounts WHERE name = ?", [name])
            if existing is None:
                account_id = self.store.insert("mail_accounts", dict(row, created_at=self.store.now()))
            else:
                account_id = existing["id"]
                self.store.update("mail_accounts", account_id, row)
            self.store.audit(actor, "mail.account", "mail_account", account_id, existing, row)
        return account_id

    def list(self, actor: Actor) -> list[Account]:
        self.store.require(actor, "view")
        return [Account.of(r) for r in self.store.rows("SELECT * FROM mail_accounts ORDER BY id")]

    def get(self, actor: Actor, which: str | int) -> Account:
        self.store.require(actor, "view")
        row = self.store.row(
            "SELECT * FROM mail_accounts WHERE name = ? OR id = ? ORDER BY id LIMIT 1",
            [str(which), str(which)],
        )
        if row is None:
            raise NotFound(f"no mail account {which!r}")
        return Account.of(row)


def password(
    account: Account,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
    vault: Any = None,
) -> Secret:
    """The account's password (or app password): the vault's ``mail/<account>`` entry when it holds one,
    else the environment or the credentials file."""
    if vault is not None:
        from crossdesk.vault import VaultError, entry_name

        try:
            held = vault.get(entry_name("mail", account.name)) or {}
        except VaultError as exc:
            raise DeskError(f"mail account {account.name}: {exc}") from None
        if held.get("password"):
            return Secret(held["password"])
    kwargs: dict[str, Any] = {"keys": ("password",), "env": env}
    if path is not None:
        kwargs["path"] = path
    found = load_credentials("mail", account.name, **kwargs)
    if not found.get("password"):
        per_account, platform_wide = env_names("mail", account.name, "password")
        raise DeskError(
            f"mail account {account.name}: no password; set {per_account} (or {platform_wide}), or add "
            f'password to a [mail."{account.name}"] table of the credentials file'
        )
    return found["password"]
