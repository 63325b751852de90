"""Case extraction (rag/cases): small documents written here, the gold file, the seeds' figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cases import Case, extract_cases, extract_totals, load_gold, match_cases, match_totals
from rag.cases.mentions import phrase_patterns
from rag.cases.model import case_from_dict, case_to_dict
from rag.cases.select import CaseQuery, select_cases
from rag.cases.table import sanction_table
from rag.cases.totals import total_from_dict, total_to_dict
from rag.ingest.documents import load_document
from rag.types import Document
from rag.zh.lexicon import use_lexicon
from rag.zh.text import fold

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "eval" / "cases_gold.jsonl"
QUESTIONS = ROOT / "eval" / "cases_questions.jsonl"


def _doc(text: str, doc_id: str = "t.txt") -> Document:
    return Document(id=doc_id, title=text.splitlines()[0], text=text)


def _one(cases: list[Case], key: str) -> Case:
    found = [c for c in cases if c.key == key]
    assert len(found) == 1, [c.key for c in cases]
    return found[0]


def _check_spans(doc: Document, case: Case) -> None:
    """Every stated field's words lie in its sentence and hold its value; a sanction's words are one
    of the table's written forms of its standard name; an empty field has no span."""
    forms = sanction_table().forms
    for name, f in case.fields().items():
        if not f:
            assert f.span is None and f.sentence is None, name
            continue
        s, e = f.span
        ss, se = f.sentence
        assert ss <= s < e <= se, (name, f)
        assert fold(f.value) in fold(doc.text[s:e]), (name, f.value, doc.text[s:e])
        assert fold(f.value) in fold(doc.text[ss:se])
    for f in case.sanctions:
        s, e = f.span
        written = fold(doc.text[s:e])
        phrase = any(p.fullmatch(written) and n == f.value for p, n in phrase_patterns())
        assert forms.get(written) == f.value or phrase, (written, f.value)
        assert f.sentence[0] <= s < e <= f.sentence[1]
    assert case.evidence and all(doc.text[a:b].strip() for a, b in case.evidence)


POLICY = """疫情防控纪律要求

会议强调，对失职失责、推诿扯皮的党员干部，要严肃处分。
对工作不力、落实不到位的单位，将依规依纪严肃问责。
“对违反疫情防控纪律的行为，一律严肃追责问责并通报曝光。”县纪委书记张明强调。
为了让受问责干部放下思想包袱，县纪委监委启动问责调查回访工作。
今年以来，全县运用“第一种形态”批评教育12人，问责党员干部5人。
"""


def test_a_policy_that_names_sanctions_is_no_case():
    doc = _doc(POLICY)
    assert extract_cases(doc) == []


def test_a_person_with_two_sanctions_and_the_fields_the_text_states():
    text = (
        "某县通报一起典型问题\n\n"
        "经查，2021年3月至5月，某县交通运输局局长张建国多次收受管理服务对象礼金。\n"
        "2022年4月8日，经县纪委监委研究决定，给予张建国党内严重警告处分、政务记过处分。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    case = _one(cases, "张建国")
    assert [s.value for s in case.sanctions] == ["严重警告", "记过"]
    assert case.post.value == "某县交通运输局局长"
    assert case.unit.value == "某县交通运输局"
    assert case.decided_by.value == "县纪委监委"
    assert case.date.value == "2022年4月8日"
    assert "收受管理服务对象礼金" in case.violation.value
    assert case.persons == 1
    _check_spans(doc, case)


def test_a_traditional_document_keeps_original_offsets():
    text = (
        "區紀委監(jiān)委通報\n\n"
        "近日，區紀委監(jiān)委對城關鎮黨委書記王建華進行誡勉談話。經查，王建華在疫情防控工作中落實責任不力。\n"
    )
    doc = _doc(text)
    case = _one(extract_cases(doc), "王建華")
    assert [s.value for s in case.sanctions] == ["诫勉谈话"]
    assert doc.text[slice(*case.sanctions[0].span)] == "誡勉談話"
    assert case.post.value == "城關鎮黨委書記"
    assert fold(case.decided_by.value) == "区纪委监委"
    assert fold(case.place.value) == "城关镇"
    assert "落實責任不力" in case.violation.value
    _check_spans(doc, case)


def test_a_unit_held_accountable_is_a_case_without_a_name():
    text = (
        "县纪委监委通报\n\n"
        "检查发现，县市场监管局存在违规发放津补贴的问题。县纪委监委对县市场监管局进行通报批评。\n"
        "县纪委监委约谈县医保局领导班子。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == ["县医保局", "县市场监管局"]
    market = _one(cases, "县市场监管局")
    assert not market.name and market.persons is None
    assert [s.value for s in market.sanctions] == ["通报批评"]
    assert market.decided_by.value == "县纪委监委"
    assert market.violation.value == "违规发放津补贴"
    insurance = _one(cases, "县医保局")
    assert [s.value for s in insurance.sanctions] == ["约谈"]
    assert insurance.post.value == "领导班子"
    for case in cases:
        _check_spans(doc, case)


def test_a_removal_from_office_a_speaker_and_a_counted_group():
    text = (
        "通报\n\n"
        "“刘强被免去城东区卫生健康局局长职务”“陈静被免去城东区疾控中心主任职务”。\n"
        "县纪委书记周平介绍，某公司三名干部因漏报信息被点名通报，该县开除党籍处分5人。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == ["刘强", "某公司", "陈静"]  # not 周平, the speaker
    liu = _one(cases, "刘强")
    assert [s.value for s in liu.sanctions] == ["免职"]
    assert liu.post.value == "城东区卫生健康局局长"
    assert liu.place.value == "城东区"
    company = _one(cases, "某公司")
    assert company.persons == 3 and [s.value for s in company.sanctions] == ["通报批评"]
    for case in cases:
        _check_spans(doc, case)


def test_the_table_is_extended_by_a_user_file(tmp_path):
    extra = tmp_path / "mine.toml"
    table = '[sanctions]\naccountability = ["调离岗位"]\naliases = ["调岗=调离岗位"]\n'
    extra.write_text(table, encoding="utf-8")
    doc = _doc("通报\n\n村党支部书记赵强因失职被调岗。\n")
    try:
        assert extract_cases(doc) == []
        use_lexicon([extra])
        case = _one(extract_cases(doc), "赵强")
        assert [s.value for s in case.sanctions] == ["调离岗位"]
    finally:
        use_lexicon([])


def _gold_case(doc_id: str, **fields) -> dict:
    base = {"doc_id": doc_id, "name": "", "unit": "", "post": "", "place": "", "violation": ""}
    base.update({"sanctions": [], "decided_by": "", "date": "", "persons": None})
    base.update(fields)
    return base


def test_match_cases_counts_matches_extras_and_field_errors():
    doc = _doc("通报\n\n区纪委监委给予镇长王刚党内警告处分。区纪委监委对县水务局进行通报批评。\n", "d.txt")
    found = extract_cases(doc)
    gold = [
        _gold_case("d.txt", name="王刚", post="镇长", sanctions=["警告"], decided_by="区纪委监委", persons=1),
        _gold_case("d.txt", name="李四", sanctions=["记过"]),  # not in the text: a miss
        _gold_case("other.txt", unit="县水务局", sanctions=["通报批评"]),  # another document
    ]
    scores = match_cases(found, gold)
    assert (scores.n_gold, scores.n_found, scores.n_matched) == (3, 2, 1)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.precision == pytest.approx(1 / 2)
    assert [c.key for c in scores.extra] == ["县水务局"]
    assert scores.accuracy("sanctions") == 1.0 and scores.accuracy("post") == 1.0
    wrong_gold = [_gold_case("d.txt", name="王刚", post="镇长", sanctions=["严重警告"], persons=1)]
    scores = match_cases(found, wrong_gold)
    assert scores.accuracy("sanctions") == 0.0
    assert scores.accuracy("decided_by") == 0.0  # stated in the text, empty in this gold


def test_the_gold_file_quotes_the_seeds_and_names_standard_sanctions():
    cases, totals = load_gold(GOLD)
    standard = set(sanction_table().forms.values())
    assert cases and totals
    for rec in [*cases, *totals]:
        raw = (SEEDS / rec["doc_id"]).read_text(encoding="utf-8")
        ingested = load_document(SEEDS / rec["doc_id"], SEEDS).text
        for quote in rec["evidence"]:
            assert quote in raw and quote in ingested, (rec["doc_id"], quote)
    for rec in cases:
        assert rec["sanctions"] and set(rec["sanctions"]) <= standard, rec
        assert rec["name"] or rec["unit"], rec
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        answer = q["answer"]
        assert answer["found"] == len(answer["names"]) + len(answer["units"]), q["id"]
        assert all((SEEDS / d).is_file() for d in q["doc_ids"]), q["id"]
        for who in answer["names"]:
            assert any(c["name"] == who and c["doc_id"] in q["doc_ids"] for c in cases), (q["id"], who)


def test_the_seeds_meet_the_targets_and_every_field_has_its_sentence():
    gold, _ = load_gold(GOLD)
    found: list[Case] = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = load_document(path, SEEDS)
        cases = extract_cases(doc)
        for case in cases:
            _check_spans(doc, case)
        found += cases
    scores = match_cases(found, gold)
    assert scores.recall >= 0.9, [g.get("name") or g.get("unit") for g in scores.missed]
    assert scores.precision >= 0.9, [c.key for c in scores.extra]
    assert scores.accuracy("sanctions") >= 0.95, scores.wrong


def test_a_unit_and_a_person_in_one_sentence_and_a_sanction_given_to_him():
    text = (
        "区纪委监委通报\n\n"
        "区纪委监委责令区住建局党组作出书面检查，并对分管副局长孙伟进行诫勉谈话。\n"
        "经县纪委常委会会议研究，决定给予县农业农村局原党组书记、局长林志明开除党籍处分；"
        "由县监委给予其开除公职处分。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == ["区住建局党组", "孙伟", "林志明"]
    assert [s.value for s in _one(cases, "区住建局党组").sanctions] == ["责令检查"]  # 作出书面检查
    sun = _one(cases, "孙伟")
    assert [s.value for s in sun.sanctions] == ["诫勉谈话"] and sun.decided_by.value == "区纪委监委"
    lin = _one(cases, "林志明")
    assert [s.value for s in lin.sanctions] == ["开除党籍", "开除"]
    assert lin.unit.value == "县农业农村局" and lin.decided_by.value == "县纪委常委会"
    for case in cases:
        _check_spans(doc, case)


def test_stated_totals_are_read_and_are_not_cases():
    text = (
        "全县通报\n\n"
        "截至目前，全县处理违纪问题48起，问责党员干部89人，通报曝光典型案例4起10人。\n"
        "下一步，对顶风违纪的将严肃问责，问责人数将公开。\n"
    )
    doc = _doc(text)
    assert extract_cases(doc) == []
    totals = [(t.what.value, t.count, t.measure, t.sanction) for t in extract_totals(doc)]
    assert totals == [
        ("全县处理违纪问题", 48, "起", ""),
        ("问责党员干部", 89, "人", "问责"),
        ("通报曝光典型案例", 4, "起", ""),
        ("通报曝光典型案例", 10, "人", ""),
    ]
    for total in extract_totals(doc):
        assert total_from_dict(json.loads(json.dumps(total_to_dict(total)))) == total
        assert fold(total.what.value) in fold(doc.text[slice(*total.what.span)])


def test_the_seeds_state_the_totals_of_the_gold_file():
    _, gold = load_gold(GOLD)
    found = [t for p in sorted(SEEDS.glob("*.txt")) for t in extract_totals(load_document(p, SEEDS))]
    n_gold, n_found, n_matched = match_totals(found, gold)
    assert n_matched >= 0.9 * n_gold and n_matched >= 0.9 * n_found, (n_gold, n_found, n_matched)


def test_names_jieba_does_not_tag_are_read_by_position_and_found_again():
    text = (
        "市纪委监委通报\n\n"
        "1.北塘镇林场村党支部书记、村委会主任曹永福违规操办婚宴问题。曹永福受到党内警告处分。\n\n"
        "2.县纪委监委发现县水利局工作人员脱岗，随即对县水利局局长方志刚进行约谈，对值班人员王小明给予诫勉处理。\n\n"
        "3.经市委研究决定，免去刘海波市卫生健康委员会副主任职务；免去陈晓东南城区疾病预防控制中心主任职务。"
        "市纪委监委对市卫生健康委员会党组进行问责，责令其作出深刻检查。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    keys = sorted(c.key for c in cases)
    assert keys == sorted(["曹永福", "方志刚", "王小明", "刘海波", "陈晓东", "市卫生健康委员会党组"])
    cao = _one(cases, "曹永福")
    assert cao.post.value == "北塘镇林场村党支部书记、村委会主任" and "违规操办婚宴" in cao.violation.value
    assert [s.value for s in _one(cases, "方志刚").sanctions] == ["约谈"]
    assert [s.value for s in _one(cases, "王小明").sanctions] == ["诫勉谈话"]
    chen = _one(cases, "陈晓东")
    assert chen.decided_by.value == "市委"  # from the sentence it continues after ；
    assert chen.post.value == "南城区疾病预防控制中心主任"
    assert [s.value for s in _one(cases, "市卫生健康委员会党组").sanctions] == ["问责", "责令检查"]
    for case in cases:
        _check_spans(doc, case)


def test_a_list_of_names_a_unit_pointed_back_to_and_praise_that_is_no_total():
    text = (
        "柳林镇被问责\n\n"
        "因秸秆禁烧工作不力，县委对柳林镇党委进行问责，责令柳林镇党委向县委作出书面检查；"
        "对柳林镇党委书记孔德明、镇长高云飞进行诫勉谈话；对分管副镇长金鑫给予党内警告处分。\n\n"
        "区纪委监委对区市场监管局予以通报批评，并约谈该局主要负责人，对表现突出的3名干部给予通报表扬。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == sorted(["柳林镇党委", "孔德明", "高云飞", "金鑫", "区市场监管局"])
    assert [s.value for s in _one(cases, "柳林镇党委").sanctions] == ["问责", "责令检查"]
    gao = _one(cases, "高云飞")
    assert gao.post.value == "镇长" and [s.value for s in gao.sanctions] == ["诫勉谈话"]
    jin = _one(cases, "金鑫")
    assert jin.decided_by.value == "县委" and jin.violation.value == "秸秆禁烧工作不力"
    assert [s.value for s in _one(cases, "区市场监管局").sanctions] == ["通报批评", "约谈"]
    assert extract_totals(doc) == []
    for case in cases:
        _check_spans(doc, case)


def test_cases_are_selected_by_sanction_category_place_and_time_and_survive_json():
    text = (
        "天津:通报两起问题\n\n"
        "2020年2月3日，天津市卫生健康委员会二级巡视员王增田同志因严重失职失责，被给予留党察看二年处分、政务撤职处分。\n\n"
        "2021年5月，河西区纪委监委对河西区教育局局长张勇进行诫勉谈话。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == ["张勇", "王增田"]

    def keys(**query) -> list[str]:
        return sorted(c.key for c in select_cases(cases, CaseQuery(**query)))

    assert keys(sanction="留党察看") == ["王增田"]
    assert keys(sanction="政务处分") == ["王增田"]
    assert keys(sanction="诫勉") == ["张勇"]  # a written form of 诫勉谈话
    assert keys(place="河西区") == ["张勇"]
    assert keys(place="天津") == ["张勇", "王增田"]  # the headline's place is both reports'
    assert keys(time="2021-05") == ["张勇"] and keys(time="2020") == ["王增田"]
    assert keys(sanction="开除党籍") == []
    for case in cases:
        assert case_from_dict(json.loads(json.dumps(case_to_dict(case)))) == case


def test_an_appointment_notice_is_no_case_and_a_finding_states_the_violation():
    notice = _doc("关于免去王建新同志职务的决定\n\n某市人大常委会会议决定：免去王建新的市水务局局长职务。\n")
    assert extract_cases(notice) == []
    text = (
        "通报\n\n"
        "县纪委监委对县卫生健康委员会原主任黄某某严重违纪违法问题进行了立案审查调查。"
        "经查，黄某某违反中央八项规定精神，多次接受宴请。经县纪委常委会会议研究，决定给予黄某某开除党籍处分。\n\n"
        "经县委研究，对县应急管理局进行通报批评，对该局党组书记、局长彭少华进行诫勉谈话，"
        "给予红岩镇副镇长谢东党内警告处分。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    huang = _one(cases, "黄某某")
    assert huang.violation.value == "违反中央八项规定精神，多次接受宴请"
    assert huang.decided_by.value == "县纪委常委会"
    assert _one(cases, "彭少华").unit.value == "县应急管理局"  # 该局: the unit named before
    assert _one(cases, "谢东").unit.value == "红岩镇"
    for case in cases:
        _check_spans(doc, case)


def test_respectively_a_list_of_communities_and_a_count_that_is_no_unit():
    text = (
        "街道纪工委约谈3个社区党组织负责人\n\n"
        "区农业农村局干部张伟、李强在扶贫物资发放中优亲厚友。近日，张伟、李强分别受到党内警告、党内严重警告处分。\n\n"
        "针对疫情防控中暴露出的问题，街道纪工委约谈幸福社区、和平社区党组织书记。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == sorted(["张伟", "李强", "幸福社区", "和平社区"])
    assert [s.value for s in _one(cases, "张伟").sanctions] == ["警告"]
    li = _one(cases, "李强")
    assert [s.value for s in li.sanctions] == ["严重警告"] and li.post.value == "区农业农村局干部"
    peace = _one(cases, "和平社区")
    assert peace.decided_by.value == "街道纪工委" and "疫情防控中暴露出的" in peace.violation.value
    for case in cases:
        _check_spans(doc, case)


def test_resignation_ordered_a_transfer_and_a_heading_that_states_a_units_violation():
    text = (
        "通报\n\n"
        "因对重大火灾事故负有领导责任，经市委研究，责令东港区区长邓志勇辞去职务，对东港区应急管理局局长包红军予以免职。\n\n"
        "覃小华受到政务警告处分，并被调离工作岗位。\n\n"
        "（二）南湖街道办事处在防汛工作中弄虚作假问题。市纪委监委对南湖街道办事处党工委进行通报问责。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == sorted(["邓志勇", "包红军", "覃小华", "南湖街道办事处党工委"])
    deng = _one(cases, "邓志勇")
    assert [s.value for s in deng.sanctions] == ["责令辞职"] and deng.decided_by.value == "市委"
    assert [s.value for s in _one(cases, "包红军").sanctions] == ["免职"]
    assert [s.value for s in _one(cases, "覃小华").sanctions] == ["警告", "调离岗位"]
    assert _one(cases, "南湖街道办事处党工委").violation.value == "在防汛工作中弄虚作假"
    for case in cases:
        _check_spans(doc, case)


def test_the_violation_of_the_subject_not_of_an_object_and_relative_dates():
    text = (
        "国企案例\n\n"
        "在查办县交通运输局原局长唐某某严重违纪违法案后，县纪委监委向县交通运输局党组发出纪检监察建议书。"
        "唐某某在担任局长期间，利用职务便利收受财物共计86万元。今年3月，唐某某被开除党籍、开除公职。\n\n"
        "某集团有限公司副总经理林某某违规兼职取酬，受到党内警告处分，并被免去副总经理职务。\n\n"
        "2021年至2022年，市财政局预算科科长李某多次收受下属礼金。李某受到政务降级处分。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    tang = _one(cases, "唐某某")
    assert "利用职务便利收受财物" in tang.violation.value and "建议书" not in tang.violation.value
    assert tang.date.value == "今年3月"
    lin = _one(cases, "林某某")
    assert lin.violation.value == "违规兼职取酬" and [s.value for s in lin.sanctions] == ["警告", "免职"]
    li = _one(cases, "李某")
    assert li.date.value == "2021年至2022年" and li.violation.value == "多次收受下属礼金"
    for case in cases:
        _check_spans(doc, case)


def test_an_ordinal_is_no_count_and_an_organ_is_no_name():
    text = (
        "驻市卫健委纪检监察组严肃问责一起医疗服务问题\n\n"
        "驻市卫健委纪检监察组在监督检查中发现，市第一人民医院门诊部存在推诿病人问题。"
        "驻市卫健委纪检监察组对市第一人民医院门诊部主任汪洋进行约谈，并责令市第一人民医院作出书面检查。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    assert sorted(c.key for c in cases) == ["市第一人民医院", "汪洋"]
    hospital = _one(cases, "市第一人民医院")
    assert [s.value for s in hospital.sanctions] == ["责令检查"] and hospital.persons is None
    wang = _one(cases, "汪洋")
    assert [s.value for s in wang.sanctions] == ["约谈"]
    assert wang.decided_by.value == "驻市卫健委纪检监察组" and wang.violation.value == "推诿病人"
    for case in cases:
        _check_spans(doc, case)


def test_the_body_that_decides_a_list_heads_unit_and_a_count_before_its_action():
    text = (
        "市水务局两名干部被处分\n\n"
        "市水务局排水科科长何志明、副科长庞伟在城市内涝防治工作中失职失责，分别受到政务记大过、政务降级处分。\n\n"
        "因城南乡党委落实管党治党责任不力，县委决定对城南乡党委领导班子进行调整，给予城南乡党委书记钟海涛撤销党内职务处分。\n\n"
        "区纪委监委对区安监站站长洪建新、副站长阎丽进行批评教育。\n"
    )
    doc = _doc(text)
    cases = extract_cases(doc)
    pang = _one(cases, "庞伟")
    assert [s.value for s in pang.sanctions] == ["降级"] and pang.unit.value == "市水务局排水科"
    assert _one(cases, "钟海涛").decided_by.value == "县委"
    assert [s.value for s in _one(cases, "洪建新").sanctions] == ["批评教育"]
    assert _one(cases, "阎丽").unit.value == "区安监站"
    assert [(t.count, t.measure) for t in extract_totals(doc)] == [(2, "人")]
    for case in cases:
        _check_spans(doc, case)
