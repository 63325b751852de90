"""Units of the passages to score: one sentence, or two adjacent sentences of one paragraph, each
with the text before it that may name its subject (its paragraph so far, a heading, the title) and
the speaker of the quotation it is part of."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.types import Chunk, Document, Hit
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.sentences import quotable_sentences
from rag.zh.text import fold


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


_WORD = re.compile(r"\w")

PARAGRAPH_CONTEXT = 400  # characters of the unit's own paragraph before it
LEAD_CONTEXT = 60  # characters before the paragraph (a heading, the end of the paragraph before)


def paragraph_part(context: str) -> str:
    """The unit's own paragraph (before the unit) out of a context string."""
    return context.rsplit("\n", 1)[0].split("\n")[-1]


@lexicon_cached
@lru_cache(maxsize=1)
def _quotes() -> tuple[str, str]:
    return lexicon().text("text.opening_quotes"), lexicon().text("text.closing_quotes")


ATTRIBUTION_MAX = 60  # characters: "…。”资源县委书记黄钦在该县疫情防控工作会议上表示。"


def attribution_after(text: str, start: int, end: int) -> str:
    """The attribution of the quotation that text[start:end] is part of, when the quotation ends
    its paragraph with one ("“…强化值班值守…。”资源县委书记黄钦…表示。"): who said it is the
    subject of every quoted sentence. Folded; "" when there is none."""
    opening, closing = _quotes()
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    head = text[para_start:end]
    opened = max(head.rfind(q) for q in opening)
    if opened < 0 or opened < max(text[para_start:start].rfind(q) for q in closing):
        return ""  # not inside a quotation
    rest = text[end:para_end]
    close = max(rest.rfind(q) for q in closing)  # -1: the unit must close it itself
    if close < 0 and text[end - 1 : end] not in closing:
        return ""
    tail = rest[close + 1 :].strip()
    if not tail or len(tail) > ATTRIBUTION_MAX or any(q in tail for q in opening):
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
    return list(_sentences(hit.chunk, text, offset))


def _sentences(chunk: Chunk, text: str, offset: int) -> tuple[tuple[int, int, bool], ...]:
    out = []
    prev_end = None
    for s, e in ((chunk.start + a, chunk.start + b) for a, b in quotable_sentences(chunk.text)):
        gap = text[prev_end - offset : s - offset] if prev_end is not None else "\n"
        out.append((s, e, "\n" in gap))
        prev_end = e
    return tuple(out)


@lexicon_cached
@lru_cache(maxsize=4096)
def _passage_units(
    chunk: Chunk, text: str, offset: int, title: str, pairs: bool, speakers: bool
) -> tuple[tuple, ...]:
    """A passage's units as the fields of Unit after hit_index, whatever the question: computed once per
    passage, as every search reranks its candidates and splitting, folding and finding contexts cost more
    than scoring (and dataclasses.replace on cached Units was a tenth of a warm search)."""
    sents = _sentences(chunk, text, offset)
    out = []
    for j, (s, e, _) in enumerate(sents):
        spans = [(s, e, 1)]
        if pairs and j + 1 < len(sents) and not sents[j + 1][2]:
            spans.append((s, sents[j + 1][1], 2))
        for a, b, n in spans:
            original = text[a - offset : b - offset]
            folded = fold(original)
            if not _WORD.search(folded):
                continue
            context = preceding_context(text, a - offset, title)
            said = attribution_after(text, a - offset, b - offset) if speakers else ""
            out.append((a, b, original, folded, context, n, chunk.doc_id, said))
    return tuple(out)


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
        for unit in _passage_units(chunk, text, offset, title, pairs, speakers):
            key = (chunk.doc_id, unit[0], unit[1])
            if key not in seen:
                seen.add(key)
                out.append(Unit(i, *unit))
    return out
