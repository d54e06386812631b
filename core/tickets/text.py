"""Text hygiene for what platforms send: broken UTF-8, lone surrogates, NULs."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Either of them: clean text (nearly all of it) is scanned once, not twice.
_EITHER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str | bytes) -> tuple[str, bool]:
    """Return ``(text, repaired)``: valid UTF-8-encodable text, and whether anything had to be replaced.

    Invalid bytes and lone surrogates become U+FFFD (so the rest of the message survives and the damage
    stays visible); control characters other than tab and newlines are dropped. CRLF becomes LF.
    """
    repaired = False
    if isinstance(value, bytes | bytearray):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            text = bytes(value).decode("utf-8", errors="replace")
            repaired = True
    else:
        text = str(value)
    if _EITHER.search(text):
        if _SURROGATE.search(text):
            text = _SURROGATE.sub("\ufffd", text)
            repaired = True
        if _CONTROL.search(text):
            text = _CONTROL.sub("", text)
            repaired = True
    return text.replace("\r\n", "\n"), repaired
