"""The learned sentence reader: its features, its JSON model, and the Answer it builds."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from rag.answer.choose import make_answerer
from rag.answer.extractive import answer
from rag.answer.learned import (
    MODEL_PATH,
    LearnedReader,
    ReaderModelError,
    load_model,
    parse_model,
    rank_sentences,
)
from rag.answer.reader_features import FEATURES, passage_features
from rag.config import Settings
from rag.query.analysis import analyse
from rag.query.question import analyse_question
from rag.types import Chunk, Document, Hit


def passage(text: str, doc_id: str = "doc.txt") -> tuple[Hit, dict[str, Document]]:
    doc = Document(id=doc_id, title="标题", text="标题\n\n" + text)
    start = doc.text.index(text)
    chunk = Chunk("c1", doc_id, text, start, start + len(text))
    return Hit(chunk, 1.0, 1, ("gold",), doc.title), {doc_id: doc}


def test_features_have_one_row_per_sentence_in_the_declared_order():
    info = analyse_question("贝尔出生在什么地方？")
    rows = passage_features(info, ["贝尔发明了电话。", "贝尔出生在苏格兰的爱丁堡。", "他后来移居加拿大。"])
    assert len(rows) == 3 and all(len(r) == len(FEATURES) for r in rows)
    share = FEATURES.index("bigram_idf_share")
    assert rows[1][share] > rows[0][share] > rows[2][share]
    assert rows[1][FEATURES.index("is_best")] == 1.0
    assert passage_features(info, []) == []


def test_answer_type_features_read_numbers_and_names_the_question_does_not_give():
    info = analyse_question("大熊猫每天吃多少竹子？")
    rows = passage_features(info, ["大熊猫每天吃竹子。", "大熊猫每天吃十二公斤竹子。"])
    has, wanted = FEATURES.index("number_has"), FEATURES.index("number_wanted")
    assert rows[0][wanted] == rows[1][wanted] == 1.0
    assert (rows[0][has], rows[1][has]) == (0.0, 1.0)


def test_the_shipped_model_is_plain_json_for_these_features():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    model = load_model()
    assert 0.0 <= model.threshold < 1.0
    assert len(model.coef) == len(FEATURES)


def test_a_model_for_other_features_or_with_missing_fields_is_refused(tmp_path):
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    with pytest.raises(ReaderModelError, match="retrain"):
        parse_model({**data, "features": data["features"][:-1]})
    with pytest.raises(ReaderModelError, match="threshold"):
        parse_model({k: v for k, v in data.items() if k != "threshold"})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReaderModelError, match="cannot read"):
        load_model(bad)


def test_the_reader_quotes_the_answering_sentence_with_a_verified_citation():
    text = "贝尔是电话的发明者之一。贝尔于1847年出生在苏格兰的爱丁堡。他后来移居加拿大。"
    hit, docs = passage(text)
    ans = answer(LearnedReader(), "贝尔出生在什么地方？", [hit], docs)
    assert not ans.abstained
    assert "爱丁堡" in ans.text and ans.text.endswith("[1]")
    (cite,) = ans.citations
    assert docs["doc.txt"].text[cite.start : cite.end] == cite.quote
    assert cite.quote in ans.text


def test_the_number_a_question_asks_for_outweighs_an_equal_overlap():
    hit, _ = passage("大熊猫每天吃竹子。大熊猫每天吃十二公斤竹子。")
    ranked = rank_sentences(analyse("大熊猫每天吃多少竹子？"), [hit], load_model())
    assert hit.chunk.text[slice(*ranked[0].span)] == "大熊猫每天吃十二公斤竹子。"


def test_the_best_sentence_is_taken_across_passages():
    weak, docs = passage("今天天气很好。", "a.txt")
    strong, more = passage("第一个乘船通过整个西北水道的人是罗尔德·阿蒙森。", "b.txt")
    strong = replace(strong, rank=2)
    ans = answer(LearnedReader(), "第一个乘船通过整个西北水道的人是谁？", [weak, strong], {**docs, **more})
    assert ans.citations[0].doc_id == "b.txt"


def test_it_declines_below_the_threshold_and_offers_the_passages(tmp_path):
    data = {**json.loads(MODEL_PATH.read_text(encoding="utf-8")), "threshold": 1.0}
    path = tmp_path / "strict.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    hit, docs = passage("贝尔于1847年出生在苏格兰的爱丁堡。")
    reader = LearnedReader(model_path=path, decline_path=tmp_path / "none.json")  # no decline model
    ans = answer(reader, "贝尔出生在什么地方？", [hit], docs)
    assert ans.abstained and not ans.citations and ans.hits == (hit,)
    empty = answer(LearnedReader(), "贝尔出生在什么地方？", [], {})
    assert empty.abstained


def test_the_answerer_name_learned_is_registered_but_not_the_default():
    chosen = make_answerer(Settings(), "learned")
    assert isinstance(getattr(chosen, "inner", chosen), LearnedReader)  # behind the guard, if any
    assert Settings().answerer != "learned"


def test_the_training_threshold_declines_only_where_the_pick_is_mostly_wrong():
    from eval.train_reader import choose_threshold

    tops = np.array([0.05, 0.1, 0.15, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
    right = np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
    assert choose_threshold(tops, right, wrong_below=0.3, max_declines=0.3) == pytest.approx(0.15)
    assert choose_threshold(tops, right, wrong_below=0.5, max_declines=0.3) == pytest.approx(0.5)
    assert choose_threshold(tops, right, wrong_below=0.5, max_declines=0.1) == pytest.approx(0.1)
    assert choose_threshold(tops, np.ones(10, dtype=int), wrong_below=0.5, max_declines=0.3) == 0.0


def test_the_fast_common_run_agrees_with_the_dynamic_programme():
    import random

    from rag.answer.reader_features import common_run
    from rag.zh.words import longest_common_run

    rng = random.Random(3)
    for _ in range(500):
        a = "".join(rng.choice("甲乙丙丁ab") for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice("甲乙丙丁ab") for _ in range(rng.randint(0, 30)))
        assert common_run(a, b) == longest_common_run(a, b)


def test_a_fitted_scaler_and_regression_become_the_same_model():
    from types import SimpleNamespace

    from rag.answer.learned import fitted_model

    rng = np.random.default_rng(1)
    mean, scale = rng.normal(size=len(FEATURES)), rng.uniform(0.5, 2.0, size=len(FEATURES))
    coef, intercept = rng.normal(size=(1, len(FEATURES))), np.array([0.3])
    scaler = SimpleNamespace(mean_=mean, scale_=scale)
    clf = SimpleNamespace(coef_=coef, intercept_=intercept)
    model = fitted_model(FEATURES, scaler, clf, 0.4)
    row = rng.normal(size=len(FEATURES))
    expected = 1 / (1 + np.exp(-(intercept[0] + coef[0] @ ((row - mean) / scale))))
    assert abs(model.probability(row.tolist()) - expected) < 1e-9
    assert model.threshold == 0.4 and model.to_dict()["features"] == list(FEATURES)
