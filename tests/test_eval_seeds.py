"""The quality gate: the seeds corpus indexed with default settings and the real model must answer
the gold questions (eval/questions.jsonl) well enough."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import Settings
from rag.evaluate.evaluation import evaluate
from rag.evaluate.questions import load_questions
from rag.evaluate.report import failures, format_table, write_report
from rag.evaluate.results import EvalResult

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
MIN_HYBRID_RECALL_AT_5 = 0.95
MIN_ANSWER_ACCURACY = 0.80


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    from rag.pipeline import Pipeline

    index = tmp_path_factory.mktemp("seeds") / "index"
    return Pipeline.build([ROOT / "seeds"], index, Settings())


@pytest.fixture(scope="module")
def questions():
    return load_questions(QUESTIONS)


def _explain(result: EvalResult, out: Path) -> str:
    report = write_report(result, out)
    missed = ", ".join(f"{q.id} (rank {r.first_rank or '-'})" for q, r in failures(result))
    wrong = ", ".join(
        a.question_id + (" (abstained)" if a.abstained else "") for a in result.answers if a.correct is False
    )
    table = format_table(result)
    return f"\n{table}\nmissed in top 5: {missed}\nwrong answers: {wrong or '-'}\nreport: {report}"


def test_hybrid_recall_at_5(pipeline, questions, tmp_path):
    result = evaluate(pipeline, questions, ("bm25", "dense", "hybrid"), k=10, answers=False)
    recall = result.metric("hybrid", "R@5")
    assert result.metric("hybrid", "n") == sum(q.answerable for q in questions)
    assert recall >= MIN_HYBRID_RECALL_AT_5, _explain(result, tmp_path / "report")


def test_answer_accuracy(pipeline, questions, tmp_path):
    result = evaluate(pipeline, questions, ("hybrid",), k=10, answers=True)
    accuracy = result.answer_metrics["all"]["accuracy"]
    assert accuracy is not None
    assert accuracy >= MIN_ANSWER_ACCURACY, _explain(result, tmp_path / "report")
