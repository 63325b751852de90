"""The sanction table (rag/zh/data/sanctions.toml) as the extractor needs it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.zh.lexicon import lexicon, lexicon_cached

CATEGORIES = ("party", "government", "accountability")


@dataclass(frozen=True)
class SanctionTable:
    forms: dict[str, str]  # every written form (folded) -> its standard name
    pattern: re.Pattern[str]  # any form, longest first
    categories: dict[str, tuple[str, ...]]  # standard name -> the categories it belongs to


@lexicon_cached
@lru_cache(maxsize=1)
def sanction_table() -> SanctionTable:
    lex = lexicon()
    forms: dict[str, str] = {}
    categories: dict[str, list[str]] = {}
    for category in CATEGORIES:
        for name in lex.words(f"sanctions.{category}"):
            forms[name] = name
            categories.setdefault(name, []).append(category)
    for item in lex.words("sanctions.aliases"):
        form, _, name = item.partition("=")
        form, name = form.strip(), name.strip()
        if name not in forms:
            raise ValueError(f"sanctions.aliases: {form!r} points at {name!r}, which no category lists")
        forms[form] = name
    alternatives = sorted(forms, key=len, reverse=True)  # 严重警告 before 警告
    pattern = re.compile("|".join(map(re.escape, alternatives)))
    return SanctionTable(forms, pattern, {k: tuple(v) for k, v in categories.items()})


def sanction_names(category: str) -> tuple[str, ...]:
    """The standard names of one category ("party", "government", "accountability")."""
    return lexicon().words(f"sanctions.{category}")


def cue(key: str) -> tuple[str, ...]:
    return lexicon().words(f"sanctions.cases.{key}")


def cue_pattern(key: str, template: str = "{}") -> re.Pattern[str]:
    return lexicon().pattern(f"sanctions.cases.{key}", template)


def cue_text(key: str) -> str:
    return lexicon().text(f"sanctions.cases.{key}")


@lexicon_cached
@lru_cache(maxsize=64)
def words_pattern(key: str, template: str = "{}") -> re.Pattern[str]:
    """A word list of the cases table as one regex, longest word first (so 党组书记 wins over 书记)."""
    words = sorted(cue(key), key=len, reverse=True)
    return re.compile(template.replace("{}", "(?:" + "|".join(map(re.escape, words)) + ")"))
