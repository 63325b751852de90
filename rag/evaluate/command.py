"""The `rag eval` command: load the index once, evaluate the gold questions, print the table and
write the report."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.evaluate.evaluation import evaluate
from rag.evaluate.questions import load_questions
from rag.evaluate.report import format_table, write_report
from rag.evaluate.results import EvalResult


def eval_command(
    index_dir: Path | str,
    questions_file: Path | str,
    modes: Sequence[str] = ("bm25", "dense", "hybrid"),
    k: int = 10,
    out_dir: Path | str = "eval/reports/latest",
    settings: Any = None,
) -> EvalResult:
    """`rag eval`: load the index once, evaluate, print the table, write the report."""
    from rag.pipeline import Pipeline  # loads the models: only when the command runs

    questions = load_questions(questions_file)
    print(f"loading the index {index_dir} …", file=sys.stderr, flush=True)
    pipeline = Pipeline.load(index_dir, settings)
    print(f"{len(questions)} questions; modes {', '.join(modes)}", file=sys.stderr, flush=True)
    result = evaluate(pipeline, questions, modes, k, questions_file=str(questions_file))
    report = write_report(result, out_dir)
    print(format_table(result))
    print(f"\nreport: {report}  (results.json, recall.png alongside)")
    _cases(pipeline, Path(questions_file).parent, out_dir)
    return result


def _cases(pipeline: Any, eval_dir: Path, out_dir: Path | str) -> None:
    """The case table against eval/cases_gold.jsonl and eval/cases_questions.jsonl, when present."""
    from rag.evaluate.cases import evaluate_cases, format_case_eval, write_case_eval

    gold = eval_dir / "cases_gold.jsonl"
    if not gold.is_file():
        return
    result = evaluate_cases(pipeline, gold, eval_dir / "cases_questions.jsonl")
    print("\n" + format_case_eval(result))
    print(f"cases report: {write_case_eval(result, out_dir)}")
