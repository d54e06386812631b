"""Decoding mail text in the charsets our 13 buyer languages use.

Mail clients label text with the narrow charset name while writing the wider one (a "GB2312" message with
GBK characters, "Shift_JIS" with NEC and IBM extensions, "EUC-KR" with the Unified Hangul Code, "ISO-8859-1"
that is really windows-1252). Python's codecs of the narrow names refuse those bytes, so each label is read
with its superset: no text that decodes under the narrow name decodes differently under the superset.
"""

from __future__ import annotations

import codecs

#: label (as lowercased in a Content-Type) -> the superset codec Python reads it with
SUPERSETS: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "euc-jp": "euc_jis_2004",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-6": "iso8859_6",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}


def codec_for(label: str | None) -> str | None:
    """The Python codec to read text labelled ``label`` with, or None when no codec knows the label."""
    name = (label or "").strip().strip('"').lower()
    if not name:
        return "utf-8"
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, label: str | None) -> tuple[str, str]:
    """``data`` as text, and a note ("" when clean) saying what went wrong: an unknown charset label
    (read as UTF-8, then windows-1252) or bytes invalid in the labelled charset (replaced by U+FFFD)."""
    codec = codec_for(label)
    if codec is None:
        try:
            return data.decode("utf-8"), f"unknown charset {label!r}, read as UTF-8"
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace"), f"unknown charset {label!r}, read as windows-1252"
    try:
        return data.decode(codec), ""
    except UnicodeDecodeError:
        if codec != "utf-8":
            try:  # a wrong label on UTF-8 text is the most common lie
                return data.decode("utf-8"), f"labelled {label} but UTF-8"
            except UnicodeDecodeError:
                pass
        return data.decode(codec, errors="replace"), f"bytes invalid in {label} replaced"
