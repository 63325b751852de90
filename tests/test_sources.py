"""The stat-based up-to-date check (rag.ingest.sources): files whose size and mtime are as recorded
are not read; touched files are hashed, not re-indexed; edited, new and removed files are noticed;
an index folder written before the table existed loads and records it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import rag.ingest.corpus as corpus_module
import rag.ingest.sources as sources
from rag.config import Settings
from rag.ingest.corpus import read_corpus
from rag.pipeline import Pipeline
from tests.conftest import CountingEmbedder

OLD = 1_600_000_000  # an mtime far from now: not racy


def _settings() -> Settings:
    return Settings(embedder="fake-bigram-32")


def _age(folder: Path, seconds: float = OLD) -> None:
    for f in folder.rglob("*"):
        if f.is_file():
            os.utime(f, ns=(int(seconds * 1e9), int(seconds * 1e9)))


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files read in full (parsed into Documents), in order."""
    seen: list[str] = []
    real = corpus_module.read_document

    def counting(path, root, max_file_mb=20):
        seen.append(Path(path).name)
        return real(path, root, max_file_mb)

    monkeypatch.setattr(corpus_module, "read_document", counting)
    return seen


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = sources._sha256

    def counting(path):
        seen.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(sources, "_sha256", counting)
    return seen


def _built(tmp_path, corpus, emb=None) -> Pipeline:
    _age(corpus)
    return Pipeline.build([corpus], tmp_path / "index", _settings(), embedder=emb or CountingEmbedder())


def test_unchanged_files_are_not_read_or_hashed(tmp_path, small_corpus, reads, hashes):
    p = _built(tmp_path, small_corpus)
    assert (tmp_path / "index" / sources.SOURCES).is_file()
    reads.clear()
    report = p.sync([small_corpus])
    assert reads == [] and hashes == []
    assert not report.touched and report.unchanged == 3


def test_touched_file_is_hashed_once_not_reindexed(tmp_path, small_corpus, reads, hashes):
    emb = CountingEmbedder()
    p = _built(tmp_path, small_corpus, emb)
    embedded, reads[:] = emb.embedded, []
    os.utime(small_corpus / "b.txt", ns=(OLD * 10**9 + 5, OLD * 10**9 + 5))
    report = p.sync([small_corpus])
    assert hashes == ["b.txt"] and reads == [] and not report.touched and emb.embedded == embedded
    recorded = json.loads((tmp_path / "index" / sources.SOURCES).read_text(encoding="utf-8"))
    entry = recorded["files"][str((small_corpus / "b.txt").resolve())]
    assert entry["mtime_ns"] == OLD * 10**9 + 5  # the new stat is recorded: no hashing next time
    hashes.clear()
    p.sync([small_corpus])
    assert hashes == []


def test_edited_file_is_picked_up(tmp_path, small_corpus, reads):
    p = _built(tmp_path, small_corpus)
    edited = "王增田受处分\n\n区纪委监委给予王增田严重警告处分。\n"
    (small_corpus / "a.txt").write_text(edited, encoding="utf-8")
    report = p.sync([small_corpus])
    assert report.changed == ("a.txt",) and report.unchanged == 2
    assert "严重警告" in p.search("王增田严重警告", k=1, mode="bm25")[0].chunk.text


def test_same_size_edit_with_restored_recent_mtime_is_noticed(tmp_path, small_corpus):
    """The racy-git rule: an mtime within 2 s of the recorded stats is checked by content."""
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=CountingEmbedder())
    target = small_corpus / "a.txt"
    before = target.stat()
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("党内警告", "党内记过"), encoding="utf-8")  # same byte size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size
    report = p.sync([small_corpus])
    assert report.changed == ("a.txt",)


def test_same_size_edit_with_restored_old_mtime_is_not_noticed(tmp_path, small_corpus):
    """Documented limit (as git's): content changed, size and an old mtime restored."""
    p = _built(tmp_path, small_corpus)
    target = small_corpus / "a.txt"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("党内警告", "党内记过"), encoding="utf-8")
    _age(small_corpus)
    assert not p.sync([small_corpus]).touched
    assert p.sync([small_corpus], rebuild=True).added  # --rebuild reads everything
    assert "党内记过" in p.document("a.txt").text


def test_new_and_removed_files_are_noticed(tmp_path, small_corpus, reads):
    p = _built(tmp_path, small_corpus)
    (small_corpus / "b.txt").unlink()
    (small_corpus / "d.txt").write_text("新文件\n\n西宁市纪委监委开展监督检查1446次。\n", encoding="utf-8")
    report = p.sync([small_corpus])
    assert report.removed == ("b.txt",) and report.added == ("d.txt",)
    assert set(p.snapshot.documents) == {"a.txt", "c.md", "d.txt"}


def test_other_folders_are_not_read_when_one_changes(tmp_path, small_corpus, reads):
    sub = small_corpus / "sub"
    sub.mkdir()
    (sub / "e.txt").write_text("子目录\n\n南宁市纪委监委通报三起典型问题。\n", encoding="utf-8")
    p = _built(tmp_path, small_corpus)
    reads.clear()
    (sub / "e.txt").write_text("子目录\n\n南宁市纪委监委通报五起典型问题。\n", encoding="utf-8")
    report = p.sync([small_corpus])
    assert report.changed == ("sub/e.txt",) and reads == ["e.txt"]


def test_result_equals_a_full_read_with_boilerplate(tmp_path):
    """Folders where a file changed are read whole: the documents equal a full read's, boilerplate too."""
    corpus = tmp_path / "site"
    corpus.mkdir()
    footer = "版权所有 某某网站 2020"
    for i in range(5):
        body = f"第{i}篇\n\n某市纪委监委通报第{i}起典型问题，给予相关人员处分。\n\n{footer}\n"
        (corpus / f"n{i}.txt").write_text(body, encoding="utf-8")
    p = _built(tmp_path, corpus)
    (corpus / "n4.txt").unlink()
    (corpus / "n0.txt").write_text(f"第0篇\n\n改写后的正文，某市纪委通报。\n\n{footer}\n", encoding="utf-8")
    p.sync([corpus])
    full = {d.id: d.text for d in read_corpus([corpus]).documents}
    assert {d.id: d.text for d in p.documents()} == full


def test_index_folder_without_table_loads_and_records_it(tmp_path, small_corpus, reads, hashes):
    p = _built(tmp_path, small_corpus)
    (tmp_path / "index" / sources.SOURCES).unlink()  # as written before the table existed
    reads.clear()
    again = Pipeline.open(tmp_path / "index", _settings(), embedder=CountingEmbedder())
    report = again.sync([small_corpus])
    assert not report.touched and sorted(reads) == ["a.txt", "b.txt", "c.md"]
    assert (tmp_path / "index" / sources.SOURCES).is_file()
    reads.clear()
    again.sync([small_corpus])
    assert reads == [] and set(p.snapshot.documents) == set(again.snapshot.documents)


def test_damaged_table_means_reading_everything(tmp_path, small_corpus, reads):
    p = _built(tmp_path, small_corpus)
    (tmp_path / "index" / sources.SOURCES).write_text("{not json", encoding="utf-8")
    reads.clear()
    assert not p.sync([small_corpus]).touched and len(reads) == 3


def test_skipped_file_is_reported_every_run(tmp_path, small_corpus):
    (small_corpus / "empty.txt").write_text("", encoding="utf-8")
    p = _built(tmp_path, small_corpus)
    assert [s.doc_id for s in p.sync([small_corpus]).skipped] == ["empty.txt"]


def test_warnings_of_reused_files_are_still_said(tmp_path, small_corpus):
    mixed = "标题\n\n第一行是统一码。\n".encode() + "第二行是国标码保存的纪委通报内容。\n".encode("gb18030")
    (small_corpus / "mixed.txt").write_bytes(mixed)  # read line by line, with a warning
    _age(small_corpus)
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), embedder=CountingEmbedder())
    first = read_corpus([small_corpus]).warnings
    assert first and p.sync([small_corpus]).warnings == first


def test_recent_stat_is_racy(tmp_path):
    table = sources.SourceTable("k", time.time_ns(), {})
    f = tmp_path / "x.txt"
    f.write_text("x", encoding="utf-8")
    st = f.stat()
    entry = sources.Source("x.txt", st.st_size, st.st_mtime_ns, "h")
    assert not table.unchanged(entry, st)
    later = sources.SourceTable("k", st.st_mtime_ns + sources.RACY_NS + 1, {})
    assert later.unchanged(entry, st)
