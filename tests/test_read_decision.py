"""Lead with the span reader's span? (rag.answer.read_decision): its clause and span helpers, and how the
shipped decision behaves on stand-in reads."""

from __future__ import annotations

import pytest

from rag.answer.qa_reader import ReadSpan
from rag.answer.read_decision import (
    READ_FEATURES,
    clause_around,
    leading_span,
    read_model,
    read_row,
    read_span_text,
)
from rag.query.analysis import analyse
from tests.test_short_first import NAME, NUMBER

SPAIN = "在2005年，89%的西班牙人的母语是西班牙语，9%是加泰罗尼亚语、加利西亚语和巴斯克语。"


def read_of(quote: str, text: str, margin: float) -> ReadSpan:
    a = quote.index(text)
    return ReadSpan(text, a, a + len(text), 5.0 + margin, 5.0)


def test_the_clause_around_a_span_ends_at_commas_and_sentence_ends_but_not_at_list_marks():
    a = SPAIN.index("89%")
    assert clause_around(SPAIN, a, a + 3) == "89%的西班牙人的母语是西班牙语"
    a = SPAIN.index("加利西亚语")
    assert clause_around(SPAIN, a, a + 5) == "9%是加泰罗尼亚语、加利西亚语和巴斯克语"
    a = SPAIN.index("2005年，89%")  # a span across a comma: both clauses
    assert clause_around(SPAIN, a, a + 9) == "在2005年，89%的西班牙人的母语是西班牙语"


def test_a_read_of_the_whole_sentence_has_no_span_to_lead_with():
    quote = "罗尔德·阿蒙森。"
    assert read_span_text(quote, read_of(quote, quote, 10)) == ""
    assert read_span_text(quote, read_of(quote, "罗尔德·阿蒙森", 10)) == ""  # its end mark aside
    assert leading_span(analyse(NAME[1]).whole, quote, read_of(quote, quote, 10)) == ""
    assert leading_span(analyse(NAME[1]).whole, quote, None) == ""


def test_the_row_has_the_model_s_features():
    quote = NAME[0].split("。")[1] + "。"
    row = read_row(analyse(NAME[1]).whole, quote, read_of(quote, "罗尔德·阿蒙森", 3.0))
    assert len(row) == len(READ_FEATURES) == len(read_model().features)
    at = dict(zip(READ_FEATURES, row, strict=True))
    assert at["margin"] == 3.0 and at["span_reads_well"] == 1.0 and at["clause_whole_quote"] == 1.0


@pytest.mark.parametrize(("passage", "question", "span"), [(*NAME, "罗尔德·阿蒙森"), (*NUMBER, "18个小时")])
def test_a_surer_read_is_never_less_likely_to_lead(passage, question, span):
    quote = next(s + "。" for s in passage.split("。") if span in s)
    info = analyse(question).whole
    model = read_model()
    reads = [read_of(quote, span, m) for m in range(-8, 13, 2)]
    ps = [model.probability(read_row(info, quote, r)) for r in reads]
    assert ps == sorted(ps)
    assert leading_span(info, quote, read_of(quote, span, 12.0)) == span
    assert leading_span(info, quote, read_of(quote, span, -8.0)) == ""
