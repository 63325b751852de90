"""Finders for the fields of a case, each on folded text, each returning local spans."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.cases.table import cue, cue_pattern, cue_text, words_pattern
from rag.cases.text_view import place_words, tagged
from rag.zh.lexicon import lexicon, lexicon_cached

_STOP = ',，。;；:：“”"「」()（）《》!！?？ \t'


@lexicon_cached
@lru_cache(maxsize=1)
def _place_re() -> re.Pattern[str]:
    suffixes = lexicon().text("places.suffixes")
    return re.compile(f"(?:[\u4e00-\u9fff]{{1,4}}?[{suffixes}])+")


def places(text: str, strict: bool = False) -> list[tuple[int, int]]:
    """Administrative places in `text`: chains ending in a place suffix (中兴镇五香庙村) that start and
    end on jieba word boundaries, and jieba's place names (天津). A chain starts on a noun of two
    characters (资源 县, 平安 镇; not 组与 of 纪检监察组与省), or, `strict`, on a place name only: in running
    text a noun before 区 is as often a verb jieba mistook (责令 区住建局)."""
    words = tagged(text)
    starts = {s for w, f, s in words if (len(w) >= 2 and f[0] in "na" and not strict) or f == "ns"}
    ends_at = {s + len(w) for w, _, s in words}
    first_bad = cue_text("place_not_first")
    bad = cue("place_not")
    suffixes = lexicon().text("places.suffixes")
    found: list[tuple[int, int]] = []
    for start in sorted(starts):
        if text[start] in first_bad or any(a <= start < b for a, b in found):
            continue
        m = _place_re().match(text, start)
        if not m:
            continue
        # the longest chain that ends on a word boundary and is not a common word (社区, 城市)
        ends = [
            start + k + 1
            for k, ch in enumerate(text[start : m.end()])
            if ch in suffixes
            and (start + k + 1 in ends_at or words_pattern("unit_ends").match(text, start + k + 1))
            and _place_re().fullmatch(text, start, start + k + 1)
        ]
        inside = cue_text("place_not_inside")
        ends = [
            e
            for e in ends
            if not text[max(0, start - 3) : e].endswith(bad) and not any(c in inside for c in text[start:e])
        ]
        if ends:
            found.append((start, max(ends)))
    for a, b in place_words(text):
        overlaps = any(x < b and a < y for x, y in found)
        if text[a] not in first_bad and not text[a:b].endswith(bad) and not overlaps:
            found.append((a, b))
    quoted = [m.span() for m in re.finditer("“[^”]*”", text)]  # a place inside a quotation is what was said
    return sorted((a, b) for a, b in found if not any(x <= a < y for x, y in quoted))


def clause_start(text: str, pos: int) -> int:
    """Where the clause holding `pos` begins (after the last stop mark before it)."""
    i = pos
    while i > 0 and text[i - 1] not in _STOP:
        i -= 1
    return i


def post_before(text: str, name_start: int) -> tuple[int, int] | None:
    """The post written right before a name (天津市卫生健康委员会二级巡视员王增田): the clause before
    the name, when it ends with a post word; it starts after 对/给予 (区纪委监委对镇党委书记王某)."""
    start = clause_start(text, name_start)
    before = text[start:name_start]
    if not before or not words_pattern("posts", "(?:{})$").search(before):
        return None
    cut = [m.end() for m in words_pattern("post_after").finditer(before)]
    if cut:
        start, before = start + cut[-1], before[cut[-1] :]
    # a clause that opens with a time word or a list number ("日前", "1.") keeps only the post part
    m = cue_pattern("post_openers", "^{}").match(before)
    return (start + (m.end() if m else 0), name_start)


def unit_of(post: str) -> int:
    """Length of the unit at the head of a post (城西区卫生健康局党组书记 -> 城西区卫生健康局), 0 if none:
    the longest head that ends with a unit word and leaves a post, not ending in a party organ
    (医院党支部书记 -> 医院) unless nothing else is left; else a place the post opens with (红岩镇副镇长)."""
    heads = []
    for m in words_pattern("unit_ends").finditer(post):
        rest = post[m.end() :]
        if m.start() > 0 and rest and words_pattern("posts", "{}$").search(rest):
            heads.append(m.end())
    party = [h for h in heads if words_pattern("unit_party", "{}$").search(post[:h])]
    plain = [h for h in heads if h not in party]
    if plain or party:
        return max(plain or party)
    # a town or village itself (红岩镇副镇长): a place right before the post
    for a, b in places(post):
        if a == 0 and _post_word(post, b):
            return b
    return 0


def units_in(target: str) -> list[tuple[int, int]]:
    """The units of a target phrase (该县商业总公司、食品公司): pieces between 、 (and between 和/及/与
    when what precedes them is a unit: not the 和 of 和平社区) that end with a unit word; a leading
    该县/本市 is dropped; a count (3个社区) is not a unit."""
    ends = words_pattern("unit_ends", "{}$")
    pieces: list[tuple[int, int]] = []
    joiners = cue_text("list_joiners")
    for m in re.finditer(f"[^{joiners[0]}]+", target):
        a = m.start()
        for j in re.finditer(f"[{joiners[1:]}]", m.group()):
            cut = m.start() + j.start()
            if cut > a and ends.search(target[a:cut]):
                pieces.append((a, cut))
                a = cut + 1
        pieces.append((a, m.end()))
    suffixes = lexicon().text("places.suffixes")
    out = []
    for a, b in pieces:
        if b - a < 2 or not ends.search(target[a:b]) or cue_pattern("unit_not_first").match(target[a:b]):
            continue
        anaphor = re.match(f"[{cue_text('place_not_first')}][{suffixes}]", target[a:b])
        if anaphor:
            a += anaphor.end()
        if b - a >= 2:
            out.append((a, b))
    return out


def _post_word(text: str, pos: int) -> bool:
    """A post word (with 原/副/常务 before it) starts at `pos`."""
    prefixes = "|".join(map(re.escape, cue("post_prefixes")))
    return bool(words_pattern("posts", f"(?:{prefixes})*{{}}").match(text, pos))


def unit_keys(unit: str) -> tuple[str, ...]:
    """How a unit may be written elsewhere: as is, and without a party organ at its end
    (青山县人民医院党委 -> 青山县人民医院)."""
    m = words_pattern("unit_party", "{}$").search(unit)
    return (unit, unit[: m.start()]) if m and m.start() >= 2 else (unit,)


def bodies(text: str, before: int) -> list[tuple[int, int]]:
    """Deciding bodies named before `before` (经贵南县委研究决定 -> 贵南县委), extended left over the
    nouns of the organ's full name (市纪委监委驻市国资委党委纪检监察组); a body followed by a post word
    is part of a post (党组书记), not a body. A body after 经 (经省纪委监委研究并报省委批准) is the one
    that decided: then it alone is returned."""
    found: list[tuple[int, int]] = []
    strip = cue_text("body_strip")
    words = tagged(text[:before])
    for m in cue_pattern("body").finditer(text, 0, before):
        after = text[m.end() :]
        if words_pattern("posts").match(after) or after.startswith(cue_text("deputy")):
            continue
        a = next((s for w, _, s in words if s <= m.start() < s + len(w)), m.start())  # 贵南[县委]
        for w, flag, s in reversed(words):  # the nouns right before it: 资源 县, 市 纪委 监委 驻市 国资委
            if s + len(w) != a or w in strip or not (flag[0] in "nj" or flag == "zg"):
                if s + len(w) <= a:
                    break
                continue
            a = s
        if found and found[-1][1] >= a:  # 市纪委监委 + 驻市国资委党委纪检监察组: one body
            a = min(a, found.pop()[0])
        while a < m.start() and text[a] in strip:  # 经县 纪委常委会: the token held 经
            a += 1
        found.append((a, m.end()))
    # 对城南乡党委…: what follows 对 is the target
    found = [(a, b) for a, b in found if not (a > 0 and text[a - 1] == cue_text("target_marker"))]
    lead = cue_text("body_lead")
    led = [(a, b) for a, b in found if a > 0 and text[a - 1] in lead]
    deciding = [(a, b) for a, b in found if words_pattern("body_decides").match(text, b)]
    return led[:1] or deciding[-1:] or found


def violation_in(text: str) -> tuple[int, int] | None:
    """The violation a case sentence states (因…受到, 存在…问题, “…”，…这一问题)."""
    for rx in cue("violation"):
        m = re.search(rx, text)
        if m:
            return m.span("v")
    return None


def fault_after(text: str, name_end: int) -> tuple[int, int] | None:
    """The clause after a name that states a fault (赵光歧以…为由,履职尽责不到位…), up to the sanction
    (陈某某严重违纪违法，被开除党籍 -> 严重违纪违法); within it, the problem a violation pattern
    marks (县市场监管局存在违规发放津补贴的问题 -> 违规发放津补贴); a "…问题" heading without its 问题."""
    rest = text[name_end:].rstrip("。;；!！")
    rest = cue_pattern("sanction_marker").split(rest)[0]
    if not rest or not words_pattern("faults").search(rest) or words_pattern("speech").match(rest):
        return None
    inner = violation_in(rest)
    if inner:
        return (name_end + inner[0], name_end + inner[1])
    m = cue_pattern("problem").search(rest)
    if m and m.start() > 0 and not words_pattern("faults").search(rest, m.end()):
        rest = rest[: m.start()]  # 3.某医院违规发放补贴问题。 / …窗口服务不规范问题开展专项整治
    return (name_end, name_end + len(rest))


def is_subject(text: str, start: int) -> bool:
    """A name (or unit) at `start` opens its clause, with at most its post or a list number before it."""
    cs = clause_start(text, start)
    p = post_before(text, start)
    head = text[cs : p[0] if p else start]
    return not head or bool(cue_pattern("post_openers", "^(?:{})$").match(head))


def dates(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in cue_pattern("date").finditer(text)]
