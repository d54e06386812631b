"""A ticket's mail: its attachments (``desk.mail.attachments``), listed in a picker and opened with the
system's viewer (photos of damaged goods are the common case), and the full original of the buyer's last
mail (``desk.mail.original``: quoted history and all, one key away)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from crossdesk.tui.messages import Result


class AttachmentsListed(Result[list]):
    """The ticket's attachments (rows of ``desk.mail.attachments``)."""


class OriginalLoaded(Result[str]):
    """The raw text of the buyer's last mail on the ticket ("" when none came by mail)."""


def last_original(desk: object, actor: object, ticket: dict) -> str:
    """The raw mail behind the ticket's newest buyer message that came by mail, as text ("" if none)."""
    for message in reversed(ticket.get("messages") or []):
        if message.get("direction") == "in" and message.get("channel") == "email":
            raw: bytes = desk.mail.original(actor, message["id"])  # type: ignore[attr-defined]
            return raw.decode("utf-8", errors="replace")
    return ""


class OriginalModal(ModalScreen[None]):
    """The full original mail, headers and quoted history included, scrollable."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="original.close")]

    def __init__(self, raw: str) -> None:
        super().__init__()
        self._raw = raw

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("The original mail", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(escape(self._raw), id="original-text")

    def action_close(self) -> None:
        self.dismiss(None)


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
