"""The extractive answerer on hand-made passages: question types, exact citation spans,
abstention, multi-part questions, reranking."""

from __future__ import annotations

import re

import pytest

from rag.answer.extractive import NOT_FOUND_PREFIX, ExtractiveAnswerer, answer
from rag.query.question import QuestionInfo, analyse_question, split_question
from rag.retrieve.sentence_scoring import rerank, retrieve_for
from rag.types import Answer, Chunk, Document, Hit
from rag.zh.text import fold

ANJU = """安居区纪委监委：疫情防控不放松

“1月29日上午，督查发现中兴镇五香庙村存在两起群众聚众打牌的情况。”日前，中兴镇五香庙村党员刘仁甫因擅离职守，未及时制止群众聚集打牌问题受到谈话诫勉。

督查前，安居区委常委、区纪委书记、区监委代理主任杨冬梅点出监督检查重点。连日来，安居区8个纪律作风保障组直奔一线，到卫生院、高速路口、敬老院、集中隔离点等明察暗访。

安居区纪委常委、区监委委员石万辉介绍，截至目前，安居区纪律作风保障组开展督导48轮384次，处理疫情防控违纪问题48起，问责党员干部89人。
"""

XINING = """防控一线践初心

此轮疫情全省共报告确诊病例12例，其中西宁市11例。西宁市纪委监委闻令而动，迅速成立专项监督领导小组，向全市党员干部发出“十严禁”纪律要求。同时市纪委监委10个派驻纪检监察组结合日常监督，压实防控责任。现已开展监督检查1446次，发现问题356个。
"""

TIANJIN = """天津：吹响督战号角

“特殊时期、特殊战役、特殊责任。”天津市委常委、市纪委书记、市监委主任邓修明表示，这一战，我们必须打赢！

日前，天津市卫生健康委员会二级巡视员王增田同志因在疫情防控中严重失职失责，被给予留党察看二年处分、政务撤职处分。
"""

# Traditional, with the converter's pinyin artefacts
ZIYUAN = """資源縣：強化監(jiān)督檢查

該縣紀委監(jiān)委成立了7個專項監(jiān)督檢查組和1個暗訪組，緊盯問題。資源縣委書記黃欽在會議上表示，要嚴肅追責問責。
"""

DOCS = {
    "anju.txt": Document(id="anju.txt", title="安居区纪委监委：疫情防控不放松", text=ANJU),
    "xining.txt": Document(id="xining.txt", title="防控一线践初心", text=XINING),
    "tianjin.txt": Document(id="tianjin.txt", title="天津：吹响督战号角", text=TIANJIN),
    "ziyuan.txt": Document(id="ziyuan.txt", title="資源縣：強化監督檢查", text=ZIYUAN),
}


def paragraph_hits(doc_ids=None) -> list[Hit]:
    """One passage per paragraph of each document (chunk.text == doc.text[start:end])."""
    hits = []
    for doc in DOCS.values():
        if doc_ids and doc.id not in doc_ids:
            continue
        for m in re.finditer(r"[^\n]+", doc.text):
            cid = f"{doc.id}:{m.start()}"
            chunk = Chunk(id=cid, doc_id=doc.id, text=m.group(), start=m.start(), end=m.end())
            hits.append(Hit(chunk=chunk, score=1.0, rank=len(hits) + 1, via=("bm25",), title=doc.title))
    return hits


def ask(question: str, hits=None) -> Answer:
    hits = rerank(question, hits if hits is not None else paragraph_hits())[:5]
    return answer(ExtractiveAnswerer(), question, hits, DOCS)


def assert_citations_exact(ans: Answer) -> None:
    """Every [n] has a citation; every quote is the document's text at its offsets, inside its passage."""
    assert ans.citations, ans.text
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", ans.text)]
    assert sorted(set(numbers)) == [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    chunks = {h.chunk.id: h.chunk for h in ans.hits}
    for c in ans.citations:
        assert c.quote == DOCS[c.doc_id].text[c.start : c.end]
        chunk = chunks[c.chunk_id]
        assert chunk.doc_id == c.doc_id and chunk.start <= c.start < c.end <= chunk.end


@pytest.mark.parametrize(
    ("question", "expected", "kind"),
    [
        ("安居区问责了多少党员干部？", "89人", "number"),
        ("谁因擅离职守受到谈话诫勉？", "刘仁甫", "person"),
        ("王增田受到了什么处分？", "留党察看", "punishment"),
        ("杨冬梅担任什么职务？", "区纪委书记", "post"),
        ("安居区纪律作风保障组到哪些地方明察暗访？", "敬老院", "place"),
        ("五香庙村聚众打牌是哪天被督查发现的？", "1月29日", "date"),
    ],
)
def test_question_types(question, expected, kind):
    assert kind in analyse_question(question).kinds
    ans = ask(question)
    assert not ans.abstained, ans.text
    assert expected in ans.text
    assert re.search(r"[。！？”]\[\d+\]", ans.text), "each answer sentence ends with its citation"
    assert_citations_exact(ans)


def test_number_with_its_measure_word_not_another_number():
    ans = ask("安居区处理了多少起疫情防控违纪问题？")
    assert "48起" in ans.text
    assert_citations_exact(ans)


def test_subject_named_in_the_sentence_before():
    # "现已开展监督检查1446次" does not repeat 西宁市: the paragraph before names it
    ans = ask("西宁市纪委监委开展了多少次监督检查？")
    assert "1446次" in ans.text
    assert "1446" in ans.citations[0].quote


def test_post_and_name_written_together():
    ans = ask("天津市纪委书记是谁？")
    assert "邓修明" in ans.text
    assert_citations_exact(ans)


def test_traditional_passage_simplified_question():
    ans = ask("资源县纪委监委成立了几个专项监督检查组？")
    assert "7個專項" in ans.text
    assert "(jiān)" not in ans.text  # what people read has no conversion artefacts
    assert "(jiān)" in ans.citations[0].quote  # the quote is the document's own text
    assert_citations_exact(ans)


def test_two_part_question_gets_both_answers():
    ans = ask("西宁市纪委监委开展了多少次监督检查，发现了多少个问题？")
    assert "1446次" in ans.text and "356个" in ans.text
    assert_citations_exact(ans)


def test_x_and_y_respectively_are_split_and_answered():
    parts = split_question("青海省和天津市的纪委书记分别是谁？")
    assert parts == ["青海省的纪委书记分别是谁？", "天津市的纪委书记分别是谁？"]
    assert split_question("刘仁甫是什么身份？他为什么被谈话诫勉")[1].startswith("刘仁甫")
    assert split_question("王增田受到了什么处分？") == ["王增田受到了什么处分？"]
    ans = ask("西宁市和天津市的纪委监委分别开展了多少次监督检查？")
    assert "1446次" in ans.text


@pytest.mark.parametrize(
    "question",
    [
        "成都市武侯区纪委监委问责了多少人？",  # a place no document mentions
        "安居区区长是谁？",  # a post no document mentions
        "周哲乐的妻子叫什么名字？",  # nothing about him at all
        "黄钦受到了什么处分？",  # he is named, but no sanction is
        "天津市问责了多少名党员干部？",  # the number asked for is not in the Tianjin passages
    ],
)
def test_abstains_on_weak_evidence(question):
    ans = ask(question)
    assert ans.abstained
    assert ans.text.startswith(NOT_FOUND_PREFIX)
    assert not re.search(r"\[\d+\]", ans.text)
    assert ans.citations == ()
    assert 0 < len(ans.hits) <= 3  # the nearest passages, offered to read


def test_abstains_without_passages():
    ans = answer(ExtractiveAnswerer(), "安居区问责了多少党员干部？", [], DOCS)
    assert ans.abstained and ans.hits == ()


def test_stream_yields_text_then_the_answer():
    hits = rerank("王增田受到了什么处分？", paragraph_hits())[:5]
    items = list(ExtractiveAnswerer().stream("王增田受到了什么处分？", hits, DOCS))
    assert isinstance(items[-1], Answer)
    assert "".join(i for i in items[:-1] if isinstance(i, str)) == items[-1].text


def test_rerank_puts_the_answering_passage_first():
    hits = paragraph_hits()
    ranked = rerank("安居区问责了多少党员干部？", hits)
    assert "89人" in ranked[0].chunk.text
    assert [h.rank for h in ranked] == list(range(1, len(hits) + 1))
    assert sorted(h.chunk.id for h in ranked) == sorted(h.chunk.id for h in hits)
    assert all(h.via == ("bm25",) and h.title for h in ranked)


def test_retrieve_for_searches_each_part():
    calls = []

    def search(query: QuestionInfo, n: int) -> list[Hit]:
        calls.append(query.text)
        wanted = "tianjin.txt" if "天津" in query.text and "西宁" not in query.text else "xining.txt"
        return paragraph_hits({wanted})[:n]

    hits = retrieve_for("西宁市和天津市的纪委监委分别开展了多少次监督检查？", search, 5)
    assert len(calls) == 3  # the whole question and its two parts
    assert {h.chunk.doc_id for h in hits} == {"xining.txt", "tianjin.txt"}
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


@pytest.mark.parametrize(
    ("question", "expected"), [("王增田是谁？", "二级巡视员"), ("刘仁甫是谁？", "五香庙村党员")]
)
def test_who_is_a_named_person_answers_with_their_post(question, expected):
    info = analyse_question(question)
    assert "post" in info.kinds and "person" not in info.kinds
    ans = ask(question)
    assert not ans.abstained, ans.text
    assert expected in ans.text
    assert_citations_exact(ans)


def test_a_question_about_nothing_the_collection_mentions_is_declined():
    from rag.answer.corpus import folded_corpus, off_collection
    from rag.query.analysis import analyse

    text = "家书\n\n“爸爸，你今天又不回来啊？”女儿在电话里问。\n"
    docs = {"d.txt": Document(id="d.txt", title="家书", text=text)}
    hits = [Hit(Chunk("d.txt:0", "d.txt", text, 0, len(text)), 1.0, 1, ("bm25",), "家书")]
    # shares 今天 with the passage, but 天气 (what it asks about) is nowhere in the collection
    assert answer(ExtractiveAnswerer(), "今天天气怎么样？", hits, docs).abstained
    weather = {"w.txt": Document(id="w.txt", title="天气", text="今天天气晴朗，最高气温二十度。")}
    assert off_collection(analyse("今天天气怎么样？").whole, folded_corpus(docs))
    assert not off_collection(analyse("今天天气怎么样？").whole, folded_corpus(weather))
    # a name the dictionary lacks counts as a topic word: 职务 is nowhere, 杨冬梅 is
    assert not off_collection(analyse("杨冬梅担任什么职务？").whole, folded_corpus(DOCS))


def test_titles_in_quotation_marks_and_single_character_topics_count_as_mentioned():
    from rag.answer.corpus import folded_corpus, off_collection
    from rag.query.analysis import analyse

    book = {"b.txt": Document(id="b.txt", title="書", text="《論自由》是約翰·彌爾於1859年出版的著作。")}
    plant = {"p.txt": Document(id="p.txt", title="蓍", text="蓍是菊科植物，多年生草本。")}
    # 作者 and 叶子/特点 are nowhere, but the title and the plant are
    assert not off_collection(analyse("《論自由》的作者是誰?").whole, folded_corpus(book))
    assert not off_collection(analyse("蓍的叶子有什么特点？").whole, folded_corpus(plant))
    assert off_collection(analyse("蓍的叶子有什么特点？").whole, folded_corpus(book))


def test_a_question_word_that_ends_like_a_post_is_not_an_unknown_post():
    """多长 ends like 县长 but asks a length: "主跑道有多长？" was declined as naming an unknown post."""
    from rag.answer.corpus import Corpus, unknown_terms
    from rag.query.analysis import analyse

    text = "机场主跑道长3800米。"
    corpus = Corpus(texts={"d": text}, joined=text)
    assert unknown_terms(analyse("主跑道有多长？").whole, corpus) == []
    assert unknown_terms(analyse("机场的县长是谁？").whole, corpus) == ["县长"]


@pytest.mark.parametrize(
    ("question", "listing"),
    [("“四看”是看哪四个方面", True), ("有哪些措施", True), ("哪个部门负责", False), ("问责了多少人", False)],
)
def test_a_question_asking_for_several_items_is_a_listing(question, listing):
    assert analyse_question(question).listing is listing


_GUN = "衝鋒槍\n\nPP-19衝鋒槍可以連發，每分鐘可以發射700發子彈，由突擊步槍改造而成。"
_CALENDAR = "曆法\n\n回歸年是太陽兩次通過春分點的時間間隔，約為365.2422日。"


def _gun_collection() -> tuple[list[Hit], dict[str, Document]]:
    docs = {
        "g.txt": Document(id="g.txt", title="衝鋒槍", text=_GUN),
        "c.txt": Document(id="c.txt", title="曆法", text=_CALENDAR),
    }
    return [Hit(Chunk("g.txt:0", "g.txt", _GUN, 0, len(_GUN)), 1.0, 1, ("bm25",), "衝鋒槍")], docs


def test_an_answer_from_a_document_about_something_else_is_declined():
    """A question whose article is not in the collection (回歸年 and 朔望月 are what it is about) was
    answered from the passage it shares 19 and 可以 with; the collection does mention 回歸年
    elsewhere, so the collection-wide check lets it through."""
    from rag.answer.combined import CombinedAnswerer
    from rag.query.analysis import analyse

    hits, docs = _gun_collection()
    combined = CombinedAnswerer(spans=None)
    asked = "19回歸年可以換算成多少朔望月？"
    assert not combined.answered(analyse(asked), hits, docs).abstained  # the readers alone answer
    declined = answer(combined, asked, hits, docs)
    assert declined.abstained and declined.text.startswith(NOT_FOUND_PREFIX)
    # the same passage still answers a question about what it does say
    ans = answer(combined, "PP-19衝鋒槍每分鐘可以發射多少發子彈？", hits, docs)
    assert not ans.abstained and "700" in ans.text


def test_topic_share_counts_each_topic_word_once_over_the_cited_texts():
    from rag.answer.corpus import topic_share, topic_words
    from rag.query.analysis import analyse

    info = analyse("19回歸年可以換算成多少朔望月？").whole
    assert {"回归年", "朔望月", "19"} <= set(topic_words(info))
    words = set(topic_words(info)) - {"19"}  # numbers are left out: texts write them otherwise
    gun, calendar = fold(_GUN), fold(_CALENDAR)
    in_gun = {w for w in words if w in gun}
    assert topic_share(info, [gun]) == len(in_gun) / len(words) <= 0.25
    both = {w for w in words if w in gun or w in calendar}
    assert topic_share(info, [gun, calendar]) == len(both) / len(words) > len(in_gun) / len(words)
    assert topic_share(analyse("它在哪里？").whole, [gun]) is None  # names no topic: nothing to check
    # 95 would count against a text that writes the height as 一九點五公尺
    tower = fold("東犬燈塔建成時總高為六十四英尺，即一九點五公尺。")
    height = analyse("1公尺95公分換算成英尺大概是多少？").whole
    assert topic_share(height, [tower]) == topic_share(height, [tower + "95"]) > 0.25


def test_a_quote_that_repeats_the_questions_name_is_kept_though_jieba_split_the_name():
    """jieba reads 漢地十八省是從何時開始產生的 as 是从, 开始, 产生, 省: only 省 is in the document, a
    quarter of the topic words, but the quote names 漢地十八省 as the question does."""
    from rag.answer.combined import CombinedAnswerer
    from rag.answer.corpus import topic_share
    from rag.query.analysis import analyse

    text = "清朝\n\n康熙七年，陝西省正式分為陝西、甘肅二省，自此形成了所謂「漢地十八省」的格局。"
    docs = {"q.txt": Document(id="q.txt", title="清朝", text=text)}
    hits = [Hit(Chunk("q.txt:0", "q.txt", text, 0, len(text)), 1.0, 1, ("bm25",), "清朝")]
    asked = "漢地十八省是從何時開始產生的？"
    assert topic_share(analyse(asked).whole, [fold(text)]) <= 0.25
    ans = answer(CombinedAnswerer(spans=None), asked, hits, docs)
    assert not ans.abstained and "康熙七年" in ans.text


def test_the_combined_answerer_lets_its_extractive_reader_answer_below_its_own_bar():
    """With the topic check declining answers from articles about something else, the combined
    answerer's extractive reader answers from a lower score than the extractive reader alone."""
    from rag.answer.combined import CombinedAnswerer
    from rag.zh.lexicon import lexicon

    bar = lexicon().number("reader.combined_extractive_min_score")
    assert CombinedAnswerer(spans=None).first.min_score == bar < ExtractiveAnswerer().min_score
