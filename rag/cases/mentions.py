"""Where a sentence gives someone a sanction: the sanction words of the table that are not a policy
("要严肃处分", "一律问责"), not part of another word (问责调查, 受问责干部), not in a title 《…》."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.cases.table import cue, cue_pattern, cue_text, sanction_table, words_pattern
from rag.cases.text_view import tagged
from rag.zh.lexicon import lexicon_cached

Span = tuple[int, int]
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True, order=True)
class Mention:
    start: int  # folded offsets in the sentence
    end: int
    sanction: str  # the standard name
    post: tuple[int, int] | None = None  # the post a removal names (免去…职务)
    target: tuple[int, int] | None = None  # who a phrase names (责令柳林镇党委…作出书面检查)


@lexicon_cached
@lru_cache(maxsize=1)
def phrase_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The sanctions written as phrases (免去…职务 -> 免职), from "pattern=standard name" items."""
    out = []
    for item in cue("phrases"):
        pattern, _, name = item.rpartition("=")
        out.append((re.compile(pattern), name.strip()))
    return tuple(out)


def is_policy(text: str, pos: int) -> bool:
    """A sentence that says what must or will be done before the sanction word (a word of its own:
    要, not the 要 of 主要)."""
    cues = set(cue("policy_cues"))
    return any(word in cues for word, _, _ in tagged(text[:pos]))


def sanction_mentions(text: str) -> list[Mention]:
    table = sanction_table()
    found: list[Mention] = []
    for pattern, name in phrase_patterns():
        for m in pattern.finditer(text):
            post = m.span("post") if "post" in pattern.groupindex else None
            target = m.span("target") if "target" in pattern.groupindex and m.group("target") else None
            found.append(Mention(m.start(), m.end(), name, post, target))
    for m in table.pattern.finditer(text):
        if any(x.start <= m.start() < x.end for x in found) or in_title(text, m.start()):
            continue
        if words_pattern("not_after").match(text, m.end()):
            continue
        found.append(Mention(m.start(), m.end(), table.forms[m.group()]))
    return sorted(x for x in found if not is_policy(text, x.start))


def segments(text: str) -> list[tuple[int, int]]:
    """A sentence cut between quotations that follow each other (“徐某被免职”“祁某被免职”)."""
    cuts = [m.start() + 1 for m in re.finditer("”“", text)]
    bounds = [0, *cuts, len(text)]
    return list(zip(bounds, bounds[1:], strict=False))


def group_count(text: str) -> tuple[int, int, int] | None:
    """A counted group of people in `text` (两名干部 -> 2) with its span."""
    m = cue_pattern("group").search(text)
    if not m:
        return None
    value = number(m.group("n"))
    return (value, m.start(), m.end()) if value else None


def number(n: str) -> int:
    """Digits or a small Chinese numeral (两 -> 2, 十二 -> 12); 0 when neither."""
    if n.isdigit():
        return int(n)
    if n.startswith("十"):
        return 10 + _CN_DIGITS.get(n[1:], 0)
    if "十" in n:
        return _CN_DIGITS.get(n[0], 1) * 10 + (0 if n.endswith("十") else _CN_DIGITS.get(n[-1], 0))
    return _CN_DIGITS.get(n, 0)


def counted(text: str, m: Mention, seg: Span) -> bool:
    """A sanction given to a counted group and no unit (问责党员干部89人) is a total, not a case."""
    after = cue_pattern("target_after").match(text, m.end, seg[1])
    return bool(after and group_count(after.group()))


def is_speaker(text: str, end: int) -> bool:
    return bool(words_pattern("speech").match(text, end))


def in_title(text: str, pos: int) -> bool:
    return text.count("《", 0, pos) > text.count("》", 0, pos)


def mentions_of(text: str, name: Span, names: list[Span], mentions: list[Mention]) -> list[Mention]:
    """The sanctions of one of several names: those after it and before the next name (or all of
    them for a single name); names in one list (张三、镇长李四分别受到…) share the list's."""
    if len(names) == 1:
        return mentions
    k = names.index(name)
    group = _name_list(text, names, k)
    after = [m for m in mentions if m.start >= names[group[-1]][1]]
    if (
        len(group) > 1
        and len(after) == len(group)
        and cue_text("respectively") in text[names[group[-1]][1] : after[0].start]
    ):
        return [after[group.index(k)]]  # 张伟、李强分别受到警告、严重警告处分: one each, in order
    nxt = names[k + 1][0] if k + 1 < len(names) else 1 << 30
    own = [m for m in mentions if name[0] <= m.start < nxt or _names(m, name)]
    if not own and k + 1 < len(names):
        between = text[name[1] : names[k + 1][0]]
        listed = (
            between[:1] in cue_text("list_joiners")
            and len(between) <= 15
            and not any(c in between for c in ",，。;；")
        )
        return mentions_of(text, names[k + 1], names, mentions) if listed else []
    return own


def _name_list(text: str, names: list[Span], k: int) -> list[int]:
    """The indexes of the names in the list (张伟、李强、王五) that holds names[k]."""

    def joined(i: int) -> bool:  # names[i] and names[i + 1] are one list
        between = text[names[i][1] : names[i + 1][0]]
        return (
            between[:1] in cue_text("list_joiners")
            and len(between) <= 15
            and not any(c in between for c in ",，。;；")
        )

    lo = k
    while lo > 0 and joined(lo - 1):
        lo -= 1
    hi = k
    while hi + 1 < len(names) and joined(hi):
        hi += 1
    return list(range(lo, hi + 1))


def _names(m: Mention, name: Span) -> bool:
    """The phrase holds the name (免去赵光歧…职务, 责令邓志勇辞去职务)."""
    return any(span and span[0] <= name[0] < span[1] for span in (m.post, m.target))
