"""What only the Milvus store has (Milvus Lite, a file under tmp_path): no transactions, so an
interrupted update must leave an index that opens, searches only complete documents, and is
repaired by the next `rag index`; the manifest's facts live in the collection."""

from __future__ import annotations

import json
import sys

import pytest

from rag.config import Settings
from rag.pipeline import Pipeline

from .conftest import CountingEmbedder

pytest.importorskip("pymilvus", reason="the Milvus store needs the milvus extra")
pytest.importorskip("milvus_lite", reason="these tests use Milvus Lite")


def _settings(tmp_path) -> Settings:
    return Settings(embedder="fake-bigram-32", store="milvus", milvus_uri=str(tmp_path / "m" / "rag.db"))


def test_interrupted_update_leaves_complete_documents_and_is_repaired(
    tmp_path, small_corpus, monkeypatch, capsys
):
    from rag.index.milvus_store import MilvusCollection

    settings = _settings(tmp_path)
    Pipeline.build([small_corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    (small_corpus / "a.txt").write_text(
        "王增田受处分\n\n区纪委监委给予王增田严重警告处分。经查，王增田擅离职守。\n", encoding="utf-8"
    )
    real_insert = MilvusCollection.insert

    def dies_half_way(self, rows):  # the old rows of a.txt are deleted, only the document row lands
        real_insert(self, [r for r in rows if r["kind"] == "doc"])
        raise RuntimeError("killed")

    monkeypatch.setattr(MilvusCollection, "insert", dies_half_way)
    with pytest.raises(RuntimeError, match="killed"):
        Pipeline.open(tmp_path / "index", settings, embedder=CountingEmbedder()).sync([small_corpus])
    monkeypatch.setattr(MilvusCollection, "insert", real_insert)

    survivor = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder())
    assert "a.txt" in capsys.readouterr().err  # said which document was left out
    assert set(survivor.snapshot.documents) == {"b.txt", "c.md"}
    for mode in ("dense", "bm25", "hybrid"):
        assert all(h.chunk.doc_id != "a.txt" for h in survivor.search("王增田处分", k=5, mode=mode))

    report = survivor.sync([small_corpus])
    assert report.added == ("a.txt",) and report.unchanged == 2
    repaired = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder())
    assert set(repaired.snapshot.documents) == {"a.txt", "b.txt", "c.md"}
    assert repaired.snapshot.chunks == survivor.snapshot.chunks
    assert "严重警告" in repaired.search("王增田严重警告", k=1, mode="dense")[0].chunk.text


def test_manifest_facts_live_in_the_collection(tmp_path, small_corpus):
    from rag.index.milvus_store import MilvusCollection

    settings = _settings(tmp_path)
    Pipeline.build([small_corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    assert not (tmp_path / "index").exists()  # nothing written beside the database file
    manifest = MilvusCollection(settings.milvus_uri, settings.milvus_collection).manifest()
    assert manifest["embedder"] == {"name": "fake-bigram-32", "dim": 32}
    assert manifest["chunker"] == {"target": 250, "max": 300, "overlap": 1}
    assert manifest["counts"]["documents"] == 3 and "opencc" in manifest["normalisation"]
    assert manifest["corpus"] == ["corpus"]  # relative to the index's parent, as in the folder store


def test_a_long_document_is_stored_in_parts(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "长文\n\n" + "".join(
        f"第{i}条：监督检查组在第{i}个社区发现问题，已督促整改。" for i in range(2000)
    )
    (corpus / "long.txt").write_text(text, encoding="utf-8")
    settings = _settings(tmp_path)
    built = Pipeline.build([corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    assert len(built.snapshot.documents["long.txt"].text) > 3 * 16000  # more than one row's worth
    loaded = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder())
    assert loaded.snapshot.documents == built.snapshot.documents
    assert loaded.snapshot.chunks == built.snapshot.chunks


def test_command_line_with_the_milvus_store(tmp_path, small_corpus):
    from .test_cli import run

    flags = ["--store", "milvus", "--milvus-uri", "db/rag.db"]
    r = run(["search", "x", *flags], tmp_path)
    assert r.returncode == 2 and "rag index --store milvus" in r.stderr and "Traceback" not in r.stderr
    r = run(["index", str(small_corpus), *flags], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "3 added" in r.stdout and "db/rag.db (collection rag_zh)" in r.stdout
    assert (tmp_path / "db" / "rag.db").exists() and not (tmp_path / "index").exists()
    assert "Traceback" not in r.stderr and "GOAWAY" not in r.stderr
    r = run(["search", "王增田受到了什么处分？", "--json", "--k", "2", *flags], tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["hits"][0]["doc_id"] == "a.txt"
    assert "Traceback" not in r.stderr


def test_without_pymilvus_the_message_says_what_to_install(tmp_path, monkeypatch):
    from rag.index.protocol import IndexError as RagIndexError
    from rag.index.protocol import open_store

    monkeypatch.setitem(sys.modules, "pymilvus", None)  # as if the extra were not installed
    store = open_store(_settings(tmp_path), tmp_path / "index")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "rag.db").write_bytes(b"")  # a file there, so exists() has to ask Milvus
    with pytest.raises(RagIndexError, match=r"pip install -e '\.\[milvus\]'"):
        store.exists()


def test_engine_bm25_is_milvus_own_and_needs_no_local_word_index(tmp_path, small_corpus):
    from dataclasses import replace

    from rag.index.lexical import LexicalIndex
    from rag.index.milvus_view import EngineBM25

    settings = replace(_settings(tmp_path), milvus_bm25="engine")
    p = Pipeline.build([small_corpus], tmp_path / "index", settings, embedder=CountingEmbedder())
    lexical = Pipeline.load(tmp_path / "index", settings, embedder=CountingEmbedder()).snapshot.lexical
    assert isinstance(lexical["bm25"], EngineBM25) and isinstance(lexical["bigram"], LexicalIndex)
    hits = lexical["bm25"].search("資源縣委書記", 3)  # Traditional query, folded like the stored text
    assert hits and p.snapshot.chunks[hits[0][0]].doc_id == "b.txt"
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True) and hits[-1][1] > 0
    assert lexical["bm25"].search("，。", 3) == []  # nothing left after folding: no search
