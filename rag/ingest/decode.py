"""File bytes -> text: UTF-8 (with or without BOM), UTF-16 (with a BOM, or without one when it reads as
text), else GB18030 or Big5, whichever reads as the common characters of its encoding."""

from __future__ import annotations


class UndecodableError(ValueError):
    """Bytes that are not text in any of the encodings read; the message says why."""


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TEXTLIKE = 0.95  # share of text characters a BOM-less UTF-16 reading needs (binary data falls far short)


def _utf16(data: bytes) -> str | None:
    """The text of UTF-16 bytes (Windows Notepad's "Unicode"), or None when they are not that."""
    if data[:2] in _UTF16_BOMS:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if text and sum(c.isprintable() or c.isspace() for c in text) / len(text) >= _TEXTLIKE:
            return text
    return None


def decode(data: bytes) -> str:
    if data[:2] in _UTF16_BOMS or b"\x00" in data:  # NUL bytes: UTF-16 text, or not text at all
        text = _utf16(data) if len(data) % 2 == 0 else None
        if text is None:
            raise UndecodableError("looks like a binary file (contains NUL bytes), not text")
        return text.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str]] = []
    for codec, common in (("gb18030", _gb_common), ("cp950", _big5_common)):
        try:
            decoded = data.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((common(decoded), decoded))
    if not candidates:
        raise UndecodableError("cannot decode the file as UTF-8, GB18030 or Big5")
    # Big5 bytes also decode as GB18030 (into rare characters); prefer the reading whose
    # characters are the common ones of that encoding. Ties go to GB18030.
    return max(candidates, key=lambda c: c[0])[1]


def _han(text: str) -> list[str]:
    return [c for c in text if "\u4e00" <= c <= "\u9fff"]


def _gb_common(text: str) -> float:
    """Share of Han characters in GB2312 (the common Simplified set)."""
    han = _han(text)
    return sum(1 for c in han if _encodable(c, "gb2312")) / len(han) if han else 0.0


def _big5_common(text: str) -> float:
    """Share of Han characters in Big5 level 1 (the frequently used Traditional set)."""
    han = _han(text)
    return sum(1 for c in han if 0xA4 <= c.encode("cp950")[0] <= 0xC6) / len(han) if han else 0.0


def _encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
