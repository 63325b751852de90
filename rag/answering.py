"""Answerers turn a question and its retrieved passages into an Answer with verified citations.

The default, `ExtractiveAnswerer`, writes no words of its own: it scores every sentence of the
passages against the question (folded jieba tokens, weighted by how rare they are among the
passages, plus what kind of answer the question wants: a number with its measure word, a person,
a punishment, a post, a place, an organisation, a date), quotes the best sentence (or a few, when
the question asks for several things) and cites each one. When the best sentence is too weak it
says so ("资料中没有找到…") and offers the nearest passages to read instead of guessing.

The same sentence scorer reranks retrieved passages (`rerank`): a passage is as good as its best
sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from rag.citations import make_citation, numbers_with_measures, sentence_spans_in_chunk
from rag.text import fold, fold_with_map, tokenize
from rag.types import Answer, Citation, Document, Hit

NOT_FOUND_PREFIX = "资料中没有找到"


class Answerer(Protocol):
    name: str

    def stream(self, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Iterator[str | Answer]:
        """Yields text deltas as they are produced; the last item is the final, verified Answer."""
        ...


def answer(answerer: Answerer, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
    """Run an answerer to the end and return its final Answer."""
    final: Answer | None = None
    for item in answerer.stream(question, hits, documents):
        if isinstance(item, Answer):
            final = item
    if final is None:
        raise RuntimeError(f"answerer {getattr(answerer, 'name', answerer)!r} produced no Answer")
    return final


# --- what the question asks for ---------------------------------------------------------------

MEASURE_CHARS = "个人次起名条项份家例天日月年轮组位件批所户座处号届元"
_NUMBER_Q = re.compile(r"(多少|几(?![乎率])|若干)([余多]?)([%s]?)" % MEASURE_CHARS)
_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    "number": re.compile(r"多少|几(?![乎率])|数量|人数|次数|若干"),
    "person": re.compile(r"谁|哪位|哪一位|什么人|何人|姓名|名字|叫什么"),
    "punishment": re.compile(
        r"(?:什么|何种|哪种|怎样|怎么|如何|哪些)\w{0,3}(?:处分|处理|处罚|问责|追责|惩|处置)"
        r"|(?:处分|处理|处罚|问责|追责)(?:是|为)?(?:什么|何种|怎样|如何)"
        r"|受到(?:了)?(?:什么|何种|哪些|怎样)"
    ),
    "post": re.compile(r"职务|职位|官职|担任|什么职|何职|身份|什么岗位|任什么"),
    "place": re.compile(r"哪里|哪儿|什么地方|何地|何处|在哪|哪些地方|哪个地方|哪些地区|哪个(?:省|市|区|县|镇|乡|村|街道|社区)"),
    "org": re.compile(r"哪些?(?:个)?(?:部门|单位|机构|机关|组织|公司|组)|什么(?:部门|单位|机构|机关|组织)|哪家"),
    "date": re.compile(r"何时|什么时候|哪天|哪一天|几月|几号|几日|哪年|哪一年|什么时间|日期|时间是"),
}
_MULTI_Q = re.compile(r"哪些|分别|各(?:是|有|为)|都有|包括|以及|和.{0,6}(?:多少|几|什么|哪)")

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "滕祁常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
)
_POST_WORDS = (
    r"书记|主任|局长|院长|委员|常委|巡视员|组长|县长|市长|区长|镇长|乡长|村长|主席|部长|厅长|处长|科长|"
    r"所长|站长|队长|支书|干部|党员|同志|人员|记者|作者"
)
_NAME = f"[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}?"
_NAME_AFTER = r"(?=表示|介绍|说|指出|强调|带队|同志|因|被|作为|已经|在|这样|回到|到|等|、|，|,|。|的|怎么|受到|获|为)"
_PERSON_RE = re.compile(f"(?:{_POST_WORDS})[、，,]?({_NAME}){_NAME_AFTER}|(?:^|[“”\"、，,。：:（(])({_NAME})(?=被|同志|作为|因)")
_PUNISH_RE = re.compile(
    r"处分|诫勉|免去|免职|撤职|警告|记过|留党察看|开除|通报|问责|立案|审查调查|批评教育|谈话|降级|撤销|追责|处理|处罚"
)
_POST_RE = re.compile(_POST_WORDS + r"|职务|主要负责人|负责人|网格化管理")
_PLACE_RE = re.compile(
    r"[\u4e00-\u9fff](?:省|市|区|县|镇|乡|村|街道|社区|路口|路|小区|景区|医院|超市|车站|场所|卫生院|敬老院|企业|商超|市场|隔离点|点位)"
)
_ORG_RE = re.compile(r"[\u4e00-\u9fff](?:委|局|厅|部|组|院|公司|中心|指挥部|办公室|机关|单位|部门|纪检监察组)")
_DATE_RE = re.compile(
    r"\d{1,4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月|\d{1,2}\s*日|大年初[一二三四五六七八九十]|"
    r"[一二三四五六七八九十]+月|上午|下午|晚上|凌晨|连日来|日前|近日|目前"
)
_KIND_RES = {
    "person": _PERSON_RE,
    "punishment": _PUNISH_RE,
    "post": _POST_RE,
    "place": _PLACE_RE,
    "org": _ORG_RE,
    "date": _DATE_RE,
}


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    folded: str
    tokens: tuple[str, ...]  # folded content tokens, each counted once
    kinds: frozenset[str]  # what kind of answer it wants (empty: anything)
    measure: str  # the measure word of 多少/几 ("多少次" -> "次"), "" when none
    before: str  # up to 4 folded characters right before 多少/几: what is counted ("问责党员干部")
    after: str  # up to 4 characters after the measure word ("几个专项监督检查组" -> "专项监督")
    multi: bool  # asks for several things


def analyse_question(question: str) -> QuestionInfo:
    folded = fold(question)
    tokens = tuple(dict.fromkeys(t for t in tokenize(question) if len(t) >= 2 or t.isdigit()))
    kinds = {k for k, p in _KIND_PATTERNS.items() if p.search(folded)}
    if "person" in kinds and "post" in kinds and re.search(r"谁", folded):
        kinds.discard("post")  # "担任…的是谁" wants the name
    measure, before, after = "", "", ""
    m = _NUMBER_Q.search(folded)
    if m:
        measure = m.group(3)
        head = re.sub(r"[了的共计一]+$", "", folded[: m.start()])
        before = re.sub(r"\W", "", head)[-4:]
        after = re.sub(r"\W", "", folded[m.end() :])[:4]
    if "date" in kinds:
        kinds.discard("number")  # "几月几日" is a date, not a count
    return QuestionInfo(
        text=question,
        folded=folded,
        tokens=tokens,
        kinds=frozenset(kinds),
        measure=measure,
        before=before,
        after=after,
        multi=bool(_MULTI_Q.search(folded)),
    )


# --- sentences and their scores ------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One sentence of one offered passage."""

    hit_index: int  # position in the hits given to the answerer
    start: int  # document offsets
    end: int
    text: str  # the original sentence
    folded: str
    context: str  # folded text just before the sentence (its paragraph) and the title


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float  # own + context coverage + kind bonus + a small retrieval prior
    own: float  # weighted share of the question's tokens found in the sentence itself
    coverage: float  # own plus the context's share (at CONTEXT_WEIGHT)
    kind_ok: bool  # the sentence holds the kind of answer asked for (True when no kind is asked)
    anchored: bool  # number questions: a number with the asked measure word next to what is counted


CONTEXT_WEIGHT = 0.5  # a question token found only in the sentence's paragraph counts half
KIND_BONUS = 0.25
KIND_MISS_FACTOR = 0.6  # the sentence lacks the kind of answer asked for
ANCHOR_BONUS = 0.2
RANK_PRIOR = 0.03  # ties go to the better-retrieved passage


@lru_cache(maxsize=8192)
def _fold_cached(text: str) -> str:
    return fold(text)


def _token_weights(tokens: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """IDF of each token over the candidate sentences: a word every passage repeats tells little."""
    n = len(texts)
    weights = {}
    for t in tokens:
        df = sum(1 for s in texts if t in s)
        weights[t] = math.log(1.0 + (n + 1) / (df + 0.5))
    return weights


def _has_kind(kind: str, folded: str, info: QuestionInfo) -> bool:
    if kind == "number":
        nums = numbers_with_measures(folded)
        if info.measure:
            return any(m == info.measure for _, m in nums)
        return bool(nums)
    return bool(_KIND_RES[kind].search(folded))


def _anchored(folded: str, info: QuestionInfo) -> bool:
    """A number with the asked measure word right next to what the question counts."""
    if not info.measure or not (info.before or info.after):
        return False
    pattern = re.compile(r"(\d+|[零一二两三四五六七八九十百千万]+)[余多]?" + re.escape(info.measure))
    for m in pattern.finditer(folded):
        left = re.sub(r"\W", "", folded[max(0, m.start() - 8) : m.start()])
        right = re.sub(r"\W", "", folded[m.end() : m.end() + 8])
        if len(info.before) >= 2 and any(info.before[i:] in left for i in range(len(info.before) - 1)):
            return True
        if len(info.after) >= 2 and any(info.after[: len(info.after) - i] in right for i in range(len(info.after) - 1)):
            return True
    return False


def score_candidates(info: QuestionInfo, candidates: Sequence[Candidate], ranks: Sequence[int]) -> list[Scored]:
    """Score every candidate sentence; `ranks[i]` is the retrieval rank of candidate i's passage."""
    weights = _token_weights(info.tokens, [c.folded for c in candidates])
    total = sum(weights.values()) or 1.0
    out = []
    for cand, rank in zip(candidates, ranks, strict=True):
        own = sum(w for t, w in weights.items() if t in cand.folded) / total
        ctx = sum(w for t, w in weights.items() if t not in cand.folded and t in cand.context) / total
        coverage = own + CONTEXT_WEIGHT * ctx
        kinds = [k for k in info.kinds if _has_kind(k, cand.folded, info)]
        kind_ok = not info.kinds or bool(kinds)
        anchored = "number" in info.kinds and _anchored(cand.folded, info)
        score = coverage * (1.0 if kind_ok else KIND_MISS_FACTOR)
        score += KIND_BONUS * (len(kinds) / len(info.kinds) if info.kinds else 0.0)
        score += ANCHOR_BONUS if anchored else 0.0
        score += RANK_PRIOR / max(rank, 1)
        out.append(Scored(cand, score, own, coverage, kind_ok, anchored))
    return out


def _context(text: str, start: int, title: str) -> str:
    """The folded paragraph text before `start` (at most 200 characters) and the title."""
    para = text.rfind("\n", 0, start)
    return _fold_cached(text[max(para + 1, start - 200) : start]) + "\n" + _fold_cached(title)


def candidates_of(hits: Sequence[Hit], documents: Mapping[str, Document] | None = None) -> list[Candidate]:
    """Every sentence of the passages, once (overlapping chunks share sentences: the first keeps it)."""
    out: list[Candidate] = []
    seen: set[tuple[str, int, int]] = set()
    for i, hit in enumerate(hits):
        chunk = hit.chunk
        doc = documents.get(chunk.doc_id) if documents else None
        text, offset = (doc.text, 0) if doc is not None else (chunk.text, chunk.start)
        title = hit.title or (doc.title if doc is not None else "")
        for s, e in sentence_spans_in_chunk(chunk):
            key = (chunk.doc_id, s, e)
            if key in seen:
                continue
            seen.add(key)
            sentence = text[s - offset : e - offset]
            folded = _fold_cached(sentence)
            if not re.search(r"\w", folded):
                continue
            context = _context(text, s - offset, title)
            out.append(Candidate(i, s, e, sentence, folded, context))
    return out


def rerank(question: str, hits: Sequence[Hit]) -> list[Hit]:
    """Order passages by the score of their best sentence (ties keep retrieval order); new ranks
    1..n, `via` and `title` kept, `score` is the best sentence's score."""
    if not hits:
        return []
    info = analyse_question(question)
    cands = candidates_of(hits)
    scored = score_candidates(info, cands, [hits[c.hit_index].rank for c in cands])
    best = [0.0] * len(hits)
    for s in scored:
        best[s.candidate.hit_index] = max(best[s.candidate.hit_index], s.score)
    order = sorted(range(len(hits)), key=lambda i: (-best[i], i))
    return [replace(hits[i], score=round(best[i], 6), rank=r) for r, i in enumerate(order, start=1)]


# --- writing the answer ---------------------------------------------------------------------------


def display_text(original: str) -> str:
    """The original characters (script unchanged) without conversion artefacts (監(jiān) -> 監)
    and without line breaks: what fold() drops as artefacts is dropped here too."""
    if "(" not in original and "?" not in original:
        return original.replace("\n", "").strip()
    _, mapping = fold_with_map(original)
    keep = set(mapping)
    return "".join(c for i, c in enumerate(original) if i in keep).replace("\n", "").strip()


_CLAUSE_RE = re.compile(r"[^，,；;：:]+[，,；;：:]?")


def trim_sentence(sentence: str, info: QuestionInfo, max_chars: int) -> tuple[int, int]:
    """The part of a long sentence that answers: from the first to the last clause that holds a
    question token or the asked-for kind of answer. Returns offsets into `sentence`."""
    if len(sentence) <= max_chars:
        return 0, len(sentence)
    clauses = [(m.start(), m.end()) for m in _CLAUSE_RE.finditer(sentence)]
    useful = []
    for s, e in clauses:
        folded = _fold_cached(sentence[s:e])
        if any(t in folded for t in info.tokens) or any(_has_kind(k, folded, info) for k in info.kinds):
            useful.append((s, e))
    if not useful:
        return 0, len(sentence)
    start, end = useful[0][0], useful[-1][1]
    return start, end


@dataclass(frozen=True)
class ExtractiveAnswerer:
    """Quotes the best sentences of the passages, each with its citation; abstains on weak evidence.

    Thresholds were tuned on the "tune" split of eval/questions.jsonl (see eval/bench_ask.py and
    the report): `min_score` on the best sentence's score, `min_own` on the share of the question
    that the sentence itself covers."""

    name: str = "extractive"
    min_score: float = 0.45
    min_own: float = 0.25
    max_sentences: int = 3
    extra_ratio: float = 0.85  # a further sentence must score this close to the best
    trim_over: int = 90  # sentences longer than this are trimmed to their answering clauses
    offer: int = 3  # passages offered when abstaining

    def stream(self, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Iterator[str | Answer]:
        ans = self.build(question, hits, documents)
        if ans.text:
            yield ans.text
        yield ans

    def select(self, info: QuestionInfo, scored: Sequence[Scored]) -> list[Scored]:
        """The best sentence, plus (for questions asking for several things) close runners-up that
        bring something new: another answer of the asked kind or question tokens not yet covered."""
        ranked = sorted(scored, key=lambda s: -s.score)
        best = ranked[0]
        chosen = [best]
        if not info.multi:
            return chosen
        covered = {t for t in info.tokens if t in best.candidate.folded}
        for s in ranked[1:]:
            if len(chosen) >= self.max_sentences or s.score < self.extra_ratio * best.score:
                break
            if not s.kind_ok or any(s.candidate.folded == c.candidate.folded for c in chosen):
                continue
            new_tokens = {t for t in info.tokens if t in s.candidate.folded} - covered
            if new_tokens or info.kinds:
                chosen.append(s)
                covered |= new_tokens
        return chosen

    def weak(self, best: Scored) -> bool:
        return best.score < self.min_score or best.own < self.min_own

    def build(self, question: str, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        info = analyse_question(question)
        cands = candidates_of(hits, documents)
        if not cands or not info.tokens:
            return self.abstain(question, info, hits)
        scored = score_candidates(info, cands, [hits[c.hit_index].rank for c in cands])
        best = max(scored, key=lambda s: s.score)
        if self.weak(best):
            return self.abstain(question, info, hits)
        parts: list[str] = []
        citations: list[Citation] = []
        for n, s in enumerate(self.select(info, scored), start=1):
            cand = s.candidate
            a, b = trim_sentence(cand.text, info, self.trim_over)
            shown = display_text(cand.text[a:b]).rstrip("，,；;：: ")
            if not re.search(r"[。！？!?…”」]$", shown):
                shown += "。"
            parts.append(f"{shown}[{n}]")
            citations.append(make_citation(n, hits[cand.hit_index], (cand.start, cand.end), documents))
        return Answer(
            question=question,
            text="".join(parts),
            abstained=False,
            rewritten_query="",
            citations=tuple(citations),
            hits=tuple(hits),
        )

    def abstain(self, question: str, info: QuestionInfo, hits: Sequence[Hit]) -> Answer:
        offered = tuple(hits[: self.offer])
        text = f"{NOT_FOUND_PREFIX}能回答这个问题的内容。"
        if offered:
            text += "以下是最接近的段落，供参考。"
        return Answer(question=question, text=text, abstained=True, rewritten_query="", citations=(), hits=offered)
