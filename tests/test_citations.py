"""Citation helpers: markers, claim verification, sentence spans in document offsets."""

from __future__ import annotations

import pytest

from rag.answer.citations import (
    best_supporting_span,
    make_citation,
    markers,
    normalise_markers,
    renumber,
    sentence_spans_in_chunk,
    split_claims,
    strip_markers,
    verify_claim,
)
from rag.answer.quotes import cover, display_text
from rag.types import Chunk, Citation, Document, Hit
from rag.zh.numbers import cn_to_int, numbers_with_measures

PASSAGE = "截至目前，安居区处理疫情防控违纪问题48起，问责党员干部89人，通报曝光典型案例4起10人。"
TRAD = "該縣紀委監(jiān)委成立了7個專項監(jiān)督檢查組和1個暗訪組，海東市抽調人員組成三個督查小組。"


def _doc_and_chunk(text: str, prefix: str = "标题\n\n") -> tuple[Document, Chunk]:
    full = prefix + text + "\n后记。"
    start = full.index(text)
    doc = Document(id="d.txt", title="标题", text=full)
    return doc, Chunk(id="c1", doc_id="d.txt", text=text, start=start, end=start + len(text))


def test_cn_to_int():
    assert cn_to_int("十二") == 12
    assert cn_to_int("一百零五") == 105
    assert cn_to_int("两") == 2
    assert cn_to_int("二〇二〇") == 2020
    assert cn_to_int("三万五千") == 35000
    assert cn_to_int("abc") is None


def test_numbers_keep_their_measure_words():
    nums = numbers_with_measures("处理违纪问题48起，问责党员干部89人，成立三个小组，发现问题1800余个")
    assert {("48", "起"), ("89", "人"), ("3", "个"), ("1800", "个")} <= nums
    assert ("48", "人") not in nums
    # a Chinese numeral without a measure word is a word, not a number ("一线")
    assert numbers_with_measures("深入一线") == set()


def test_verify_claim_needs_every_number_with_its_measure_word():
    assert verify_claim("安居区问责党员干部89人。", PASSAGE)
    # the 1.5B model's mistake: 48 is a count of 起, not of people
    assert not verify_claim("安居区问责党员干部48人。", PASSAGE)
    assert not verify_claim("安居区问责党员干部90人。", PASSAGE)


def test_verify_claim_across_scripts_and_numerals():
    assert verify_claim("该县纪委监委成立了7个专项监督检查组。[1]", TRAD)
    assert verify_claim("海东市组成了3个督查小组", TRAD)
    assert not verify_claim("海东市组成了4个督查小组", TRAD)


def test_verify_claim_rejects_unrelated_sentence():
    assert not verify_claim("天津市纪委监委召开了视频会议。", PASSAGE)
    assert not verify_claim("", PASSAGE)


def test_markers_normalise_strip_and_split():
    assert normalise_markers("甲[1, 2]乙[3，4]") == "甲[1][2]乙[3][4]"
    assert markers("甲。[2]乙[1][2]。") == [2, 1, 2]
    assert strip_markers("甲 [2]。乙[1]。") == "甲。乙。"
    claims = split_claims("刘仁甫受到谈话诫勉。[1]他擅离职守[2]。没有出处的一句")
    assert claims == [("刘仁甫受到谈话诫勉。", [1]), ("他擅离职守。", [2]), ("没有出处的一句", [])]


def test_renumber_by_first_use_and_drop_unknown():
    cites = [Citation(n, f"c{n}", "d", "t", f"q{n}", 0, 1) for n in (1, 2, 3)]
    text, out = renumber("甲[3]。乙[1][3]。丙[9]。", cites)
    assert text == "甲[1]。乙[2][1]。丙。"
    assert [(c.n, c.chunk_id) for c in out] == [(1, "c3"), (2, "c1")]


def test_sentence_spans_are_document_offsets_inside_the_chunk():
    text = "第一句话。第二句：甲；乙；丙。“引语？”第三句!"
    doc, chunk = _doc_and_chunk(text)
    spans = sentence_spans_in_chunk(chunk)
    quotes = [doc.text[s:e] for s, e in spans]
    assert quotes == ["第一句话。", "第二句：甲；乙；丙。", "“引语？”", "第三句!"]
    assert all(chunk.start <= s < e <= chunk.end for s, e in spans)


def test_sentence_spans_join_a_lost_character():
    # "日?qǐng)?bào)告": a character lost in conversion left "?" and its pinyin
    text = "實行“日督查、日?qǐng)?bào)告、日匯總”工作機制。下一句。"
    _, chunk = _doc_and_chunk(text)
    spans = sentence_spans_in_chunk(chunk)
    assert len(spans) == 2
    assert chunk.text[spans[0][0] - chunk.start : spans[0][1] - chunk.start].endswith("工作機制。")


def test_make_citation_quotes_the_document_and_checks_the_span():
    doc, chunk = _doc_and_chunk(PASSAGE)
    hit = Hit(chunk=chunk, score=1.0, rank=1)
    s, e = sentence_spans_in_chunk(chunk)[0]
    c = make_citation(1, hit, (s, e), {doc.id: doc})
    assert c.quote == doc.text[c.start : c.end] == PASSAGE
    assert (c.doc_id, c.chunk_id, c.title) == ("d.txt", "c1", "标题")
    with pytest.raises(ValueError):
        make_citation(1, hit, (0, 3), {doc.id: doc})


def test_best_supporting_span_finds_the_claims_sentence():
    doc, chunk = _doc_and_chunk("无关的一句话。" + PASSAGE + "又一句无关的话。")
    (s, e), score = best_supporting_span("安居区问责党员干部89人", chunk)
    assert doc.text[s:e] == PASSAGE
    assert score > 0.6


def test_display_text_drops_pinyin_artefacts_only():
    assert display_text("該縣紀委監(jiān)委成立了7個組") == "該縣紀委監委成立了7個組"
    assert display_text("使用(app)下载") == "使用(app)下载"


def test_cover_splits_a_span_over_two_offered_passages():
    text = "甲乙丙丁戊己庚辛壬癸。"
    doc = Document(id="d", title="t", text=text)
    c1 = Chunk("c1", "d", text[0:6], 0, 6)
    c2 = Chunk("c2", "d", text[4:11], 4, 11)
    hits = [Hit(c1, 1.0, 1), Hit(c2, 0.5, 2)]
    assert cover((0, 5), "d", hits, 0) == [(0, 0, 5)]
    assert cover((0, 11), "d", hits, 0) == [(0, 0, 6), (1, 6, 11)]
    assert cover((0, 11), "d", hits[:1], 0) is None
    assert doc.text[0:6] + doc.text[6:11] == text
