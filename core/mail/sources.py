"""Raw mails from a path: one .eml file, a directory of them, a Maildir, or an mbox file (stdlib
:mod:`mailbox`), each yielded as ``(name, bytes)`` so a bad one is reported by name and the rest go on."""

from __future__ import annotations

import mailbox
from collections.abc import Iterable, Iterator
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from crossdesk.errors import DeskError


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(5) == b"From "


def read_path(path: str | Path) -> Iterator[tuple[str, bytes]]:
    """Every raw message under ``path``, in a stable order."""
    path = Path(path)
    if not path.exists():
        raise DeskError(f"{path}: no such file or directory")
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.keys()):
                with box.get_file(key) as f:
                    yield f"{path.name}/{key}", f.read()
            return
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix.lower() in (".eml", ".msg", ".txt", ""):
                yield from read_path(child) if _is_mbox(child) else [(str(child), child.read_bytes())]
        return
    if _is_mbox(path):
        box = mailbox.mbox(path, factory=None, create=False)
        for i, key in enumerate(box.keys()):
            yield f"{path.name}#{i + 1}", box.get_bytes(key)
        return
    yield str(path), path.read_bytes()


def _date(raw: bytes) -> float:
    try:
        value = BytesHeaderParser().parsebytes(raw[:65536]).get("Date")
        return parsedate_to_datetime(str(value)).timestamp() if value else float("inf")
    except (TypeError, ValueError, IndexError, OverflowError):
        return float("inf")


def by_date(mails: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The mails oldest first by their Date header (undated last, in the order read), so a reply is
    threaded after the mail it answers whatever the file names. Holds the batch in memory."""
    listed = list(mails)
    return [m for _, _, m in sorted((_date(raw), i, (name, raw)) for i, (name, raw) in enumerate(listed))]
