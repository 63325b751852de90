"""Chunking: offsets into doc.text, coverage of every sentence, size limits, overlap, stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.index.chunking import chunk_document, chunk_id, content_prefix, sentence_units
from rag.ingest.documents import iter_documents
from rag.types import Document
from rag.zh.text import split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def seed_docs() -> list[Document]:
    return list(iter_documents([SEEDS]))


def _doc(text: str, doc_id: str = "d.txt") -> Document:
    return Document(id=doc_id, title="t", text=text)


def _check_chunks(doc: Document, chunks, target: int, max_chars: int, overlap: int) -> None:
    assert chunks, doc.id
    units = sentence_units(doc.text, max_chars)
    starts = {a: k for k, (a, _) in enumerate(units)}
    ends = {b: k for k, (_, b) in enumerate(units)}
    prefix = content_prefix(doc.text)

    def size(a: int, b: int) -> int:  # sizes count the characters that survive folding
        return prefix[b] - prefix[a]

    for c in chunks:
        assert c.doc_id == doc.id
        assert c.text == doc.text[c.start : c.end]
        assert c.start in starts and c.end in ends  # chunks start and end on unit boundaries
        assert size(c.start, c.end) <= max_chars or ends[c.end] == starts[c.start]
    # Every sentence (or piece of a long one) lies inside some chunk.
    for a, b in units:
        assert any(c.start <= a and b <= c.end for c in chunks), doc.text[a:b]
    # Each chunk starts with the last `overlap` units of the previous one (dropping the oldest of
    # them only when they would not fit with the next unit) and adds at least one new unit.
    for prev, cur in zip(chunks, chunks[1:], strict=False):
        last = ends[prev.end]
        expected = max(last + 1 - overlap, starts[prev.start] + 1)
        while expected <= last and size(units[expected][0], units[last + 1][1]) > max_chars:
            expected += 1
        assert starts[cur.start] == expected
        assert ends[cur.end] > last
    # A chunk stops growing once it reaches the target, unless the next unit would not fit.
    for c in chunks[:-1]:
        k = ends[c.end]
        if k + 1 < len(units):
            grow = size(c.start, units[k + 1][1])
            assert size(c.start, c.end) >= target or grow > max_chars, (size(c.start, c.end), grow)


def test_sizes_ignore_pinyin_artefacts():
    plain = "監督檢查。" * 40
    noisy = "監(jiān)督檢查。" * 40  # the same content with a conversion artefact in every sentence
    assert len(chunk_document(_doc(noisy), 100, 120, 0)) == len(chunk_document(_doc(plain), 100, 120, 0))
    assert content_prefix("監(jiān)督")[-1] == 2


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_chunks_default_settings(seed_docs, prefix):
    doc = next(d for d in seed_docs if d.id.startswith(prefix))
    chunks = chunk_document(doc)
    _check_chunks(doc, chunks, 250, 300, 1)
    # Neighbours share exactly one sentence, or none when it would not fit with the next one.
    units = sentence_units(doc.text, 300)
    shared = 0
    for prev, cur in zip(chunks, chunks[1:], strict=False):
        k = next(k for k, u in enumerate(units) if u[1] == prev.end)
        if cur.start == units[k][0]:
            shared += 1
        else:
            assert cur.start == units[k + 1][0] and units[k + 1][1] - units[k][0] > 300
    assert shared >= (len(chunks) - 1) // 2  # long (pinyin-inflated) sentences may not fit twice


@pytest.mark.parametrize(
    "target, max_chars, overlap", [(60, 80, 1), (100, 100, 0), (40, 120, 2), (250, 300, 1)]
)
def test_chunk_invariants_other_settings(seed_docs, target, max_chars, overlap):
    for doc in seed_docs:
        _check_chunks(doc, chunk_document(doc, target, max_chars, overlap), target, max_chars, overlap)


def test_chunk_covers_whole_short_doc():
    doc = _doc("标题\n\n第一句。第二句!")
    [c] = chunk_document(doc)
    assert (c.start, c.end, c.text) == (0, len(doc.text), doc.text)


def test_empty_doc_has_no_chunks():
    assert chunk_document(_doc("")) == []
    assert chunk_document(_doc(" \n \n")) == []


def test_long_sentence_split_after_commas():
    clause = "这是一个相当长的分句用来测试切分,"  # 17 characters, ends with a comma
    text = clause * 30 + "完。"
    doc = _doc(text)
    chunks = chunk_document(doc, target=50, max_chars=60, overlap=1)
    assert all(len(c.text) <= 60 for c in chunks)
    pieces = sentence_units(text, 60)
    assert len(pieces) > 1 and all(text[a:b].endswith(",") for a, b in pieces[:-1])
    assert "".join(text[a:b] for a, b in pieces) == text


def test_long_sentence_without_breaks_is_cut_hard():
    text = "字" * 250
    pieces = sentence_units(text, 100)
    assert [b - a for a, b in pieces] == [100, 100, 50]


def test_sentences_between_chunks_include_line_breaks():
    doc = _doc("第一段第一句。\n\n第二段第一句。第二段第二句。")
    chunks = chunk_document(doc, target=10, max_chars=30, overlap=1)
    assert any("\n\n" in c.text for c in chunks)
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]
    assert [doc.text[a:b] for a, b in split_sentences(doc.text)] == [
        "第一段第一句。",
        "第二段第一句。",
        "第二段第二句。",
    ]


def test_ids_stable_and_unique(seed_docs):
    first = [c.id for d in seed_docs for c in chunk_document(d)]
    second = [c.id for d in list(iter_documents([SEEDS])) for c in chunk_document(d)]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(len(i) == 40 and int(i, 16) >= 0 for i in first)


def test_repeated_text_gets_distinct_ids():
    doc = _doc("重复的一句。\n重复的一句。\n重复的一句。")
    chunks = chunk_document(doc, target=1, max_chars=10, overlap=0)
    assert [c.text for c in chunks] == ["重复的一句。"] * 3
    assert [c.id for c in chunks] == [chunk_id("d.txt", "重复的一句。", k) for k in range(3)]
    assert len({c.id for c in chunks}) == 3


def test_chunk_id_depends_on_all_parts():
    base = chunk_id("a.txt", "文本", 0)
    assert base == chunk_id("a.txt", "文本", 0)
    assert (
        len({base, chunk_id("b.txt", "文本", 0), chunk_id("a.txt", "文本2", 0), chunk_id("a.txt", "文本", 1)})
        == 4
    )


def test_bad_settings_rejected():
    with pytest.raises(ValueError):
        chunk_document(_doc("句子。"), target=0)
