"""Attachments stored content-addressed on disk beside the desk, their type checked from their bytes.

A file is kept once under the SHA-256 of its bytes (``<files>/attachments/ab/abcdef...``), however many
mails carry it. Its type is sniffed from its first bytes with puremagic (pure Python, no libmagic), so a
"photo.jpg" that is a Windows program is recorded as what it is and flagged. A file over the size cap is
not kept (its metadata is, with a note); the raw mail it came in is kept in full.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

#: Default size cap per attachment, in bytes (the big mail providers refuse more than 25 MB per mail).
MAX_BYTES = 30 * 1024 * 1024

#: Types a buyer plausibly sends a seller; anything else is flagged for the agent to be careful with.
SAFE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "image/heif",
        "image/bmp",
        "image/tiff",
        "application/pdf",
        "text/plain",
        "video/mp4",
        "video/quicktime",
    }
)


@dataclass
class Stored:
    sha256: str
    size: int
    sniffed_type: str
    stored: bool
    note: str


def sniff(data: bytes) -> str:
    """The MIME type the bytes say they are, or "" when they match no known signature."""
    import puremagic

    try:
        found = puremagic.magic_string(data[:8192])
    except (puremagic.PureError, ValueError):
        return ""
    for match in found:
        if match.mime_type:
            return match.mime_type
    return ""


def _same_kind(declared: str, sniffed: str) -> bool:
    if not declared or not sniffed or declared == "application/octet-stream":
        return True
    aliases = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
    return (
        aliases.get(declared, declared) == aliases.get(sniffed, sniffed)
        or declared.split("/")[0] == sniffed.split("/")[0]
    )


class FileStore:
    """Raw mails and attachments under one directory beside the desk."""

    def __init__(self, root: Path, max_bytes: int = MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path(self, kind: str, sha256: str) -> Path:
        return self.root / kind / sha256[:2] / sha256

    def put(self, kind: str, data: bytes, sha256: str | None = None) -> str:
        """Store ``data`` under its hash (atomically; a file already there is left alone). Returns the hash."""
        sha = sha256 or hashlib.sha256(data).hexdigest()
        target = self.path(kind, sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f"{sha}.{os.getpid()}.partial")
            partial.write_bytes(data)
            os.replace(partial, target)
        return sha

    def get(self, kind: str, sha256: str) -> bytes:
        return self.path(kind, sha256).read_bytes()

    def attachment(self, data: bytes, declared_type: str) -> Stored:
        """Keep one attachment (unless over the cap) and say what it is."""
        sha = hashlib.sha256(data).hexdigest()
        sniffed = sniff(data)
        notes = []
        if not _same_kind(declared_type.lower(), sniffed):
            notes.append(f"declared {declared_type} but the bytes are {sniffed}")
        kind = sniffed or declared_type.lower()
        if kind and kind not in SAFE_TYPES:
            notes.append(f"unusual type {kind}: open with care")
        if len(data) > self.max_bytes:
            notes.append(f"{len(data):,} bytes is over the {self.max_bytes:,}-byte cap: not kept")
            return Stored(sha, len(data), sniffed, False, "; ".join(notes))
        self.put("attachments", data, sha)
        return Stored(sha, len(data), sniffed, True, "; ".join(notes))
