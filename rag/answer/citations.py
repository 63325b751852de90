"""[n] markers <-> passages, sentence spans for quoting, and the check that a cited passage
supports the sentence that cites it.

Offsets are always in the ORIGINAL document text (`Citation.quote == doc.text[start:end]`);
matching is on folded text (rag.zh.text.fold), so a Simplified sentence can be checked against a
Traditional passage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from rag.ingest.pages import page_of
from rag.types import Chunk, Citation, Document, Hit
from rag.zh.lexicon import lexicon
from rag.zh.numbers import numbers_with_measures
from rag.zh.sentences import quotable_sentences
from rag.zh.text import fold
from rag.zh.words import pair_bigrams

MARKER_RE = re.compile(r"\s*\[(\d{1,3})\]")
# "[1][2]" and "[1, 2]" / "[1，2]" (a common LLM habit) are both accepted on input
_GROUP_RE = re.compile(r"\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})+)\]")
_CLAIM_END = re.compile(r"[。！？!?；;\n]")
_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+")


def without_markers(text: str) -> str:
    """An answer's text without its citation markers ("…处分。[1]" -> "…处分。")."""
    return MARKER_RE.sub("", text).strip()


# share of the claim's character bigrams (folded) that must occur in the cited passage
MIN_BIGRAM_SUPPORT = 0.6


def support_score(sentence: str, passage_text: str) -> float:
    """0..1: how well the passage covers the sentence. 0.0 when a number (with its measure word) of
    the sentence is missing from the passage, else the share of the sentence's bigrams found in it."""
    claim = fold(strip_markers(sentence))
    passage = fold(passage_text)
    passage_numbers = numbers_with_measures(passage)
    for number, measure in numbers_with_measures(claim):
        if measure:
            if (number, measure) not in passage_numbers:
                return 0.0
        elif not any(n == number for n, _ in passage_numbers):
            return 0.0
    grams = pair_bigrams(claim)
    if not grams:
        return 0.0
    have = pair_bigrams(passage)
    return sum(g in have for g in grams) / len(grams)


def verify_claim(sentence: str, passage_text: str) -> bool:
    """True when the passage supports the sentence: it holds every number of the sentence with its
    measure word, and most of the sentence's two-character fragments (folded)."""
    return support_score(sentence, passage_text) >= MIN_BIGRAM_SUPPORT


# --- markers ----------------------------------------------------------------------------------


def normalise_markers(text: str) -> str:
    """ "[1, 2]" -> "[1][2]" so the rest of the code sees one marker per number."""
    return _GROUP_RE.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,，、]\s*", m.group(1))), text)


def strip_markers(text: str) -> str:
    return MARKER_RE.sub("", normalise_markers(text))


def markers(text: str) -> list[int]:
    return [int(n) for n in MARKER_RE.findall(normalise_markers(text))]


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """Cut an answer into claims, each with the [n] markers that follow it.

    A claim ends at 。！？； or a newline (plus closing quotes); markers written right after the end
    ("…。[1]") or right before it ("…[1]。") belong to it. The claim text keeps its punctuation and
    loses its markers, so "".join(claim for claim, _ in result) == strip_markers(text)."""
    text = normalise_markers(text)
    claims: list[tuple[str, list[int]]] = []
    pos = 0
    while pos < len(text):
        m = _CLAIM_END.search(text, pos)
        end = m.end() if m else len(text)
        closers = lexicon().text("text.closers")
        while end < len(text) and text[end] in closers:
            end += 1
        # markers right after the sentence end belong to this claim
        tail = _TRAILING_MARKERS.match(text, end)
        if tail:
            end = tail.end()
        piece = text[pos:end]
        numbers = [int(n) for n in MARKER_RE.findall(piece)]
        claims.append((MARKER_RE.sub("", piece), numbers))
        pos = end
    return [(c, ns) for c, ns in claims if c.strip() or ns]


def renumber(text: str, citations: Sequence[Citation]) -> tuple[str, tuple[Citation, ...]]:
    """Number the citations 1..n in order of first use in `text`; markers whose number has no
    citation are removed, citations never referred to are dropped."""
    by_n = {c.n: c for c in citations}
    mapping: dict[int, int] = {}
    for n in markers(text):
        if n in by_n and n not in mapping:
            mapping[n] = len(mapping) + 1

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[{mapping[n]}]" if n in mapping else ""

    new_text = MARKER_RE.sub(sub, normalise_markers(text))
    # "[1][1]" after merging two claims' markers: keep one
    new_text = re.sub(r"(\[\d+\])(?:\1)+", r"\1", new_text)
    renumbered = tuple(
        replace(old, n=new)
        for old_n, new in sorted(mapping.items(), key=lambda kv: kv[1])
        for old in (by_n[old_n],)
    )
    return new_text, renumbered


# --- spans and citations ------------------------------------------------------------------------


def sentence_spans_in_chunk(chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentences as quoted (rag.zh.sentences.quotable_sentences), in document offsets."""
    return [(chunk.start + s, chunk.start + e) for s, e in quotable_sentences(chunk.text)]


def make_citation(n: int, hit: Hit, span: tuple[int, int], documents: Mapping[str, Document]) -> Citation:
    """A citation of the sentence `span` (document offsets) of the passage `hit`; the span must lie
    inside the chunk, and the quote is the document's own text there."""
    chunk = hit.chunk
    start, end = span
    if not (chunk.start <= start < end <= chunk.end):
        raise ValueError(f"span {span} is not inside chunk {chunk.id} [{chunk.start}, {chunk.end})")
    doc = documents.get(chunk.doc_id)
    if doc is not None:
        quote = doc.text[start:end]
        title = hit.title or doc.title
    else:  # the chunk carries its own text: the same characters
        quote = chunk.text[start - chunk.start : end - chunk.start]
        title = hit.title
    return Citation(
        n=n,
        chunk_id=chunk.id,
        doc_id=chunk.doc_id,
        title=title,
        quote=quote,
        start=start,
        end=end,
        page=page_of(doc, start),
    )


def best_supporting_span(claim: str, chunk: Chunk) -> tuple[tuple[int, int], float]:
    """The sentence of the chunk (or two adjacent sentences) that best supports the claim, and its
    support score; used to quote the exact sentence an LLM claim came from."""
    spans = sentence_spans_in_chunk(chunk)
    if not spans:
        return (chunk.start, chunk.end), support_score(claim, chunk.text)
    best, best_score = spans[0], -1.0
    candidates = list(spans) + [(a[0], b[1]) for a, b in zip(spans, spans[1:], strict=False)]
    for s, e in candidates:
        score = support_score(claim, chunk.text[s - chunk.start : e - chunk.start])
        # a pair must beat its single sentences clearly: quotes stay as short as they can
        if (e - s) > 0 and (score > best_score + (0.05 if (s, e) not in spans else 0.0)):
            best, best_score = (s, e), score
    return best, best_score
