"""Issue 11, the corpus side: one bad file never stops the collection (1), `rag index PATH` adds without
removing what other paths put in the index (3), a sentence with two '>' is no breadcrumb (5), messages
that say what the file is (8: UTF-16, other formats in a folder), stale generations cleaned (10)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from rag.config import Settings
from rag.ingest.cleaning import clean_page
from rag.ingest.documents import load_document
from rag.pipeline import Pipeline

from .conftest import ROOT, CountingEmbedder
from .test_cli import run


def _settings() -> Settings:
    return Settings(embedder="fake-bigram-32")


def _bad_files(corpus) -> None:
    (corpus / "e.txt").write_bytes(b"")  # empty
    (corpus / "f.txt").write_bytes(b"\xff\xfe\xfd\x00\x01\x02" * 20 + b"\x00")  # binary, odd length


# ----- 1. one bad file stops all indexing -----
def test_cli_indexes_the_rest_and_says_indexed_with_problems(tmp_path, small_corpus):
    _bad_files(small_corpus)
    r = run(["index", str(small_corpus), "--index", "idx", "--json"], tmp_path)
    assert r.returncode == 3, r.stderr  # "indexed with problems", not 2 ("failed")
    out = json.loads(r.stdout)
    assert sorted(out["added"]) == ["a.txt", "b.txt", "c.md"]
    assert {s["doc_id"]: s["reason"] for s in out["skipped"]} == {
        "e.txt": "the file is empty",
        "f.txt": "looks like a binary file (contains NUL bytes), not text",
    }
    assert "skipped:" in r.stderr and "e.txt" in r.stderr
    r = run(["index", "--index", "idx", "--rebuild", "/nonexistent-folder"], tmp_path)
    assert r.returncode == 2  # a command that cannot run at all still fails


def test_a_file_that_turns_bad_keeps_its_indexed_version(tmp_path, small_corpus, fake_embedder):
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), fake_embedder)
    (small_corpus / "a.txt").write_bytes(b"")
    report = p.sync([small_corpus])
    assert [s.doc_id for s in report.skipped] == ["a.txt"]
    assert report.removed == () and "a.txt" in p.snapshot.documents  # nothing lost


# ----- 3. `rag index FILE` removed every other document -----
def test_index_one_file_keeps_the_other_documents(tmp_path, small_corpus, fake_embedder):
    index = tmp_path / "index"
    Pipeline.build([small_corpus], index, _settings(), fake_embedder)
    edited = "王增田受处分\n\n改过的正文，王增田受到党内警告处分。\n"
    (small_corpus / "a.txt").write_text(edited, encoding="utf-8")
    p = Pipeline.open(index, _settings(), fake_embedder)
    report = p.sync([small_corpus / "a.txt"])
    assert report.changed == ("a.txt",) and report.removed == ()
    assert sorted(p.snapshot.documents) == ["a.txt", "b.txt", "c.md"]
    assert p.corpus_paths() == [small_corpus.resolve()]  # the file is not recorded as the whole corpus


def test_index_another_folder_adds_and_prune_mirrors(tmp_path, small_corpus, fake_embedder):
    other = tmp_path / "other"
    other.mkdir()
    (other / "d.txt").write_text("西宁市纪委监委\n\n西宁市纪委监委开展监督检查五十次。\n", encoding="utf-8")
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), fake_embedder)
    assert p.sync([other]).removed == ()
    assert sorted(p.snapshot.documents) == ["a.txt", "b.txt", "c.md", "d.txt"]
    (small_corpus / "b.txt").unlink()  # gone from its folder: the next run of that folder drops it
    assert p.sync([small_corpus]).removed == ("b.txt",)
    assert sorted(p.snapshot.documents) == ["a.txt", "c.md", "d.txt"]
    assert sorted(p.sync([other], prune=True).removed) == ["a.txt", "c.md"]


def test_cli_prune_flag(tmp_path, small_corpus):
    other = tmp_path / "other"
    other.mkdir()
    (other / "d.txt").write_text("西宁市纪委监委\n\n西宁市纪委监委开展监督检查五十次。\n", encoding="utf-8")
    assert run(["index", str(small_corpus), "--index", "idx"], tmp_path).returncode == 0
    r = run(["index", str(other), "--index", "idx", "--json"], tmp_path)
    assert json.loads(r.stdout)["removed"] == []
    r = run(["index", str(other), "--index", "idx", "--json", "--prune"], tmp_path)
    assert sorted(json.loads(r.stdout)["removed"]) == ["a.txt", "b.txt", "c.md"]


# ----- 5. an early line with two '>' lost the opening sentence -----
def test_a_sentence_with_two_greater_than_signs_is_kept():
    text = "市场观察\n今年一季度，增速>5%的城市有十个，投资增速>3%的城市有八个。\n其余城市增长平稳。\n"
    assert "增速>5%的城市有十个" in clean_page(text).text
    crumbs = clean_page("首页 > 新闻中心 > 地方动态\n标题在此\n正文第一句。\n")
    assert crumbs.title == "标题在此" and "首页" not in crumbs.text  # real trails still go


# ----- 8. messages that say what a file is -----
def test_utf16_text_is_read_not_called_binary(tmp_path):
    text = "紫金县纪委监委通报\n\n经查，刘明远违规收受礼金。\n"
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        (tmp_path / f"{codec}.txt").write_bytes(text.encode(codec))
        assert "刘明远违规收受礼金" in load_document(tmp_path / f"{codec}.txt", tmp_path).text


def test_other_formats_in_a_folder_are_reported(tmp_path, small_corpus, fake_embedder):
    for name in ("sheet.xlsx", "slides.pptx", "photo.png"):
        (small_corpus / name).write_bytes(b"PK whatever")
    p = Pipeline.build([small_corpus], tmp_path / "index", _settings(), fake_embedder)
    skipped = {s.path.rsplit("/", 1)[-1]: s.reason for s in p.sync([small_corpus]).skipped}
    assert set(skipped) == {"sheet.xlsx", "slides.pptx", "photo.png"}
    assert all(r.startswith("unsupported file type") for r in skipped.values())


# ----- 10. a kill after the manifest switch left an old generation -----
KILL_AFTER_SWITCH = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
    from conftest import CountingEmbedder
    import rag.index.store as store
    from rag.config import Settings
    from rag.pipeline import Pipeline

    class DieOnCleanup:  # the manifest names the new generation; the old one is about to go
        def __getattr__(self, name):
            import shutil
            return getattr(shutil, name)
        @staticmethod
        def rmtree(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
    p = Pipeline.open({index!r}, Settings(embedder="fake-bigram-32"), embedder=CountingEmbedder())
    store.shutil = DieOnCleanup()
    p.sync([{corpus!r}])
    """
)


def test_stale_generation_is_removed_by_the_next_run_with_nothing_to_change(tmp_path, small_corpus):
    index = tmp_path / "index"
    Pipeline.build([small_corpus], index, _settings(), CountingEmbedder())
    edited = "王增田受处分\n\n新的正文：王增田受到党内警告处分。\n"
    (small_corpus / "a.txt").write_text(edited, encoding="utf-8")
    script = KILL_AFTER_SWITCH.format(
        root=str(ROOT), tests=str(ROOT / "tests"), index=str(index), corpus=str(small_corpus)
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert len(list(index.glob("gen-*"))) == 2  # the kill left the old generation behind
    p = Pipeline.open(index, _settings(), CountingEmbedder())
    assert "新的正文" in p.document("a.txt").text  # the new state is live
    assert not p.sync([small_corpus]).touched  # nothing to change ...
    live = json.loads((index / "manifest.json").read_text())["generation"]
    assert [g.name for g in index.glob("gen-*")] == [live]  # ... and still the stale generation goes
