"""The only module that wires the whole chain: ingest -> chunk -> embed -> store, and
query -> retrieve -> (rerank) -> answer. The CLI and the web page only translate in and out of it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from rag.config import Settings, load_settings
from rag.index import store
from rag.index.protocol import IndexError, IndexView, open_store
from rag.index.store import corpus_folders
from rag.query import smalltalk
from rag.query.analysis import Query, analyse
from rag.query.question import QuestionInfo
from rag.retrieve.vectors import Models
from rag.types import Answer, Document, Hit, UpdateReport
from rag.zh.lexicon import use_lexicon


class Pipeline:
    """A loaded index plus the settings and (lazily) the models to query and update it.

    Safe to share between threads: queries read the current snapshot; updates are serialised
    and swap in a new snapshot only when it is complete and saved."""

    def __init__(self, index_dir: Path, settings: Settings, snapshot: IndexView | None, embedder=None):
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.store = open_store(settings, self.index_dir)  # folder or Milvus: chosen by the settings
        use_lexicon(settings.lexicon_paths)  # the user's word lists, before any text is read
        self._snapshot = snapshot
        self._models = Models(embedder)
        self._update_lock = threading.Lock()

    # ----- opening -----
    @classmethod
    def load(
        cls, index_dir: Path | str = "index", settings: Settings | None = None, embedder=None
    ) -> Pipeline:
        """Open an existing index; if missing or built with another embedder/format, says what to run."""
        pipeline = cls(Path(index_dir), settings or load_settings(), None, embedder)
        pipeline._snapshot = pipeline.store.load(embedder.name if embedder else pipeline.settings.embedder)
        return pipeline

    @classmethod
    def open(
        cls, index_dir: Path | str = "index", settings: Settings | None = None, embedder=None
    ) -> Pipeline:
        """Like load(), but a folder with no index yet gives an empty pipeline to index into."""
        pipeline = cls(Path(index_dir), settings or load_settings(), None, embedder)
        return cls.load(index_dir, pipeline.settings, embedder) if pipeline.store.exists() else pipeline

    @classmethod
    def build(
        cls,
        corpus_paths: Sequence[Path | str],
        index_dir: Path | str = "index",
        settings: Settings | None = None,
        embedder=None,
        rebuild: bool = False,
        progress: bool = False,
    ) -> Pipeline:
        """Create or incrementally update the index at `index_dir` to mirror `corpus_paths`."""
        if rebuild:
            pipeline = cls(Path(index_dir), settings or load_settings(), None, embedder)
        else:
            pipeline = cls.open(index_dir, settings, embedder)
        pipeline.sync(corpus_paths, rebuild=rebuild, progress=progress)
        return pipeline

    def configure(self, **overrides) -> Pipeline:
        """A pipeline with other query-time settings sharing this one's index and model."""
        settings = replace(self.settings, **overrides)
        if settings.manifest_view() != self.settings.manifest_view():
            raise ValueError("embedder and chunker settings shape the index: rebuild instead of configure()")
        clone = Pipeline(self.index_dir, settings, self._snapshot)
        clone._models, clone._update_lock, clone.store = self._models, self._update_lock, self.store
        return clone

    # ----- models -----
    @property
    def embedder(self):
        return self._models.load(self.settings)

    def embed_query(self, query: str) -> np.ndarray:
        return self._models.query_vector(self.settings, query)

    # ----- the index -----
    @property
    def snapshot(self) -> IndexView:
        if self._snapshot is None:
            raise IndexError(f"no index at {self.store.location}; build it with: rag index")
        return self._snapshot

    def documents(self) -> list[Document]:
        return list(self.snapshot.documents.values()) if self._snapshot else []

    def document(self, doc_id: str) -> Document:
        try:
            return self.snapshot.documents[doc_id]
        except KeyError:
            raise KeyError(f"no document {doc_id!r} in the index") from None

    def corpus_paths(self) -> list[Path]:
        """The folders/files the index mirrors, as recorded in its manifest."""
        return corpus_folders(self.index_dir, self._snapshot.corpus) if self._snapshot else []

    def sync(
        self, corpus_paths: Sequence[Path | str], rebuild: bool = False, progress: bool = False, prune=False
    ) -> UpdateReport:
        """Add and update what `corpus_paths` hold; drop what was under their folders and is gone, never
        what other recorded paths hold (`prune`: mirror exactly). Unreadable files are skipped, reported."""
        from rag.ingest.sources import ids_under, read_since

        paths, given = [Path(p) for p in corpus_paths], {Path(p).resolve() for p in corpus_paths}
        indexed = [] if rebuild else self.documents()  # a file whose stat is as recorded is not read
        found, table = read_since(self.index_dir, self.settings, paths, indexed, progress)
        recorded = [] if (prune or rebuild) else [p for p in self.corpus_paths() if p.resolve() not in given]
        new = [p for p in paths if not any(p.resolve().is_relative_to(r.resolve()) for r in recorded)]
        keep = {s.doc_id for s in found.skipped} | ids_under(recorded)  # a bad file keeps its indexed version
        if not any(p.is_dir() for p in paths):  # files only: add and update, never remove
            keep |= {d.id for d in self.documents()}
        corpus = store.corpus_entries(self.index_dir, recorded + new)
        report = self._apply(found.documents, True, rebuild, progress, corpus=corpus, keep=keep)
        table.save()  # after the index: a crash in between leaves stats that only cost hashing
        return replace(report, skipped=found.skipped, warnings=report.warnings + found.warnings)

    def add_files(self, paths: Sequence[Path | str], progress: bool = False) -> UpdateReport:
        """Index these files (new or changed) without touching other documents."""
        from rag.ingest.documents import iter_documents

        return self._apply(list(iter_documents([Path(p) for p in paths])), False, progress=progress)

    def remove_documents(self, doc_ids: Collection[str]) -> UpdateReport:
        if unknown := sorted(set(doc_ids) - set(self.snapshot.documents)):
            raise KeyError(f"not in the index: {', '.join(unknown)}")
        with self._update_lock:
            snap = self.snapshot.updated(remove=doc_ids)
            self.store.save(snap)
            self._snapshot = snap
        return UpdateReport(removed=tuple(sorted(doc_ids)), unchanged=len(snap.documents))

    def _apply(
        self,
        docs: Sequence[Document],
        remove_missing: bool,
        rebuild: bool = False,
        progress: bool = False,
        corpus: Sequence[str] | None = None,
        keep: Collection[str] = (),
    ) -> UpdateReport:
        from rag.index.chunking import chunk_document
        from rag.ingest.added import stale, stamp_added
        from rag.zh.text import fold

        with self._update_lock:
            current = self._snapshot
            st = self.settings
            chunker = {"target": st.chunk_target, "max": st.chunk_max, "overlap": st.chunk_overlap}
            warnings: list[str] = []
            if current is not None and current.chunker != chunker and not rebuild:
                warnings.append(
                    f"chunker settings changed ({current.chunker} -> {chunker}): re-embedding everything"
                )
                rebuild = True
            if current is not None and rebuild:
                current = None
            old = current.documents if current else {}
            docs = stamp_added(docs, old)  # when each document first entered the index, kept across updates
            incoming = {d.id: d for d in docs}
            added = [d for d in docs if d.id not in old]
            changed = [d for d in docs if d.id in old and stale(old[d.id], d)]  # text or metadata
            removed = sorted(set(old) - set(incoming) - set(keep)) if remove_missing else []
            unchanged = len(old) - len(removed) - len(changed)
            todo = added + changed
            if current is not None and not todo and not removed:
                store.remove_stale_generations(self.index_dir)  # a kill after the last switch left one
                if corpus is not None and list(corpus) != current.corpus:
                    current = current.updated(corpus=corpus)
                    self.store.save(current)
                    self._snapshot = current
                return UpdateReport(unchanged=unchanged, warnings=tuple(warnings))

            chunked = [(d, chunk_document(d, st.chunk_target, st.chunk_max, st.chunk_overlap)) for d in todo]
            # chunk ids hash their text: a chunk an edited document still has keeps its stored vector
            known = current.chunks if current is not None else {}
            reused = {c.id: current.vector(c.id) for _, cs in chunked for c in cs if c.id in known}
            fresh = list({c.id: c for _, cs in chunked for c in cs if c.id not in known}.values())
            texts = [fold(c.text) for c in fresh]
            embedder = self.embedder if (texts or current is None) else None
            if current is None:
                current = self.store.empty(embedder.name, embedder.dim, chunker)
            if progress and texts:
                msg = f"embedding {len(texts)} chunks of {len(todo)} documents with {embedder.name}"
                print(msg, file=sys.stderr, flush=True)
            if texts:
                vectors = embedder.embed(texts, kind="passage", show_progress=progress)
                reused.update(zip((c.id for c in fresh), vectors, strict=True))
            empty = np.zeros((0, current.dim), dtype=np.float32)
            additions = [
                (doc, chunks, np.stack([reused[c.id] for c in chunks]) if chunks else empty)
                for doc, chunks in chunked
            ]
            snap = current.updated(remove=removed, add=additions, corpus=corpus)
            self.store.save(snap)
            self._snapshot = snap
            return UpdateReport(
                added=tuple(d.id for d in added),  # after a rebuild: every document
                changed=tuple(d.id for d in changed),
                removed=tuple(removed),
                unchanged=unchanged,
                embedded_chunks=len(texts),
                rebuilt=rebuild,
                warnings=tuple(warnings),
            )

    # ----- queries -----
    def retriever(self):
        from rag.retrieve.retrieval import Retriever

        return Retriever(self.snapshot, self.settings, self.embed_query)

    def search(
        self,
        query: str | Query | QuestionInfo,
        k: int = 5,
        mode: str = "hybrid",
        doc_ids: Collection[str] | None = None,
    ) -> list[Hit]:
        """Retrieve; in hybrid mode the fused candidates are reranked by their best sentence for the
        question: a Query or one of its parts as analysed by the caller (a string is analysed here)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        info = query.whole if isinstance(query, Query) else query
        text = info if isinstance(info, str) else info.text
        depth = self.settings.rerank_depth
        if mode != "hybrid" or depth <= 0:
            return self.retriever().search(text, k=k, mode=mode, doc_ids=doc_ids)
        from rag.retrieve.sentence_scoring import blend_dense, rerank

        fused = self.retriever().search(text, k=max(k, depth), mode=mode, doc_ids=doc_ids)
        reranked = rerank(info, fused, self.snapshot.documents)
        weight = self.settings.rerank_dense_weight
        if weight and self.settings.weight_dense and reranked:
            reranked = blend_dense(reranked, weight, self.embed_query(text), self.snapshot.vector)
        return reranked[:k]

    def ranked_lists(self, query: str, k: int = 10) -> dict[str, list[Hit]]:
        """Every retriever's own ranking, for the retrieval-test view."""
        return {mode: self.search(query, k=k, mode=mode) for mode in ("bm25", "bigram", "dense", "hybrid")}

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        mode: str = "hybrid",
        k: int | None = None,
        answerer=None,
        doc_ids: Collection[str] | None = None,
    ) -> Answer:
        stream = self.ask_stream(question, history, mode=mode, k=k, answerer=answerer, doc_ids=doc_ids)
        answers = [item for item in stream if isinstance(item, Answer)]
        if not answers:
            raise RuntimeError("the answerer ended without an answer")
        return answers[-1]

    @smalltalk.answered_first  # "你好", "谢谢": a short reply, no search; an empty question is refused
    def ask_stream(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        mode: str = "hybrid",
        k: int | None = None,
        answerer=None,
        doc_ids: Collection[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Yields text deltas, then the final Answer (with verified citations); only `doc_ids` when given."""
        from rag.retrieve.sentence_scoring import retrieve_for

        query = analyse(question, history)  # once: retrieval, rerank and the answerer all read it
        k = k or self.settings.answer_passages
        # a question asking several things is searched part by part, so each part finds its passage
        reranked = mode == "hybrid" and self.settings.rerank_depth > 0  # search() reranks already
        search = lambda info, n: self.search(info, k=n, mode=mode, doc_ids=doc_ids)  # noqa: E731
        hits = retrieve_for(query, search, k, reorder=not reranked)
        docs = {i: d for i, d in self.snapshot.documents.items() if doc_ids is None or i in doc_ids}
        said = {"question": query.text, "rewritten_query": query.rewritten}
        for item in (answerer or self.answerer()).stream(query, hits, docs):
            yield replace(item, **said) if isinstance(item, Answer) else item

    def answerer(self, name: str | None = None):
        from rag.answer.choose import make_case_answerer  # case questions: from the case table

        return make_case_answerer(self.settings, name, self._snapshot)
