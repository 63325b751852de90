"""File bytes -> text: UTF-8 (with or without BOM), UTF-16 (with a BOM, or without one when it reads as
text), else GB18030 or Big5, whichever reads as the common characters of its encoding; other encodings
through charset-normalizer. Never a silent mis-decode: a reading that is not sure says so (`Decoded.warning`),
and a file mixing UTF-8 lines with legacy-encoded lines is read line by line, with a warning.

Why not charset-normalizer first: on short Chinese texts it often prefers a single-byte code page
(GBK text guessed as cp874, Thai), while the share of common characters tells GB18030 from Big5 reliably
(eval/decode_bench.py measures both on DRCD and CMRC paragraphs).
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.zh.lexicon import lexicon


class UndecodableError(ValueError):
    """Bytes that are not text in any of the encodings read; the message says why."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warning: str = ""  # "" when the reading is sure


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TEXTLIKE = 0.95  # share of text characters a BOM-less UTF-16 reading needs (binary data falls far short)


def _threshold(name: str) -> float:
    return lexicon().number(f"ingest.decode.{name}")


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
    """The text of the bytes (see decode_file for the reading and its warning)."""
    return decode_file(data).text


def decode_file(data: bytes) -> Decoded:
    if data[:2] in _UTF16_BOMS or b"\x00" in data:  # NUL bytes: UTF-16 text, or not text at all
        text = _utf16(data) if len(data) % 2 == 0 else None
        if text is None:
            raise UndecodableError("looks like a binary file (contains NUL bytes), not text")
        return Decoded(text.lstrip("\ufeff"), "utf-16")
    try:
        return Decoded(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _mixed(data)
    if mixed is not None:
        return mixed
    return _legacy(data)


def _legacy(data: bytes) -> Decoded:
    candidates: list[tuple[float, str, str]] = []
    for codec, common in (("gb18030", _gb_common), ("big5", _big5_common)):
        try:
            decoded = data.decode(codec if codec != "big5" else "cp950")
        except UnicodeDecodeError:
            continue
        candidates.append((common(decoded), codec, decoded))
    # Big5 bytes also decode as GB18030 (into rare characters); prefer the reading whose
    # characters are the common ones of that encoding. Ties go to GB18030.
    best = max(candidates, key=lambda c: c[0]) if candidates else None
    if best is not None and best[0] >= _threshold("sure"):
        return Decoded(best[2], best[1])
    other = _charset_normalizer(data)
    if other is not None and (best is None or best[0] < _threshold("chinese")):
        guess = f"encoding not certain: read as {other[0]} (charset-normalizer's guess)"
        return Decoded(other[1], other[0], guess)
    if best is None:
        raise UndecodableError(
            "cannot decode the file as UTF-8, GB18030, Big5 or any encoding charset-normalizer knows"
        )
    share = f"{best[0]:.0%} of its Chinese characters are common ones"
    return Decoded(best[2], best[1], f"encoding not certain: read as {best[1]} ({share}); check the text")


def _charset_normalizer(data: bytes) -> tuple[str, str] | None:
    """(encoding, text) of charset-normalizer's best reading, None when it finds no text encoding."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # UTF-16/32 without NUL bytes is no real text (decode_file reads real UTF-16 before this)
    if best is None or best.chaos > _threshold("chaos") or best.encoding.startswith(("utf_16", "utf_32")):
        return None
    return best.encoding, str(best)


def _mixed(data: bytes) -> Decoded | None:
    """A file whose lines are partly UTF-8 (with non-ASCII) and partly not: each line read in its own
    encoding (the legacy lines together decide between GB18030 and Big5). None when not mixed."""
    lines = data.split(b"\n")
    utf8 = {i for i, b in enumerate(lines) if not b.isascii() and _is_utf8(b)}
    if not utf8:
        return None
    legacy_idx = [i for i, b in enumerate(lines) if not b.isascii() and i not in utf8]
    legacy = _legacy(b"\n".join(lines[i] for i in legacy_idx))
    legacy_lines = dict(zip(legacy_idx, legacy.text.split("\n"), strict=True))
    out = [
        b.decode("utf-8-sig") if i in utf8 else legacy_lines.get(i) or b.decode("ascii")
        for i, b in enumerate(lines)
    ]
    warning = (
        f"mixed encodings: {len(utf8)} lines read as UTF-8, {len(legacy_idx)} as {legacy.encoding}; "
        "each line decoded in its own encoding, check the text"
    )
    return Decoded("\n".join(out), f"utf-8+{legacy.encoding}", warning)


def _is_utf8(line: bytes) -> bool:
    """Valid UTF-8 holding a few Han characters (a short legacy line can be valid UTF-8 by chance)."""
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return len(_han(text)) >= _threshold("utf8_line_han")


def _han(text: str) -> list[str]:
    return [c for c in text if "\u4e00" <= c <= "\u9fff"]


def _punct(c: str) -> bool:
    """CJK punctuation and full-width forms: common in both encodings' texts."""
    return "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"


def _share(text: str, common) -> float:
    """Share of the non-ASCII characters that are common in the encoding (its common Han characters,
    CJK punctuation): a wrong reading spends its characters on private-use code points, kana, rare Han."""
    wide = [c for c in text if not c.isascii() and not c.isspace()]
    return (
        sum(1 for c in wide if _punct(c) or ("\u4e00" <= c <= "\u9fff" and common(c))) / len(wide)
        if wide
        else 0.0
    )


def _gb_common(text: str) -> float:
    """Share in GB2312 (the common Simplified set)."""
    return _share(text, lambda c: _encodable(c, "gb2312"))


def _big5_common(text: str) -> float:
    """Share in Big5 level 1 (the frequently used Traditional set)."""
    return _share(text, lambda c: 0xA4 <= c.encode("cp950")[0] <= 0xC6)


def _encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
