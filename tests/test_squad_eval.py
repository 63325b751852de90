"""`rag eval --squad`: SQuAD-format files loaded, split by article, scored reader-only and open-domain."""

from __future__ import annotations

import json

import pytest

from rag.config import Settings
from rag.evaluate.span_metrics import answer_hit, char_f1, exact_match, span_tokens
from rag.evaluate.squad import SquadError, load_squad, sample, split_of
from rag.evaluate.squad_run import squad_command
from rag.index.embedding import HashEmbedder
from rag.pipeline import Pipeline

ARTICLES = {
    "電話": ["電話是由貝爾發明的。1876年，貝爾取得了電話的專利。", "早期的電話需要接線生轉接。"],
    "西北水道": ["第一個乘船通過整個西北水道的人是羅爾德·阿蒙森。他在1906年完成了這次航行。"],
    "熊猫": ["大熊猫主要生活在四川。", "成年大熊猫每天要吃十二公斤以上的竹子。"],
}
QUESTIONS = {
    "電話": [("電話是誰發明的？", "貝爾", 0), ("早期的電話需要誰轉接？", "接線生", 1)],
    "西北水道": [("第一個乘船通過整個西北水道的人是誰？", "羅爾德·阿蒙森", 0)],
    "熊猫": [("成年大熊猫每天吃多少竹子？", "十二公斤以上", 1)],
}


def gold(context: str, answer: str) -> dict:
    return {"text": answer, "answer_start": context.find(answer)}


def write_squad(path, articles=ARTICLES, questions=QUESTIONS):
    data = []
    for title, paras in articles.items():
        entry = {"title": title, "paragraphs": []}
        for i, ctx in enumerate(paras):
            qas = [
                {
                    "id": f"{title}-{i}-{n}",
                    "question": q,
                    "answers": [{"text": a, "answer_start": ctx.find(a)}],
                }
                for n, (q, a, p) in enumerate(questions.get(title, []))
                if p == i
            ]
            entry["paragraphs"].append({"context": ctx, "qas": qas})
        data.append(entry)
    path.write_text(json.dumps({"version": "t", "data": data}, ensure_ascii=False), encoding="utf-8")
    return path


def test_articles_become_documents_whose_paragraphs_hold_the_answers(tmp_path):
    squad = load_squad(write_squad(tmp_path / "set.json"))
    assert len(squad.articles) == 3 and len(squad.questions) == 4
    for q in squad.questions:
        art = squad.article(q.article_id)
        start, end = art.paragraphs[q.paragraph]
        assert q.answers[0] in art.text[start:end]
        assert q.split == art.split == split_of(art.title)


def test_split_is_by_article_and_stable():
    titles = [f"条目{i}" for i in range(2000)]
    splits = [split_of(t) for t in titles]
    assert splits == [split_of(t) for t in titles]
    share = {s: splits.count(s) / len(splits) for s in ("tune", "heldout", "removed")}
    assert 0.07 < share["removed"] < 0.13 and 0.3 < share["heldout"] < 0.42 and share["tune"] > 0.45


def test_sample_takes_evenly_spread_questions_per_split(tmp_path):
    squad = load_squad(write_squad(tmp_path / "set.json"))
    picked = sample(squad.questions, 1, ("tune", "heldout", "removed"))
    assert len(picked) <= 3 and len({q.split for q in picked}) == len(picked)


def test_cmrc_metrics_on_hand_computed_examples():
    assert span_tokens("羅爾德·阿蒙森 in 1906年") == ["罗", "尔", "德", "阿", "蒙", "森", "in", "1906", "年"]
    assert exact_match("罗尔德·阿蒙森", ["羅爾德·阿蒙森"])
    assert not exact_match("阿蒙森", ["羅爾德·阿蒙森"])
    # 3 of the prediction's 3 tokens, 3 of the gold's 6: P 1, R 0.5, F1 2/3
    assert char_f1("阿蒙森", ["羅爾德·阿蒙森"]) == pytest.approx(2 / 3)
    assert char_f1("无关", ["羅爾德·阿蒙森"]) == 0.0
    assert answer_hit("是羅爾德·阿蒙森。[1]", ["罗尔德·阿蒙森"]) and not answer_hit("是他", ["阿蒙森"])


def test_reader_only_writes_one_entry_per_question(tmp_path):
    squad_file = write_squad(tmp_path / "set.json")
    out = tmp_path / "report"
    table = squad_command(squad_file, out, reader_only=True, answerer_name="baseline", progress=False)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    answerable = [q for q in load_squad(squad_file).questions if q.split != "removed"]
    assert len(results["questions"]) == len(answerable)
    for entry in results["questions"]:
        assert {"id", "question", "answer", "short_answer", "abstained", "citations", "hits"} <= set(entry)
        assert entry["hits"] and entry["citations"]
    # the baseline quotes the sentence with most shared bigrams: here always the answer's own
    assert table["all"]["answer_hit"] == 1.0
    assert (out / "report.md").read_text(encoding="utf-8").startswith("### set")


def test_open_domain_indexes_all_but_the_removed_articles(tmp_path, monkeypatch):
    import rag.evaluate.squad as squad_module

    monkeypatch.setattr(
        squad_module, "REMOVED_SHARE", 0.34
    )  # a collection this small needs a removed article
    squad_file = write_squad(tmp_path / "set.json")
    squad = load_squad(squad_file)
    removed = {a.id for a in squad.articles if a.split == "removed"}
    assert removed and len(removed) < len(squad.articles)
    built = {}

    def make_pipeline(corpus, index):
        built["docs"] = sorted(p.stem for p in corpus.glob("*.txt"))
        return Pipeline.build([corpus], index, Settings(embedder="hash"), HashEmbedder())

    table = squad_command(squad_file, tmp_path / "out", make_pipeline=make_pipeline, progress=False)
    assert set(built["docs"]) == {a.id for a in squad.articles} - removed
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert len(results["questions"]) == len(squad.questions)
    assert table["all"]["n_removed"] == sum(q.split == "removed" for q in squad.questions)
    assert "answer_recall@5" in table["all"] and "article_recall@1" in table["all"]


def test_a_file_that_is_not_squad_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SquadError, match="not a SQuAD-format"):
        load_squad(bad)
    bad.write_text('{"data": []}', encoding="utf-8")
    with pytest.raises(SquadError, match="no answerable questions"):
        load_squad(bad)


def test_an_entry_without_question_text_is_skipped_and_named(tmp_path):
    questions = {**QUESTIONS, "熊猫": [*QUESTIONS["熊猫"], ("  ", "四川", 0)]}
    squad = load_squad(write_squad(tmp_path / "set.json", questions=questions))
    assert squad.skipped == ("熊猫-0-1",)
    assert all(q.question.strip() for q in squad.questions) and len(squad.questions) == 4
