"""Numbers in Chinese text: Chinese numerals as integers, and each number with its measure word
(the tables in data/measures.toml)."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.zh.lexicon import lexicon, lexicon_cached

_CN_DIGITS = {**{c: i for i, c in enumerate("零一二三四五六七八九")}, "〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_to_int(s: str) -> int | None:
    """Chinese numerals -> int ("十二" 12, "一百零五" 105, "三" 3); None when not a plain number."""
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        # digit by digit: "二〇二〇" -> 2020
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            unit = _CN_UNITS[c]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            return None
    return total + section + (digit or 0)


@lexicon_cached
@lru_cache(maxsize=1)
def number_pattern() -> re.Pattern[str]:
    """A number (digits or numerals), an optional 余/多, an optional measure word of `units`."""
    numerals, units = lexicon().text("measures.numerals"), lexicon().text("measures.units")
    about = lexicon().text("measures.approximate")
    return re.compile(rf"(\d+(?:\.\d+)?|[{numerals}]+)\s*([{about}])?\s*([{units}])?")


@lexicon_cached
@lru_cache(maxsize=64)
def counted_pattern(measures: str) -> re.Pattern[str]:
    """A number right before one of `measures` ("12名", "三个")."""
    numerals, about = lexicon().text("measures.numerals"), lexicon().text("measures.approximate")
    return re.compile(rf"(?:\d+|[{numerals}]+)\s*[{about}]?\s*[{measures}]")


def numbers_with_measures(text: str) -> set[tuple[str, str]]:
    """(number, measure word) pairs of folded text, numbers normalised to Arabic digits.
    Chinese numerals count only with a measure word ("三个"), so words like 一线 are not numbers."""
    out: set[tuple[str, str]] = set()
    for m in number_pattern().finditer(text):
        raw, measure = m.group(1), m.group(3) or ""
        if raw[0].isdigit():
            out.add((raw, measure))
            continue
        if not measure:
            continue
        value = cn_to_int(raw)
        if value is not None:
            out.add((str(value), measure))
    return out


@lexicon_cached
@lru_cache(maxsize=1)
def measure_classes() -> dict[str, str]:
    """measure word -> the class of words that count the same things."""
    return {m: c for c in lexicon().words("measures.classes") for m in c}


def same_measure(asked: str, found: str) -> bool:
    """`found` answers a question asking for `asked` (名 answers 几个人)."""
    classes = measure_classes()
    return found == asked or bool(found and classes.get(found) == classes.get(asked, "?"))
