"""What a question asks for: its content tokens and bigrams, the kind of answer it wants (a
number with its measure word, a person, a date, a punishment, a post, a place, an organisation, a
reason), the people and places it names; and the parts of a question that asks several things
("…和…分别…", "…？…？"), each answered on its own. The wording it reads is in
rag/zh/data/questions.toml.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.query.rewrite import entities, rewrite_followup
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.numbers import cn_to_int
from rag.zh.text import fold, tokenize
from rag.zh.words import HAN_OR_ALNUM_RUNS, pair_bigrams

KINDS = ("number", "person", "date", "punishment", "post", "place", "org", "reason")
# kinds an answer must hold; the others only raise a sentence's score
REQUIRED_KINDS = ("number", "person", "date", "appointment", "punishment", "place", "org")


@dataclass(frozen=True)
class _Patterns:
    kinds: dict[str, re.Pattern[str]]
    count: re.Pattern[str]  # 多少/几 and the measure word after it (people: group 1, else group 2)
    duration: re.Pattern[str]
    money: re.Pattern[str]
    appointment: re.Pattern[str]
    several: re.Pattern[str]
    listing: re.Pattern[str]
    identity: re.Pattern[str]
    located: re.Pattern[str]
    generic: frozenset[str]
    asking_token: re.Pattern[str]
    question_words: re.Pattern[str]
    particles: re.Pattern[str]
    count_fillers: re.Pattern[str]
    unbound: str
    part_asks: re.Pattern[str]
    pair: re.Pattern[str]
    distributive: re.Pattern[str]


@lexicon_cached
@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    lex = lexicon()
    people, asked = lex.text("measures.people"), lex.text("measures.asked")
    conjunctions = "|".join(lex.words("questions.parts.conjunctions"))
    return _Patterns(
        kinds={k: lex.pattern(f"questions.kinds.{k}") for k in KINDS},
        count=lex.pattern("questions.asks.count", f"{{}}(?:个?([{people}])|([{asked}]))?"),
        duration=lex.pattern("questions.asks.duration"),
        money=lex.pattern("questions.asks.money"),
        appointment=lex.pattern("questions.asks.appointment"),
        several=re.compile(lex.text("questions.asks.several")),
        listing=lex.pattern("questions.asks.listing"),
        identity=lex.pattern("questions.asks.identity"),
        located=re.compile(lex.text("questions.asks.located")),
        generic=frozenset(lex.words("questions.words.generic")),
        asking_token=lex.pattern("questions.words.asking"),
        question_words=lex.pattern("questions.words.question_words"),
        particles=re.compile(f"[{lex.text('questions.words.particles')}]"),
        count_fillers=re.compile(f"[{lex.text('questions.words.count_fillers')}]+$"),
        unbound=lex.text("questions.words.unbound"),
        part_asks=lex.pattern("questions.parts.asking"),
        pair=re.compile(f"^(?P<x>.+?)(?:{conjunctions})(?P<y>.+)$"),
        distributive=lex.pattern("questions.parts.distributive"),
    )


def _multi_count(folded: str) -> int:
    m = _patterns().several.search(folded)
    if not m:
        return 0
    return cn_to_int(m.group(1) or m.group(2)) or 3  # 哪几: 3


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    folded: str
    tokens: tuple[str, ...]  # folded content tokens, each once
    bigrams: frozenset[str]  # character bigrams of the question without its question words
    kinds: frozenset[str]  # what kind of answer it wants (empty: anything)
    measure: str  # the measure word of 多少/几 ("多少次" -> "次"; "时长" for 多久), "" when none
    before: str  # up to 4 folded characters right before 多少/几: what is counted
    after: str  # up to 4 characters after the measure word ("几个专项监督检查组" -> "专项监督")
    counted: tuple[str, ...]  # tokens right before 多少/几 ("问责了多少人": 问责): the answer must say them
    entities: tuple[str, ...]  # people and places the answer's document must name (folded)
    names: frozenset[str]  # people named in the question: a 谁-answer must name someone else
    places: tuple[str, ...]  # places named in the question
    bindings: tuple[str, ...]  # a place's last character and what follows it ("西宁市纪委书记": 市纪委)
    multi: int  # how many answers from different documents it wants ("哪两个地方…": 2), 0: one
    dates: tuple[str, ...] = ()  # days it names ("1月14日"): a sentence with the same date is about it
    located: tuple[str, ...] = ()  # tokens of what a 哪里-question locates ("隔离点分别在什么地方": 隔离)
    listing: bool = False  # it asks for several items (哪些, 几个方面): the answer may run over sentences


def place_stem(word: str) -> str:
    """资源县 -> 资源: a place without its suffix, as other texts may name it."""
    return word[:-1] if len(word) >= 3 and word[-1] in lexicon().text("places.suffixes") else word


_TWO_HAN = re.compile(r"[\u4e00-\u9fff]{2}")


def _bindings(folded: str, places: Sequence[str]) -> tuple[str, ...]:
    """ "西宁市纪委书记" -> "市纪委": a post bound to the kind of place it belongs to (市 not 省)."""
    unbound = _patterns().unbound
    out = []
    for p in places:
        i = folded.find(p)
        rest = folded[i + len(p) :].lstrip("的") if i >= 0 else ""
        if _TWO_HAN.match(rest) and rest[0] not in unbound:
            out.append(p[-1] + rest[:2])
    return tuple(out)


# a day, with or without its year and month; or a month of a year
_DATE_LITERAL = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]|\d{4}年\d{1,2}月")
_SPACE = re.compile(r"\s")
_NON_WORD = re.compile(r"\W")
_WORD = re.compile(r"\w")
_DIGITS = re.compile(r"\d+")


def _dates(folded: str) -> tuple[str, ...]:
    found = _DATE_LITERAL.finditer(_SPACE.sub("", folded))
    return tuple(dict.fromkeys(m.group().replace("号", "日") for m in found))


def _located(folded: str, tokens: Sequence[str]) -> tuple[str, ...]:
    """The head noun (last token) of what a 哪里-question asks the place of; and when that ends in
    a word for a place (questions.asks.located_heads), the two characters before it, as a sentence
    says it without that word ("的原生地在哪里": 原生, for "原生于巴西")."""
    m = _patterns().located.search(folded)
    what = m.group(1) if m else ""
    inside = [t for t in tokens if t in what]
    if not inside:
        return ()
    head = max(inside, key=what.rfind)
    before = what[:-1].rsplit("的", 1)[-1]  # "的原生地": 原生
    place_word = what[-1] in lexicon().text("questions.asks.located_heads")
    stem = before[-2:] if place_word and len(before) >= 2 else ""
    return (head, stem) if stem and stem != head else (head,)


def analyse_question(question: str) -> QuestionInfo:
    pat = _patterns()
    folded = fold(question)
    tokens = tuple(
        dict.fromkeys(
            t
            for t in tokenize(question)
            if (len(t) >= 2 or t.isdigit()) and t not in pat.generic and not pat.asking_token.search(t)
        )
    )
    kinds = {k for k, p in pat.kinds.items() if p.search(folded)}
    m = pat.count.search(folded)
    if m:
        kinds.add("number")  # 多少/几 asks for a number (questions.asks.count)
    if "person" in kinds and "post" in kinds and "谁" in folded:
        kinds.discard("post")  # "担任…的是谁" wants the name
    if pat.appointment.search(folded) and "person" in kinds:
        kinds.add("appointment")
    ents = entities(question)
    places = [e.text for e in ents if e.kind == "place"]
    measure, before, after, counted = "", "", "", ()
    if pat.duration.search(folded):
        measure = "时长"
    elif m:
        measure = m.group(1) or m.group(2) or ("元" if pat.money.match(folded[m.start() :]) else "")
        head = pat.count_fillers.sub("", _NON_WORD.sub("", folded[: m.start()]))
        before = head[-4:]
        after = _NON_WORD.sub("", folded[m.end() :])[:4]
        window = folded[max(0, m.start() - 7) : m.start()]
        named = {e.text for e in ents} | {place_stem(e.text) for e in ents}
        counted = tuple(t for t in tokens if t in window and not _DIGITS.fullmatch(t) and t not in named)
    if "date" in kinds:
        kinds.discard("number")  # "几月几日" is a date, not a count
    names = frozenset(e.text for e in ents if e.kind == "person")
    if names and pat.identity.search(folded):
        kinds.discard("person")  # "刘仁甫是谁": the name is given; the answer is who they are (a post)
        kinds.add("post")
    required = tuple(dict.fromkeys(place_stem(e.text) for e in ents if e.kind in ("person", "place")))
    return QuestionInfo(
        text=question,
        folded=folded,
        tokens=tokens,
        bigrams=frozenset(
            pair_bigrams(pat.particles.sub("", pat.question_words.sub(" ", folded)), HAN_OR_ALNUM_RUNS)
        ),
        kinds=frozenset(kinds),
        measure=measure,
        before=before,
        after=after,
        counted=counted,
        entities=required,
        names=names,
        places=tuple(places),
        bindings=_bindings(folded, places),
        multi=_multi_count(folded),
        dates=_dates(folded),
        located=_located(folded, tokens),
        listing=bool(pat.listing.search(folded)),
    )


# --- a question that asks several things ---------------------------------------------------------

_PART_END = re.compile(r"[？?]+|[，,；;]")


def split_question(question: str) -> list[str]:
    """The parts of a question that asks several things. "A？B？" and "A，B多少？" are cut where
    each side asks something (a lead-in without a question stays with the part after it, and a
    later part's pronoun is resolved from the first: "他为什么…" -> "刘仁甫为什么…"); "X和Y的Z
    分别/各/都…" becomes "X的Z…" and "Y的Z…". A simple question is its own only part."""
    asks = _patterns().part_asks
    pieces = [p.strip() for p in _PART_END.split(question) if _WORD.search(p)]
    parts: list[str] = []
    lead = ""
    for p in pieces:
        if asks.search(p):
            parts.append(lead + p)
            lead = ""
        else:
            lead += p + "，"
    if lead and parts:
        parts[-1] += "，" + lead.rstrip("，")
    if len(parts) > 1:
        out = [parts[0]] + [rewrite_followup(p, [(parts[0], "")]) for p in parts[1:]]
        return [q for part in out[:4] for q in _split_pair(part)]
    return _split_pair(question)


def _split_pair(question: str) -> list[str]:
    pat = _patterns()
    m = pat.pair.match(question)
    if not m or not pat.distributive.search(question):
        return [question]
    x, y = m.group("x"), m.group("y")
    if not pat.part_asks.search(y) or pat.part_asks.search(x):
        return [question]
    # where Y ends and the shared rest begins: at 的 when X is a bare name, else at 分别/各/都
    cut = None
    if "的" not in x:
        i = y.find("的")
        cut = i if i > 0 else None
    if cut is None:
        j = pat.distributive.search(y)
        cut = j.start() if j else None
    if not cut:
        return [question]
    rest = y[cut:]
    return [x + rest, y[:cut] + rest]
