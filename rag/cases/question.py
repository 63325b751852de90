"""Recognising a counting or listing question about cases (多少起/多少人/哪些人/哪些单位/谁 with a
sanction, place or time condition) and turning it into a CaseQuery for the case table.

A question is one only when it both asks for a number or a list and is about cases (a sanction of
the table or a word like 处分, 问责, 典型问题), so "谁负责疫苗接种？" stays an ordinary question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.cases.select import CaseQuery, category_of
from rag.cases.table import cue, sanction_table
from rag.cases.text_view import place_words
from rag.zh.lexicon import lexicon
from rag.zh.text import fold


@dataclass(frozen=True)
class CaseQuestion:
    kind: str  # "count" or "list"
    query: CaseQuery
    units: bool = False  # asks for units (哪些单位) rather than people
    measure: str = ""  # what a count counts: 起 (cases) or 人 (people), when the question says


def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(lexicon().text(f"sanctions.cases.questions.{key}"))


def _words(key: str) -> tuple[str, ...]:
    return lexicon().words(f"sanctions.cases.questions.{key}")


def _sanction(text: str) -> str:
    """The sanction or category the question names; "" for none or a general word (问责)."""
    for item in cue("category_names"):
        for word in item.partition("=")[2].split("|"):
            if word in text and word not in _words("any_sanction") and category_of(word):
                return word
    general = set(_words("any_sanction"))
    for m in sanction_table().pattern.finditer(text):
        if m.group() not in general and sanction_table().forms[m.group()] not in general:
            return sanction_table().forms[m.group()]
    return ""


def _place(text: str) -> str:
    """The most specific place named (西宁市城西区 -> 城西区): jieba's place names, else a short name
    ending in an administrative level at the question's start (资源县)."""
    bad_first = lexicon().text("sanctions.cases.questions.place_not_first")
    spans = [(a, b) for a, b in place_words(text) if text[a] not in bad_first]
    if spans:
        a, b = max(spans, key=lambda s: (s[1], -s[0]))
        return text[a:b]
    m = _pattern("place").match(text)
    return m.group() if m and m.group()[0] not in bad_first else ""


def case_question(question: str) -> CaseQuestion | None:
    text = fold(question)
    count, listing = _pattern("count").search(text), _pattern("list").search(text)
    if not (count or listing):
        return None
    if not (sanction_table().pattern.search(text) or any(w in text for w in _words("about"))):
        return None
    time = ""
    t = _pattern("time").search(text)
    if t:
        time = t.group("y") + (f"-{int(t.group('m')):02d}" if t.group("m") else "")
        text = text[: t.start()] + text[t.end() :]
    measure = ""
    if count:
        measure = "起" if count.group()[-1] in "起件" else "人" if count.group()[-1] in "人名位" else ""
    asks_units = bool(listing) and any(w in text[listing.end() : listing.end() + 4] for w in _words("units"))
    query = CaseQuery(sanction=_sanction(text), place=_place(text), time=time)
    return CaseQuestion("count" if count else "list", query, units=asks_units, measure=measure)
