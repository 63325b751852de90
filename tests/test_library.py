"""rag.web.library: saving uploads, refusing bad ones, moving removed uploads aside, opening the index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.config import Settings
from rag.web.library import (
    DEFAULT_CORPUS,
    REMOVED,
    DuplicateContent,
    Library,
    UnreadableFile,
    UnsupportedType,
    UploadError,
    check_suffix,
    corpus_roots,
    free_name,
    prepare_pipeline,
    recorded_corpus,
    set_aside,
)

from .conftest import CountingEmbedder

CASE = "紫金县纪委监委通报\n\n经查，刘明远违规收受礼金。县纪委监委给予刘明远开除党籍处分。\n"


def _file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def library(tmp_path, small_corpus, fake_embedder) -> Library:
    pipeline = prepare_pipeline(
        tmp_path / "index",
        [small_corpus],
        tmp_path / "uploads",
        Settings(embedder=fake_embedder.name),
        fake_embedder,
        progress=False,
    )
    return Library(pipeline, tmp_path / "uploads")


# ----- file helpers -----
def test_free_name_skips_files_and_taken_names(tmp_path):
    assert free_name(tmp_path, "a.txt") == "a.txt"
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    assert free_name(tmp_path, "a.txt") == "a-2.txt"
    assert free_name(tmp_path, "a.txt", {"a-2.txt"}) == "a-3.txt"
    assert free_name(tmp_path, "b.md", {"b.md"}) == "b-2.md"
    assert free_name(tmp_path, "README", {"README"}) == "README-2"


def test_set_aside_never_overwrites(tmp_path):
    bin_dir = tmp_path / "bin" / "sub"
    first = set_aside(_file(tmp_path, "a.txt", "one"), bin_dir)
    second = set_aside(_file(tmp_path, "a.txt", "two"), bin_dir)
    assert (first, second) == (bin_dir / "a.txt", bin_dir / "a-2.txt")
    assert [first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")] == ["one", "two"]
    assert not (tmp_path / "a.txt").exists()


def test_check_suffix_names_what_is_supported():
    check_suffix(Path("x/a.txt"))
    check_suffix("A.MD")
    with pytest.raises(UnsupportedType, match=r"tool\.exe: unsupported file type; supported: \.txt") as err:
        check_suffix("in/tool.exe")
    assert err.value.name == "tool.exe" and ".md" in err.value.suffixes
    assert isinstance(err.value, UploadError) and isinstance(err.value, ValueError)


# ----- adding -----
def test_add_saves_indexes_and_counts_chunks(library, tmp_path):
    added = library.add(_file(tmp_path / "in", "case.txt", CASE))
    assert (added.name, added.doc_id, added.renamed) == ("case.txt", "case.txt", False)
    assert added.chunks == len(library.pipeline.snapshot.doc_chunks("case.txt")) > 0
    assert (library.uploads / "case.txt").read_text(encoding="utf-8") == CASE
    assert library.is_upload("case.txt") and not library.is_upload("a.txt")
    assert "刘明远" in library.pipeline.document("case.txt").text


def test_add_takes_a_free_name_when_the_id_is_taken(library, tmp_path):
    added = library.add(_file(tmp_path / "in", "a.txt", CASE))  # a.txt is a corpus document
    assert (added.doc_id, added.renamed) == ("a-2.txt", True)
    assert (library.uploads / "a-2.txt").is_file() and not (library.uploads / "a.txt").exists()
    assert "王增田" in library.pipeline.document("a.txt").text  # the corpus document is untouched


def test_add_refuses_identical_content_and_keeps_nothing(library, tmp_path, small_corpus):
    with pytest.raises(DuplicateContent) as err:
        library.add(_file(tmp_path / "in", "copy.txt", (small_corpus / "b.txt").read_text(encoding="utf-8")))
    assert (err.value.name, err.value.existing) == ("copy.txt", "b.txt")
    assert list(library.uploads.iterdir()) == []


def test_add_refuses_bad_files_and_keeps_nothing(library, tmp_path):
    before = set(library.pipeline.snapshot.documents)
    with pytest.raises(UnsupportedType):
        library.add(_file(tmp_path / "in", "tool.exe", "MZ"))
    with pytest.raises(UnreadableFile, match="empty.txt: cannot be read") as err:
        library.add(_file(tmp_path / "in", "empty.txt", "  \n"))
    assert err.value.error is err.value.__cause__
    assert list(library.uploads.iterdir()) == []
    assert set(library.pipeline.snapshot.documents) == before


def test_add_removes_its_copy_when_indexing_fails(library, tmp_path, monkeypatch):
    def fail(paths, progress=False):
        raise RuntimeError("disk full")

    monkeypatch.setattr(library.pipeline, "add_files", fail)
    with pytest.raises(UnreadableFile, match="disk full"):
        library.add(_file(tmp_path / "in", "case.txt", CASE))
    assert list(library.uploads.iterdir()) == []


# ----- removing and listing -----
def test_remove_moves_uploads_aside_without_overwriting(library, tmp_path):
    library.add(_file(tmp_path / "in", "case.txt", CASE))
    removed = library.remove("case.txt")
    assert removed.moved_to == library.uploads / REMOVED / "case.txt" == library.removed_dir / "case.txt"
    assert removed.corpus_file is None and "case.txt" not in library.pipeline.snapshot.documents
    assert removed.moved_to.read_text(encoding="utf-8") == CASE

    library.add(_file(tmp_path / "in2", "case.txt", CASE + "补充。\n"))
    assert library.remove("case.txt").moved_to == library.removed_dir / "case-2.txt"
    assert sorted(p.name for p in library.removed_dir.iterdir()) == ["case-2.txt", "case.txt"]


def test_remove_leaves_corpus_files_and_refuses_unknown_ids(library, small_corpus):
    removed = library.remove("b.txt")
    assert removed.moved_to is None and removed.corpus_file == small_corpus.resolve() / "b.txt"
    assert (small_corpus / "b.txt").is_file() and "b.txt" not in library.pipeline.snapshot.documents
    with pytest.raises(KeyError, match="b.txt"):
        library.remove("b.txt")


def test_entries_count_chunks_and_mark_uploads(library, tmp_path):
    library.add(_file(tmp_path / "in", "case.txt", CASE))
    entries = {e.id: e for e in library.entries()}
    assert set(entries) == {"a.txt", "b.txt", "c.md", "case.txt"}
    assert sum(e.chunks for e in entries.values()) == len(library.pipeline.snapshot.chunks)
    assert all(e.chunks == len(library.pipeline.snapshot.doc_chunks(i)) for i, e in entries.items())
    assert [i for i, e in entries.items() if e.uploaded] == ["case.txt"]
    assert entries["c.md"].title == "天津市纪委监委"


# ----- opening the index -----
def test_recorded_corpus_reads_the_manifest_even_when_broken(tmp_path):
    index = tmp_path / "index"
    assert recorded_corpus(index) == []
    index.mkdir()
    (index / "manifest.json").write_text("{not json", encoding="utf-8")
    assert recorded_corpus(index) == []
    (index / "manifest.json").write_text(json.dumps({"corpus": ["docs", "/abs/x", 3]}), encoding="utf-8")
    assert recorded_corpus(index) == [tmp_path.resolve() / "docs", Path("/abs/x")]
    (index / "manifest.json").write_text("[]", encoding="utf-8")
    assert recorded_corpus(index) == []


def test_corpus_roots_choose_given_then_recorded_then_seeds(tmp_path):
    a, b, uploads = tmp_path / "a", tmp_path / "b", tmp_path / "uploads"
    a.mkdir()
    assert corpus_roots([a], [], uploads) == [a, uploads]  # the uploads folder need not exist yet
    uploads.mkdir()
    assert corpus_roots([a], [], uploads) == [a, uploads]
    assert corpus_roots([a, uploads], [], uploads) == [a, uploads]  # never twice
    with pytest.raises(FileNotFoundError, match="corpus folder not found: .*b"):
        corpus_roots([a, b], [], uploads)
    assert corpus_roots(None, [b, a], uploads) == [a, uploads]  # recorded folders that still exist
    assert corpus_roots([], [b], uploads) == [Path(DEFAULT_CORPUS), uploads]


def test_prepare_pipeline_indexes_uploads_and_rebuilds_for_another_embedder(tmp_path, small_corpus, capsys):
    uploads = tmp_path / "uploads"
    _file(uploads, "case.txt", CASE)
    _file(uploads / REMOVED, "old.txt", "旧文件\n\n不应被索引。\n")
    first = prepare_pipeline(tmp_path / "index", [small_corpus], uploads, Settings(), CountingEmbedder())
    assert set(first.snapshot.documents) == {"a.txt", "b.txt", "c.md", "case.txt"}
    assert "indexing" in capsys.readouterr().err

    other = CountingEmbedder(dim=16, name="other-16")
    second = prepare_pipeline(tmp_path / "index", None, uploads, Settings(), other, progress=False)
    assert "rebuilding" in capsys.readouterr().err
    assert second.snapshot.embedder_name == "other-16" and other.embedded == len(second.snapshot.chunks)
    assert set(second.snapshot.documents) == set(first.snapshot.documents)  # from the recorded corpus


def test_prepare_pipeline_refuses_a_missing_corpus(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        prepare_pipeline(tmp_path / "ix", [tmp_path / "nowhere"], tmp_path / "up", Settings(), progress=False)
    assert not (tmp_path / "up").exists()
