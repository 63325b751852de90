"""Frozen dataclasses passed between the stages of the pipeline. Nothing else lives here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One source document. `text` is the article as people see it (boilerplate removed,
    characters untouched); every offset in the system points into it."""

    id: str  # path relative to the corpus root, POSIX style: stable across machines
    title: str
    text: str
    source: str = ""  # publisher / 来源 when the text states it
    date: str = ""  # ISO date (YYYY-MM-DD) when the text states it
    content_hash: str = ""  # sha256 of the file bytes: decides whether to re-embed


@dataclass(frozen=True)
class Chunk:
    """A window of consecutive sentences of one document: `text == doc.text[start:end]`."""

    id: str  # hex content hash of (doc_id, text, occurrence): stable across rebuilds
    doc_id: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk. `via` names the retrievers that found it (e.g. ("bm25", "dense"))."""

    chunk: Chunk
    score: float
    rank: int  # 1-based
    via: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True)
class Citation:
    """[n] in an answer: the quoted sentence is `doc.text[start:end]` of document `doc_id`."""

    n: int
    chunk_id: str
    doc_id: str
    title: str
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    rewritten_query: str
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = field(default_factory=tuple)
