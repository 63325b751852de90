"""The store protocol (rag.index.protocol), the same tests against every store: the folder of files
and Milvus Lite (a database file under tmp_path). Dense search against brute force, round trips,
incremental add / change / remove, rebuilds, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from rag.config import Settings
from rag.index.protocol import IndexError as RagIndexError
from rag.index.protocol import open_store
from rag.pipeline import Pipeline
from rag.types import Chunk, Document

from .conftest import CountingEmbedder

STORES = ["folder", "milvus"]


@pytest.fixture(params=[*STORES, "milvus-engine-bm25"])
def store_kind(request) -> str:
    """Each store; the Milvus one a second time with Milvus's own BM25 as the word view."""
    if request.param.startswith("milvus"):
        pytest.importorskip("pymilvus", reason="the Milvus store needs the milvus extra")
        pytest.importorskip("milvus_lite", reason="the Milvus store tests use Milvus Lite")
    return request.param


def _settings(kind: str, tmp_path, **kw) -> Settings:
    # a Milvus Lite file of its own per test, under tmp_path
    milvus = kind.startswith("milvus")
    uri = str(tmp_path / "milvus" / "rag.db") if milvus else ""
    bm25 = "engine" if kind == "milvus-engine-bm25" else "local"
    return Settings(
        **{
            "embedder": "fake-bigram-32",
            "store": "milvus" if milvus else kind,
            "milvus_uri": uri,
            "milvus_bm25": bm25,
            **kw,
        }
    )


def _random_docs(n_docs=12, per_doc=4, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    adds = []
    for d in range(n_docs):
        text = "".join(f"第{d}篇第{j}句。" for j in range(per_doc))
        doc = Document(id=f"d{d}.txt", title=f"t{d}", text=text, content_hash=str(d))
        chunks, at = [], 0
        for j in range(per_doc):
            piece = f"第{d}篇第{j}句。"
            cid = f"{d:04x}{j:04x}" + "0" * 32
            chunks.append(Chunk(id=cid, doc_id=doc.id, text=piece, start=at, end=at + len(piece)))
            at += len(piece)
        vecs = rng.normal(size=(per_doc, dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        adds.append((doc, chunks, vecs))
    return adds


def test_a_new_location_holds_no_index_and_is_not_created_by_looking(store_kind, tmp_path):
    store = open_store(_settings(store_kind, tmp_path), tmp_path / "index")
    assert not store.exists()
    with pytest.raises(RagIndexError, match="rag index"):
        store.load("fake-bigram-32")
    assert not (tmp_path / "index").exists() and not (tmp_path / "milvus").exists()


def test_dense_search_equals_brute_force_after_save_and_load(store_kind, tmp_path):
    store = open_store(_settings(store_kind, tmp_path), tmp_path / "index")
    adds = _random_docs()
    view = store.empty("rand", 16, {"target": 1, "max": 1, "overlap": 0}).updated(add=adds)
    store.save(view)
    loaded = open_store(_settings(store_kind, tmp_path), tmp_path / "index").load("rand")
    ids = [c.id for _, chunks, _ in adds for c in chunks]
    matrix = np.vstack([v for _, _, v in adds])
    rng = np.random.default_rng(1)
    for _ in range(8):
        q = rng.normal(size=16).astype(np.float32)
        q /= np.linalg.norm(q)
        scores = matrix @ q
        expected = [ids[i] for i in np.argsort(-scores, kind="stable")[:7]]
        for v in (view, loaded):
            got = v.dense_search(q, 7)
            assert [cid for cid, _ in got] == expected
            assert [s for _, s in got] == pytest.approx(sorted(scores, reverse=True)[:7], abs=1e-5)
    assert loaded.documents == view.documents and loaded.chunks == view.chunks
    assert (loaded.embedder_name, loaded.dim, loaded.chunker) == ("rand", 16, view.chunker)
    for cid, vec in zip(ids, matrix, strict=True):
        assert np.allclose(loaded.vector(cid), vec, atol=1e-6)
    # a chunk's text is its document's text between its offsets, in whatever store
    for c in loaded.chunks.values():
        assert loaded.documents[c.doc_id].text[c.start : c.end] == c.text


def test_pipeline_round_trip_gives_same_hits_in_every_mode(store_kind, tmp_path, small_corpus):
    settings = _settings(store_kind, tmp_path)
    p = Pipeline.build([small_corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    queries = ["王增田受到了什么处分", "資源縣委書記是誰", "视频会议"]
    modes = ("hybrid", "dense", "bm25", "bigram")
    before = {(q, m): p.search(q, k=3, mode=m) for q in queries for m in modes}
    again = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder())
    for (q, m), hits in before.items():
        after = again.search(q, k=3, mode=m)
        assert hits and [h.chunk for h in after] == [h.chunk for h in hits]
        assert [h.score for h in after] == pytest.approx([h.score for h in hits], abs=1e-5)
    assert again.snapshot.documents == p.snapshot.documents
    assert again.corpus_paths() == [small_corpus.resolve()]


def test_both_stores_give_the_same_hits(tmp_path, small_corpus):
    pytest.importorskip("pymilvus", reason="the Milvus store needs the milvus extra")
    results = []
    for kind in STORES:
        p = Pipeline.build(
            [small_corpus], tmp_path / kind, _settings(kind, tmp_path / kind), embedder=CountingEmbedder()
        )
        results.append([[h.chunk.id for h in p.search(q, k=3)] for q in ("王增田处分", "视频会议", "检查组")])
    assert results[0] == results[1]


def test_incremental_update_add_change_remove(store_kind, tmp_path, small_corpus):
    settings = _settings(store_kind, tmp_path)
    emb = CountingEmbedder()
    p = Pipeline.build([small_corpus], tmp_path / "index", settings, embedder=emb)
    first = emb.embedded
    assert first == len(p.snapshot.chunks) > 0
    old_b = p.snapshot.doc_chunks("b.txt")

    report = p.sync([small_corpus])
    assert not report.touched and emb.embedded == first

    (small_corpus / "a.txt").write_text(
        "王增田受处分\n\n区纪委监委给予王增田严重警告处分。\n", encoding="utf-8"
    )
    (small_corpus / "b.txt").unlink()
    (small_corpus / "d.txt").write_text("新文件\n\n西宁市纪委监委开展监督检查1446次。\n", encoding="utf-8")
    report = p.sync([small_corpus])
    assert report.changed == ("a.txt",) and report.removed == ("b.txt",) and report.added == ("d.txt",)
    assert (
        report.embedded_chunks
        == emb.embedded - first
        == len(p.snapshot.doc_chunks("a.txt")) + len(p.snapshot.doc_chunks("d.txt"))
    )

    reloaded = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder())
    snap = reloaded.snapshot
    assert set(snap.documents) == {"a.txt", "c.md", "d.txt"}
    assert snap.chunks == p.snapshot.chunks
    assert "严重警告" in reloaded.search("王增田严重警告", k=1, mode="bm25")[0].chunk.text
    assert reloaded.search("西宁市监督检查1446次", k=1, mode="dense")[0].chunk.doc_id == "d.txt"
    # the removed document's chunks are gone from dense search too: not even its own vector finds them
    for c in old_b:
        q = emb.embed([c.text])[0]
        assert c.id not in [cid for cid, _ in snap.dense_search(q, 50)]
        with pytest.raises(KeyError):
            snap.vector(c.id)


def test_remove_documents(store_kind, tmp_path, small_corpus):
    settings = _settings(store_kind, tmp_path)
    p = Pipeline.build([small_corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    report = p.remove_documents(["c.md"])
    assert report.removed == ("c.md",)
    reloaded = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder())
    assert set(reloaded.snapshot.documents) == {"a.txt", "b.txt"}
    assert all(h.chunk.doc_id != "c.md" for h in reloaded.search("天津市视频会议", k=5, mode="dense"))
    with pytest.raises(KeyError, match="not in the index"):
        p.remove_documents(["c.md"])


def test_edited_document_keeps_vectors_of_its_unchanged_chunks(store_kind, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = [f"第{i}条：监督检查组在第{i}个社区发现问题{i}个，已督促整改到位。" for i in range(40)]
    (corpus / "long.txt").write_text("长文\n\n" + "".join(sentences) + "\n", encoding="utf-8")
    settings = _settings(store_kind, tmp_path)
    p = Pipeline.build([corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    before = dict(p.snapshot.chunks)
    (corpus / "long.txt").write_text(
        "长文\n\n" + "".join(sentences) + "补充：另有一条说明。\n", encoding="utf-8"
    )
    report = p.sync([corpus])
    after = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder()).snapshot
    assert 0 < report.embedded_chunks == len(set(after.chunks) - set(before)) < len(after.chunks)
    reference = CountingEmbedder()
    from rag.zh.text import fold

    for cid, c in after.chunks.items():
        assert np.allclose(after.vector(cid), reference.embed([fold(c.text)])[0], atol=1e-6)


def test_rebuild_replaces_everything(store_kind, tmp_path, small_corpus):
    settings = _settings(store_kind, tmp_path)
    Pipeline.build([small_corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    only = tmp_path / "only"
    only.mkdir()
    (only / "x.txt").write_text("另一篇\n\n海东市纪委监委通报两起问题。\n", encoding="utf-8")
    emb = CountingEmbedder()
    p = Pipeline.build([only], tmp_path / "index", settings, embedder=emb, rebuild=True)
    assert emb.embedded == len(p.snapshot.chunks)
    reloaded = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder()).snapshot
    assert set(reloaded.documents) == {"x.txt"} and set(reloaded.chunks) == set(p.snapshot.chunks)


def test_changed_chunker_re_embeds_everything(store_kind, tmp_path, small_corpus):
    Pipeline.build(
        [small_corpus], tmp_path / "index", _settings(store_kind, tmp_path), embedder=CountingEmbedder()
    )
    settings = _settings(store_kind, tmp_path, chunk_target=20, chunk_max=30)
    emb = CountingEmbedder()
    p = Pipeline.open(tmp_path / "index", settings, embedder=emb)
    report = p.sync([small_corpus])
    assert report.rebuilt and any("chunker" in w for w in report.warnings)
    reloaded = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder()).snapshot
    assert reloaded.chunker == {"target": 20, "max": 30, "overlap": 1}
    assert set(reloaded.chunks) == set(p.snapshot.chunks) and emb.embedded == len(reloaded.chunks)


def test_mismatched_embedder_fails_with_what_to_run(store_kind, tmp_path, small_corpus):
    Pipeline.build(
        [small_corpus], tmp_path / "index", _settings(store_kind, tmp_path), embedder=CountingEmbedder()
    )
    other = _settings(store_kind, tmp_path, embedder="some/other-model")
    with pytest.raises(RagIndexError, match=r"built with embedder 'fake-bigram-32'.*rag index --rebuild"):
        Pipeline.load(tmp_path / "index", other)


def test_unknown_store_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown store 'redis'.*folder, milvus"):
        open_store(Settings(store="redis"), tmp_path)
