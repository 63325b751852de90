"""The accept model (rag.answer.accept): the learned last word on whether the combined answerer
gives the answer it found."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rag.answer.accept import ACCEPT_FEATURES, ACCEPT_MODEL_PATH, MARGIN_CLIP, accept_row
from rag.answer.extractive import ExtractiveAnswerer
from rag.query.analysis import analyse
from rag.types import Chunk, Document, Hit

TEXT = "清朝\n\n康熙七年，陝西省正式分為陝西、甘肅二省，自此形成了所謂「漢地十八省」的格局。"
OTHER = "火炮\n\n該型火炮於一九一九年列裝，射程十八公里。"
ASKED = "漢地十八省是從何時開始產生的？"


def _collection(first: str = "q.txt", dense: tuple[str, ...] = ()) -> tuple[list[Hit], dict[str, Document]]:
    docs = {
        "q.txt": Document(id="q.txt", title="清朝", text=TEXT),
        "o.txt": Document(id="o.txt", title="火炮", text=OTHER),
    }
    ranked = sorted(docs, key=lambda d: d != first)
    hits = [
        Hit(Chunk(f"{d}:0", d, docs[d].text, 0, len(docs[d].text)), 1.0 / r, r, _via(d, dense), docs[d].title)
        for r, d in enumerate(ranked, 1)
    ]
    return hits, docs


def _via(doc_id: str, dense: tuple[str, ...]) -> tuple[str, ...]:
    return ("bm25", "dense") if doc_id in dense else ("bm25",)


@dataclass(frozen=True)
class _Read:
    margin: float


@dataclass
class _Spans:
    """A span reader that finds the same margin in every passage, and counts its passes."""

    margin: float
    passes: int = 0

    def read(self, question: str, passage: str) -> _Read:
        self.passes += 1
        return _Read(self.margin)


def _margin_model(path: Path) -> Path:
    """A model whose P(right) is the logistic of the span margin alone, threshold 0.5."""
    coef = [1.0 if f == "span_margin" else 0.0 for f in ACCEPT_FEATURES]
    n = len(ACCEPT_FEATURES)
    data = {"features": list(ACCEPT_FEATURES), "mean": [0.0] * n, "scale": [1.0] * n, "coef": coef}
    path.write_text(json.dumps(data | {"intercept": 0.0, "threshold": 0.5}), encoding="utf-8")
    return path


def test_the_row_holds_each_signal_in_the_models_order():
    query = analyse(ASKED)
    hits, docs = _collection()
    ans = ExtractiveAnswerer().build(query, hits, docs)
    assert not ans.abstained and ans.citations[0].doc_id == "q.txt"
    row = accept_row(query, ans, hits, docs, best=0.7, probability=0.4, margin=100.0)
    named = dict(zip(ACCEPT_FEATURES, row, strict=True))
    assert named["extractive_best"] == 0.7 and named["decline_probability"] == 0.4
    assert named["span_margin"] == MARGIN_CLIP  # clipped: one odd passage must not dominate
    assert named["question_run"] == 0.5  # 漢地十八省 is 5 characters of the question, capped at 10
    assert named["cites_top_passage"] == 1.0
    assert named["dense_found_cited"] == 1.0  # dense search found nothing: nothing to tell
    assert 0 < named["topic_share"] <= 0.25  # jieba splits the name: only 省 is mentioned
    # a checks-failed extractive reader counts as score 0; signals not read yet stay None
    row = accept_row(query, ans, hits, docs, best=None, probability=None, margin=None)
    assert row[0] == 0.0 and row[1] is None and row[2] is None
    # the first passage retrieval returned is another article's
    hits, docs = _collection(first="o.txt")
    assert accept_row(query, ans, hits, docs, 0.7, 0.4, 1.0)[-2] == 0.0
    # the dense retriever found the other article only: the cited one by shared words alone
    hits, docs = _collection(dense=("o.txt",))
    assert accept_row(query, ans, hits, docs, 0.7, 0.4, 1.0)[-1] == 0.0
    hits, docs = _collection(dense=("o.txt", "q.txt"))
    assert accept_row(query, ans, hits, docs, 0.7, 0.4, 1.0)[-1] == 1.0


def test_an_answer_below_the_models_threshold_is_doubted(tmp_path):
    from rag.answer.combined import CombinedAnswerer

    query = analyse(ASKED)
    hits, docs = _collection()
    ans = ExtractiveAnswerer().build(query, hits, docs)
    model = _margin_model(tmp_path / "accept.json")
    assert CombinedAnswerer(spans=_Spans(-5.0), accept_path=model).doubtful(query, ans, hits, docs)
    assert not CombinedAnswerer(spans=_Spans(5.0), accept_path=model).doubtful(query, ans, hits, docs)
    # no model, or no span reader to give one of its signals: nothing is doubted
    assert not CombinedAnswerer(spans=_Spans(-5.0), accept_path=None).doubtful(query, ans, hits, docs)
    assert not CombinedAnswerer(spans=_Spans(-5.0), accept_path=tmp_path / "none.json").doubtful(
        query, ans, hits, docs
    )
    assert not CombinedAnswerer(spans=None, accept_path=model).doubtful(query, ans, hits, docs)


def test_the_shipped_model_tells_an_answer_from_its_own_article_from_one_taken_elsewhere():
    """Signals typical of a right answer (the cited article mentions the question's topic, the span
    reader finds the answer, retrieval's first passage is cited and was found by the dense retriever)
    pass; those of an answer from an article about something else (a quarter of the topic, no span,
    another passage, found by shared words alone) do not."""
    from rag.answer.learned import load_model

    model = load_model(ACCEPT_MODEL_PATH, ACCEPT_FEATURES)
    assert 0 < model.threshold < 0.5
    right = [0.8, 0.9, 8.0, 1.0, 0.4, 1.0, 1.0]
    elsewhere = [0.4, 0.05, -15.0, 0.3, 0.2, 0.0, 0.0]
    assert model.probability(right) > model.threshold > model.probability(elsewhere)


def test_the_least_probability_bounds_every_value_the_unread_signals_could_take():
    import itertools
    import random

    from rag.answer.accept import READ_RANGES, least_probability
    from rag.answer.learned import ReaderModel

    rng = random.Random(7)
    n = len(ACCEPT_FEATURES)
    unread = [i for i, f in enumerate(ACCEPT_FEATURES) if f in READ_RANGES]
    for _ in range(50):
        coef = tuple(rng.uniform(-2, 2) for _ in range(n))
        model = ReaderModel(ACCEPT_FEATURES, (0.0,) * n, (1.0,) * n, coef, rng.uniform(-1, 1), 0.1)
        row = [rng.uniform(0, 1) for _ in range(n)]
        partial = [None if i in unread else x for i, x in enumerate(row)]
        least = least_probability(model, partial)
        for values in itertools.product(*(READ_RANGES[ACCEPT_FEATURES[i]] for i in unread)):
            full = list(row)
            for i, v in zip(unread, values, strict=True):
                full[i] = v
            assert model.probability(full) >= least - 1e-12
        assert least == min(
            model.probability([*row[:1], a, b, *row[3:]])
            for a in READ_RANGES["decline_probability"]
            for b in READ_RANGES["span_margin"]
        )


def test_an_answer_the_cheap_signals_settle_costs_no_span_pass(tmp_path):
    """A model that accepts whatever the unread signals are never asks the span reader."""
    from rag.answer.combined import CombinedAnswerer

    query = analyse(ASKED)
    hits, docs = _collection()
    ans = ExtractiveAnswerer().build(query, hits, docs)
    n = len(ACCEPT_FEATURES)
    sure = {"features": list(ACCEPT_FEATURES), "mean": [0.0] * n, "scale": [1.0] * n, "coef": [0.0] * n}
    path = tmp_path / "sure.json"
    path.write_text(json.dumps(sure | {"intercept": 5.0, "threshold": 0.5}), encoding="utf-8")
    spans = _Spans(-15.0)
    assert not CombinedAnswerer(spans=spans, accept_path=path).doubtful(query, ans, hits, docs)
    assert spans.passes == 0
    spans = _Spans(-15.0)
    assert CombinedAnswerer(spans=spans, accept_path=_margin_model(tmp_path / "m.json")).doubtful(
        query, ans, hits, docs
    )
    assert spans.passes == 1


def test_the_trainer_takes_the_highest_threshold_that_loses_no_seeds_answer_and_few_others():
    import numpy as np

    from eval.train_accept import chosen_threshold

    # 1,000 right public answers, one at P 0.04; wrong answers below; a right seeds answer at 0.12
    p = np.array([0.04] + [0.9] * 999 + [0.01, 0.06, 0.08] + [0.12])
    y = np.array([1] * 1000 + [0, 0, 0] + [1])
    seeds = np.array([False] * 1003 + [True])
    assert chosen_threshold(p, y, seeds, max_lost=0.001) == 0.1  # 0.15 would decline the seeds answer
    assert chosen_threshold(p, y, seeds, max_lost=0.0) == 0.03  # 0.05 would decline the right 0.04
    assert chosen_threshold(p, y, np.array([True] * 1004), max_lost=0.01) == 0.03
    assert chosen_threshold(np.array([0.01]), np.array([1]), np.array([True]), 0.5) == 0.0
