"""The secret store: where the tokens a desk obtains or renews itself are written (docs/onboarding.md).

    vault = open_vault()                       # keyring, or the encrypted file when a key is given
    vault.put("shopee/220011", {"access_token": ..., "refresh_token": ...})
    vault.get("shopee/220011")

The desk database never holds a secret; this is the only place a token the desk wrote lives.
"""

from __future__ import annotations

from crossdesk.vault.store import (
    ENV_FILE,
    ENV_KEY,
    FileVault,
    KeyringVault,
    MemoryVault,
    Vault,
    VaultError,
    entry_name,
    open_vault,
)

__all__ = [
    "ENV_FILE",
    "ENV_KEY",
    "FileVault",
    "KeyringVault",
    "MemoryVault",
    "Vault",
    "VaultError",
    "entry_name",
    "open_vault",
]
