"""Follow-up questions carry the conversation's names, places and organisations."""

from __future__ import annotations

from rag.query.rewrite import entities, person_names, rewrite_followup
from rag.zh.lexicon import use_lexicon

LIU = [("刘仁甫因为什么受到处理？", "中兴镇五香庙村党员刘仁甫因擅离职守受到谈话诫勉。[1]")]
ZIYUAN = [("资源县纪委监委成立了几个专项监督检查组？", "成立了7個專項監督檢查組和1個暗訪組。[1]")]


def test_no_history_no_rewrite():
    assert rewrite_followup("他受到了什么处分？", []) == "他受到了什么处分？"


def test_pronoun_takes_the_person_from_the_previous_turn():
    out = rewrite_followup("他受到了什么处分？", LIU)
    assert out == "刘仁甫受到了什么处分？"


def test_person_found_in_the_previous_answer():
    history = [("谁因擅离职守受到谈话诫勉？", "日前，中兴镇五香庙村党员刘仁甫因擅离职守受到谈话诫勉。[1]")]
    assert rewrite_followup("他是什么身份？", history) == "刘仁甫是什么身份？"


def test_demonstrative_place_and_plural_pronoun():
    assert rewrite_followup("该县设了几个隔离点？", ZIYUAN) == "资源县设了几个隔离点？"
    assert rewrite_followup("这个县的县委书记是谁？", ZIYUAN) == "资源县的县委书记是谁？"
    assert rewrite_followup("他们还约谈了哪些单位？", ZIYUAN).startswith("资源县纪委监委")


def test_short_question_without_subject_gets_one():
    out = rewrite_followup("一共问责了多少人？", [("安居区纪委监委处理了多少起违纪问题？", "48起。[1]")])
    assert out.startswith("安居区")
    assert out.endswith("一共问责了多少人？")


def test_question_that_stands_alone_is_unchanged():
    assert rewrite_followup("天津市纪委书记是谁？", LIU) == "天津市纪委书记是谁？"
    assert rewrite_followup("“一案三查”是什么意思？", LIU) == "“一案三查”是什么意思？"


def test_most_recent_turn_with_names_wins_and_abstentions_are_skipped():
    history = [
        ("王增田受到了什么处分？", "被给予留党察看二年处分。[1]"),
        ("他为什么受处分？", "资料中没有找到能回答这个问题的内容。"),
    ]
    assert rewrite_followup("他原来是什么职务？", history) == "王增田原来是什么职务？"


def test_entities_of_a_sentence():
    found = {(e.text, e.kind) for e in entities("天津市委常委、市纪委书记、市监委主任邓修明表示")}
    assert ("邓修明", "person") in found
    found = {(e.text, e.kind) for e in entities("目前，市纪委监委已向海东市疫情防控指挥部上报问题")}
    assert ("海东市", "place") in found
    assert not any(kind == "person" for _, kind in found)


def test_a_user_lexicon_extends_the_titles_a_name_follows(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[people]\ntitles = ["馆长"]\n', encoding="utf-8")
    text = "馆长李明表示，要加强防控。"
    assert "李明" not in person_names(text)
    try:
        use_lexicon([extra])
        assert "李明" in person_names(text)
    finally:
        use_lexicon([])
    assert "李明" not in person_names(text)
