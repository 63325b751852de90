"""The vector index above the HNSW threshold (a small one here): build, search against exact, update,
remove (tombstones), revive, rebuild; and faiss leaving torch's thread count alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.index.ann import AnnSettings
from rag.index.protocol import open_store
from rag.index.store import FolderStore, Snapshot
from rag.types import Chunk, Document

SMALL = AnnSettings(threshold=50, m=16, ef_construction=40, ef_search=64, max_dead=0.3)
DIM = 24


def _doc(d: int, per_doc: int, rng, centres) -> tuple[Document, list[Chunk], np.ndarray]:
    doc = Document(id=f"d{d}.txt", title=f"t{d}", text="x" * per_doc, content_hash=f"h{d}-{rng.random()}")
    chunks = [
        Chunk(
            id=f"{d:04x}{j:04x}{int(rng.integers(1 << 30)):08x}" + "0" * 24,
            doc_id=doc.id,
            text="x",
            start=j,
            end=j + 1,
        )
        for j in range(per_doc)
    ]
    # clustered, as real passages are: around one of a few centres
    vecs = centres[d % len(centres)] + 0.5 * rng.normal(size=(per_doc, DIM))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    return doc, chunks, vecs


def _corpus(n_docs=30, per_doc=5, seed=0, ann=SMALL):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, DIM))
    adds = [_doc(d, per_doc, rng, centres) for d in range(n_docs)]
    snap = Snapshot.empty("rand", DIM, {"target": 1, "max": 1, "overlap": 0}, ann).updated(add=adds)
    return snap, adds


def _exact(snap: Snapshot, adds, q: np.ndarray, k: int) -> list[str]:
    """Brute force over the vectors of the chunks the snapshot holds."""
    pairs = [(c.id, v) for _, cs, vs in adds for c, v in zip(cs, vs, strict=True) if c.id in snap.chunks]
    scores = np.array([float(v @ q) for _, v in pairs])
    return [pairs[i][0] for i in np.argsort(-scores, kind="stable")[:k]]


def _recall(snap: Snapshot, adds, queries: np.ndarray, k: int = 10) -> float:
    found = 0
    for q in queries:
        got = {cid for cid, _ in snap.dense_search(q, k)}
        found += len(got & set(_exact(snap, adds, q, k)))
    return found / (k * len(queries))


def _queries(n=20, seed=7) -> np.ndarray:
    q = np.random.default_rng(seed).normal(size=(n, DIM))
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def test_above_the_threshold_the_index_is_hnsw_and_agrees_with_exact_search():
    snap, adds = _corpus()
    assert snap.vectors_info()["kind"] == "hnsw"
    assert _recall(snap, adds, _queries()) >= 0.9
    small, _ = _corpus(n_docs=8)  # 40 vectors: under the threshold, exact
    assert small.vectors_info()["kind"] == "flat"


def test_removal_leaves_tombstones_that_searches_skip_and_the_old_snapshot_keeps():
    snap, adds = _corpus()
    gone = adds[4][1][0]
    smaller = snap.updated(remove=["d4.txt"])
    assert smaller.vectors_info() == snap.vectors_info()  # same graph: the vectors stay as tombstones
    assert gone.id not in smaller.chunks
    assert gone.id not in [cid for cid, _ in smaller.dense_search(adds[4][2][0], 60)]
    assert snap.dense_search(adds[4][2][0], 1)[0][0] == gone.id  # readers of the old state keep it
    assert _recall(smaller, adds, _queries()) >= 0.9


def test_update_adds_and_a_removed_document_coming_back_is_revived_not_added_twice():
    snap, adds = _corpus()
    rng = np.random.default_rng(3)
    extra = _doc(99, 5, rng, rng.normal(size=(1, DIM)))
    grown = snap.updated(add=[extra])
    assert grown.vectors.ntotal == snap.vectors.ntotal + 5
    assert grown.dense_search(extra[2][2], 1)[0][0] == extra[1][2].id
    back = grown.updated(remove=["d7.txt"]).updated(add=[adds[7]])
    assert back.vectors.ntotal == grown.vectors.ntotal  # revived from its tombstones
    assert back.dense_search(adds[7][2][1], 1)[0][0] == adds[7][1][1].id
    assert np.allclose(back.vector(adds[7][1][1].id), adds[7][2][1])


def test_an_edited_document_replaces_its_chunks():
    snap, adds = _corpus()
    rng = np.random.default_rng(5)
    doc, chunks, vecs = _doc(3, 5, rng, rng.normal(size=(1, DIM)))
    edited = snap.updated(add=[(doc, chunks, vecs)])
    assert [c.id for c in edited.doc_chunks("d3.txt")] == [c.id for c in chunks]
    old_ids = {c.id for c in adds[3][1]}
    assert not old_ids & {cid for cid, _ in edited.dense_search(adds[3][2][0], 80)}
    assert edited.dense_search(vecs[2], 1)[0][0] == chunks[2].id


def test_too_many_tombstones_rebuild_the_graph_and_few_vectors_make_it_flat_again():
    snap, adds = _corpus()
    held = snap.vectors.ntotal
    fewer = snap.updated(remove=[f"d{d}.txt" for d in range(12)])  # 60 of 150: over max_dead
    assert fewer.vectors_info()["kind"] == "hnsw"
    assert fewer.vectors.ntotal == len(fewer.chunks) < held
    assert _recall(fewer, adds, _queries()) >= 0.9
    tiny = fewer.updated(remove=[f"d{d}.txt" for d in range(12, 28)])  # 10 left: under threshold / 2
    assert tiny.vectors_info()["kind"] == "flat"
    assert tiny.vectors.ntotal == 10
    assert _recall(tiny, adds, _queries(), k=5) == 1.0


def test_hnsw_folder_round_trip_keeps_tombstones_out(tmp_path):
    snap, adds = _corpus()
    smaller = snap.updated(remove=["d2.txt"])
    store = FolderStore(tmp_path / "index", SMALL)
    store.save(smaller)
    loaded = store.load("rand")
    assert loaded.vectors_info()["kind"] == "hnsw"
    assert loaded.vectors.ntotal == smaller.vectors.ntotal  # the tombstones are in the file
    for q in _queries(5):
        assert loaded.dense_search(q, 10) == smaller.dense_search(q, 10)
    assert adds[2][1][0].id not in [cid for cid, _ in loaded.dense_search(adds[2][2][0], 60)]


def test_the_settings_reach_the_folder_store(tmp_path):
    settings = Settings(embedder="rand", hnsw_threshold=50, hnsw_m=8, hnsw_ef_search=33)
    store = open_store(settings, tmp_path / "index")
    assert store.ann == AnnSettings(threshold=50, m=8, ef_construction=80, ef_search=33, max_dead=0.2)
    snap = store.empty("rand", DIM, {}).updated(add=_corpus()[1])
    assert snap.vectors_info() == {"kind": "hnsw", "held": 150, "m": 8, "ef_construction": 80}


def test_faiss_leaves_torch_its_threads(tmp_path):
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        snap, _ = _corpus(n_docs=8)  # flat
        big, _ = _corpus()  # hnsw
        for s in (snap, big):
            s.dense_search(_queries(1)[0], 5)
        FolderStore(tmp_path / "i", SMALL).save(big)
        FolderStore(tmp_path / "i", SMALL).load("rand").dense_search(_queries(1)[0], 5)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_one_jieba_dictionary_read_and_tags_as_jieba_gives_them():
    import jieba

    from rag.zh.words import _import_posseg, posseg, tokenizer

    module = _import_posseg()
    ours = posseg()
    assert module.dt.word_tag_tab is ours.word_tag_tab  # jieba.posseg's own tagger shares the table
    reference = module.POSTokenizer(tokenizer())  # jieba reading the tags from the dictionary itself
    text = "中央纪委国家监委网站通报天津市卫生健康委员会二级巡视员王增田受到处分"
    assert list(ours.cut(text)) == list(reference.cut(text))
    assert ours.word_tag_tab == reference.word_tag_tab
    assert tokenizer().tmp_dir and (Path(tokenizer().tmp_dir) / "jieba.cache").is_file()
    assert jieba.dt is not tokenizer()  # ours is the one tokenizer the project uses
