"""Metadata filters (rag.retrieve.filters): by id, source and date, applied before top-k; the CLI options."""

from __future__ import annotations

import json
from datetime import date

import pytest

from rag.config import Settings
from rag.pipeline import Pipeline
from rag.retrieve.filters import DocFilter, date_range, filtered_lists
from rag.types import Document

from .test_cli import run


def _doc(id_: str, source: str = "", date_: str = "") -> Document:
    return Document(id=id_, title=id_, text="x", source=source, date=date_)


DOCS = [
    _doc("a.txt", "新华社", "2021-11-12"),
    _doc("b.txt", "人民日報", "2020-02-22"),
    _doc("c.txt", "", ""),
    _doc("d.txt", "新华社", "2021-03"),  # a month only
]


def test_date_ranges():
    assert date_range("2021-11-12") == (date(2021, 11, 12),) * 2
    assert date_range("2020-02") == (date(2020, 2, 1), date(2020, 2, 29))
    assert date_range("2021") == (date(2021, 1, 1), date(2021, 12, 31))
    for bad in ("2021-13-01", "2021-02-30", "yesterday", "12/11/2021", ""):
        assert date_range(bad) is None


def test_filters_select_by_id_source_and_date():
    assert DocFilter().select(DOCS) is None  # no filter: everything, without listing it
    assert DocFilter.of(["b.txt", "c.txt"]).select(DOCS) == {"b.txt", "c.txt"}
    assert DocFilter.of(source="新华").select(DOCS) == {"a.txt", "d.txt"}
    assert DocFilter.of(source="人民日报").select(DOCS) == {"b.txt"}  # Simplified finds Traditional
    # undated documents are left out by any date bound; a month-only date counts when it overlaps
    assert DocFilter.of(after="2021-01-01").select(DOCS) == {"a.txt", "d.txt"}
    assert DocFilter.of(before="2021-03-15").select(DOCS) == {"b.txt", "d.txt"}
    assert DocFilter.of(after="2021-04", before="2021").select(DOCS) == {"a.txt"}
    assert DocFilter.of(["a.txt", "b.txt"], after="2021").select(DOCS) == {"a.txt"}
    assert DocFilter.of(source="新华", before="2020").select(DOCS) == frozenset()


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="--after: '2021-13-01' is not a date"):
        DocFilter.of(after="2021-13-01")
    with pytest.raises(ValueError, match="later than --before"):
        DocFilter.of(after="2022-01-01", before="2021-12-31")
    with pytest.raises(KeyError, match="nope.txt"):
        DocFilter.of(["nope.txt"]).select(DOCS)


def test_filtered_lists_fetch_deeper_until_k_allowed_are_found():
    ranked = [(f"c{i}", 100.0 - i) for i in range(100)]  # only every 10th chunk is allowed
    depths = []

    def fetch(pool):
        depths.append(pool)
        return {"bm25": ranked[:pool], "short": ranked[:3]}

    lists = filtered_lists(fetch, lambda c: int(c[1:]) % 10 == 0, want=5, total=100)
    assert [c for c, _ in lists["bm25"]] == ["c0", "c10", "c20", "c30", "c40"]
    assert [c for c, _ in lists["short"]] == ["c0"]  # a list that ran out is not fetched for
    assert depths == sorted(depths) and depths[-1] >= 41


def test_search_and_ask_return_k_hits_of_the_allowed_documents(tmp_path, small_corpus, fake_embedder):
    pipe = Pipeline.build([small_corpus], tmp_path / "idx", Settings(embedder="hash"), fake_embedder)
    everything = pipe.search("王增田受到了什么处分？", k=3)
    assert everything[0].chunk.doc_id == "a.txt"
    only = pipe.search("王增田受到了什么处分？", k=3, doc_ids={"b.txt", "c.md"}, mode="dense")
    assert only and {h.chunk.doc_id for h in only} <= {"b.txt", "c.md"}
    assert len(only) == min(3, sum(len(pipe.snapshot.doc_chunks(d)) for d in ("b.txt", "c.md")))
    assert pipe.search("王增田", doc_ids=frozenset()) == []
    answer = pipe.ask("王增田受到了什么处分？", doc_ids={"b.txt"})
    assert all(c.doc_id == "b.txt" for c in answer.citations)
    assert all(h.chunk.doc_id == "b.txt" for h in answer.hits)


def test_cli_filters(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    head = "王增田受处分\n来源：新华社\n2021年11月12日\n\n"
    (corpus / "a.txt").write_text(head + "经查，王增田擅离职守。区纪委给予王增田党内警告处分。\n", "utf-8")
    head = "刘明远受处分\n来源：人民日报\n2020年02月22日\n\n"
    (corpus / "b.txt").write_text(head + "经查，刘明远收受礼金。县纪委给予刘明远党内警告处分。\n", "utf-8")
    (corpus / "c.txt").write_text("无日期的通报\n\n经查，张三违规收受礼金。给予张三党内警告处分。\n", "utf-8")
    assert run(["index", str(corpus), "--index", "idx"], tmp_path).returncode == 0

    def hits(*options):
        r = run(["search", "党内警告处分", "--index", "idx", "--json", *options], tmp_path)
        assert r.returncode == 0, r.stderr
        return {h["doc_id"] for h in json.loads(r.stdout)["hits"]}

    everything = hits()
    assert everything == {"a.txt", "b.txt", "c.txt"}
    by_date = {"a.txt": "2021-11-12", "b.txt": "2020-02-22"}  # c.txt states no date
    assert hits("--after", "2021-01-01") == {d for d, when in by_date.items() if when >= "2021-01-01"}
    assert hits("--before", "2020-12-31") == {d for d, when in by_date.items() if when <= "2020-12-31"}
    assert hits("--doc", "b.txt", "--doc", "c.txt") == {"b.txt", "c.txt"}
    assert hits("--source", "人民") == {"b.txt"}

    r = run(["ask", "谁受到党内警告处分？", "--index", "idx", "--json", "--doc", "c.txt"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert {c["doc_id"] for c in json.loads(r.stdout)["citations"]} <= {"c.txt"}

    for options, says in (
        (["--after", "2021-13-01"], "is not a date"),
        (["--doc", "nope.txt"], "nope.txt"),
        (["--source", "不存在的来源"], "no indexed document matches"),
    ):
        r = run(["ask", "谁受到处分？", "--index", "idx", *options], tmp_path)
        assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr, r.stderr
