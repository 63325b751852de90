"""The case table against its gold files, for `rag eval`: precision and recall of the cases the
index holds (eval/cases_gold.jsonl), each field's accuracy on the matched cases, the stated totals
found, and the counting/listing questions (eval/cases_questions.jsonl) asked through pipeline.ask.

A question is right when it is recognised as a case question, the people and units its answer lists
are the gold's (units by containment, as rag.cases.match compares them), a stated total the gold
expects is among those the answer gives, every listed case is cited (one citation per case, with
the case's sentence) and the answer names every gold name."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer.counting import choose
from rag.cases.match import FIELDS, CaseScores, load_gold, match_cases, match_totals
from rag.cases.stored import all_cases, all_totals
from rag.query.analysis import analyse
from rag.zh.text import fold


@dataclass(frozen=True)
class QuestionGrade:
    id: str
    question: str
    right: bool
    why: str = ""  # what was wrong


@dataclass(frozen=True)
class CaseEval:
    scores: CaseScores
    totals: tuple[int, int, int]  # gold, found, matched
    questions: tuple[QuestionGrade, ...] = field(default_factory=tuple)

    @property
    def question_accuracy(self) -> float | None:
        return sum(q.right for q in self.questions) / len(self.questions) if self.questions else None


def _same_units(found: Sequence[str], gold: Sequence[str]) -> bool:
    have, want = [fold(u) for u in found], [fold(g) for g in gold]
    return len(have) == len(want) and all(any(g in u or u in g for u in have) for g in want)


def grade_question(pipeline: Any, q: dict[str, Any]) -> QuestionGrade:
    query = analyse(q["question"])
    if query.cases is None:
        return QuestionGrade(q["id"], q["question"], False, "not recognised as a case question")
    snap = pipeline.snapshot
    cases, totals = choose(query.cases, snap.cases, snap.documents, query.rewritten)
    gold = q["answer"]
    names = sorted(fold(c.name.value) for c in cases if c.name)
    units = [c.unit.value for c in cases if not c.name]
    answer = pipeline.ask(q["question"])
    cited = {(c.doc_id, c.start, c.end) for c in answer.citations}
    uncited = [c.key for c in cases if not any((c.doc_id, *s) in cited for s in c.evidence)]
    problems = []
    if names != sorted(fold(n) for n in gold["names"]):
        problems.append(f"names {names}")
    if not _same_units(units, gold["units"]):
        problems.append(f"units {units}")
    if gold["reported"] is not None and gold["reported"] not in [t.count for t in totals]:
        problems.append(f"totals {[t.count for t in totals]}")
    if uncited or len(answer.citations) < len(cases):
        problems.append(f"uncited {uncited}")
    if any(fold(n) not in fold(answer.text) for n in gold["names"]):
        problems.append("a gold name is not in the answer")
    return QuestionGrade(q["id"], q["question"], not problems, "; ".join(problems))


def evaluate_cases(
    pipeline: Any, gold_file: Path | str, questions_file: Path | str | None = None
) -> CaseEval:
    snap = pipeline.snapshot
    gold, gold_totals = load_gold(gold_file)
    scores = match_cases(all_cases(snap.cases), gold)
    totals = match_totals(all_totals(snap.cases), gold_totals)
    grades: tuple[QuestionGrade, ...] = ()
    if questions_file and Path(questions_file).is_file():
        lines = Path(questions_file).read_text(encoding="utf-8").splitlines()
        grades = tuple(grade_question(pipeline, json.loads(line)) for line in lines if line.strip())
    return CaseEval(scores, totals, grades)


def format_case_eval(result: CaseEval, markdown: bool = False) -> str:
    s = result.scores
    head = "## Cases\n\n" if markdown else "cases\n"
    lines = [
        f"cases: gold {s.n_gold}, found {s.n_found}, matched {s.n_matched}; "
        f"precision {s.precision:.3f}, recall {s.recall:.3f}",
        "field accuracy on matched cases: " + ", ".join(f"{name} {s.accuracy(name):.3f}" for name in FIELDS),
        "stated totals: gold {}, found {}, matched {}".format(*result.totals),
    ]
    acc = result.question_accuracy
    if acc is not None:
        right = sum(q.right for q in result.questions)
        lines.append(f"counting/listing questions: {right}/{len(result.questions)} = {acc:.3f}")
        lines += [f"  wrong {q.id} {q.question}: {q.why}" for q in result.questions if not q.right]
    lines += [f"  missed {g['doc_id']}: {g.get('name') or g.get('unit')}" for g in s.missed]
    lines += [f"  extra {c.doc_id}: {c.key}" for c in s.extra]
    return head + "\n".join(f"- {x}" if markdown and not x.startswith("  ") else x for x in lines)


def case_eval_json(result: CaseEval) -> dict[str, Any]:
    s = result.scores
    return {
        "n_gold": s.n_gold,
        "n_found": s.n_found,
        "n_matched": s.n_matched,
        "precision": s.precision,
        "recall": s.recall,
        "field_accuracy": {name: s.accuracy(name) for name in FIELDS},
        "totals": dict(zip(("gold", "found", "matched"), result.totals, strict=True)),
        "question_accuracy": result.question_accuracy,
        "questions": [q.__dict__ for q in result.questions],
    }


def write_case_eval(result: CaseEval, out_dir: Path | str) -> Path:
    """cases.md and cases.json beside the evaluation's report.md."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cases.json").write_text(json.dumps(case_eval_json(result), ensure_ascii=False, indent=1) + "\n")
    path = out / "cases.md"
    path.write_text(format_case_eval(result, markdown=True) + "\n", encoding="utf-8")
    return path
