"""BM25 over tokens of the folded text (bm25s). The tokenizer is injected: jieba words by default,
character bigrams for the second lexical view, anything trivial in tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Tokenizer = Callable[[str], list[str]]


class LexicalIndex:
    """A BM25 index over chunk texts; results are (chunk_id, score) pairs, best first."""

    def __init__(self, name: str, tokenizer: Tokenizer, chunk_ids: Sequence[str], bm25) -> None:
        self.name = name
        self.tokenizer = tokenizer
        self.chunk_ids = list(chunk_ids)
        self._bm25 = bm25

    @classmethod
    def build(cls, name: str, texts: Sequence[str], chunk_ids: Sequence[str], tokenizer: Tokenizer):
        from rag.index.bm25_import import import_bm25s

        bm25s = import_bm25s()

        if len(texts) != len(chunk_ids):
            raise ValueError("texts and chunk_ids differ in length")
        bm25 = bm25s.BM25()
        if texts:
            # an empty token list would make bm25s choke; a placeholder token matches no query
            tokens = [tokenizer(t) or ["\u2400"] for t in texts]
            bm25.index(tokens, show_progress=False)
        return cls(name, tokenizer, chunk_ids, bm25 if texts else None)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = self.tokenizer(query)
        if self._bm25 is None or not tokens or k <= 0:
            return []
        scores = self._bm25.get_scores(tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chunk_ids.json").write_text(json.dumps(self.chunk_ids), encoding="utf-8")
        if self._bm25 is not None:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, name: str, folder: Path, tokenizer: Tokenizer) -> LexicalIndex:
        from rag.index.bm25_import import import_bm25s

        bm25s = import_bm25s()

        chunk_ids = json.loads((folder / "chunk_ids.json").read_text(encoding="utf-8"))
        # memory-mapped: the score matrix is paged in as queries touch it, not read whole at start
        # (a removed generation's files stay readable while mapped, on POSIX)
        bm25 = bm25s.BM25.load(str(folder), mmap=True) if chunk_ids else None
        return cls(name, tokenizer, chunk_ids, bm25)
