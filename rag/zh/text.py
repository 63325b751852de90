"""Normalisation for matching: "show the original, match the folded".

What people see, and every offset in the system, refers to the original text. Matching (BM25
tokens, dedup, citation checks, evaluation relevance) uses `fold(text)`: NFKC, conversion
artefacts removed, Traditional -> Simplified (OpenCC t2s), Latin lower-cased. `fold_with_map`
also says which original character each folded character came from, so a span found in folded
text maps back to original offsets.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from rag.zh.lexicon import lexicon, lexicon_cached

# split_sentences lives in rag.zh.sentences; chunking and the tests import it from here too
from rag.zh.sentences import split_sentences as split_sentences
from rag.zh.words import tokenizer

# Han ideographs (BMP, extension A, compatibility, supplementary planes).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN}]")

# Pinyin syllables as the converter wrote them: lower-case letters with at least one tone mark
# (plain "(app)" after a Han character is ordinary text and stays).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PY_CHARS = f"a-zü{_TONED}\u0300-\u036f"
_SYLLABLE = f"[{_PY_CHARS}]*[{_TONED}\u0300-\u036f][{_PY_CHARS}]*"
# 監(jiān) -> 監: one or more "(pinyin)" right after a Han character.
_PINYIN_AFTER_HAN = f"(?<=[{_HAN}])(?:\\({_SYLLABLE}\\))+"
# 日?qǐng)?bào)告: a lost character left "?" plus its pinyin (sometimes without the "(").
_LOST_CHAR = f"(?:\\?\\(?{_SYLLABLE}\\))+"
_ARTEFACT_RE = re.compile(f"{_PINYIN_AFTER_HAN}|{_LOST_CHAR}")

# GBK text decoded one byte out of step: "。”監" became "?！北O" (then NFKC: "?!北O"), always
# right before the pinyin of the last character. Re-encoding with the lost lead byte restores it.
_MISALIGNED_RE = re.compile(f"\\?!([^\\s()?!]{{1,8}}?)(?=\\({_SYLLABLE}\\))")

# --------------------------------------------------------------------------- fold


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc  # lazily: only the first fold pays for loading the dictionaries

    return opencc.OpenCC("t2s")


def _nfkc(text: str) -> tuple[str, list[int]]:
    """Per-character NFKC, so each output character knows its source index."""
    if text.isascii():
        return text, list(range(len(text)))
    chars: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii() or "\u4e00" <= ch <= "\u9fff":
            chars.append(ch)
            src.append(i)
            continue
        for c in unicodedata.normalize("NFKC", ch):
            chars.append(c)
            src.append(i)
    return "".join(chars), src


def _repair_misaligned(m: re.Match[str]) -> str | None:
    try:
        raw = b"\xa1" + ("！" + m.group(1)).encode("gbk")
        fixed = raw.decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    # Only accept a repair that turns the garbage into closing punctuation plus Han characters.
    if not fixed.startswith("。") or not _HAN_RE.search(fixed[1:]):
        return None
    return fixed


def _sub_mapped(text: str, src: list[int], pattern: re.Pattern[str], repl) -> tuple[str, list[int]]:
    """re.sub that keeps the source map; `repl(match)` returns the replacement or None (keep)."""
    pieces: list[str] = []
    new_src: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        rep = repl(m)
        if rep is None:
            continue
        pieces.append(text[pos : m.start()])
        new_src.extend(src[pos : m.start()])
        n = m.end() - m.start()
        pieces.append(rep)
        # Spread a repair over the garbled run it replaces, so spans map back to all of it.
        new_src.extend(src[m.start() + k * n // len(rep)] for k in range(len(rep)))
        pos = m.end()
    if not pieces:
        return text, src
    pieces.append(text[pos:])
    new_src.extend(src[pos:])
    return "".join(pieces), new_src


def _remove_artefacts(text: str, src: list[int]) -> tuple[str, list[int]]:
    if ")" not in text:  # every artefact ends with ")": the common case costs one scan
        return text, src
    for _ in range(4):  # to a fixed point, so that fold stays idempotent
        new_text, new_src = _sub_mapped(text, src, _MISALIGNED_RE, _repair_misaligned)
        new_text, new_src = _sub_mapped(new_text, new_src, _ARTEFACT_RE, lambda m: "")
        if new_text == text:
            break
        text, src = new_text, new_src
    return text, src


def _to_simplified(text: str, src: list[int]) -> tuple[str, list[int]]:
    if not _HAN_RE.search(text):
        return text, src
    converter = _t2s()
    out = converter.convert(text)
    if len(out) == len(text):  # the usual case: t2s maps character for character
        return out, src
    # A phrase changed length: convert character by character so every output char has a source.
    chars: list[str] = []
    new_src: list[int] = []
    for ch, s in zip(text, src, strict=True):
        conv = converter.convert(ch) if _HAN_RE.match(ch) else ch
        chars.append(conv)
        new_src.extend([s] * len(conv))
    return "".join(chars), new_src


def _lower(text: str, src: list[int]) -> tuple[str, list[int]]:
    low = text.lower()
    if len(low) == len(text):
        return low, src
    chars: list[str] = []
    new_src: list[int] = []
    for ch, s in zip(text, src, strict=True):
        lc = ch.lower()
        chars.append(lc)
        new_src.extend([s] * len(lc))
    return "".join(chars), new_src


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of its original character."""
    folded, src = _nfkc(text)
    folded, src = _remove_artefacts(folded, src)
    folded, src = _to_simplified(folded, src)
    return _lower(folded, src)


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """NFKC, conversion artefacts removed, Traditional -> Simplified, Latin lower-cased."""
    return fold_with_map(text)[0]


def original_span(mapping: list[int], start: int, end: int) -> tuple[int, int]:
    """Map a span [start, end) of folded text back to a span of the original text."""
    if start >= end:
        o = mapping[start] if start < len(mapping) else (mapping[-1] + 1 if mapping else 0)
        return o, o
    return mapping[start], mapping[end - 1] + 1


def strip_artefacts(text: str) -> str:
    """The original text without conversion artefacts (監(jiān)督 -> 監督): what a title shows. Other
    characters stay as written (no NFKC, no Traditional -> Simplified)."""
    if ")" not in text:
        return text
    nfkc, src = _nfkc(text)
    _, kept = _remove_artefacts(nfkc, src)
    keep = set(kept)
    return "".join(ch for i, ch in enumerate(text) if i in keep)


def is_traditional(text: str) -> bool:
    """Heuristic: at least 5% of the Han characters change under Traditional -> Simplified."""
    before, src = _nfkc(text)
    before, src = _remove_artefacts(before, src)
    han = [i for i, c in enumerate(before) if _HAN_RE.match(c)]
    if not han:
        return False
    after = _t2s().convert(before)
    if len(after) != len(before):
        after = "".join(_t2s().convert(c) for c in before)
        if len(after) != len(before):
            return False
    changed = sum(1 for i in han if after[i] != before[i])
    return changed >= 1 and changed / len(han) >= 0.05


# --------------------------------------------------------------------------- tokens


@lexicon_cached
@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words that carry no content for lexical matching (text.stopwords)."""
    return frozenset(lexicon().words("text.stopwords"))


def _is_content(token: str) -> bool:
    return any(c.isalnum() for c in token) and token not in stopwords()


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens of fold(text) for BM25, without punctuation and stopwords.

    Search mode also emits the parts of long words (纪检监察 -> 纪检, 监察, 纪检监察), so a query
    for a part still matches the whole.
    """
    folded = fold(text)
    return [t for t in tokenizer().cut_for_search(folded) if _is_content(t)]


_RUN_RE = re.compile(f"[{_HAN}]+|[^\\W{_HAN}_]+")


def char_bigrams(text: str) -> list[str]:
    """Overlapping bigrams over Han runs of fold(text); Latin/digit runs as whole tokens.

    A Han run of one character gives that character (so nothing is lost)."""
    out: list[str] = []
    for m in _RUN_RE.finditer(fold(text)):
        run = m.group()
        if _HAN_RE.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[k : k + 2] for k in range(len(run) - 1))
        else:
            out.append(run)
    return out


def has_han(text: str) -> bool:
    """Whether the text holds any Chinese character (a question in English does not)."""
    return _HAN_RE.search(text) is not None


def is_title_line(sentence: str, title: str) -> bool:
    """Whether a sentence is the document's title line (its heading, repeated at the top of the text):
    it names the topic and so shares the most words with any question about it, but states no fact
    to quote as an answer (the citation shows the title anyway)."""
    folded = fold(sentence).strip()
    return bool(folded) and folded == fold(title).strip()
