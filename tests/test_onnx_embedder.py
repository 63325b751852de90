"""The ONNX Runtime builds of the bundled model (rag.index.e5onnx, rag.index.onnx_embedder): the names
that choose them, and (model tests) that they give the torch model's vectors, in the caller's order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.config import DEFAULT_EMBEDDER, Settings
from rag.index.e5onnx import build_onnx, is_built, onnx_dirname
from rag.index.embedding import ONNX_SUFFIXES, bundled_model, load_embedder

TEXTS = [
    "纪委监委强化监督检查",
    "紀委監委強化監督檢查，對違反中央八項規定精神問題嚴肅處理，給予黨內警告處分。" * 3,
    "今天天气很好",
    "资源县",
    "2023年5月，某县委原书记因严重违纪违法被开除党籍和公职，涉嫌犯罪问题移送检察机关依法审查起诉。",
]


def test_unknown_suffix_is_not_the_bundled_model() -> None:
    assert bundled_model(Settings(embedder=DEFAULT_EMBEDDER + "@nope")) is None
    assert bundled_model(Settings(embedder="hash")) is None
    with pytest.raises(ValueError, match="unknown precision"):
        build_onnx(Path("unused"), Path("unused"), "int4")


def test_builds_have_distinct_folders() -> None:
    names = {onnx_dirname(Path("m"), p) for p in ONNX_SUFFIXES.values()}
    assert len(names) == len(ONNX_SUFFIXES)


@pytest.mark.model
@pytest.mark.parametrize(("suffix", "min_cos"), [("@onnx", 0.9999), ("@onnx-int8", 0.97)])
def test_onnx_build_matches_torch_vectors(suffix: str, min_cos: float) -> None:
    torch_emb = load_embedder(Settings(embedder=DEFAULT_EMBEDDER))
    emb = load_embedder(Settings(embedder=DEFAULT_EMBEDDER + suffix))
    assert emb.name == DEFAULT_EMBEDDER + suffix  # what the manifest records: builds are never mixed
    assert emb.dim == torch_emb.dim
    folder, backend = bundled_model(Settings(embedder=DEFAULT_EMBEDDER + suffix))
    assert backend == "onnx" and is_built(folder)
    for kind in ("passage", "query"):
        # batch 2 over texts of very different lengths: sorting, padding and putting back in order
        emb.batch_size = 2
        got, want = emb.embed(TEXTS, kind=kind), torch_emb.embed(TEXTS, kind=kind)
        assert got.shape == want.shape and got.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
        cos = (got * want).sum(1)
        assert cos.min() >= min_cos, cos
        # each text's vector is nearest to its own torch vector: the order is the caller's
        assert ((got @ want.T).argmax(1) == np.arange(len(TEXTS))).all()
    assert emb.embed([]).shape == (0, emb.dim)


@pytest.mark.model
def test_small_query_tokenizer_gives_the_whole_tokenizers_ids(tmp_path) -> None:
    from tokenizers import Tokenizer

    from rag.index.onnx_embedder import MAX_TOKENS
    from rag.index.query_tokenizer import QueryTokenizer

    folder, _ = bundled_model(Settings(embedder=DEFAULT_EMBEDDER + "@onnx"))
    whole = Tokenizer.from_file(str(folder / "tokenizer.json"))
    whole.no_padding()
    whole.enable_truncation(MAX_TOKENS)
    small = QueryTokenizer(folder / "tokenizer.json", MAX_TOKENS)
    texts = [
        *TEXTS,
        "Hello  World ＡＢＣ１２３ ～🈻 😀 ñ é",  # NFKC, the Replace rules around it, doubled spaces
        "tab\tnew\nline\u200b zero",
        "\x01\x7f控制字符",
        "ấ稣",  # the lowest-scoring pieces
        "",
        " ",
        "资" * 700,  # truncated
        "Ｑ：什麼是臺灣？GDP增长5.2%",
    ]
    for text in texts:
        assert small.encode(["query: " + text]) == [whole.encode("query: " + text).ids], text
    batch = ["query: " + t for t in texts[:6]]
    assert small.encode(batch) == [e.ids for e in whole.encode_batch(batch)]
    assert small.encode(["a <mask> b"]) is None  # added tokens: the whole tokenizer does them
