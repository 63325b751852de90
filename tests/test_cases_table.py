"""The case table integrated: read at indexing time, stored beside the chunks, updated and removed
with its documents; counting/listing questions recognised and answered from it with one citation per
case and the totals the documents state; `rag cases` listing each field with its sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answer.counting import table_answer
from rag.cases.question import case_question
from rag.config import Settings
from rag.index.store import load_snapshot
from rag.pipeline import Pipeline
from rag.query.analysis import analyse

from .test_cli import run

REPORT = """某县通报疫情防控典型问题

近日，某县纪委监委通报曝光3起违反疫情防控纪律典型问题。
1.某县交通运输局局长张建国多次收受管理服务对象礼金。2022年4月8日，经县纪委监委研究决定，给予张建国党内严重警告处分、政务记过处分。
2.某县柳林镇党委书记孔德明履职不力，被诫勉谈话。
"""

POLICY = """疫情防控纪律要求

会议强调，对失职失责、推诿扯皮的党员干部，要严肃处分。
对工作不力、落实不到位的单位，将依规依纪严肃问责。
"""

ANOTHER = """某市通报

经查，某市卫生健康委员会副主任李文明在疫情防控中严重失职失责，被给予留党察看一年处分。
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    (folder / "policy.txt").write_text(POLICY, encoding="utf-8")
    return folder


def _pipeline(tmp_path: Path, corpus: Path, fake_embedder) -> Pipeline:
    return Pipeline.build([corpus], tmp_path / "idx", Settings(embedder=fake_embedder.name), fake_embedder)


def _keys(snap, doc_id: str) -> list[str]:
    return [c.key for c in snap.cases[doc_id].cases]


def test_cases_are_stored_with_their_documents_and_follow_updates(tmp_path, corpus, fake_embedder):
    pipe = _pipeline(tmp_path, corpus, fake_embedder)
    snap = pipe.snapshot
    assert _keys(snap, "report.txt") == ["张建国", "孔德明"]
    assert _keys(snap, "policy.txt") == []  # 要严肃处分 in a policy statement is no case
    assert [(t.count, t.measure) for t in snap.cases["report.txt"].totals] == [(3, "起")]
    gen = next((tmp_path / "idx").glob("gen-*"))
    rows = [json.loads(line) for line in (gen / "cases.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["doc_id"] for r in rows} == {"report.txt", "policy.txt"}

    loaded = load_snapshot(tmp_path / "idx", fake_embedder.name)
    assert loaded.cases == snap.cases  # the round trip keeps every field and span

    (corpus / "another.txt").write_text(ANOTHER, encoding="utf-8")
    (corpus / "report.txt").write_text(REPORT.split("\n2.")[0] + "\n", encoding="utf-8")
    pipe.sync([corpus])
    snap = pipe.snapshot
    assert _keys(snap, "report.txt") == ["张建国"]  # an edited document's cases are read again
    assert _keys(snap, "another.txt") == ["李文明"]
    pipe.remove_documents(["another.txt"])
    assert "another.txt" not in pipe.snapshot.cases
    assert "another.txt" not in load_snapshot(tmp_path / "idx", fake_embedder.name).cases


def test_an_index_written_before_cases_were_stored_reads_them_on_load(tmp_path, corpus, fake_embedder):
    pipe = _pipeline(tmp_path, corpus, fake_embedder)
    gen = next((tmp_path / "idx").glob("gen-*"))
    (gen / "cases.jsonl").unlink()
    assert load_snapshot(tmp_path / "idx", fake_embedder.name).cases == pipe.snapshot.cases


@pytest.mark.parametrize(
    ("question", "kind", "sanction", "place", "time", "units"),
    [
        ("哪些人受到了留党察看处分？", "list", "留党察看", "", "", False),
        ("天津市哪些干部被问责？", "list", "", "天津市", "", False),
        ("资源县批评教育了多少人？", "count", "批评教育", "资源县", "", False),
        ("哪些单位被约谈？", "list", "约谈", "", "", True),
        ("2021年11月青海哪些干部被免职？", "list", "免职", "青海", "2021-11", False),
        ("哪些人受到了政务处分？", "list", "政务处分", "", "", False),
        ("谁受到了诫勉谈话？", "list", "诫勉谈话", "", "", False),
    ],
)
def test_counting_and_listing_questions_are_recognised(question, kind, sanction, place, time, units):
    cq = case_question(question)
    assert cq is not None
    assert (cq.kind, cq.query.sanction, cq.query.place, cq.query.time, cq.units) == (
        kind,
        sanction,
        place,
        time,
        units,
    )


@pytest.mark.parametrize(
    "question",
    [
        "谁负责全县的疫苗接种工作？",  # 谁 but not about cases
        "哪个网格员值班那天跑出去喝酒，结果被追责了",  # one person: an ordinary question
        "王增田被处分后，由谁接手医用物资保障工作？",
        "有多少个核酸检测点？",
        "安居区和青海全省分别问责了多少人，哪个多？",  # two things asked: answered part by part
    ],
)
def test_ordinary_questions_are_not_case_questions(question):
    assert analyse(question).cases is None


def test_a_count_gives_the_cases_each_cited_and_the_stated_total(tmp_path, corpus, fake_embedder):
    snap = _pipeline(tmp_path, corpus, fake_embedder).snapshot
    query = analyse("某县通报了多少起典型问题？")
    result = table_answer(query, snap.cases, snap.documents, list(snap.chunks.values()))
    answer = result.answer
    assert [c.key for c in result.cases] == ["张建国", "孔德明"]
    assert not answer.abstained
    doc = snap.documents["report.txt"]
    for case in result.cases:  # one citation per case: the sentence stating its sanction
        own = [c for c in answer.citations if (c.start, c.end) == case.sanctions[0].sentence]
        assert len(own) == 1 and own[0].quote == doc.text[own[0].start : own[0].end]
        assert case.key in answer.text
    total = result.totals[0]
    assert total.count == 3
    assert any((c.start, c.end) == total.what.sentence for c in answer.citations)
    assert "3" in answer.text and "2起" in answer.text  # three reported, two described
    assert len(answer.citations) == 3 and all(c.chunk_id in snap.chunks for c in answer.citations)


def test_the_pipeline_answers_case_questions_from_the_table(tmp_path, corpus, fake_embedder):
    pipe = _pipeline(tmp_path, corpus, fake_embedder)
    answer = pipe.ask("哪些人被诫勉谈话？")
    assert "孔德明" in answer.text and "张建国" not in answer.text
    assert len(answer.citations) == 1 and "诫勉谈话" in answer.citations[0].quote
    declined = pipe.ask("哪些人受到了开除党籍处分？")
    assert declined.abstained and not declined.citations
    # a general count no document states: declined, the cases described offered
    general = pipe.ask("某市一共问责了多少人？")
    assert general.abstained


def test_rag_cases_lists_each_field_with_its_sentence(tmp_path, corpus):
    r = run(["index", str(corpus), "--index", "idx"], tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(["cases", "--index", "idx", "--sanction", "严重警告"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "张建国" in r.stdout and "孔德明" not in r.stdout
    assert "<- 2022年4月8日，经县纪委监委研究决定" in r.stdout
    r = run(["cases", "--index", "idx", "--json"], tmp_path)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["name"]["value"] for row in rows] == ["张建国", "孔德明"]
    text = REPORT
    for row in rows:
        for f in [row[k] for k in ("name", "post", "violation")] + row["sanctions"]:
            if f["value"]:
                a, b = f["sentence"]
                assert f["source"] == text[a:b].strip() and f["value"] in f["source"] or f["span"]
    r = run(["cases", "--index", "idx", "--doc", "missing.txt"], tmp_path)
    assert r.returncode == 2 and "no document 'missing.txt'" in r.stderr


DISTRICT = """安平区通报疫情防控工作

截至目前，安平区处理疫情防控违纪问题48起，问责党员干部89人。
安平区中兴镇五香庙村党员刘仁贵在值守期间擅自脱岗，受到诫勉谈话。
"""

OTHER_DISTRICT = """安平区卫生系统通报

安平区疾控中心主任赵明亮履职不力，被免职。
"""


def test_a_count_leads_with_the_closest_stated_total_and_the_cases_of_its_document(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "district.txt").write_text(DISTRICT, encoding="utf-8")
    (corpus / "other.txt").write_text(OTHER_DISTRICT, encoding="utf-8")
    snap = _pipeline(tmp_path, corpus, fake_embedder).snapshot
    result = table_answer(
        analyse("安平区问责了多少党员干部？"), snap.cases, snap.documents, list(snap.chunks.values())
    )
    assert [t.count for t in result.totals] == [89]  # not the 48起 of the same sentence
    assert [c.key for c in result.cases] == ["刘仁贵"]  # the other document's case is not "of" the 89
    assert result.answer.text.startswith("文件中说明的总数：问责党员干部89人[1]")
    assert "48" not in result.answer.text and "刘仁贵" in result.answer.text
    listing = table_answer(analyse("安平区哪些人被免职？"), snap.cases, snap.documents, [])
    assert [c.key for c in listing.cases] == ["赵明亮"] and not listing.totals
