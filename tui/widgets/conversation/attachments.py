"""A ticket's mail attachments (``desk.mail.attachments``): listed in a picker, opened with the system's
viewer (photos of damaged goods are the common case)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from crossdesk.tui.messages import Result


class AttachmentsListed(Result[list]):
    """The ticket's attachments (rows of ``desk.mail.attachments``)."""


def label(row: dict) -> str:
    kind = row.get("sniffed_type") or row.get("declared_type") or "?"
    size = int(row.get("size") or 0)
    shown = f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, size // 1024)} kB"
    note = "" if row.get("path") else " (not kept)"
    return f"{row['filename']} · {kind} · {shown}{note}"


def viewer_command(path: str, platform: str = sys.platform) -> list[str] | None:
    """The command that opens ``path`` with the desktop's viewer, or None when there is none."""
    if platform == "darwin":
        return ["open", path]
    opener = shutil.which("xdg-open")
    return [opener, path] if opener else None


def open_with_viewer(path: str) -> str:
    """Open ``path`` in the system viewer, detached from the TUI. Returns "" or why it could not."""
    if not path or not Path(path).exists():
        return "this attachment was not kept (over the size cap, or imported without its files)"
    if sys.platform == "win32":  # pragma: no cover - Windows only
        os.startfile(path)  # type: ignore[attr-defined]
        return ""
    command = viewer_command(path)
    if command is None:
        return f"no viewer found (xdg-open); the file is at {path}"
    subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return ""
