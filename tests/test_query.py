"""One analysed Query per question: the pipeline builds it once, and retrieval, rerank and the
answerer read it instead of rewriting, splitting or analysing the question again."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rag.query.analysis as analysis
import rag.query.question as question
from rag.answer.corpus import folded_corpus
from rag.config import Settings
from rag.pipeline import Pipeline
from rag.query.analysis import Query, analyse
from rag.types import Document

PACKAGE = Path(__file__).resolve().parent.parent / "rag"
ANALYSERS = {"rewrite_followup", "split_question", "analyse_question"}


def test_analyse_holds_the_rewrite_and_each_part():
    history = [("刘仁甫因为什么受到处理？", "中兴镇五香庙村党员刘仁甫因擅离职守受到谈话诫勉。[1]")]
    query = analyse(" 他受到了什么处分？ ", history)
    assert query.text == "他受到了什么处分？"
    assert query.rewritten == "刘仁甫受到了什么处分？"
    assert query.whole.text == query.rewritten and "punishment" in query.whole.kinds
    assert query.parts == (query.whole,) and query.searches == (query.whole,)

    several = analyse("青海省和天津市的纪委书记分别是谁？")
    assert [p.text for p in several.parts] == question.split_question(several.rewritten)
    assert len(several.parts) == 2 and several.searches == (several.whole, *several.parts)
    assert all("person" in p.kinds for p in several.parts)


def _imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


@pytest.mark.parametrize("stage", ["retrieve", "answer"])
def test_downstream_stages_do_not_analyse_the_question_again(stage):
    for path in sorted((PACKAGE / stage).glob("*.py")):
        assert not (_imported_names(path) & ANALYSERS), f"{path.name} analyses the question itself"
    assert not (_imported_names(PACKAGE / "pipeline.py") & ANALYSERS)


def test_ask_analyses_each_question_once(tmp_path, small_corpus, fake_embedder, monkeypatch):
    pipeline = Pipeline.build(
        [small_corpus], tmp_path / "index", Settings(embedder=fake_embedder.name), embedder=fake_embedder
    )
    calls: list[str] = []
    real = question.analyse_question

    def counting(text: str):
        calls.append(text)
        return real(text)

    # every way in: the Query's builder and the module function anything else would call
    monkeypatch.setattr(analysis, "analyse_question", counting)
    monkeypatch.setattr(question, "analyse_question", counting)
    ans = pipeline.ask("王增田受到了什么处分？")
    assert calls == ["王增田受到了什么处分？"]
    assert not ans.abstained and "处分" in ans.text

    calls.clear()
    pipeline.ask("王增田和黄钦分别受到了什么处分？")
    parts = question.split_question("王增田和黄钦分别受到了什么处分？")
    assert len(parts) == 2 and sorted(calls) == sorted(["王增田和黄钦分别受到了什么处分？", *parts])


def test_search_takes_a_query_or_a_string(tmp_path, small_corpus, fake_embedder):
    pipeline = Pipeline.build(
        [small_corpus], tmp_path / "index", Settings(embedder=fake_embedder.name), embedder=fake_embedder
    )
    query = analyse("王增田受到了什么处分")
    by_query = pipeline.search(query, k=3)
    by_text = pipeline.search("王增田受到了什么处分", k=3)
    assert isinstance(query, Query) and by_query == by_text
    assert by_query[0].chunk.doc_id == "a.txt"


def test_folded_corpus_follows_changed_documents():
    docs = {"a.txt": Document(id="a.txt", title="a", text="王增田受處分")}
    assert folded_corpus(docs).mentions("处分")
    docs["a.txt"] = Document(id="a.txt", title="a", text="黄钦带队检查")  # same mapping, new content
    corpus = folded_corpus(docs)
    assert corpus.mentions("带队") and not corpus.mentions("处分")
