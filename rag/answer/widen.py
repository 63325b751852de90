"""Widening a quote to what a reader needs: the whole sentence a chunk boundary cut, the quotation
an attribution refers to (or the attribution after a bare quotation), the sentence before that
names the place a 哪里-answer is about, the causes around a 为什么-answer, the items of a list.
Every piece stays inside an offered passage."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from rag.answer.quotes import Piece, cover, display_text, merge_pieces, span_text
from rag.query.question import QuestionInfo
from rag.retrieve.kinds import has_kind, kind_patterns
from rag.retrieve.units import Unit
from rag.types import Document, Hit
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.sentences import is_quotation, quotation_before, sentence_after, sentence_before, whole_sentence
from rag.zh.text import fold

LIST_MAX = 3  # sentences after a quote that answers a question asking for several items


@lexicon_cached
@lru_cache(maxsize=1)
def _attribution_end() -> re.Pattern[str]:
    """How a sentence attributing the quotation before it ends ("…”某某表示。")."""
    quotes = lexicon().text("text.quote_closers")
    return lexicon().pattern("answers.attribution_verbs", f"{{}}[。！!]?[{quotes}]?$")


def widen(
    unit: Unit,
    info: QuestionInfo,
    hits: Sequence[Hit],
    documents: Mapping[str, Document],
    extend_reasons: bool = True,
) -> list[Piece]:
    """The unit as pieces of offered passages (each quote stays inside its passage), widened to
    what a reader needs: the whole sentence when a chunk boundary cut it; the quotation that an
    attribution ("…某某表示。") refers to, or the attribution after a bare quotation; the answer
    after a quoted question ("问：…？答：…"); for a
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
    if _attribution_end().search(core_text):
        # "“…”某某表示。": what was said is the quotation before (one or more sentences)
        span = quotation_before(text, core[0][1])
        if span is not None:
            before = cover(span, unit.doc_id, hits, core[0][0]) or _sentences_back(
                text, core[0][1], span[0], unit.doc_id, hits, core[0][0]
            )
    elif is_quotation(text[core[0][1] : core[-1][2]]):
        # "“…”" alone: who said it, and about whom, is the sentence after
        span = sentence_after(text, core[-1][2])
        if span is not None and not is_quotation(text[span[0] : span[1]]) and span[1] - span[0] <= 80:
            after = cover(span, unit.doc_id, hits, core[-1][0]) or []
    if not after and core_text.rstrip().endswith(tuple(lexicon().text("text.question_marks"))):
        # a question ("问：…？答：…" in a list of questions and answers) never answers itself: its
        # answer is the sentence after
        span = sentence_after(text, core[-1][2])
        if span is not None:
            after = cover(span, unit.doc_id, hits, core[-1][0]) or []
    if not before and lexicon().pattern("answers.refers_back", "^(?:{})").match(core_text):
        # "因此，…" stands on the sentence before it: quote that one too (same paragraph, offered)
        span = sentence_before(text, core[0][1])
        if span is not None:
            before = cover(span, unit.doc_id, hits, core[0][0]) or []
    if not after and info.listing:
        after = _list_after(text, core[-1][2], core_text, info, unit.doc_id, hits, core[-1][0])
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
    if extend_reasons and "reason" in info.kinds:
        pos = core[0][1]
        for _ in range(2):
            span = sentence_before(text, pos)
            if span is None or not kind_patterns()["reason"].search(fold(text[span[0] : span[1]])):
                break
            got = cover(span, unit.doc_id, hits, core[0][0])
            if got is None:
                break
            before = got + before
            pos = span[0]
        span = sentence_after(text, core[-1][2])
        if span is not None:
            nxt = fold(text[span[0] : span[1]])
            if lexicon().pattern("answers.reason_leads").match(nxt) or any(n in nxt for n in info.names):
                after = cover(span, unit.doc_id, hits, core[-1][0]) or []
    return merge_pieces(before + core + after, text)


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
