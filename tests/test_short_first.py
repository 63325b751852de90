"""Short answer first for the extractive reader (rag.answer.short_first), the combined answerer
(rag.answer.combined) and the short answer in the JSON view."""

from __future__ import annotations

import pytest

from rag.answer.combined import CombinedAnswerer
from rag.answer.extractive import ExtractiveAnswerer, answer
from rag.answer.learned import LearnedReader
from rag.answer.short_first import ShortFirst, asks_one_thing
from rag.jsonview import answer_to_dict
from rag.query.analysis import as_query
from rag.types import Answer, Chunk, Document, Hit


def passage(text: str, doc_id: str = "doc.txt") -> tuple[Hit, dict[str, Document]]:
    doc = Document(id=doc_id, title="标题", text="标题\n\n" + text)
    start = doc.text.index(text)
    hit = Hit(Chunk("c1", doc_id, text, start, start + len(text)), 1.0, 1, ("gold",), doc.title)
    return hit, {doc_id: doc}


NUMBER = ("新生儿每天需要睡超过18个小时。成人每天需要睡七到八个小时。", "新生儿一天要睡超过多少个小时？")
NAME = ("贝尔是电话的发明者之一。第一个乘船通过整个西北水道的人是罗尔德·阿蒙森。他后来去了南极。",
        "第一个乘船通过整个西北水道的人是谁？")  # fmt: skip


def test_a_number_question_leads_with_the_span_and_keeps_the_quote_and_its_citation():
    hit, docs = passage(NUMBER[0])
    plain = answer(ExtractiveAnswerer(), NUMBER[1], [hit], docs)
    short = answer(ShortFirst(ExtractiveAnswerer()), NUMBER[1], [hit], docs)
    assert not plain.abstained and not plain.short_answer
    assert short.short_answer and short.short_answer in plain.citations[0].quote
    assert short.text == f"「{short.short_answer}」{plain.text}"
    assert short.citations == plain.citations


def test_an_open_question_and_a_refusal_are_left_as_they_are():
    hit, docs = passage("大熊猫主要以竹子为食，因为竹子在它们的栖息地随处可见。野生大熊猫分布在四川。")
    for question in ("大熊猫为什么以竹子为食？", "第一个乘船通过整个西北水道的人是谁？"):
        plain = answer(ExtractiveAnswerer(), question, [hit], docs)
        assert answer(ShortFirst(ExtractiveAnswerer()), question, [hit], docs) == plain


def test_combined_asks_the_learned_reader_only_when_the_extractive_one_declines():
    hit, docs = passage(NAME[0])
    # the extractive reader answers it itself (a name without a title counts as a person) ...
    first = answer(ExtractiveAnswerer(), NAME[1], [hit], docs)
    assert not first.abstained and "阿蒙森" in first.text
    # ... so make it decline, to see the learned reader's answer taken
    declining = ExtractiveAnswerer(min_score=99.0)
    assert answer(declining, NAME[1], [hit], docs).abstained
    learned = answer(LearnedReader(), NAME[1], [hit], docs)
    combined = answer(CombinedAnswerer(first=declining), NAME[1], [hit], docs)
    assert not learned.abstained and combined == learned
    hit, docs = passage(NUMBER[0])
    short = answer(ShortFirst(ExtractiveAnswerer()), NUMBER[1], [hit], docs)
    assert answer(CombinedAnswerer(), NUMBER[1], [hit], docs) == short


def test_combined_declines_when_both_readers_do():
    hit, docs = passage("大熊猫主要以竹子为食，每天要花十几个小时进食。野生大熊猫分布在四川。")
    ans = answer(CombinedAnswerer(), NAME[1], [hit], docs)
    assert ans.abstained and ans == answer(ExtractiveAnswerer(), NAME[1], [hit], docs)


def test_the_json_view_carries_the_short_answer_only_when_there_is_one():
    base = Answer(question="q", text="贝尔发明了电话。[1]", abstained=False, rewritten_query="")
    assert "short_answer" not in answer_to_dict(base)
    led = Answer("q", "「贝尔」贝尔发明了电话。[1]", abstained=False, rewritten_query="", short_answer="贝尔")
    assert answer_to_dict(led)["short_answer"] == "贝尔"


def test_combined_is_the_default_and_every_name_is_registered():
    from rag.answer.choose import make_answerer
    from rag.config import Settings

    assert Settings().answerer == "combined"
    assert isinstance(make_answerer(Settings()).inner, CombinedAnswerer)
    assert isinstance(make_answerer(Settings(), "extractive").inner, ShortFirst)


@pytest.mark.parametrize(
    ("question", "one"),
    [("鹹海位於哪裡?", True), ("新生儿一天要睡超过多少个小时?", True),
     ("巡视组进驻了多少轮、发现了多少个问题?", False)],
)  # fmt: skip
def test_a_short_answer_leads_only_where_one_thing_is_asked(question, one):
    assert asks_one_thing(as_query(question)) is one


CONTEST = (
    "荷塘村举办首届摄影大赛。本次大赛共收到作品1200余幅。"
    "经评委会评选，一等奖由退休教师陈秀兰获得，她的作品《晨露》记录了露珠。"
)
MANUAL = "第一条 为规范费用管理，制定本办法。第二条 员工出差结束后，报销申请须在返回后15个工作日内提交。"
FAQ = ("附录 常见问题\n问：高铁票丢失了怎么办？答：可凭12306网站打印的报销凭证报销。"
       "问：出租车费能否报销？答：可以。")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "question", "expected"),
    [
        # the news text: a name after an occupation
        (CONTEST, "荷塘摄影大赛一等奖是谁获得的", "陈秀兰"),
        (CONTEST, "陈秀兰的作品叫什么", "晨露"),  # the name of a work is no person's name
        (MANUAL, "报销申请须在多长时间内提交", "15个工作日"),  # working days are a span of time
        (FAQ, "高铁票丢了怎么办", "报销凭证"),  # the question line is quoted with its answer
    ],
)
def test_plain_documents_answer_what_they_say(text, question, expected):
    hit, docs = passage(text)
    got = answer(ExtractiveAnswerer(), question, [hit], docs)
    assert not got.abstained and expected in got.text


NOTICE_TITLE = "關於舉辦2025年度員工運動會的通知"
NOTICE = (NOTICE_TITLE + "\n各部門：\n公司決定於2025年10月18日在市體育中心舉辦年度員工運動會。"
          "請各部門於9月30日前報名。")  # fmt: skip


@pytest.mark.parametrize("reader", [ExtractiveAnswerer(), LearnedReader()], ids=["extractive", "learned"])
def test_a_documents_title_line_is_never_quoted_as_the_answer(reader):
    # the heading shares the most words with the question (运动会, 举办), and even a year, but does
    # not say when
    doc = Document(id="notice.txt", title=NOTICE_TITLE, text=NOTICE)
    hit = Hit(Chunk("c1", doc.id, NOTICE, 0, len(NOTICE)), 1.0, 1, ("gold",), doc.title)
    got = answer(reader, "运动会什么时候举办", [hit], {doc.id: doc})
    assert not got.abstained and "10月18日" in got.citations[0].quote
    assert all(c.quote != NOTICE_TITLE for c in got.citations)
