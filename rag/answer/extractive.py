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
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rag.answer.citations import make_citation
from rag.answer.corpus import Corpus, folded_corpus, has_all_kinds, known_to, off_collection, unknown_terms
from rag.answer.quotes import Piece, display_text, pieces_overlap, span_text
from rag.answer.widen import lead, widen
from rag.query.analysis import Query, as_query
from rag.query.question import QuestionInfo
from rag.retrieve.kinds import has_kind
from rag.retrieve.sentence_scoring import Scored, demote_other_places, score_units
from rag.retrieve.units import Unit, preceding_context, units_of
from rag.types import Answer, Citation, Document, Hit
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold, is_title_line

NOT_FOUND_PREFIX = lexicon().text("answers.not_found_prefix")


class Answerer(Protocol):
    name: str

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        """Yields text deltas as they are produced; the last item is the final, verified Answer.
        A plain question is analysed first (rag.query.analysis.as_query)."""
        ...


def answer(
    answerer: Answerer, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
) -> Answer:
    """Run an answerer to the end and return its final Answer."""
    final: Answer | None = None
    for item in answerer.stream(question, hits, documents):
        if isinstance(item, Answer):
            final = item
    if final is None:
        raise RuntimeError(f"answerer {getattr(answerer, 'name', answerer)!r} produced no Answer")
    return final


def stream_built(ans: Answer) -> Iterator[str | Answer]:
    """A reader that writes its answer at once streams it as one text delta, then the Answer."""
    if ans.text:
        yield ans.text
    yield ans


# --- writing the answer ---------------------------------------------------------------------------


@lexicon_cached
@lru_cache(maxsize=1)
def _clause_and_end() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a clause with its closing punctuation, the end of a finished sentence)"""
    lex = lexicon()
    ends, quotes = re.escape(lex.text("text.clause_ends")), re.escape(lex.text("text.quote_closers"))
    stops, closing = re.escape(lex.text("text.full_stops")), re.escape(lex.text("text.closing_quotes"))
    return re.compile(f"[^{ends}]+[{ends}{quotes}]*"), re.compile(f"[{stops}{closing}]$")


def trim_unit(text: str, info: QuestionInfo, max_chars: int) -> tuple[int, int]:
    """The part of a long unit that answers: clauses before the first and after the one following
    the last clause that holds a question token or the kind of answer asked for are dropped
    (whole sentences were more often right than clauses trimmed hard). Offsets into `text`."""
    if len(text) <= max_chars:
        return 0, len(text)
    clauses = [(m.start(), m.end()) for m in _clause_and_end()[0].finditer(text)]
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


def _eligible(info: QuestionInfo, units: Sequence[Unit], hits: Sequence[Hit], corpus: Corpus) -> list[Scored]:
    """The units that may answer `info` (the kinds it needs present), scored; never a title line."""
    units = [u for u in units if not is_title_line(u.text, hits[u.hit_index].title)]
    ranks = [hits[u.hit_index].rank for u in units]
    return [s for s in score_units(info, units, ranks, corpus.texts) if s.eligible]


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
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        yield from stream_built(self.build(as_query(question), hits, documents))

    def build(self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        corpus = folded_corpus(documents)
        units = units_of(hits, documents)
        quotes: list[list[Piece]] = []
        leads: dict[int, str] = {}  # quote index -> where it comes from, when the quote cannot say
        for info in self.checked_parts(query, corpus):
            found = self.best_units(info, units, hits, corpus)
            if found and quotes and self.answered_by(info, found[0], quotes, units, hits, documents):
                continue
            for best in found:
                pieces = widen(best.unit, info, hits, documents, self.extend_reasons)
                if not any(pieces_overlap(pieces, q, hits) for q in quotes):
                    quotes.append(pieces)
                    lead_in = lead(info, pieces, hits, documents)
                    if lead_in:
                        leads[len(quotes) - 1] = lead_in
        if not quotes:
            return self.abstain(query.rewritten, hits)
        parts: list[str] = []
        citations: list[Citation] = []
        whole = query.whole
        for q_index, pieces in enumerate(quotes):
            joined = "".join(span_text(hits[i], documents, a, b) for i, a, b in pieces)
            a, b = trim_unit(joined, whole, self.trim_over)
            shown = display_text(joined[a:b]).rstrip("，,；;：:、 ")
            if not _clause_and_end()[1].search(shown):
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
            question=query.rewritten,
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
        scored = _eligible(info, units, hits, corpus)
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

    def best_score(
        self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> float | None:
        """The score of the best eligible sentence for any part of the question, bars aside (how close
        a refusal came to an answer); None where its checks (words no document mentions, nothing the
        collection covers) or the kinds the question needs leave no sentence."""
        corpus = folded_corpus(documents)
        units = units_of(hits, documents)
        scores = [
            s.score
            for info in self.checked_parts(query, corpus)
            for s in _eligible(info, units, hits, corpus)
        ]
        return max(scores, default=None)

    @staticmethod
    def checked_parts(query: Query, corpus: Corpus) -> list[QuestionInfo]:
        """The parts of the question its checks let through (words, none the documents never mention,
        something the collection covers), reduced to the words the collection knows."""
        return [
            known_to(info, corpus)
            for info in query.parts
            if info.tokens and not unknown_terms(info, corpus) and not off_collection(info, corpus)
        ]

    def abstain(self, question: str, hits: Sequence[Hit]) -> Answer:
        offered = tuple(hits[: self.offer])
        text = f"{NOT_FOUND_PREFIX}能回答这个问题的内容。"
        if offered:
            text += "以下是最接近的段落，供参考。"
        return Answer(
            question=question, text=text, abstained=True, rewritten_query="", citations=(), hits=offered
        )
