"""jieba's prefix dictionary and part-of-speech table kept in one file (rag.zh.words): what a cold process
reads back equals what jieba itself loads, and a damaged file is derived again."""

from __future__ import annotations

import jieba

import rag.zh.words as words


def fresh() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.tmp_dir = words._cache_dir()
    return tok


def reference() -> tuple[dict, int, dict]:
    tok = fresh()
    tok.initialize()  # jieba's own loading
    return tok.FREQ, tok.total, words._word_tags(tok)


def test_kept_dictionary_equals_jiebas_own_and_is_read_back(monkeypatch):
    path = words._kept_file(fresh())
    path.unlink(missing_ok=True)
    first = fresh()
    tags = words._load_dictionary(first)  # derives, then keeps
    assert path.is_file()
    freq, total, want_tags = reference()
    assert (first.FREQ, first.total, tags) == (freq, total, want_tags)

    def no_loading(*args):
        raise AssertionError("jieba loaded its dictionary instead of the kept file")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", no_loading)
    monkeypatch.setattr(words, "_word_tags", no_loading)
    second = fresh()
    assert words._load_dictionary(second) == want_tags
    assert second.initialized and (second.FREQ, second.total) == (freq, total)
    text = "中央纪委国家监委网站通报天津市卫生健康委员会二级巡视员王增田受到处分"
    assert list(second.cut(text)) == list(first.cut(text))


def test_damaged_kept_dictionary_is_loaded_again():
    path = words._kept_file(fresh())
    words._load_dictionary(fresh())
    path.write_bytes(path.read_bytes()[:1000])  # cut short, as by a full disk
    tok = fresh()
    tags = words._load_dictionary(tok)
    freq, total, want_tags = reference()
    assert (tok.FREQ, tok.total, tags) == (freq, total, want_tags)
    assert len(path.read_bytes()) > 1000  # written again


def test_no_cache_folder_still_loads(monkeypatch):
    monkeypatch.setattr(words, "_cache_dir", lambda: None)
    tok = jieba.Tokenizer()
    tags = words._load_dictionary(tok)
    assert tok.initialized and tok.FREQ and tags
