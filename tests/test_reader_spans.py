"""The learned reader's short answer (span candidates, their features, the tree model as JSON) and
its decline model."""

from __future__ import annotations

import json

import pytest

from rag.answer.decline import DECLINE_FEATURES, DECLINE_MODEL_PATH
from rag.answer.extractive import answer
from rag.answer.learned import LearnedReader, ReaderModelError, load_model
from rag.answer.question_frame import frame
from rag.answer.reader_features import FEATURES as FEATURES_OF_SENTENCES
from rag.answer.span_features import FEATURES, candidates, span_rows
from rag.answer.spans import SPAN_MODEL_PATH, best_span, span_model
from rag.answer.trees import TreeModelError, parse_trees
from rag.evaluate.squad_run import short_answer
from rag.query.analysis import analyse
from rag.query.question import analyse_question
from rag.types import Answer, Chunk, Document, Hit
from rag.zh.text import fold

SENTENCE = "1903年至1906年，羅爾德·阿蒙森成為第一個乘船通過整個西北水道的人。"


def passage(text: str, doc_id: str = "doc.txt") -> tuple[Hit, dict[str, Document]]:
    doc = Document(id=doc_id, title="标题", text="标题\n\n" + text)
    start = doc.text.index(text)
    return Hit(Chunk("c1", doc_id, text, start, start + len(text)), 1.0, 1, ("gold",), doc.title), {
        doc_id: doc
    }


def test_candidates_join_names_over_a_middle_dot_and_cross_commas_only_as_whole_clauses():
    folded = fold(SENTENCE)
    toks, ranges = candidates(folded)
    texts = {folded[toks[i][2] : toks[j - 1][3]] for i, j in ranges}
    assert "罗尔德·阿蒙森" in texts and "1903年至1906年" in texts
    assert folded.rstrip("。") in texts  # the whole sentence, two clauses
    assert [t for t in texts if "," in t] == [folded.rstrip("。")]
    assert not any(t[0] in "·,。" or t[-1] in "·,。" for t in texts)


def test_quoted_text_is_a_candidate_however_long():
    folded = fold("他主演的电影《一个非常非常非常非常非常长的名字的故事》上映了。")
    toks, ranges = candidates(folded)
    texts = {folded[toks[i][2] : toks[j - 1][3]] for i, j in ranges}
    assert "一个非常非常非常非常非常长的名字的故事" in texts


def test_span_rows_follow_the_declared_features_and_read_the_question_word():
    fr = frame(analyse_question("第一個乘船通過整個西北水道的人是誰？"))
    assert fr.wh == "who" and "西北" in fr.left
    spans, rows = span_rows(fr, fold(SENTENCE))
    assert len(spans) == len(rows) and all(len(r) == len(FEATURES) for r in rows)
    inside = FEATURES.index("inside_question")
    name = spans.index((fold(SENTENCE).index("罗"), fold(SENTENCE).index("成")))
    assert rows[name][inside] == 0.0 and rows[name][FEATURES.index("person_wanted")] == 1.0


def test_the_shipped_span_model_picks_the_name_a_who_question_asks_for():
    fr = frame(analyse_question("第一個乘船通過整個西北水道的人是誰？"))
    span = best_span(fr, SENTENCE, span_model())
    assert span is not None and span.text == SENTENCE[span.start : span.end]
    assert "阿蒙森" in span.text  # the sentence's own (Traditional) text


def test_tree_probabilities_agree_one_by_one_and_all_at_once():
    model = span_model()
    _, rows = span_rows(frame(analyse_question("谁发明了电话？")), fold("贝尔在1876年发明了电话。"))
    together = model.probabilities(rows)
    assert together == pytest.approx([model.probability(r) for r in rows])


def test_a_tree_model_for_other_features_is_refused():
    data = json.loads(SPAN_MODEL_PATH.read_text(encoding="utf-8"))
    with pytest.raises(TreeModelError, match="retrain"):
        parse_trees({**data, "features": data["features"][:-1]}, FEATURES)
    with pytest.raises(TreeModelError, match="missing"):
        parse_trees({k: v for k, v in data.items() if k != "trees"}, FEATURES)


def test_the_answer_leads_with_the_span_and_squad_scores_it():
    text = "贝尔是电话的发明者之一。第一个乘船通过整个西北水道的人是罗尔德·阿蒙森。他后来去了南极。"
    hit, docs = passage(text)
    ans = answer(LearnedReader(), "第一个乘船通过整个西北水道的人是谁？", [hit], docs)
    assert not ans.abstained and ans.short_answer
    assert ans.text.startswith(f"「{ans.short_answer}」")
    assert short_answer(ans) == ans.short_answer
    assert ans.citations[0].quote in ans.text


def test_short_answer_falls_back_to_the_text_without_markers():
    ans = Answer(question="q", text="贝尔发明了电话。[1]", abstained=False, rewritten_query="")
    assert short_answer(ans) == "贝尔发明了电话。"


def test_the_shipped_decline_model_reads_these_features():
    model = load_model(DECLINE_MODEL_PATH, DECLINE_FEATURES)
    assert model.features == DECLINE_FEATURES and 0.0 < model.threshold < 1.0
    data = json.loads(DECLINE_MODEL_PATH.read_text(encoding="utf-8"))
    from rag.answer.learned import parse_model

    with pytest.raises(ReaderModelError, match="retrain"):
        parse_model(data)  # a decline model is not a sentence model


def test_a_passage_about_something_else_is_declined_and_the_right_one_is_not():
    question = "第一个乘船通过整个西北水道的人是谁？"
    other, docs = passage("大熊猫主要以竹子为食，每天要花十几个小时进食。野生大熊猫分布在四川。")
    assert answer(LearnedReader(), question, [other], docs).abstained
    right, docs = passage("1903年至1906年，罗尔德·阿蒙森成为第一个乘船通过整个西北水道的人。")
    assert not answer(LearnedReader(), question, [right], docs).abstained


def test_more_passages_alone_do_not_make_the_reader_doubt():
    """The decline model once learned to count passages (one gold paragraph against three others):
    adding passages that do not answer dropped P(the passages answer) from 1.0 to 0.53, and with the
    five passages `rag ask` reads, half of the answerable open-domain questions were declined."""
    question = analyse("第一个乘船通过整个西北水道的人是谁？")
    texts = [
        "1903年至1906年，罗尔德·阿蒙森成为第一个乘船通过整个西北水道的人。",
        "1850年，麦克卢尔率领的船队从西面进入西北水道，船只被冰困住三年。",
        "富兰克林的探险队于1845年乘船前往西北水道，全体队员最终遇难。",
        "第一个乘船到达南极洲海岸的人是谁，至今仍有争议。",
        "2007年夏季，西北水道首次完全无冰，普通船只可以通过。",
    ]
    hits, docs = [], {}
    for i, text in enumerate(texts):
        hit, doc = passage(text, f"d{i}.txt")
        hits.append(hit)
        docs |= doc
    reader = LearnedReader()
    model = load_model(DECLINE_MODEL_PATH, DECLINE_FEATURES)

    def p(n: int) -> float:
        found = reader.read(question, hits[:n], docs)
        return model.probability(reader.decline_features(question.whole, *found, hits[:n]))

    alone = p(1)
    assert alone >= 0.9
    assert p(2) >= 0.9 * alone and p(5) >= 0.9 * alone


def test_decline_features_say_whether_the_passage_names_who_or_where_the_question_asks_about():
    from rag.answer.decline import decline_row

    info = analyse_question("三亚市纪委监委派出了几个督查组？")
    best = [0.0] * len(FEATURES_OF_SENTENCES)
    names = DECLINE_FEATURES.index("entity_in_passage"), DECLINE_FEATURES.index("entity_in_sentence")
    elsewhere = decline_row(
        info,
        best,
        [0.9],
        ["安居区纪委监委派出8个督查组。"],
        0.0,
        "安居区\n安居区纪委监委派出8个督查组。",
        "安居区纪委监委派出8个督查组。",
    )
    here = decline_row(
        info,
        best,
        [0.9],
        ["三亚市纪委监委派出8个督查组。"],
        0.0,
        "三亚\n三亚市纪委监委派出8个督查组。",
        "派出8个督查组。",
    )
    assert [elsewhere[i] for i in names] == [0.0, 0.0]
    assert [here[i] for i in names] == [1.0, 0.0]  # named by the passage (and title), not the sentence
    unnamed = decline_row(
        analyse_question("派出了几个督查组？"), best, [0.9], ["派出8个督查组。"], 0.0, "x", "y"
    )
    assert unnamed[DECLINE_FEATURES.index("entity_asked")] == 0.0


def test_a_number_set_apart_by_spaces_is_one_candidate():
    # web pages set numbers apart ("组成 8 个监督检查组"): the count is "8 个", not "8" alone
    folded = "组成 8 个监督检查组,深入全区 20 个重要职能部门"
    toks, ranges = candidates(folded)
    texts = {folded[toks[i][2] : toks[j - 1][3]] for i, j in ranges}
    assert "8 个" in texts and "20 个" in texts
    assert not any(t.startswith(" ") or t.endswith(" ") for t in texts)
