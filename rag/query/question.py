"""What a question asks for: its content tokens and bigrams, the kind of answer it wants (a
number with its measure word, a person, a date, a punishment, a post, a place, an organisation, a
reason), the people and places it names; and the parts of a question that asks several things
("…和…分别…", "…？…？"), each answered on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.query.rewrite import PLACE_SUFFIX, entities, rewrite_followup
from rag.zh.text import fold, tokenize

# --- what the question asks for ---------------------------------------------------------------

MEASURES = "个人次起名条项份家例天日月年轮组位件批所户座处号届元岁"
_NUMBER_Q = re.compile(rf"(?<![哪第])(?:多少|几(?![乎率]))(?:个?([人名位])|([{MEASURES}]))?")
_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    "number": re.compile(r"(?<![哪第])(?:多少|几(?![乎率]))|多久|多长时间|多大|人数|次数"),
    "person": re.compile(
        r"谁|哪位|哪一位|什么人|何人|姓名|名字|叫什么|哪(?:个|名)\w{0,4}?(?:员|人|官|干部|同志|领导|书记)"
    ),
    "date": re.compile(r"何时|什么时候|哪天|哪一天|几月|几号|几日|哪年|哪一年|什么时间|什么日子|日期"),
    "punishment": re.compile(
        r"(?:什么|何种|哪种|怎样|怎么|如何|哪些)\w{0,3}(?:处分|处罚|问责|追责|惩)"
        r"|(?:处分|处罚|问责|追责)(?:是|为)?(?:什么|何种|怎样|如何)|受到(?:了)?(?:什么|何种|哪些|怎样)"
        r"|(?:被|干部|官员|党员|领导|负责人|院长|书记|局长|主任).*(?:什么|何种|怎样|怎么|如何)\w{0,3}处理"
    ),
    "post": re.compile(r"职务|职位|官职|担任|兼任|什么职|何职|身份|什么岗位|任什么"),
    "place": re.compile(
        r"哪里|哪儿|什么地方|何地|何处|在哪|哪些地方|哪个地方|哪几个地方|哪两个地方|哪些地区"
        r"|哪个(?:省|市|区|县|镇|乡|村|街道|社区|小区)"
    ),
    "org": re.compile(
        r"哪些?(?:个|家)?(?:部门|单位|机构|机关|组织|公司|纪检监察组|组|医院|媒体)|什么(?:部门|单位|机构|机关|组织)"
    ),
    "reason": re.compile(r"为什么|为何|什么原因|原因是|因为什么|为啥|怎么回事"),
}
# kinds an answer must hold; the others only raise a sentence's score
REQUIRED_KINDS = ("number", "person", "date", "appointment", "punishment", "place", "org")
_APPOINT_Q = re.compile(r"(?:新|现任|接任|继任|新任)(?:的)?[\u4e00-\u9fff]{0,6}?(?:长|书记|主任)")
_MULTI_Q = re.compile(r"哪(两|三|几)个?(?:地方|地区|单位|部门)|哪(两|三)")


def _multi_count(folded: str) -> int:
    m = _MULTI_Q.search(folded)
    if not m:
        return 0
    return {"两": 2, "三": 3}.get(m.group(1) or m.group(2), 3)


# words that, as question tokens, say what kind of answer is wanted rather than what it is about
_GENERIC_TOKENS = frozenset(
    """职务 职位 身份 名字 时候 时间 地方 方面 原因 意思 情况
    哪家 哪位 一共 总共 到底 具体 各有 分别 两个 三个""".split()
)
_PARTICLES = re.compile(r"[的了是在有]")
_ASKING_TOKEN = re.compile(r"哪|谁|什么|多少|几个|几[条项名人次]|多久|为何|怎么|如何")
_QUESTION_WORDS = re.compile(
    r"是谁|是什么|叫什么|什么|多少|哪些|哪个|哪家|哪位|哪里|哪儿|哪天|哪年|哪|几|谁|为什么|为何|怎么|怎样|如何|吗|呢|吧"
    r"|一共|总共|分别|都"
)


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


def _bigrams(folded: str) -> set[str]:
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+|[a-z0-9]+", folded):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def place_stem(word: str) -> str:
    return word[:-1] if len(word) >= 3 and word[-1] in PLACE_SUFFIX else word


def _bindings(folded: str, places: Sequence[str]) -> tuple[str, ...]:
    """ "西宁市纪委书记" -> "市纪委": a post bound to the kind of place it belongs to (市 not 省)."""
    out = []
    for p in places:
        i = folded.find(p)
        rest = folded[i + len(p) :].lstrip("的") if i >= 0 else ""
        if re.match(r"[\u4e00-\u9fff]{2}", rest) and rest[0] not in "是在有和与各都":
            out.append(p[-1] + rest[:2])
    return tuple(out)


# a day, with or without its year and month; or a month of a year
_DATE_LITERAL = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]|\d{4}年\d{1,2}月")


def _dates(folded: str) -> tuple[str, ...]:
    found = _DATE_LITERAL.finditer(re.sub(r"\s", "", folded))
    return tuple(dict.fromkeys(m.group().replace("号", "日") for m in found))


_LOCATED_Q = re.compile(r"([\u4e00-\u9fff]{2,6}?)(?:分别|都|各)?(?:在|位于)(?:哪里|哪儿|什么地方|何处|何地)")


def _located(folded: str, tokens: Sequence[str]) -> tuple[str, ...]:
    """The head noun (last token) of what a 哪里-question asks the place of."""
    m = _LOCATED_Q.search(folded)
    inside = [t for t in tokens if m and t in m.group(1)]
    return (max(inside, key=lambda t: m.group(1).rfind(t)),) if inside else ()


_LIST_Q = re.compile(r"哪几|哪些|几个方面|几方面|几项")
_IDENTITY_Q = re.compile(r"^\W*[\u4e00-\u9fff]{2,4}(?:是谁|是什么人|是何人|是哪位|是干什么的|是做什么的)\W*$")


def analyse_question(question: str) -> QuestionInfo:
    folded = fold(question)
    tokens = tuple(
        dict.fromkeys(
            t
            for t in tokenize(question)
            if (len(t) >= 2 or t.isdigit()) and t not in _GENERIC_TOKENS and not _ASKING_TOKEN.search(t)
        )
    )
    kinds = {k for k, p in _KIND_PATTERNS.items() if p.search(folded)}
    if "person" in kinds and "post" in kinds and "谁" in folded:
        kinds.discard("post")  # "担任…的是谁" wants the name
    if _APPOINT_Q.search(folded) and "person" in kinds:
        kinds.add("appointment")
    ents = entities(question)
    places = [e.text for e in ents if e.kind == "place"]
    measure, before, after, counted = "", "", "", ()
    m = _NUMBER_Q.search(folded)
    if re.search(r"多久|多长时间", folded):
        measure = "时长"
    elif m:
        measure = (
            m.group(1) or m.group(2) or ("元" if re.match(r"多少钱|多少万?元", folded[m.start() :]) else "")
        )
        head = re.sub(r"[了的共计一总]+$", "", re.sub(r"\W", "", folded[: m.start()]))
        before = head[-4:]
        after = re.sub(r"\W", "", folded[m.end() :])[:4]
        window = folded[max(0, m.start() - 7) : m.start()]
        named = {e.text for e in ents} | {place_stem(e.text) for e in ents}
        counted = tuple(t for t in tokens if t in window and not re.fullmatch(r"\d+", t) and t not in named)
    if "date" in kinds:
        kinds.discard("number")  # "几月几日" is a date, not a count
    names = frozenset(e.text for e in ents if e.kind == "person")
    if names and _IDENTITY_Q.search(folded):
        kinds.discard("person")  # "刘仁甫是谁": the name is given; the answer is who they are (a post)
        kinds.add("post")
    required = tuple(dict.fromkeys(place_stem(e.text) for e in ents if e.kind in ("person", "place")))
    return QuestionInfo(
        text=question,
        folded=folded,
        tokens=tokens,
        bigrams=frozenset(_bigrams(_PARTICLES.sub("", _QUESTION_WORDS.sub(" ", folded)))),
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
        listing=bool(_LIST_Q.search(folded)),
    )


# --- a question that asks several things ---------------------------------------------------------

_ASKS = r"什么|多少|几|哪|谁|为什么|为何|如何|怎么|怎样|何时|多久|多长|多大|吗|是否|有没有"
_PART_END = re.compile(r"[？?]+|[，,；;]")
_PAIR_SPLIT = re.compile(r"^(?P<x>.+?)(?:和|与|跟|以及)(?P<y>.+)$")


def split_question(question: str) -> list[str]:
    """The parts of a question that asks several things. "A？B？" and "A，B多少？" are cut where
    each side asks something (a lead-in without a question stays with the part after it, and a
    later part's pronoun is resolved from the first: "他为什么…" -> "刘仁甫为什么…"); "X和Y的Z
    分别/各/都…" becomes "X的Z…" and "Y的Z…". A simple question is its own only part."""
    pieces = [p.strip() for p in _PART_END.split(question) if re.search(r"\w", p)]
    parts: list[str] = []
    lead = ""
    for p in pieces:
        if re.search(_ASKS, p):
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
    m = _PAIR_SPLIT.match(question)
    if not m or not re.search(r"分别|各|都", question):
        return [question]
    x, y = m.group("x"), m.group("y")
    if not re.search(_ASKS, y) or re.search(_ASKS, x):
        return [question]
    # where Y ends and the shared rest begins: at 的 when X is a bare name, else at 分别/各/都
    cut = None
    if "的" not in x:
        i = y.find("的")
        cut = i if i > 0 else None
    if cut is None:
        j = re.search(r"分别|各|都", y)
        cut = j.start() if j else None
    if not cut:
        return [question]
    rest = y[cut:]
    return [x + rest, y[:cut] + rest]
