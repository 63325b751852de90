"""The gold question set is valid against the seeds and covers what the evaluation needs; the
checker itself catches the mistakes it promises to catch."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
SEEDS = ROOT / "seeds"
TRADITIONAL_SEEDS = ("001_121e93e5bd4a9494.txt", "003_3899e96b9768fbad.txt")


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_questions", ROOT / "eval" / "check_questions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


check = _load_checker()


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    result = check.check_file(QUESTIONS, SEEDS)
    assert not result.problems, "\n".join(result.problems)
    return list(result.questions)


def _with_tag(gold: list[dict], tag: str) -> list[dict]:
    return [q for q in gold if tag in q["tags"]]


def test_gold_file_is_valid(gold):
    assert len(gold) >= 90


def test_every_seed_is_covered(gold):
    per_doc = Counter(d for q in gold for d in q["doc_ids"])
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(seeds) == 5
    for doc in seeds:
        assert per_doc[doc] >= 12, f"{doc}: only {per_doc[doc]} questions"


def test_traditional_seeds_are_asked_in_both_scripts(gold):
    assert sum(q["question_script"] == "traditional" for q in gold) >= 10
    for doc in TRADITIONAL_SEEDS:
        scripts = Counter(q["question_script"] for q in gold if doc in q["doc_ids"])
        assert scripts["traditional"] >= 3 and scripts["simplified"] >= 3, (doc, scripts)


@pytest.mark.parametrize(
    ("tag", "minimum"),
    [
        ("number", 10),
        ("person", 10),
        ("post", 5),
        ("punishment", 5),
        ("place", 5),
        ("date", 5),
        ("paraphrase", 10),
        ("multi_sentence", 5),
        ("multi_doc", 4),
        ("unanswerable", 10),
        ("count_list", 5),
    ],
)
def test_tag_minimums(gold, tag, minimum):
    assert len(_with_tag(gold, tag)) >= minimum


def test_multi_doc_questions_cite_each_document(gold):
    texts = check.read_corpus(SEEDS)
    for q in _with_tag(gold, "multi_doc"):
        for doc in q["doc_ids"]:
            assert any(ev in texts[doc] for ev in q["evidence"]), (q["id"], doc)


def test_heldout_split_is_a_spread_out_third(gold):
    heldout = [q for q in gold if q["split"] == "heldout"]
    assert 0.25 <= len(heldout) / len(gold) <= 0.4
    for doc in sorted(p.name for p in SEEDS.glob("*.txt")):
        assert any(doc in q["doc_ids"] for q in heldout), doc
    for tag in ("unanswerable", "multi_doc", "paraphrase", "multi_sentence"):
        assert _with_tag(heldout, tag), tag
    for doc in TRADITIONAL_SEEDS:
        assert any(doc in q["doc_ids"] and q["question_script"] == "traditional" for q in heldout), doc


def test_evidence_is_short_and_on_one_line(gold):
    for q in gold:
        for ev in q["evidence"]:
            assert "\n" not in ev and 6 <= len(ev) <= 50, (q["id"], ev)


# --- the checker catches problems ----------------------------------------------------------------


def _good(**changes) -> dict:
    rec = {
        "id": "q1",
        "question": "資源縣委書記是誰？",
        "doc_ids": ["a.txt"],
        "evidence": ["資源縣委書記黃欽帶隊"],
        "answers": [["黃欽", "黄钦"]],
        "tags": ["person"],
        "question_script": "traditional",
        "paraphrase": False,
        "split": "tune",
    }
    rec.update(changes)
    return rec


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "資源縣委書記黃欽帶隊檢查,強化監(jiān)督檢查。共發現問題12個。\n", encoding="utf-8"
    )
    (folder / "b.txt").write_text("天津市纪委监委召开视频会议。\n", encoding="utf-8")
    return folder


def _write(tmp_path: Path, records: list) -> Path:
    path = tmp_path / "questions.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_checker_accepts_a_good_file(tmp_path, corpus):
    # "监督" is found only after folding away the pinyin artefact and converting to Simplified
    ok = _good(
        id="q2", question="强化了什么？", answers=[["监督检查"]], question_script="simplified", tags=["post"]
    )
    path = _write(tmp_path, [_good(), ok])
    result = check.check_file(path, corpus)
    assert result.problems == ()
    assert check.main([str(path), "--corpus", str(corpus)]) == 0


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_good(evidence=["資源縣委書記黄钦帶隊"]), "not an exact substring"),
        (_good(answers=[["李四"]]), "no string of answer group"),
        (_good(doc_ids=["missing.txt"]), "not in the corpus"),
        (_good(doc_ids=[], tags=["unanswerable", "person"]), "must have empty evidence and answers"),
        (_good(tags=["person", "colour"]), "unknown tags"),
        (_good(tags=["person", "multi_doc"]), "multi_doc"),
        (_good(paraphrase=True), "paraphrase"),
        (_good(tags=["person", "multi_sentence"]), "multi_sentence"),
        (_good(question_script="simplified"), "question_script is simplified"),
        (_good(question="天津市纪委书记是谁", question_script="traditional"), "no Traditional-only"),
        (_good(split="test"), "split"),
        (_good(evidence=["資源縣委書記黃欽帶隊檢查,強化監(jiān)督檢查。共發現問題12個。\n"]), "line break"),
        (
            _good(doc_ids=["a.txt", "b.txt"], tags=["person", "multi_doc"]),
            "no evidence string comes from b.txt",
        ),
        ({k: v for k, v in _good().items() if k != "answers"}, "missing field 'answers'"),
        (_good(paraphrase="no"), "should be bool"),
        ("{not json", "not valid JSON"),
    ],
)
def test_checker_reports_each_problem(tmp_path, corpus, record, message):
    path = _write(tmp_path, [record])
    problems = check.check_file(path, corpus).problems
    assert any(message in p for p in problems), problems
    assert check.main([str(path), "--corpus", str(corpus)]) == 1


def test_checker_reports_duplicate_ids(tmp_path, corpus):
    path = _write(tmp_path, [_good(), _good(question="資源縣的縣委書記叫甚麼")])
    problems = check.check_file(path, corpus).problems
    assert any("used 2 times" in p for p in problems), problems


def test_eval_of_the_seeds_uses_the_answerer_asked_for(monkeypatch, tmp_path):
    """`rag eval --answerer learned` once scored the default answerer without a word."""
    import rag.evaluate.command as command
    from rag.cli import main

    seen = {}
    monkeypatch.setattr(command, "eval_command", lambda *a: seen.setdefault("settings", a[-1]))
    assert main(["eval", "--index", str(tmp_path), "--answerer", "learned", "--out", str(tmp_path)]) == 0
    assert seen["settings"].answerer == "learned"
    assert main(["eval", "--index", str(tmp_path), "--answerer", "baseline", "--out", str(tmp_path)]) != 0
