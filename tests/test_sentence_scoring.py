"""The sentence scorer's evidence rules: whole numbers, dates, quotations read with their speaker,
synonyms, and list answers that run into the next paragraph."""

from __future__ import annotations

import re

import pytest

from rag.answer.extractive import ExtractiveAnswerer, answer
from rag.query.question import analyse_question
from rag.retrieve.kinds import has_kind, names_other_place
from rag.retrieve.sentence_scoring import rerank
from rag.retrieve.units import Unit, attribution_after
from rag.types import Chunk, Document, Hit
from rag.zh.synonyms import synonyms
from rag.zh.text import fold


def hits_of(doc: Document, pieces: list[str]) -> list[Hit]:
    """One passage per piece of the document's text, in the order given."""
    out = []
    for piece in pieces:
        start = doc.text.index(piece)
        chunk = Chunk(id=f"{doc.id}:{start}", doc_id=doc.id, text=piece, start=start, end=start + len(piece))
        out.append(Hit(chunk=chunk, score=1.0, rank=len(out) + 1, via=("bm25",), title=doc.title))
    return out


def test_numbers_match_whole_and_dates_literally():
    doc = Document(
        id="d.txt",
        title="河北区纪委监委",
        text="河北区纪委监委坚守14个日夜，开展监督检查140次。\n1月14日，区纪委监委与指挥部沟通联系。\n",
    )
    first, second = doc.text.strip().split("\n")
    info = analyse_question("1月14日河北区纪委监委做了什么")
    assert info.dates == ("1月14日",)
    ranked = rerank("1月14日河北区纪委监委做了什么", hits_of(doc, [first, second]))
    assert ranked[0].chunk.text == second


def test_attribution_after_a_quotation():
    text = "前言。“甲句。乙句。”张三说。\n“丙。”\n丁。“戊。”李四表示。"

    def said(sentence: str) -> str:
        i = text.index(sentence)
        return attribution_after(text, i, i + len(sentence))

    assert said("甲句。") == said("乙句。”") == "张三说。"
    assert said("前言。") == ""  # before the quotation
    assert said("张三说。") == ""  # the attribution itself
    assert said("丙。”") == ""  # a quotation nobody is said to have said
    assert said("丁。") == ""


def test_a_quoted_sentence_is_ranked_with_its_speaker():
    doc = Document(
        id="z.txt",
        title="资源县：强化监督检查",
        text=(
            "资源县委书记黄钦出席全县疫情防控工作会议。\n"
            "“各级各部门要强化值班值守，做到节假日不放松。”资源县委书记黄钦在会议上表示。\n"
        ),
    )
    intro = "资源县委书记黄钦出席全县疫情防控工作会议。"
    quote = "“各级各部门要强化值班值守，做到节假日不放松。”"
    said = "资源县委书记黄钦在会议上表示。"
    hits = hits_of(doc, [intro, said, quote])
    question = "资源县委书记对值班有什么要求"
    assert rerank(question, hits, {doc.id: doc})[0].chunk.text == quote
    # without the document, the passage holding the quotation cannot see who said it
    assert rerank(question, hits)[0].chunk.text != quote


def test_synonyms_from_the_thesaurus():
    assert "协助" in synonyms("帮忙")
    assert "病痛" in synonyms("毛病")
    assert all(len(w) >= 2 for w in synonyms("帮忙"))  # single characters are too ambiguous
    assert synonyms("不是一个词") == frozenset()


def test_a_list_answer_runs_into_the_next_paragraph():
    doc = Document(
        id="t.txt",
        title="天津：吹响督战号角",
        text=(
            "天津市纪委监委把监督保障党中央决策部署贯彻执行到位作为首要任务，明确了监督重点。\n\n"
            "聚焦责任落实情况，看领导干部是否落实政治责任；聚焦职能部门履职情况，看重点部门是否做好工作；"
            "聚焦干部作风情况，看党员干部是否存在形式主义问题。\n\n"
            "战疫当前，纪检监察机关主动扛起政治责任。\n"
        ),
    )
    paragraphs = [p for p in doc.text.split("\n") if p]
    hits = hits_of(doc, paragraphs)
    question = "天津市纪委监委明确的监督重点聚焦哪几个方面"
    ans = answer(ExtractiveAnswerer(), question, rerank(question, hits, {doc.id: doc}), {doc.id: doc})
    assert not ans.abstained
    for item in ("责任落实情况", "职能部门履职情况", "干部作风情况"):
        assert item in ans.text
    assert "扛起政治责任" not in ans.text  # the list ends where the question's words stop
    for c in ans.citations:
        assert c.quote == doc.text[c.start : c.end]
    assert sorted(int(n) for n in re.findall(r"\[(\d+)\]", ans.text)) == [c.n for c in ans.citations]


def test_an_article_or_visits_do_not_count_people():
    info = analyse_question("第三轮核酸筛查一共检测了多少人？")
    assert not has_kind("number", "一位老人在第三轮核酸检测采样点说道。", info)
    assert not has_kind("number", "干部160余人次下沉社区,协助开展核酸检测。", info)
    assert has_kind("number", "第三轮核酸筛查共检测1200人。", info)
    assert has_kind("number", "干部160余人次参与检测。", analyse_question("一共检测了多少人次？"))


def test_the_place_asked_for_is_in_the_sentence_about_the_thing_located():
    info = analyse_question("两个专门隔离点分别在什么地方？")
    assert info.located == ("隔离",)
    assert not has_kind("place", "还设置了两个专门的隔离点。同时,在全县北大门、南大门设置了关卡。", info)
    assert has_kind("place", "隔离点设在城关镇卫生院和中峰镇敬老院。", info)


def test_a_question_word_is_not_a_place():
    info = analyse_question("海东市纪委书记钟志军在哪个区的防疫一线坚守？")
    assert all(not e.startswith("哪") for e in info.entities)
    assert "海东" in info.entities


def test_a_county_inside_a_bare_province_name_is_no_conflict():
    def unit(text: str) -> Unit:
        return Unit(0, 0, len(text), text, fold(text), "", 1, "d.txt")

    info = analyse_question("青海的赵光歧受到了什么处理")
    assert not names_other_place(unit("经贵南县委研究决定，免去赵光歧县第二人民医院院长职务。"), info)
    assert names_other_place(unit("天津市卫生健康委员会二级巡视员王增田被给予留党察看处分。"), info)
    # with the level known, a place of that level elsewhere conflicts
    county = analyse_question("资源县的赵光歧受到了什么处理")
    assert names_other_place(unit("贵南县免去赵光歧院长职务。"), county)


@pytest.mark.parametrize(
    ("question", "sentence", "kind", "holds"),
    [
        # names and places without a title or a place suffix, as an encyclopaedia writes them
        ("条约签订双方的代表是谁？", "双方代表分别为周恩来与金日成。", "person", True),
        ("鸟兽脚类的概念是由谁提出来的？", "在1988年,保罗·塞里诺提出鸟兽脚类。", "person", True),
        ("贝尔出生在什么地方？", "贝尔出生于苏格兰的爱丁堡。", "place", True),
        # jieba's dictionary tags 加强监督 and 安居区 as names: neither is a person
        ("由谁接手这项工作？", "天津市纪委印发通知,要求加强监督执纪问责工作。", "person", False),
        ("周哲乐的妻子叫什么名字", "忙完一天的工作,安居区三家镇纪委书记周哲乐回到办公室。", "person", False),
    ],
)
def test_a_sentence_holds_a_person_or_place_by_the_dictionary_tags(question, sentence, kind, holds):
    assert has_kind(kind, fold(sentence), analyse_question(question)) is holds


@pytest.mark.parametrize(
    "question, sentence, holds",
    [
        # what is counted follows the measure word; the words before 几 only set the scene
        ("中華民國目前有幾個邦交國?", "在政府方面与21个邦交国保持正式外交关系。", True),
        ("中華民國目前有幾個邦交國?", "全国共有21个县市。", False),
        # a large count leaves out 个 before what it counts
        ("人類視網膜中共有多少個視杆細胞?", "视网膜里一共约有600万视锥细胞和1.25亿视杆细胞。", True),
        ("人類視網膜中共有多少個視杆細胞?", "视网膜的研究经费达1.25亿元。", False),
        # ... and so does a count in Chinese numerals, or of hours, right before what it counts
        ("內蒙古在清朝時有多少旗？", "乾隆以后定为二十四部,共四十九旗,设六盟。", True),
        ("內蒙古在清朝時有多少旗？", "乾隆以后定为二十四部,设六盟。", False),
        ("新生兒一天要睡超過多少個小時?", "新生儿达到每天18小时以上。", True),
    ],
)
def test_a_count_is_of_what_the_question_counts(question, sentence, holds):
    info = analyse_question(question)
    assert has_kind("number", fold(sentence), info) is holds


@pytest.mark.parametrize(
    "question, kinds",
    [
        ("幾何光學，又稱為什麼?", set()),  # 几何 is geometry, 称为什么 asks what it is called
        ("这种病又称为什么病？", set()),
        ("他为什么被处分？", {"reason"}),
        ("茶几有几条腿？", {"number"}),
    ],
)
def test_question_words_inside_other_words_ask_nothing(question, kinds):
    assert set(analyse_question(question).kinds) & {"number", "reason"} == kinds


@pytest.mark.parametrize(
    "question",
    [
        "哪一個地級市的面積位居遼寧省的第一位?",
        "率先宣布脫離聯邦的是哪一州?",
        "他去了哪个国家？",
        "哪座城市最大？",
    ],
)
def test_which_city_or_country_asks_for_a_place(question):
    assert "place" in analyse_question(question).kinds


def test_a_sentence_that_goes_on_from_the_one_before_is_quoted_with_it():
    cause = "次磷酸可以将碘还原为氢碘酸，而氢碘酸又可以将麻黄碱还原为甲基苯丙胺。"
    answer_sentence = "因此，次磷酸被美国缉毒署列为第一类易制毒化学品，购买及使用受到严格管制。"
    doc = Document(id="h.txt", title="次磷酸", text=f"次磷酸是一种无机酸。{cause}{answer_sentence}\n")
    hits = hits_of(doc, [doc.text.strip()])
    question = "为什么次磷酸的购买及使用受到严格管制？"
    ans = answer(ExtractiveAnswerer(), question, rerank(question, hits, {doc.id: doc}), {doc.id: doc})
    assert not ans.abstained
    quoted = "".join(c.quote for c in ans.citations)
    assert answer_sentence in quoted and cause in quoted
    assert "次磷酸是一种无机酸" not in quoted  # one sentence back, not the paragraph


@pytest.mark.parametrize(
    ("question", "sentence", "kind", "holds"),
    [
        # a name after an occupation, as any report writes it
        ("一等奖是谁获得的？", "经评选，一等奖由退休教师陈秀兰获得。", "person", True),
        # a span of working days answers 多长时间
        ("报销申请须在多长时间内提交？", "报销申请须在返回后15个工作日内提交财务部。", "number", True),
        ("报销申请须在多长时间内提交？", "报销申请须提交财务部。", "number", False),
    ],
)
def test_occupations_and_working_days_are_kinds_of_answer(question, sentence, kind, holds):
    assert has_kind(kind, fold(sentence), analyse_question(question)) is holds


def test_what_a_person_is_called_asks_for_a_person_what_a_thing_is_called_does_not():
    assert "person" in analyse_question("三家镇的纪委书记叫什么").kinds
    assert "person" not in analyse_question("陈秀兰的作品叫什么").kinds
    assert "person" not in analyse_question("那个地方叫什么").kinds


@pytest.mark.parametrize(
    ("sentence", "holds"),
    [
        # what encyclopaedias answer 何时 with besides calendar dates
        ("中國在其東漢時期發展出較為成熟的青瓷製法。", True),
        ("元朝至順元年，孟子被加封為亞聖公。", True),
        ("漢地十八省的說法始於康熙七年。", True),
        ("天城文在19世紀晚期成為標準。", True),
        ("盤古大陸在侏羅紀開始分裂。", True),
        ("成年禮在秋季舉行。", True),
        ("廣場在傍晚時份變成夜總會。", True),
        # a span of years, a school grade or youth is no time
        ("十年来他一直过著轻松的生活。", False),
        ("他读三年级时开始游泳。", False),
        ("这一措施十分明确。", False),
    ],
)
def test_a_sentence_holds_a_time_beyond_calendar_dates(sentence, holds):
    assert has_kind("date", fold(sentence), analyse_question("这是在什么时候？")) is holds


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("巴西再次主辦世界盃是在哪一年?", False),  # a year
        ("巴西在哪次的世界盃奪冠?", False),  # an event
        ("伽利略在哪本著作中做了介紹?", False),  # a book
        ("他在哪工作?", True),
        ("他在哪个城市工作?", True),
    ],
)
def test_zai_na_asks_for_a_place_only_when_no_time_or_thing_follows(question, place):
    assert ("place" in analyse_question(question).kinds) is place


def test_a_located_head_counts_when_the_sentence_says_it_without_its_word_for_a_place():
    # 原生地 / 出生地 asked, "原生于" / "出生于" written
    info = analyse_question("软枝黄蝉的原生地在哪里？")
    assert has_kind("place", fold("软枝黄蝉为夹竹桃科黄蝉属植物，原生于巴西。"), info)
    assert not has_kind("place", fold("软枝黄蝉为夹竹桃科植物，现广植于巴西。"), info)
    assert analyse_question("他的住处在哪里").located == ("住处",)  # no stem across 的


@pytest.mark.parametrize(
    ("question", "kind", "asked"),
    [
        ("關島哪個城市的人口最多？", "person", False),  # 人口 is no person
        ("中華民國政府撤退至臺灣於西元幾年?", "date", True),  # a year of the calendar
        ("哪个干部被问责？", "person", True),
    ],
)
def test_what_kind_of_answer_a_question_asks(question, kind, asked):
    assert (kind in analyse_question(question).kinds) is asked


def test_how_much_time_asks_for_a_span_of_time():
    assert analyse_question("從南竿到東引要花費多少時間？").measure == "时长"
