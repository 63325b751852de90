"""Personal names in a sentence: jieba's `nr` tags, names read by position (after a post word, after
对/给予/免去, opening a clause before 受到/被/因), masked names (陈某某), and the names already read
elsewhere in the same document (曹永福 named after his post, then "曹永福受到党内警告处分")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rag.cases.table import cue_text, words_pattern
from rag.cases.text_view import not_entities, tagged
from rag.zh.lexicon import lexicon, lexicon_cached

Span = tuple[int, int]
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_CLAUSE_OPEN = re.compile(r"(?:^|(?<=[,，。;；:：“”、\s]))")


@lexicon_cached
@lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    return frozenset(c for c in cue_text("surnames") if not c.isspace())


def _jieba_names(text: str) -> list[Span]:
    """jieba `nr` words; adjacent pieces join (徐 + 荣军 -> 徐荣军)."""
    spans: list[Span] = []
    prev_end = -1
    for word, flag, start in tagged(text):
        if flag != "nr" or word in not_entities():
            continue
        if spans and start == prev_end and (prev_end - spans[-1][0]) + len(word) <= 4:
            spans[-1] = (spans[-1][0], start + len(word))
        else:
            spans.append((start, start + len(word)))
        prev_end = start + len(word)
    return spans


def _name_at(text: str, pos: int, follow: re.Pattern[str]) -> Span | None:
    """A surname at `pos`, one or two more characters, then a word of `follow` (or the end)."""
    if pos >= len(text) or text[pos] not in _surnames():
        return None
    suffixes = lexicon().text("places.suffixes")
    for n in (3, 2):
        end = pos + n
        if text[end - 1 : end] in suffixes:  # 柳林镇被问责: a place, not a name
            continue
        if (
            end <= len(text)
            and _HAN_NAME.match(text[pos:end])
            and (end == len(text) or follow.match(text, end))
        ):
            return (pos, end)
    return None


def _positional_names(text: str) -> list[Span]:
    found = []
    follow = words_pattern("name_follow")
    anchors = [m.end() for m in words_pattern("posts").finditer(text)]
    anchors += [m.end() for m in words_pattern("name_before").finditer(text)]
    # after 免去 a post follows the name at once, often opening with a place (免去刘海波市卫生健康委…)
    place_start = re.compile(f"[{lexicon().text('places.suffixes')}]")
    anchors_removal = {m.end() for m in re.finditer(re.escape(cue_text("removal_anchor")), text)}
    for pos in anchors:
        span = _name_at(text, pos, follow) or (pos in anchors_removal and _name_at(text, pos, place_start))
        if span:
            found.append(span)
    # 张伟、李强: a name after a name and 、 continues the list
    for _, b in list(found):
        if text[b : b + 1] == "、":
            span = _name_at(text, b + 1, follow)
            if span:
                found.append(span)
    strict = words_pattern("name_follow_strict")
    for m in _CLAUSE_OPEN.finditer(text):
        span = _name_at(text, m.end(), strict)
        if span:
            found.append(span)
    return found


def _masked_names(text: str) -> list[Span]:
    lex = lexicon()
    not_first = lex.text("sanctions.cases.masked_name_not_first")
    return [
        m.span()
        for m in lex.pattern("sanctions.cases.masked_name").finditer(text)
        if text[m.start()] not in not_first
    ]


def read_names(text: str) -> set[str]:
    """Names this text gives by position or mask (not jieba's guesses): to be found again elsewhere."""
    return {text[a:b] for a, b in [*_positional_names(text), *_masked_names(text)]}


def person_names(text: str, known: Iterable[str] = ()) -> list[Span]:
    """Spans of personal names in `text`, the longest where two overlap."""
    suffixes = lexicon().text("places.suffixes")
    # jieba reads some places as names (安居区): a name does not end like a place
    jieba = [
        (a, b) for a, b in _jieba_names(text) if _HAN_NAME.match(text[a:b]) and text[b - 1] not in suffixes
    ]
    again = [m.span() for name in known for m in re.finditer(re.escape(name), text)]
    candidates = [*_masked_names(text), *_positional_names(text), *again, *jieba]
    # a name does not end like a unit (jieba's 卫健委)
    candidates = [(a, b) for a, b in candidates if not words_pattern("unit_ends", "{}$").search(text[a:b])]
    chosen: list[Span] = []
    for a, b in sorted(set(candidates), key=lambda s: (s[0] - s[1], s[0])):  # longest first
        if not any(x < b and a < y for x, y in chosen):
            chosen.append((a, b))
    return sorted(chosen)
