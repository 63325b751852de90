"""Frozen dataclasses passed between the stages of the pipeline (and the pipeline's report of an
index update). Nothing else lives here; the analysed question, rag.query.analysis.Query, carries
the query stage's own types and lives there."""

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
    author: str = ""  # 作者/记者/通讯员 when the text states it
    kind: str = ""  # file type as read: "txt", "md", "html", "pdf", "docx"
    size: int = 0  # bytes of the file
    pages: tuple[int, ...] = ()  # offset in `text` where each page starts (PDF); () when not paged
    added: str = ""  # ISO date-time the document first entered the index


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
    page: int = 0  # 1-based page of the quote's start in a paged document (PDF); 0 when not paged


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    rewritten_query: str
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    short_answer: str = ""  # the span the answer leads with (「羅爾德·阿蒙森」…), "" when it has none


@dataclass(frozen=True)
class Skipped:
    """A file an index update could not read: its path, its document id ("" when it has none), and why."""

    path: str
    doc_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class UpdateReport:
    """What an index update did: the pipeline's answer to `rag index` and the documents page."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    embedded_chunks: int = 0
    rebuilt: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)
    skipped: tuple[Skipped, ...] = ()  # files not read (the rest was indexed): "indexed with problems"

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        skipped = f"; {len(self.skipped)} files skipped" if self.skipped else ""
        return self._summary() + skipped

    def _summary(self) -> str:
        if not self.touched:
            return f"index is up to date: {self.unchanged} documents unchanged, nothing to embed"
        parts = [
            f"{len(self.added)} added",
            f"{len(self.changed)} changed",
            f"{len(self.removed)} removed",
            f"{self.unchanged} unchanged",
        ]
        head = "rebuilt index" if self.rebuilt else "updated index"
        return f"{head}: {', '.join(parts)}; embedded {self.embedded_chunks} chunks"
