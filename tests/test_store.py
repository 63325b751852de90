"""The index folder: FAISS against brute force, round trips, incremental updates, crash safety,
and clear errors for an index that does not match."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.index.store import IndexError as RagIndexError
from rag.index.store import Snapshot, load_snapshot, save_snapshot
from rag.pipeline import Pipeline
from rag.types import Chunk, Document

from .conftest import ROOT, CountingEmbedder


def _settings(**kw) -> Settings:
    return Settings(embedder="fake-bigram-32", **kw)


def _random_snapshot(n_docs=20, per_doc=5, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    snap = Snapshot.empty("rand", dim, {"target": 1, "max": 1, "overlap": 0})
    adds = []
    for d in range(n_docs):
        doc = Document(id=f"d{d}.txt", title=f"t{d}", text="x" * per_doc, content_hash=str(d))
        chunks = [
            Chunk(id=f"{d:04x}{j:04x}" + "0" * 32, doc_id=doc.id, text="x", start=j, end=j + 1)
            for j in range(per_doc)
        ]
        vecs = rng.normal(size=(per_doc, dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        adds.append((doc, chunks, vecs))
    return snap.updated(add=adds), adds


def test_faiss_topk_equals_brute_force():
    snap, adds = _random_snapshot()
    ids = [c.id for _, chunks, _ in adds for c in chunks]
    matrix = np.vstack([v for _, _, v in adds])
    rng = np.random.default_rng(1)
    for _ in range(10):
        q = rng.normal(size=16).astype(np.float32)
        q /= np.linalg.norm(q)
        expected = [ids[i] for i in np.argsort(-(matrix @ q), kind="stable")[:7]]
        got = [cid for cid, _ in snap.dense_search(q, 7)]
        assert got == expected


def test_removing_a_document_removes_its_vectors():
    snap, adds = _random_snapshot()
    smaller = snap.updated(remove=["d3.txt"])
    assert smaller.vectors.ntotal == snap.vectors.ntotal - 5
    assert all(c.doc_id != "d3.txt" for c in smaller.chunks.values())
    q = adds[3][2][0]  # the removed chunk's own vector can no longer be found
    assert adds[3][1][0].id not in [cid for cid, _ in smaller.dense_search(q, 50)]
    assert snap.vectors.ntotal == 100  # the old snapshot is untouched (readers keep working)


def test_save_load_round_trip_gives_same_hits(tmp_path, small_corpus, fake_embedder):
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=fake_embedder)
    queries = ["王增田受到了什么处分", "資源縣委書記是誰", "视频会议"]
    before = {
        (q, m): p.search(q, k=3, mode=m) for q in queries for m in ("hybrid", "dense", "bm25", "bigram")
    }
    q2 = Pipeline.load(tmp_path / "index", _settings(), embedder=CountingEmbedder())
    for (q, m), hits in before.items():
        after = q2.search(q, k=3, mode=m)
        assert [h.chunk for h in after] == [h.chunk for h in hits]
        assert [h.score for h in after] == pytest.approx([h.score for h in hits])
    assert q2.snapshot.documents == p.snapshot.documents


def test_manifest_records_what_must_match(tmp_path, small_corpus, fake_embedder):
    Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=fake_embedder)
    m = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert m["embedder"] == {"name": "fake-bigram-32", "dim": 32}
    assert m["format_version"] == 1
    assert set(m["documents"]) == {"a.txt", "b.txt", "c.md"}
    assert all(len(d["content_hash"]) == 64 for d in m["documents"].values())
    assert m["chunker"] == {"target": 250, "max": 300, "overlap": 1}
    assert "opencc" in m["normalisation"]
    gen = tmp_path / "index" / m["generation"]
    assert {p.name for p in gen.iterdir()} >= {
        "documents.jsonl",
        "chunks.jsonl",
        "vectors.faiss",
        "bm25",
        "bigram",
    }
    assert not list(gen.rglob("*.pkl")) and not list(gen.rglob("*.pickle"))


def test_incremental_update_embeds_only_what_changed(tmp_path, small_corpus):
    emb = CountingEmbedder()
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=emb)
    first = emb.embedded
    assert first == len(p.snapshot.chunks) > 0

    report = p.sync([small_corpus])
    assert not report.touched and report.embedded_chunks == 0 and emb.embedded == first
    assert "nothing to embed" in report.summary()

    (small_corpus / "a.txt").write_text(
        "王增田受处分\n\n区纪委监委给予王增田严重警告处分。\n", encoding="utf-8"
    )
    report = p.sync([small_corpus])
    assert report.changed == ("a.txt",) and report.unchanged == 2
    assert emb.embedded - first == len(p.snapshot.doc_chunks("a.txt")) == report.embedded_chunks
    assert "严重警告" in p.search("王增田严重警告", k=1, mode="bm25")[0].chunk.text

    (small_corpus / "b.txt").unlink()
    (small_corpus / "d.txt").write_text("新文件\n\n西宁市纪委监委开展监督检查1446次。\n", encoding="utf-8")
    report = p.sync([small_corpus])
    assert report.removed == ("b.txt",) and report.added == ("d.txt",)
    assert all(c.doc_id != "b.txt" for c in p.snapshot.chunks.values())
    assert p.snapshot.vectors.ntotal == len(p.snapshot.chunks)
    # the saved index reflects the update
    reloaded = load_snapshot(tmp_path / "index", "fake-bigram-32")
    assert set(reloaded.documents) == {"a.txt", "c.md", "d.txt"}


def test_mismatched_embedder_fails_with_what_to_run(tmp_path, small_corpus, fake_embedder):
    Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=fake_embedder)
    with pytest.raises(RagIndexError, match=r"built with embedder 'fake-bigram-32'.*rag index --rebuild"):
        Pipeline.load(tmp_path / "index", Settings(embedder="some/other-model"))


def test_other_format_version_fails_with_what_to_run(tmp_path, small_corpus, fake_embedder):
    Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=fake_embedder)
    path = tmp_path / "index" / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["format_version"] = 99
    path.write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(RagIndexError, match=r"format version 99.*rag index --rebuild"):
        Pipeline.load(tmp_path / "index", _settings())


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(RagIndexError, match="rag index"):
        Pipeline.load(tmp_path / "nothing", _settings())


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
    from conftest import CountingEmbedder
    import rag.index.store as store
    from rag.config import Settings
    from rag.pipeline import Pipeline

    target = {target!r}
    original = getattr(store, target)
    def die(*args, **kwargs):
        if target == "_fsync_file":  # die half-way through writing the new generation
            original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(store, target, die)
    p = Pipeline.open({index!r}, Settings(embedder="fake-bigram-32"), embedder=CountingEmbedder())
    p.sync([{corpus!r}])
    """
)


@pytest.mark.parametrize("target", ["_commit_manifest", "_fsync_file", "_write_generation"])
def test_killed_update_leaves_previous_index_loadable(tmp_path, small_corpus, fake_embedder, target):
    index = tmp_path / "index"
    p = Pipeline.build([small_corpus], index, _settings(), embedder=fake_embedder)
    before = [h.chunk.id for h in p.search("王增田处分", k=3)]
    (small_corpus / "a.txt").write_text(
        "完全不同的新内容\n\n天津市纪委监委通报三起典型问题。\n", encoding="utf-8"
    )
    script = KILL_SCRIPT.format(
        root=str(ROOT), tests=str(ROOT / "tests"), target=target, index=str(index), corpus=str(small_corpus)
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr  # really killed, not a clean exit
    survivor = Pipeline.load(index, _settings(), embedder=CountingEmbedder())
    assert [h.chunk.id for h in survivor.search("王增田处分", k=3)] == before
    # and the next update recovers: it cleans the half-written generation and applies the change
    report = survivor.sync([small_corpus])
    assert report.changed == ("a.txt",)
    assert len(list(index.glob("gen-*"))) == 1
    assert (
        "通报三起"
        in Pipeline.load(index, _settings(), embedder=CountingEmbedder()).search("通报", k=1)[0].chunk.text
    )


def test_save_snapshot_keeps_one_generation(tmp_path):
    snap, _ = _random_snapshot(n_docs=2, per_doc=2)
    save_snapshot(snap, tmp_path)
    save_snapshot(snap, tmp_path)
    assert [p.name for p in tmp_path.glob("gen-*")] == ["gen-000002"]
    assert load_snapshot(tmp_path, "rand").vectors.ntotal == 4


def test_index_of_traditional_query_finds_traditional_doc(tmp_path, small_corpus, fake_embedder):
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=fake_embedder)
    for q in ("資源縣委書記是誰", "资源县委书记是谁"):
        assert p.search(q, k=1, mode="bm25")[0].chunk.doc_id == "b.txt"


def test_unused_path_is_clear_error(tmp_path, fake_embedder):
    from rag.ingest.documents import IngestError

    with pytest.raises(IngestError):
        Pipeline.build([tmp_path / "missing"], tmp_path / "index", _settings(), embedder=fake_embedder)
    assert not (Path(tmp_path) / "index" / "manifest.json").exists()


def test_edited_document_reuses_vectors_of_unchanged_chunks(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = [f"第{i}条：监督检查组在第{i}个社区发现问题{i}个，已督促整改到位。" for i in range(40)]
    (corpus / "long.txt").write_text("长文\n\n" + "".join(sentences) + "\n", encoding="utf-8")
    emb = CountingEmbedder()
    p = Pipeline.build([corpus], tmp_path / "index", _settings(), embedder=emb)
    before = dict(p.snapshot.chunks)
    assert len(before) > 4
    edited = "长文\n\n" + "".join(sentences) + "补充：另有一条说明。\n"
    (corpus / "long.txt").write_text(edited, encoding="utf-8")
    report = p.sync([corpus])
    after = p.snapshot.chunks
    new_ids = set(after) - set(before)
    assert report.changed == ("long.txt",)
    assert 0 < report.embedded_chunks == len(new_ids) < len(after)
    # a reused vector is the one the chunk had before, so search results for old text do not move
    fresh = Pipeline.build([corpus], tmp_path / "fresh", _settings(), embedder=CountingEmbedder())
    for cid in after:
        assert np.allclose(p.snapshot.vector(cid), fresh.snapshot.vector(cid), atol=1e-6)


def test_configured_pipelines_share_one_model_load(tmp_path, small_corpus, monkeypatch):
    Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=CountingEmbedder())
    loads = []

    def fake_load(settings):
        loads.append(settings.embedder)
        return CountingEmbedder()

    monkeypatch.setattr("rag.index.embedding.load_embedder", fake_load)
    base = Pipeline.load(tmp_path / "index", _settings())
    clones = [base.configure(weight_bm25=w) for w in (0.5, 1.0, 2.0)]
    for p in clones:  # the model is first needed by a clone, not by the base pipeline
        p.search("王增田处分", k=2, mode="dense")
    base.search("王增田处分", k=2, mode="dense")
    assert loads == ["fake-bigram-32"]
