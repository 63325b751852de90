"""The language tables: shipped TOML files, a user's files merged in through the `lexicon_paths` setting."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.index.embedding import HashEmbedder
from rag.pipeline import Pipeline
from rag.query.rewrite import entities
from rag.zh.lexicon import LexiconError, lexicon, load_lexicon, use_lexicon


@pytest.fixture(autouse=True)
def shipped_lexicon():
    """Every test here starts and ends with the shipped tables (the lexicon is process-wide)."""
    use_lexicon(())
    yield
    use_lexicon(())


def test_lexicon_user_file_extends_lists_and_replaces_strings(tmp_path):
    shipped = load_lexicon()
    key = next(k for k, v in shipped.tables.items() if isinstance(v, list))
    user = tmp_path / "mine.toml"
    namespace, _, rest = key.partition(".")
    user.write_text(f'[{namespace}]\n"{rest}" = ["新词甲"]\n', encoding="utf-8")
    merged = load_lexicon([user])
    assert merged.words(key)[-1] == "新词甲"
    assert merged.words(key)[:-1] == shipped.words(key)


def test_lexicon_rejects_unknown_tables_and_bad_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[nosuch]\nwords = ['x']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="not a lexicon table"):
        load_lexicon([bad])
    bad.write_text("[places\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="not valid TOML"):
        load_lexicon([bad])
    with pytest.raises(LexiconError, match="lexicon file"):
        load_lexicon([tmp_path / "missing.toml"])


def test_every_shipped_table_is_read_by_name():
    shipped = load_lexicon()
    assert shipped.tables, "no tables shipped in rag/zh/data"
    for key, value in shipped.tables.items():
        assert value is not None, key


def test_the_setting_reaches_the_code_that_reads_the_tables(tmp_path):
    before = {e.text for e in entities("巡察办主任李四表示")}
    mine = tmp_path / "mine.toml"
    extra = sorted(before)[:1]
    assert extra, "the sentence names someone with the shipped tables"
    mine.write_text(f"[jieba]\nnot_entities = {extra!r}\n".replace("'", '"'), encoding="utf-8")
    Pipeline(tmp_path / "index", Settings(lexicon_paths=(str(mine),)), None, HashEmbedder(dim=16))
    assert extra[0] in lexicon().words("jieba.not_entities")
    after = {e.text for e in entities("巡察办主任李四表示")}
    assert extra[0] not in after  # the cached result was dropped with the old tables
