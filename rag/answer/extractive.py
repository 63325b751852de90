"""Answerers turn a question and its retrieved passages into an Answer with verified citations.

The default, `ExtractiveAnswerer`, writes no words of its own. It scores every sentence of the
passages, and every pair of adjacent sentences of a paragraph, against the question
(rag.retrieve.sentence_scoring), quotes the best one and cites it; a question asking two things
("…和…分别…", "…？…？") is split and each part answered (rag.query.question). When nothing answers, it
says so ("资料中没有找到…") and offers the nearest passages instead of guessing: a unit can only
answer when it holds the kind of answer asked for and comes from a document that names the
question's people and places.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rag.answer.citations import (
    Piece,
    cover,
    display_text,
    is_quotation,
    make_citation,
    merge_pieces,
    pieces_overlap,
    quotation_before,
    sentence_after,
    sentence_before,
    span_text,
    whole_sentence,
)
from rag.query.question import REQUIRED_KINDS, QuestionInfo, analyse_question, place_stem, split_question
from rag.retrieve.sentence_scoring import (
    REASON_RE,
    Scored,
    Unit,
    demote_other_places,
    has_kind,
    preceding_context,
    score_units,
    units_of,
)
from rag.types import Answer, Citation, Document, Hit
from rag.zh.lexicon import lexicon
from rag.zh.text import fold

NOT_FOUND_PREFIX = lexicon().text("answers.not_found_prefix")


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


_POST_TOKEN = re.compile(r"[\u4e00-\u9fff]长$")


def unknown_terms(info: QuestionInfo, corpus: Corpus) -> list[str]:
    """Places and posts of the question that no document mentions (成都市, 县长): a sign that the
    question is about something the documents do not cover."""
    out = []
    probes = [(e, place_stem(e)) for e in info.places]
    probes += [(t, t) for t in info.tokens if _POST_TOKEN.search(t) and len(t) <= 3]
    for term, probe in probes:
        if not corpus.mentions(probe):
            out.append(term)
    return out


def has_all_kinds(info: QuestionInfo, folded: str) -> bool:
    """The text holds every kind of answer the question requires."""
    return all(has_kind(k, folded, info) for k in info.kinds if k in REQUIRED_KINDS)


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
        folded = fold(text[a:b])
        if any(t in folded for t in info.tokens) or any(has_kind(k2, folded, info) for k2 in info.kinds):
            useful.append(k)
    if not useful:
        return 0, len(text)
    start = clauses[useful[0]][0]
    if len(text) - start <= 2 * max_chars:
        return start, len(text)
    last = min(useful[-1] + 2, len(clauses) - 1)
    return start, clauses[last][1]


_LIST_Q = re.compile(r"哪几|哪些|几个方面|几方面|几项")  # the answer may be a list over several sentences
LIST_MAX = 3
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
            offset = 0
            for i, start, end in pieces:
                shown_part = offset < b and offset + (end - start) > a
                offset += end - start
                if not shown_part:
                    continue  # trimmed away: cite only what the answer shows
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
            ranked = sorted(demote_other_places(ranked[:5], info), key=lambda s: -s.score) + ranked[5:]
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
            context = preceding_context(doc.text, start, title) if doc else ""
            unit = Unit(i, start, pieces[-1][2], text, fold(text), context, 1, hits[i].chunk.doc_id)
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
        core_text = fold(text[core[0][1] : core[-1][2]])
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
        if not after and _LIST_Q.search(info.folded):
            after = self._list_after(text, core[-1][2], core_text, info, unit.doc_id, hits, core[-1][0])
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
                if has_kind("place", fold(text[span[0] : span[1]]), info):
                    break
                pos = span[0]
        if self.extend_reasons and "reason" in info.kinds:
            pos = core[0][1]
            for _ in range(2):
                span = sentence_before(text, pos)
                if span is None or not REASON_RE.search(fold(text[span[0] : span[1]])):
                    break
                got = cover(span, unit.doc_id, hits, core[0][0])
                if got is None:
                    break
                before = got + before
                pos = span[0]
            span = sentence_after(text, core[-1][2])
            if span is not None:
                nxt = fold(text[span[0] : span[1]])
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
        text = fold("".join(span_text(hits[i], documents, a, b) for i, a, b in pieces))
        if has_kind("place", text, info):
            return ""
        hit = hits[pieces[0][0]]
        doc = documents.get(hit.chunk.doc_id)
        title = hit.title or (doc.title if doc else "")
        return f"《{display_text(title)}》：" if title and has_kind("place", fold(title), info) else ""

    @staticmethod
    def _list_after(
        text: str, pos: int, core_text: str, info: QuestionInfo, doc_id: str, hits: Sequence[Hit], prefer: int
    ) -> list[Piece]:
        """For a question asking for several items: the sentences right after the quote (into the
        next paragraph when the quote ends its own: "…明确了监督重点。" then "聚焦…；聚焦…") that
        each hold a question word the quote lacks. At most LIST_MAX."""
        out: list[Piece] = []
        crossed = False
        for _ in range(LIST_MAX):
            nxt = pos
            while nxt < len(text) and text[nxt].isspace():
                nxt += 1
            if "\n" in text[pos:nxt]:
                if crossed or out:
                    break
                crossed = True
            span = sentence_after(text, nxt)
            if span is None:
                break
            folded = fold(text[span[0] : span[1]])
            if not any(t in folded and t not in core_text for t in info.tokens):
                break
            got = cover(span, doc_id, hits, prefer)
            if got is None:
                break
            out += got
            pos = span[1]
        return out

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
