"""An embedder running an ONNX build (rag.index.e5onnx) of a sentence-transformers model on ONNX Runtime.

Texts are tokenised once with the model's own `tokenizer.json` (the same fast tokenizer
sentence-transformers loads), sorted by length and cut into batches, so each batch is padded only to its
own longest text; the vectors are put back in the caller's order. The graph already mean-pools and
L2-normalises.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.index.e5onnx import MODEL_FILE
from rag.index.ort_cache import encoder_options, fast_session
from rag.index.query_tokenizer import QueryTokenizer

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MAX_TOKENS = 512  # the model's position table
QUICK_TEXTS = 8  # queries at most this many at once may skip loading the whole tokenizer


class OnnxEmbedder:
    """Passages and queries through an ONNX Runtime session on the CPU."""

    def __init__(self, folder: Path, name: str, batch_size: int = 16) -> None:
        folder = Path(folder)

        # the graph optimised once and its weights memory-mapped: 0.1 s instead of 1-1.6 s
        self._session = fast_session(folder / MODEL_FILE, encoder_options)
        self._folder = folder
        self._full: Tokenizer | None = None  # loaded on first need: 1.1 s (see _rows)
        self._quick: QueryTokenizer | None = None
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        self._pad = config.get("pad_token")
        self._pad_id: int | None = None
        st_config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        prompts = st_config.get("prompts") or {}
        self.prompts = {
            "query": prompts.get("query", ""),
            "passage": prompts.get("passage") or prompts.get("document", ""),
        }
        self.name = name
        self.batch_size = max(1, batch_size)
        self.dim = int(self._session.get_outputs()[0].shape[-1] or self._run([[0, 2]]).shape[1])

    def load_full_tokenizer(self) -> None:
        """Load the whole tokenizer now (a long-lived process, after its start): each question then
        skips building its small one (about 4 ms)."""
        self._tokenizer()

    def _tokenizer(self) -> Tokenizer:
        if self._full is None:
            from tokenizers import Tokenizer

            self._full = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
            self._full.no_padding()
            self._full.enable_truncation(MAX_TOKENS)
        return self._full

    def _rows(self, texts: list[str], kind: str) -> list[list[int]]:
        """Token ids of each text. A question in a process that has not loaded the whole tokenizer
        (1.1 s, holding Python's lock) goes through a small one built from the pieces it can use (the
        same ids; rag.index.query_tokenizer)."""
        if self._full is None and kind == "query" and len(texts) <= QUICK_TEXTS:
            try:
                if self._quick is None:
                    self._quick = QueryTokenizer(self._folder / "tokenizer.json", MAX_TOKENS)
                rows = self._quick.encode(texts)
            except Exception:  # noqa: BLE001 - e.g. not a Unigram tokenizer: the whole one
                rows = None
            if rows is not None:
                return rows
        return [e.ids for e in self._tokenizer().encode_batch(texts)]

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        width = max(len(r) for r in rows)
        if self._pad_id is None:
            known = self._quick.added_ids() if self._quick is not None and self._full is None else {}
            pad = self._pad
            self._pad_id = (known.get(pad) or self._tokenizer().token_to_id(pad)) if pad else 0
        ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        (out,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return out

    def embed(self, texts: Sequence[str], kind: str = "passage", show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        prompt = self.prompts.get(kind, "")
        rows = self._rows([prompt + t for t in texts], kind)
        # longest first (as sentence-transformers does): a too-long batch fails at once, and each
        # batch holds texts of about one length, so little of it is padding
        order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
        starts = range(0, len(order), self.batch_size)
        if show_progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches", unit="batch")
        for a in starts:
            part = order[a : a + self.batch_size]
            out[part] = self._run([rows[i] for i in part])
        return out
