"""Answerers turn a question and its retrieved passages into an Answer with verified citations.

The default, `ExtractiveAnswerer`, writes no words of its own. It scores every sentence of the
passages, and every pair of adjacent sentences of a paragraph, against the question: folded jieba
tokens weighted by how rare they are among the passages, character bigrams, the paragraph before
the sentence and the title (the subject is often named there: "西宁市纪委监委…" then "现已开展监督
检查1446次"), and what kind of answer the question wants (a number with its measure word, a
person, a date, a punishment, a post, a place, an organisation, a reason). It quotes the best one
and cites it; a question asking two things ("…和…分别…", "…？…？") is split and each part answered.
When nothing answers, it says so ("资料中没有找到…") and offers the nearest passages instead of
guessing: a unit can only answer when it holds the kind of answer asked for and comes from a
document that names the question's people and places.

The same scorer reranks retrieved passages (`rerank`): a passage is as good as its best sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from rag.citations import (
    Piece,
    cover,
    display_text,
    is_quotation,
    make_citation,
    merge_pieces,
    numbers_with_measures,
    pieces_overlap,
    quotation_before,
    sentence_after,
    sentence_before,
    sentence_spans_in_chunk,
    span_text,
    whole_sentence,
)
from rag.rewrite import PLACE_SUFFIX, entities, person_names, rewrite_followup
from rag.text import fold, tokenize
from rag.types import Answer, Citation, Document, Hit

NOT_FOUND_PREFIX = "资料中没有找到"


class Answerer(Protocol):
    name: str

    def stream(
        self, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        """Yields text deltas as they are produced; the last item is the final, verified Answer."""
        ...


def answer(
    answerer: Answerer, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]
) -> Answer:
    """Run an answerer to the end and return its final Answer."""
    final: Answer | None = None
    for item in answerer.stream(question, hits, documents):
        if isinstance(item, Answer):
            final = item
    if final is None:
        raise RuntimeError(f"answerer {getattr(answerer, 'name', answerer)!r} produced no Answer")
    return final


# --- what the question asks for ---------------------------------------------------------------

MEASURES = "个人次起名条项份家例天日月年轮组位件批所户座处号届元岁"
# measure words that count the same things: 几个人 is answered by 12名, 多少起 by 4件
_MEASURE_CLASS = {m: c for c in ("人名位", "个家所座处", "起件例", "项条", "次轮", "天日") for m in c}
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


# a sanction given to someone, not a call for sanctions in general ("要进行追责问责")
_PUNISH_RE = re.compile(
    r"处分|诫勉|免去|免职|撤职|警告|记过|留党察看|开除|立案|审查调查|批评教育|降级|点名通报|通报批评|问责调查"
    r"|(?:受到|给予|予以|被)\w{0,8}(?:处理|处罚|通报|问责|追责)"
)
_POST_RE = re.compile(
    r"书记|主任|局长|院长|委员|常委|巡视员|组长|县长|市长|区长|镇长|乡长|主席|部长|厅长|处长|科长|党员|人员|负责人|职务"
)
_PLACE_RE = re.compile(
    r"(?![全该本各我每此])[\u4e00-\u9fff](?:省|市|区|县|镇|乡|村|街道|社区|路口|路|小区|景区|医院|超市|车站|场所|卫生院"
    r"|敬老院|企业|商超|市场|隔离点|点位|检测点|采样点|关卡|大门)"
)
_ORG_RE = re.compile(
    r"(?![全该本各我每此])[\u4e00-\u9fff](?:委|局|厅|部|组|院|公司|中心|指挥部|办公室|机关|单位|部门|纪检监察组|网)"
)
_DATE_RE = re.compile(
    r"\d{1,4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月|\d{1,2}\s*日|大年初[一二三四五六七八九十]|初[一二三四五六七八九十]"
    r"|[一二三四五六七八九十]+月|\d{4}\.\d{1,2}\.\d{1,2}"
)
_REASON_RE = re.compile(r"因|由于|为由|原因|致使|导致|造成|失职|不力|不到位|不担当|不作为")
_APPOINT_RE = re.compile(r"任命|接任|继任|新任|担任|主持工作|任职")
_PATTERN_KINDS = {
    "date": _DATE_RE,
    "punishment": _PUNISH_RE,
    "post": _POST_RE,
    "place": _PLACE_RE,
    "org": _ORG_RE,
    "reason": _REASON_RE,
    "appointment": _APPOINT_RE,
}
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


def _bigrams(folded: str) -> set[str]:
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+|[a-z0-9]+", folded):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _place_stem(word: str) -> str:
    return word[:-1] if len(word) >= 3 and word[-1] in PLACE_SUFFIX else word


def known_to(info: QuestionInfo, corpus: Corpus) -> QuestionInfo:
    """The question's tokens and bigrams that some document contains: a word no document uses
    (a paraphrase, a jieba artefact like 组各有) cannot tell passages apart and would only lower
    every score alike. Unknown places and posts are caught before this (`unknown_terms`)."""
    known = corpus.mentions
    tokens = tuple(t for t in info.tokens if known(t))
    return replace(
        info,
        tokens=tokens or info.tokens,
        counted=tuple(t for t in info.counted if t in tokens),
        bigrams=frozenset(b for b in info.bigrams if known(b)) or info.bigrams,
    )


def _bindings(folded: str, places: Sequence[str]) -> tuple[str, ...]:
    """ "西宁市纪委书记" -> "市纪委": a post bound to the kind of place it belongs to (市 not 省)."""
    out = []
    for p in places:
        i = folded.find(p)
        rest = folded[i + len(p) :].lstrip("的") if i >= 0 else ""
        if re.match(r"[\u4e00-\u9fff]{2}", rest) and rest[0] not in "是在有和与各都":
            out.append(p[-1] + rest[:2])
    return tuple(out)


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
        named = {e.text for e in entities(question)} | {_place_stem(e.text) for e in entities(question)}
        counted = tuple(t for t in tokens if t in window and not re.fullmatch(r"\d+", t) and t not in named)
    if "date" in kinds:
        kinds.discard("number")  # "几月几日" is a date, not a count
    ents = entities(question)
    names = frozenset(e.text for e in ents if e.kind == "person")
    required = tuple(dict.fromkeys(_place_stem(e.text) for e in ents if e.kind in ("person", "place")))
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
        places=tuple(e.text for e in ents if e.kind == "place"),
        bindings=_bindings(folded, [e.text for e in ents if e.kind == "place"]),
        multi=_multi_count(folded),
    )


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


# --- units: one sentence, or two adjacent sentences of a paragraph --------------------------------


@dataclass(frozen=True)
class Unit:
    hit_index: int  # position in the hits given to the answerer
    start: int  # document offsets
    end: int
    text: str  # the original text
    folded: str
    context: str  # folded paragraph text just before the unit, and the title
    sentences: int  # 1 or 2
    doc_id: str


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    own: float  # share of the question (tokens and bigrams) found in the unit itself
    eligible: bool  # holds the required kind of answer and its document names the question's entities


CONTEXT_WEIGHT = 0.5  # a question token found only in the paragraph before (or the title) counts half
TOKEN_SHARE = 0.6  # coverage = TOKEN_SHARE * token coverage + (1 - TOKEN_SHARE) * bigram coverage
KIND_BONUS = 0.25
KIND_MISS_FACTOR = 0.6  # the unit lacks the kind of answer asked for
ANCHOR_BONUS = 0.3
BINDING_BONUS = 0.15
PAIR_FACTOR = 0.85  # two sentences must cover clearly more than one
RANK_PRIOR = 0.03  # ties go to the better-retrieved passage
CONFLICT_FACTOR = 0.75  # the unit names another place of the same level and not the question's


@lru_cache(maxsize=8192)
def _fold_cached(text: str) -> str:
    return fold(text)


PARAGRAPH_CONTEXT = 400  # characters of the unit's own paragraph before it
LEAD_CONTEXT = 60  # characters before the paragraph (a heading, the end of the paragraph before)


def _paragraph_part(context: str) -> str:
    """The unit's own paragraph (before the unit) out of a context string."""
    return context.rsplit("\n", 1)[0].split("\n")[-1]


def _preceding_context(text: str, start: int, title: str) -> str:
    """The folded text before `start` that may name the unit's subject: its paragraph so far, a
    little of what precedes the paragraph (headings), and the title."""
    para = text.rfind("\n", 0, start) + 1
    if start - para > PARAGRAPH_CONTEXT:
        return _fold_cached(text[start - PARAGRAPH_CONTEXT : start]) + "\n" + _fold_cached(title)
    return _fold_cached(text[max(0, para - LEAD_CONTEXT) : start]) + "\n" + _fold_cached(title)


def passage_sentences(hit: Hit, documents: Mapping[str, Document] | None) -> list[tuple[int, int, bool]]:
    """(start, end, starts_paragraph) of the passage's sentences, in document offsets."""
    doc = documents.get(hit.chunk.doc_id) if documents else None
    text, offset = (doc.text, 0) if doc is not None else (hit.chunk.text, hit.chunk.start)
    out = []
    prev_end = None
    for s, e in sentence_spans_in_chunk(hit.chunk):
        gap = text[prev_end - offset : s - offset] if prev_end is not None else "\n"
        out.append((s, e, "\n" in gap))
        prev_end = e
    return out


def units_of(
    hits: Sequence[Hit], documents: Mapping[str, Document] | None = None, pairs: bool = True
) -> list[Unit]:
    """Every sentence of the passages, and every two adjacent sentences of one paragraph; each
    span once (overlapping chunks share sentences: the first passage keeps them)."""
    out: list[Unit] = []
    seen: set[tuple[str, int, int]] = set()
    for i, hit in enumerate(hits):
        chunk = hit.chunk
        doc = documents.get(chunk.doc_id) if documents else None
        text, offset = (doc.text, 0) if doc is not None else (chunk.text, chunk.start)
        title = hit.title or (doc.title if doc is not None else "")
        sents = passage_sentences(hit, documents)
        for j, (s, e, _) in enumerate(sents):
            spans = [(s, e, 1)]
            if pairs and j + 1 < len(sents) and not sents[j + 1][2]:
                spans.append((s, sents[j + 1][1], 2))
            for a, b, n in spans:
                key = (chunk.doc_id, a, b)
                if key in seen:
                    continue
                seen.add(key)
                original = text[a - offset : b - offset]
                folded = _fold_cached(original)
                if not re.search(r"\w", folded):
                    continue
                context = _preceding_context(text, a - offset, title)
                out.append(Unit(i, a, b, original, folded, context, n, chunk.doc_id))
    return out


def _token_weights(tokens: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """IDF of each token over the candidate sentences: a word every passage repeats tells little."""
    n = len(texts)
    return {t: math.log(1.0 + (n + 1) / (sum(1 for s in texts if t in s) + 0.5)) for t in tokens}


def _measure_ok(measure: str, found: str) -> bool:
    return found == measure or (found and _MEASURE_CLASS.get(found) == _MEASURE_CLASS.get(measure, "?"))


_DURATION_RE = re.compile(
    r"\d+\s*[余多]?\s*个?\s*(?:分钟|分|小时|天|日|周|月|年|秒|昼夜)|[一二两三四五六七八九十]+个?(?:小时|天|周|月|年)"
)


def has_kind(kind: str, folded: str, info: QuestionInfo) -> bool:
    if kind == "number":
        if info.measure == "时长":
            return bool(_DURATION_RE.search(folded))
        if info.counted and not any(t in folded for t in info.counted):
            return False  # a number, but not of what the question counts
        nums = numbers_with_measures(folded)
        if info.measure:
            return any(_measure_ok(info.measure, m) for _, m in nums)
        return bool(nums)
    if kind == "person":
        return any(n not in info.names and not any(n in q for q in info.names) for n in person_names(folded))
    return bool(_PATTERN_KINDS[kind].search(folded))


def _conflicts(unit: Unit, info: QuestionInfo) -> bool:
    """The unit names a place, none of the question's places, and neither does the text before it."""
    stems = [_place_stem(p) for p in info.places]
    if any(st in unit.folded or st in unit.context for st in stems):
        return False
    # only places of the same level conflict: a 省 question may well be answered by a 市 sentence
    levels = {p[-1] for p in info.places if p[-1] in PLACE_SUFFIX}
    return any(
        e.kind == "place" and not any(st in e.text for st in stems) and (not levels or e.text[-1] in levels)
        for e in entities(unit.folded)
    )


def has_all_kinds(info: QuestionInfo, folded: str) -> bool:
    return all(has_kind(k, folded, info) for k in info.kinds if k in REQUIRED_KINDS)


def _anchored(folded: str, info: QuestionInfo) -> bool:
    """A number with the asked measure word right next to what the question counts: a token from
    just before 多少/几 ("问责了多少人": 问责), or the words right after the measure word."""
    if not (info.counted or info.before or info.after):
        return False
    measures = "".join(m for m in MEASURES if not info.measure or _measure_ok(info.measure, m))
    pattern = re.compile(r"(?:\d+|[零一二两三四五六七八九十百千万]+)\s*[余多]?\s*[" + measures + "]")
    for m in pattern.finditer(folded):
        left = re.sub(r"\W", "", folded[max(0, m.start() - 10) : m.start()])
        right = re.sub(r"\W", "", folded[m.end() : m.end() + 8])
        if any(t in left or t in right for t in info.counted):
            return True
        if len(info.before) >= 2 and any(info.before[i:] in left for i in range(len(info.before) - 1)):
            return True
        if len(info.after) >= 2 and any(
            info.after[: len(info.after) - i] in right for i in range(len(info.after) - 1)
        ):
            return True
    return False


def score_units(
    info: QuestionInfo,
    units: Sequence[Unit],
    ranks: Sequence[int],
    doc_texts: Mapping[str, str] | None = None,
) -> list[Scored]:
    """Score every unit; `ranks[i]` is the retrieval rank of unit i's passage; `doc_texts` (folded
    whole documents) decide whether a unit's document names the question's people and places."""
    weights = _token_weights(info.tokens, [u.folded for u in units if u.sentences == 1])
    total = sum(weights.values()) or 1.0
    n_bi = len(info.bigrams) or 1
    out = []
    for unit, rank in zip(units, ranks, strict=True):
        doc_text = doc_texts.get(unit.doc_id, "") if doc_texts else ""
        tok_own = sum(w for t, w in weights.items() if t in unit.folded) / total
        tok_ctx = sum(w for t, w in weights.items() if t not in unit.folded and t in unit.context) / total
        bi_own = sum(1 for b in info.bigrams if b in unit.folded) / n_bi
        bi_ctx = sum(1 for b in info.bigrams if b not in unit.folded and b in unit.context) / n_bi
        own = TOKEN_SHARE * tok_own + (1 - TOKEN_SHARE) * bi_own
        coverage = own + CONTEXT_WEIGHT * (TOKEN_SHARE * tok_ctx + (1 - TOKEN_SHARE) * bi_ctx)
        kinds = [k for k in info.kinds if has_kind(k, unit.folded, info)]
        if (
            "place" in info.kinds
            and "place" not in kinds
            and has_kind("place", _paragraph_part(unit.context), info)
        ):
            kinds.append("place")  # "同时，向全区印发…": the place is named earlier in the paragraph
        required = [k for k in info.kinds if k in REQUIRED_KINDS]
        eligible = all(k in kinds for k in required)
        if doc_texts is not None:
            eligible = eligible and all(e in doc_text for e in info.entities)
        score = coverage * (1.0 if (kinds or not info.kinds) else KIND_MISS_FACTOR)
        score += KIND_BONUS * (len(kinds) / len(info.kinds) if info.kinds else 0.0)
        if "number" in info.kinds and _anchored(unit.folded, info):
            score += ANCHOR_BONUS
        if any(b in unit.folded for b in info.bindings):
            score += BINDING_BONUS

        if unit.sentences > 1:
            score *= PAIR_FACTOR
        score += RANK_PRIOR / max(rank, 1)
        out.append(Scored(unit, score, own, eligible))
    return out


def rerank(question: str, hits: Sequence[Hit]) -> list[Hit]:
    """Order passages by the score of their best sentence (ties keep retrieval order); new ranks
    1..n, `via` and `title` kept, `score` is the best sentence's score."""
    if not hits:
        return []
    info = analyse_question(question)
    units = units_of(hits, pairs=False)
    scored = score_units(info, units, [hits[u.hit_index].rank for u in units])
    best = [0.0] * len(hits)
    for s in scored:
        best[s.unit.hit_index] = max(best[s.unit.hit_index], s.score)
    order = sorted(range(len(hits)), key=lambda i: (-best[i], i))
    return [replace(hits[i], score=round(best[i], 6), rank=r) for r, i in enumerate(order, start=1)]


# --- the corpus, for terms the documents never mention ---------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """The folded text of every document: which documents name a person or place, and which
    words the documents use at all."""

    texts: Mapping[str, str]  # doc id -> folded text
    joined: str

    def mentions(self, term: str) -> bool:
        return term in self.joined


_corpus_cache: dict[tuple, Corpus] = {}


def folded_corpus(documents: Mapping[str, Document]) -> Corpus:
    """Folded once per document collection (a snapshot's mapping does not change; a changed one
    has another identity or size)."""
    key = (id(documents), len(documents), sum(len(d.text) for d in documents.values()))
    cached = _corpus_cache.get(key)
    if cached is None:
        texts = {doc_id: fold(doc.text) for doc_id, doc in documents.items()}
        cached = Corpus(texts=texts, joined="\x00".join(texts.values()))
        _corpus_cache.clear()
        _corpus_cache[key] = cached
    return cached


_POST_TOKEN = re.compile(r"[\u4e00-\u9fff]长$")


def unknown_terms(info: QuestionInfo, corpus: Corpus) -> list[str]:
    """Places and posts of the question that no document mentions (成都市, 县长): a sign that the
    question is about something the documents do not cover."""
    out = []
    probes = [(e, _place_stem(e)) for e in info.places]
    probes += [(t, t) for t in info.tokens if _POST_TOKEN.search(t) and len(t) <= 3]
    for term, probe in probes:
        if not corpus.mentions(probe):
            out.append(term)
    return out


# --- writing the answer ---------------------------------------------------------------------------


_CLAUSE_RE = re.compile(r"[^，,；;：:。！？!?]+[，,；;：:。！？!?”’」』]*")


def trim_unit(text: str, info: QuestionInfo, max_chars: int) -> tuple[int, int]:
    """The part of a long unit that answers: clauses before the first and after the one following
    the last clause that holds a question token or the kind of answer asked for are dropped
    (whole sentences were more often right than clauses trimmed hard). Offsets into `text`."""
    if len(text) <= max_chars:
        return 0, len(text)
    clauses = [(m.start(), m.end()) for m in _CLAUSE_RE.finditer(text)]
    useful = []
    for k, (a, b) in enumerate(clauses):
        folded = _fold_cached(text[a:b])
        if any(t in folded for t in info.tokens) or any(has_kind(k2, folded, info) for k2 in info.kinds):
            useful.append(k)
    if not useful:
        return 0, len(text)
    start = clauses[useful[0]][0]
    if len(text) - start <= 2 * max_chars:
        return start, len(text)
    last = min(useful[-1] + 2, len(clauses) - 1)
    return start, clauses[last][1]


_ATTRIBUTION_END = re.compile(r"(?:表示|说|说道|介绍|指出|强调|谈道|这样说|点出\w{0,8})[。！!]?[”’」』]?$")


@dataclass(frozen=True)
class ExtractiveAnswerer:
    """Quotes the best sentences of the passages, each with its citation; abstains on weak evidence.

    `min_score` and `min_own` were tuned on the "tune" split of eval/questions.jsonl: the best
    eligible unit's score, and the share of the question it covers by itself."""

    name: str = "extractive"
    min_score: float = 0.43
    min_own: float = 0.22
    trim_over: int = 120  # units longer than this are trimmed to their answering clauses
    extend_reasons: bool = True  # 为什么-questions also quote the neighbouring sentence giving the cause
    offer: int = 3  # passages offered when abstaining

    def stream(
        self, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        ans = self.build(question, hits, documents)
        if ans.text:
            yield ans.text
        yield ans

    def build(self, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        corpus = folded_corpus(documents)
        units = units_of(hits, documents)
        quotes: list[list[Piece]] = []
        leads: dict[int, str] = {}  # quote index -> where it comes from, when the quote cannot say
        for part in split_question(question):
            info = analyse_question(part)
            if not info.tokens or unknown_terms(info, corpus):
                continue
            info = known_to(info, corpus)
            found = self.best_units(info, units, hits, corpus)
            if found and quotes and self.answered_by(info, found[0], quotes, units, hits, documents):
                continue
            for best in found:
                pieces = self.widen(best.unit, info, hits, documents)
                if not any(pieces_overlap(pieces, q, hits) for q in quotes):
                    quotes.append(pieces)
                    lead = self.lead(info, pieces, hits, documents)
                    if lead:
                        leads[len(quotes) - 1] = lead
        if not quotes:
            return self.abstain(question, hits)
        parts: list[str] = []
        citations: list[Citation] = []
        whole = analyse_question(question)
        for q_index, pieces in enumerate(quotes):
            joined = "".join(span_text(hits[i], documents, a, b) for i, a, b in pieces)
            a, b = trim_unit(joined, whole, self.trim_over)
            shown = display_text(joined[a:b]).rstrip("，,；;：:、 ")
            if not re.search(r"[。！？!?…”」』]$", shown):
                shown += "。"
            marks = ""
            for i, start, end in pieces:
                n = len(citations) + 1
                citations.append(make_citation(n, hits[i], (start, end), documents))
                marks += f"[{n}]"
            parts.append(leads.get(q_index, "") + shown + marks)
        return Answer(
            question=question,
            text="".join(parts),
            abstained=False,
            rewritten_query="",
            citations=tuple(citations),
            hits=tuple(hits),
        )

    def best_units(
        self, info: QuestionInfo, units: Sequence[Unit], hits: Sequence[Hit], corpus: Corpus
    ) -> list[Scored]:
        """The best eligible unit for one (part of a) question, if it is strong enough; for
        "哪两个地方…" also the best unit of each further document."""
        ranks = [hits[u.hit_index].rank for u in units]
        scored = [s for s in score_units(info, units, ranks, corpus.texts) if s.eligible]
        if not scored:
            return []
        ranked = sorted(scored, key=lambda s: -s.score)
        if info.places:
            # a unit about another place ("海东市…" for a question about 西宁) loses ground
            top = [
                replace(s, score=s.score * CONFLICT_FACTOR) if _conflicts(s.unit, info) else s
                for s in ranked[:5]
            ]
            ranked = sorted(top, key=lambda s: -s.score) + ranked[5:]
        best = ranked[0]
        if best.score < self.min_score or best.own < self.min_own:
            return []
        chosen = [best]
        if info.multi:
            docs = {best.unit.doc_id}
            for s in ranked[1:]:
                if len(chosen) >= info.multi:
                    break
                if s.unit.doc_id not in docs and s.score >= 0.8 * best.score and s.own >= 0.85 * best.own:
                    chosen.append(s)
                    docs.add(s.unit.doc_id)
        return chosen

    def answered_by(
        self,
        info: QuestionInfo,
        best: Scored,
        quotes: Sequence[Sequence[Piece]],
        units: Sequence[Unit],
        hits: Sequence[Hit],
        documents: Mapping[str, Document],
    ) -> bool:
        """Whether a quote chosen for an earlier part already answers this part about as well as
        its own best unit ("印发了什么通知，提出了什么要求" is often one sentence)."""
        for pieces in quotes:
            i = pieces[0][0]
            doc = documents.get(hits[i].chunk.doc_id)
            text = "".join(span_text(hits[j], documents, a, b) for j, a, b in pieces)
            start = pieces[0][1]
            title = hits[i].title or (doc.title if doc else "")
            context = _preceding_context(doc.text, start, title) if doc else ""
            unit = Unit(i, start, pieces[-1][2], text, _fold_cached(text), context, 1, hits[i].chunk.doc_id)
            # scored among all units, so that its tokens weigh what they weigh for `best`
            pool = [*units, unit]
            again = score_units(info, pool, [hits[u.hit_index].rank for u in pool])[-1]
            if has_all_kinds(info, unit.folded) and again.score >= 0.85 * best.score:
                return True
        return False

    def widen(
        self, unit: Unit, info: QuestionInfo, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> list[Piece]:
        """The unit as pieces of offered passages (each quote stays inside its passage), widened to
        what a reader needs: the whole sentence when a chunk boundary cut it; the quotation that an
        attribution ("…某某表示。") refers to, or the attribution after a bare quotation; for a
        哪里-question, the sentence before that names the place; for a 为什么-question, the
        sentences of the paragraph that give the cause (before: …致使/因…, at most two; after:
        据介绍…, or one naming the person). Parts that no offered passage holds are left out."""
        own = [(unit.hit_index, unit.start, unit.end)]
        doc = documents.get(unit.doc_id)
        if doc is None:
            return own
        text = doc.text
        core = cover(whole_sentence(text, unit.start, unit.end), unit.doc_id, hits, unit.hit_index) or own
        before: list[Piece] = []
        after: list[Piece] = []
        core_text = _fold_cached(text[core[0][1] : core[-1][2]])
        if _ATTRIBUTION_END.search(core_text):
            # "“…”某某表示。": what was said is the quotation before (one or more sentences)
            span = quotation_before(text, core[0][1])
            if span is not None:
                before = cover(span, unit.doc_id, hits, core[0][0]) or self._sentences_back(
                    text, core[0][1], span[0], unit.doc_id, hits, core[0][0]
                )
        elif is_quotation(text[core[0][1] : core[-1][2]]):
            # "“…”" alone: who said it, and about whom, is the sentence after
            span = sentence_after(text, core[-1][2])
            if span is not None and not is_quotation(text[span[0] : span[1]]) and span[1] - span[0] <= 80:
                after = cover(span, unit.doc_id, hits, core[-1][0]) or []
        if "place" in info.kinds and not before and not has_kind("place", core_text, info):
            # the place the answer is about is named in a sentence before, in the same paragraph
            pos = core[0][1]
            for _ in range(2):
                span = sentence_before(text, pos)
                if span is None:
                    break
                got = cover(span, unit.doc_id, hits, core[0][0])
                if got is None:
                    break
                before = got + before
                if has_kind("place", _fold_cached(text[span[0] : span[1]]), info):
                    break
                pos = span[0]
        if self.extend_reasons and "reason" in info.kinds:
            pos = core[0][1]
            for _ in range(2):
                span = sentence_before(text, pos)
                if span is None or not _REASON_RE.search(_fold_cached(text[span[0] : span[1]])):
                    break
                got = cover(span, unit.doc_id, hits, core[0][0])
                if got is None:
                    break
                before = got + before
                pos = span[0]
            span = sentence_after(text, core[-1][2])
            if span is not None:
                nxt = _fold_cached(text[span[0] : span[1]])
                if re.match(r"据介绍|经查|据了解|原来", nxt) or any(n in nxt for n in info.names):
                    after = cover(span, unit.doc_id, hits, core[-1][0]) or []
        return merge_pieces(before + core + after, text)

    @staticmethod
    def lead(
        info: QuestionInfo, pieces: Sequence[Piece], hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> str:
        """ "《title》：" before a quote that answers a 哪里-question without naming the place, when the
        title of its document names it (the sentence naming it was not among the passages)."""
        if "place" not in info.kinds:
            return ""
        text = _fold_cached("".join(span_text(hits[i], documents, a, b) for i, a, b in pieces))
        if has_kind("place", text, info):
            return ""
        hit = hits[pieces[0][0]]
        doc = documents.get(hit.chunk.doc_id)
        title = hit.title or (doc.title if doc else "")
        return (
            f"《{display_text(title)}》：" if title and has_kind("place", _fold_cached(title), info) else ""
        )

    @staticmethod
    def _sentences_back(
        text: str, pos: int, limit: int, doc_id: str, hits: Sequence[Hit], prefer: int
    ) -> list[Piece]:
        """As many whole sentences before `pos` (back to `limit`) as offered passages hold."""
        out: list[Piece] = []
        while pos > limit:
            span = sentence_before(text, pos)
            if span is None or span[0] < limit:
                break
            got = cover(span, doc_id, hits, prefer)
            if got is None:
                break
            out = got + out
            pos = span[0]
        return out

    def abstain(self, question: str, hits: Sequence[Hit]) -> Answer:
        offered = tuple(hits[: self.offer])
        text = f"{NOT_FOUND_PREFIX}能回答这个问题的内容。"
        if offered:
            text += "以下是最接近的段落，供参考。"
        return Answer(
            question=question, text=text, abstained=True, rewritten_query="", citations=(), hits=offered
        )


def retrieve_for(
    question: str, search: Callable[[str, int], Sequence[Hit]], k: int, pool: int = 10
) -> list[Hit]:
    """The passages to answer from: `search(query, n)` for the question (and, when it asks several
    things, for each part too, so that "青海省和天津市的纪委书记分别是谁" finds both documents), each
    list reranked by its own query and merged round-robin without duplicates; ranks renumbered.
    A multi-part question gets up to 3 passages per part."""
    parts = split_question(question)
    queries = [question] + parts if len(parts) > 1 else [question]
    lists = [rerank(q, search(q, max(pool, k))) for q in queries]
    total = max(k, 3 * len(parts)) if len(parts) > 1 else k
    out: list[Hit] = []
    seen: set[str] = set()
    for depth in range(max((len(x) for x in lists), default=0)):
        for ranked in lists:
            if depth < len(ranked) and ranked[depth].chunk.id not in seen and len(out) < total:
                seen.add(ranked[depth].chunk.id)
                out.append(ranked[depth])
    return [replace(h, rank=r) for r, h in enumerate(out, start=1)]
