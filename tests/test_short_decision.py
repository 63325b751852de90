"""The learned "show the short answer?" decision (rag.answer.short_decision) and its use by
with_short_answer (rag.answer.short_first) for typed and untyped questions alike."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from rag.answer import short_decision
from rag.answer.extractive import ExtractiveAnswerer, answer
from rag.answer.learned import ReaderModelError, load_model, parse_model
from rag.answer.short_decision import (
    DECISION_FEATURES,
    SHORT_MODEL_PATH,
    decided_span,
    short_case,
    short_model,
)
from rag.answer.short_first import ShortFirst, with_short_answer, without_short_answer
from rag.answer.spans import span_model
from rag.query.analysis import analyse
from rag.types import Answer, Chunk, Document, Hit

WHICH = ("哪一种动物是澳大利亚的象征？", "袋鼠是澳大利亚的象征，出现在国徽上。")
WHY = (
    "为什么大熊猫主要以竹子为食而不吃其他食物呢？",
    "大熊猫主要以竹子为食，因为竹子在它们的栖息地随处可见，而且一年四季都能找到。",
)


def passage(text: str) -> tuple[Hit, dict[str, Document]]:
    doc = Document(id="doc.txt", title="标题", text="标题\n\n" + text)
    start = doc.text.index(text)
    return Hit(Chunk("c1", "doc.txt", text, start, start + len(text)), 1.0, 1, ("gold",), "标题"), {
        "doc.txt": doc
    }


def test_the_shipped_decision_loads_and_a_model_for_other_features_is_refused():
    model = short_model()
    assert model.features == DECISION_FEATURES and 0 < model.threshold < 1
    data = json.loads(SHORT_MODEL_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ReaderModelError, match="other features"):
        parse_model(data, DECISION_FEATURES)


def test_a_broken_decision_file_is_refused_with_a_clear_message(tmp_path):
    bad = tmp_path / "short.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReaderModelError, match="cannot read"):
        load_model(bad, DECISION_FEATURES)


def test_an_untyped_which_question_is_led_by_its_span_when_the_decision_is_confident():
    info = analyse(WHICH[0]).whole
    assert not info.kinds  # no name/place/number/date/org asked: the old rule never showed a span
    case = short_case(info, WHICH[1], WHICH[1], span_model())
    assert case is not None and case.span.text in WHICH[1] and len(case.span.text) < len(WHICH[1]) / 2
    assert short_model().probability(case.row) >= short_model().threshold
    hit, docs = passage(WHICH[1])
    led = answer(ShortFirst(ExtractiveAnswerer()), WHICH[0], [hit], docs)
    plain = answer(ExtractiveAnswerer(), WHICH[0], [hit], docs)
    assert not plain.abstained and led.short_answer == case.span.text
    assert led.text == f"「{case.span.text}」{plain.text}" and led.citations == plain.citations


def test_a_long_why_question_keeps_no_span():
    info = analyse(WHY[0]).whole
    assert decided_span(info, WHY[1], WHY[1], span_model()) is None
    hit, docs = passage(WHY[1])
    plain = answer(ExtractiveAnswerer(), WHY[0], [hit], docs)
    assert answer(ShortFirst(ExtractiveAnswerer()), WHY[0], [hit], docs) == plain


def test_the_threshold_decides(monkeypatch):
    """The same case is shown or not by the decision model's threshold alone."""
    hit, docs = passage(WHICH[1])
    plain = answer(ExtractiveAnswerer(), WHICH[0], [hit], docs)
    query = analyse(WHICH[0])
    model = short_model()
    for threshold, shown in ((0.0, True), (1.01, False)):
        monkeypatch.setattr(short_decision, "short_model", lambda t=threshold: replace(model, threshold=t))
        assert bool(with_short_answer(query, plain).short_answer) is shown


def test_a_sentence_with_nothing_shorter_gets_no_span():
    sentence = "电话是一种可以传送与接收声音的远程通信设备。"
    case = short_case(analyse("电话是什么？").whole, sentence, sentence, span_model())
    assert case is None or len(case.span.text) < len(sentence) - 1


def test_without_short_answer_undoes_the_lead_only():
    plain = Answer("q", "贝尔发明了电话。[1]", abstained=False, rewritten_query="")
    led = replace(plain, text="「贝尔」" + plain.text, short_answer="贝尔")
    assert without_short_answer(led) == plain and without_short_answer(plain) == plain


def test_a_span_that_is_a_fragment_never_leads():
    from rag.answer.short_decision import reads_well

    assert reads_well("罗尔德·阿蒙森") and reads_well("《红楼梦》")
    for fragment in ("严重后果的", "的发明", "疫”责任", "《红楼梦"):
        assert not reads_well(fragment)
    case = short_case(analyse(WHICH[0]).whole, WHICH[1], WHICH[1], span_model())
    assert case is not None and reads_well(case.span.text)


def test_a_typed_question_never_leads_with_a_span_of_another_kind():
    # 多少 asks for a number: a sentence without one offers names and nouns, none of which may lead
    info = analyse("公司一共有多少名员工？").whole
    quote = "公司总部设在北京，由张明创办，主要生产家用电器。"
    assert short_case(info, quote, quote, span_model()) is None
