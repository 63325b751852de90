"""Scoring sentences against a question, and reranking passages by their best sentence.

A unit is one sentence of a passage, or two adjacent sentences of one paragraph. It is scored on
folded jieba tokens weighted by how rare they are among the passages, character bigrams, the
paragraph before the sentence and the title (the subject is often named there: "西宁市纪委监委…"
then "现已开展监督检查1446次"), and whether it holds the kind of answer the question wants. A unit
is eligible to answer only when it holds the required kind of answer and its document names the
question's people and places.

`rerank` orders passages by their best sentence; `retrieve_for` gathers the passages to answer
from, part by part for a question that asks several things.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from rag.answer.citations import numbers_with_measures, sentence_spans_in_chunk
from rag.query.question import (
    MEASURES,
    REQUIRED_KINDS,
    QuestionInfo,
    analyse_question,
    place_stem,
    split_question,
)
from rag.query.rewrite import PLACE_SUFFIX, entities, person_names
from rag.types import Document, Hit
from rag.zh.synonyms import synonyms
from rag.zh.text import fold

# --- what kind of answer a sentence holds ---------------------------------------------------------

# measure words that count the same things: 几个人 is answered by 12名, 多少起 by 4件
_MEASURE_CLASS = {m: c for c in ("人名位", "个家所座处", "起件例", "项条", "次轮", "天日") for m in c}

# a sanction given to someone, not a call for sanctions in general ("要进行追责问责")
_PUNISH_RE = re.compile(
    r"处分|诫勉|免去|免职|撤职|警告|记过|留党察看|开除|立案|审查调查|批评教育|降级|点名通报|通报批评|问责调查"
    r"|(?:受到|给予|予以|被)\w{0,8}(?:处理|处罚|通报|问责|追责)"
)
_POST_RE = re.compile(
    r"书记|主任|局长|院长|委员|常委|巡视员|组长|县长|市长|区长|镇长|乡长|主席|部长|厅长|处长|科长|党员|人员|负责人|职务"
)
_PLACE_RE = re.compile(
    r"(?![全该本各我每此的个了些两])[\u4e00-\u9fff](?:省|市|区|县|镇|乡|村|街道|社区|路口|路|小区|景区|医院|超市|车站|场所|卫生院"
    r"|敬老院|企业|商超|市场|隔离点|点位|检测点|采样点|关卡|大门)"
)
_ORG_RE = re.compile(
    r"(?![全该本各我每此])[\u4e00-\u9fff](?:委|局|厅|部|组|院|公司|中心|指挥部|办公室|机关|单位|部门|纪检监察组|网)"
)
_DATE_RE = re.compile(
    r"\d{1,4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月|\d{1,2}\s*日|大年初[一二三四五六七八九十]|初[一二三四五六七八九十]"
    r"|[一二三四五六七八九十]+月|\d{4}\.\d{1,2}\.\d{1,2}"
)
REASON_RE = re.compile(r"因|由于|为由|原因|致使|导致|造成|失职|不力|不到位|不担当|不作为")
_APPOINT_RE = re.compile(r"任命|接任|继任|新任|担任|主持工作|任职")
_PATTERN_KINDS = {
    "date": _DATE_RE,
    "punishment": _PUNISH_RE,
    "post": _POST_RE,
    "place": _PLACE_RE,
    "org": _ORG_RE,
    "reason": REASON_RE,
    "appointment": _APPOINT_RE,
}
# "一位老人", "一名干部": an article, not a count that could answer 多少人
_INDEFINITE_RE = re.compile(r"(?<![\d零〇一二两三四五六七八九十百千万])一(?=[位名个])")
_PERSON_TIMES_RE = re.compile(r"(?:\d+|[零〇一二两三四五六七八九十百千万]+)\s*[余多]?\s*人次")
_DURATION_RE = re.compile(
    r"\d+\s*[余多]?\s*个?\s*(?:分钟|分|小时|天|日|周|月|年|秒|昼夜)|[一二两三四五六七八九十]+个?(?:小时|天|周|月|年)"
)


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
    speaker: str = ""  # folded attribution closing the quotation the unit is part of ("…黄钦…表示。")


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    own: float  # share of the question (tokens and bigrams) found in the unit itself
    eligible: bool  # holds the required kind of answer and its document names the question's entities


SYNONYM_CREDIT = 0.5  # a synonym of a question word counts half the word (tuned on the tune split)
CONTEXT_WEIGHT = 0.5  # a question token found only in the paragraph before (or the title) counts half
TOKEN_SHARE = 0.6  # coverage = TOKEN_SHARE * token coverage + (1 - TOKEN_SHARE) * bigram coverage
KIND_BONUS = 0.25
KIND_MISS_FACTOR = 0.6  # the unit lacks the kind of answer asked for
ANCHOR_BONUS = 0.3
BINDING_BONUS = 0.15
DATE_BONUS = 0.3  # the unit names the very day the question asks about
PAIR_FACTOR = 0.85  # two sentences must cover clearly more than one
RANK_PRIOR = 0.03  # ties go to the better-retrieved passage
CONFLICT_FACTOR = 0.75  # the unit names another place of the same level and not the question's


PARAGRAPH_CONTEXT = 400  # characters of the unit's own paragraph before it
LEAD_CONTEXT = 60  # characters before the paragraph (a heading, the end of the paragraph before)


def _paragraph_part(context: str) -> str:
    """The unit's own paragraph (before the unit) out of a context string."""
    return context.rsplit("\n", 1)[0].split("\n")[-1]


_OPENING_QUOTES = "“「『"
_CLOSING_QUOTES = "”」』"
ATTRIBUTION_MAX = 60  # characters: "…。”资源县委书记黄钦在该县疫情防控工作会议上表示。"


def attribution_after(text: str, start: int, end: int) -> str:
    """The attribution of the quotation that text[start:end] is part of, when the quotation ends
    its paragraph with one ("“…强化值班值守…。”资源县委书记黄钦…表示。"): who said it is the
    subject of every quoted sentence. Folded; "" when there is none."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    head = text[para_start:end]
    opened = max(head.rfind(q) for q in _OPENING_QUOTES)
    if opened < 0 or opened < max(text[para_start:start].rfind(q) for q in _CLOSING_QUOTES):
        return ""  # not inside a quotation
    rest = text[end:para_end]
    close = max(rest.rfind(q) for q in _CLOSING_QUOTES)  # -1: the unit must close it itself
    if close < 0 and text[end - 1 : end] not in _CLOSING_QUOTES:
        return ""
    tail = rest[close + 1 :].strip()
    if not tail or len(tail) > ATTRIBUTION_MAX or any(q in tail for q in _OPENING_QUOTES):
        return ""
    return fold(tail)


def preceding_context(text: str, start: int, title: str) -> str:
    """The folded text before `start` that may name the unit's subject: its paragraph so far, a
    little of what precedes the paragraph (headings), and the title."""
    para = text.rfind("\n", 0, start) + 1
    if start - para > PARAGRAPH_CONTEXT:
        return fold(text[start - PARAGRAPH_CONTEXT : start]) + "\n" + fold(title)
    return fold(text[max(0, para - LEAD_CONTEXT) : start]) + "\n" + fold(title)


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
    hits: Sequence[Hit],
    documents: Mapping[str, Document] | None = None,
    pairs: bool = True,
    speakers: bool = False,
) -> list[Unit]:
    """Every sentence of the passages, and every two adjacent sentences of one paragraph; each
    span once (overlapping chunks share sentences: the first passage keeps them). `speakers`: a
    quoted sentence carries the attribution of its quotation (for ranking passages; an answer
    must quote its own evidence)."""
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
                folded = fold(original)
                if not re.search(r"\w", folded):
                    continue
                context = preceding_context(text, a - offset, title)
                said = attribution_after(text, a - offset, b - offset) if speakers else ""
                out.append(Unit(i, a, b, original, folded, context, n, chunk.doc_id, said))
    return out


def _holds(text: str, token: str) -> bool:
    """The token occurs in the text; a number only as a whole number (14 is not in 140 or 2014)."""
    if token.isdigit():
        return re.search(rf"(?<!\d){token}(?!\d)", text) is not None
    return token in text


def _token_weights(tokens: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """IDF of each token over the candidate sentences: a word every passage repeats tells little."""
    n = len(texts)
    return {t: math.log(1.0 + (n + 1) / (sum(1 for s in texts if _holds(s, t)) + 0.5)) for t in tokens}


def _measure_ok(measure: str, found: str) -> bool:
    return found == measure or (found and _MEASURE_CLASS.get(found) == _MEASURE_CLASS.get(measure, "?"))


def has_kind(kind: str, folded: str, info: QuestionInfo) -> bool:
    if kind == "number":
        if info.measure == "时长":
            return bool(_DURATION_RE.search(folded))
        if info.counted and not any(t in folded for t in info.counted):
            return False  # a number, but not of what the question counts
        counted_text = _INDEFINITE_RE.sub("", folded)
        if "人次" not in info.folded:
            counted_text = _PERSON_TIMES_RE.sub("", counted_text)  # visits are not people
        nums = numbers_with_measures(counted_text)
        if info.measure:
            return any(_measure_ok(info.measure, m) for _, m in nums)
        return bool(nums)
    if kind == "place" and info.located:
        # the place must be in a sentence about what is located, not in the next one
        return any(
            _PLACE_RE.search(part) and any(t in part for t in info.located)
            for part in re.split(r"(?<=[。！？!?；;])", folded)
        )
    if kind == "person":
        return any(n not in info.names and not any(n in q for q in info.names) for n in person_names(folded))
    return bool(_PATTERN_KINDS[kind].search(folded))


def names_other_place(unit: Unit, info: QuestionInfo) -> bool:
    """The unit names a place, none of the question's places, and neither does the text before it."""
    stems = [place_stem(p) for p in info.places]
    if any(st in unit.folded or st in unit.context for st in stems):
        return False
    # only places of the same level conflict: a 省 question may well be answered by a 市 sentence
    # a bare name ("青海", "天津") is a province or a city: a 县 inside it is no conflict
    levels = {p[-1] for p in info.places if p[-1] in PLACE_SUFFIX} or {"省", "市"}
    return any(
        e.kind == "place" and not any(st in e.text for st in stems) and e.text[-1] in levels
        for e in entities(unit.folded)
    )


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
    syns = {t: synonyms(t) for t in weights}
    total = sum(weights.values()) or 1.0
    n_bi = len(info.bigrams) or 1
    out = []
    for unit, rank in zip(units, ranks, strict=True):
        doc_text = doc_texts.get(unit.doc_id, "") if doc_texts else ""
        # a quoted sentence and the attribution that ends its quotation read as one sentence
        text = unit.folded + "\n" + unit.speaker if unit.speaker else unit.folded
        found = {t for t in weights if _holds(text, t)}
        tok_own = sum(w for t, w in weights.items() if t in found) / total
        tok_own += (
            SYNONYM_CREDIT
            * sum(w for t, w in weights.items() if t not in found and any(x in text for x in syns[t]))
            / total
        )
        tok_ctx = sum(w for t, w in weights.items() if t not in found and _holds(unit.context, t)) / total
        bi_own = sum(1 for b in info.bigrams if b in text) / n_bi
        bi_ctx = sum(1 for b in info.bigrams if b not in text and b in unit.context) / n_bi
        own = TOKEN_SHARE * tok_own + (1 - TOKEN_SHARE) * bi_own
        coverage = own + CONTEXT_WEIGHT * (TOKEN_SHARE * tok_ctx + (1 - TOKEN_SHARE) * bi_ctx)
        kinds = [k for k in info.kinds if has_kind(k, unit.folded, info)]  # the answer must be quoted
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
        if info.dates and any(d in re.sub(r"\s", "", unit.folded) for d in info.dates):
            score += DATE_BONUS

        if unit.sentences > 1:
            score *= PAIR_FACTOR
        score += RANK_PRIOR / max(rank, 1)
        out.append(Scored(unit, score, own, eligible))
    return out


def demote_other_places(scored: Sequence[Scored], info: QuestionInfo) -> list[Scored]:
    """A unit about another place of the same level ("海东市…" for a question about 西宁) loses ground."""
    if not info.places:
        return list(scored)
    return [
        replace(s, score=s.score * CONFLICT_FACTOR) if names_other_place(s.unit, info) else s for s in scored
    ]


def rerank(question: str, hits: Sequence[Hit], documents: Mapping[str, Document] | None = None) -> list[Hit]:
    """Order passages by the score of their best sentence (ties keep retrieval order); new ranks
    1..n, `via` and `title` kept, `score` is the best sentence's score. With `documents`, a
    sentence's context reaches outside its passage (the paragraph's start, a quotation's speaker)."""
    if not hits:
        return []
    info = analyse_question(question)
    units = units_of(hits, documents, pairs=False, speakers=True)
    scored = score_units(info, units, [hits[u.hit_index].rank for u in units])
    scored = demote_other_places(scored, info)
    best = [0.0] * len(hits)
    for s in scored:
        best[s.unit.hit_index] = max(best[s.unit.hit_index], s.score)
    order = sorted(range(len(hits)), key=lambda i: (-best[i], i))
    return [replace(hits[i], score=round(best[i], 6), rank=r) for r, i in enumerate(order, start=1)]


def retrieve_for(
    question: str,
    search: Callable[[str, int], Sequence[Hit]],
    k: int,
    pool: int = 10,
    reorder: bool = True,
) -> list[Hit]:
    """The passages to answer from: `search(query, n)` for the question (and, when it asks several
    things, for each part too, so that "青海省和天津市的纪委书记分别是谁" finds both documents), each
    list reranked by its own query and merged round-robin without duplicates; ranks renumbered.
    A multi-part question gets up to 3 passages per part. `reorder=False` keeps each list's own
    order, for a `search` that reranks already."""
    parts = split_question(question)
    queries = [question] + parts if len(parts) > 1 else [question]
    lists = [search(q, max(pool, k)) for q in queries]
    if reorder:
        lists = [rerank(q, hits) for q, hits in zip(queries, lists, strict=True)]
    total = max(k, 3 * len(parts)) if len(parts) > 1 else k
    out: list[Hit] = []
    seen: set[str] = set()
    for depth in range(max((len(x) for x in lists), default=0)):
        for ranked in lists:
            if depth < len(ranked) and ranked[depth].chunk.id not in seen and len(out) < total:
                seen.add(ranked[depth].chunk.id)
                out.append(ranked[depth])
    return [replace(h, rank=r) for r, h in enumerate(out, start=1)]
