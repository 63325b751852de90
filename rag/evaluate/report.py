"""The evaluation report: an EvalResult (from rag.evaluate.evaluation.evaluate) out as a console table,
report.md, results.json and recall.png. Formatting only: every number is computed by evaluate."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.evaluate.questions import Question
from rag.evaluate.results import FAILURE_CUTOFF, SUBSETS, EvalResult, Retrieval


def _fmt(value: float | None, name: str = "") -> str:
    if value is None:
        return "–"
    if name == "n" or name.startswith("n_"):  # counts, not nDCG
        return str(int(value))
    return f"{value:.3f}"


def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return cell == "–"
    return True


def _grid(headers: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    # text columns left, number columns right
    text = [any(not _numeric(r[i]) for r in rows) for i in range(len(headers))]
    fmt = "  ".join(f"{{:<{w}}}" if t else f"{{:>{w}}}" for t, w in zip(text, widths, strict=True))
    return "\n".join([fmt.format(*headers), *(fmt.format(*row) for row in rows)])


def _retrieval_rows(result: EvalResult) -> tuple[list[str], list[list[str]]]:
    # the columns are the metrics evaluate() computed, in its order (every mode and subset has the same)
    names = list(result.metrics[result.modes[0]]["all"])
    rows = []
    for mode in result.modes:
        for subset in SUBSETS:
            m = result.metrics[mode][subset]
            if not m["n"]:
                continue
            rows.append([mode, subset, *(_fmt(m[n], n) for n in names)])
    return ["mode", "subset", *names], rows


ANSWER_COLUMNS = (
    "n_answerable",
    "accuracy",
    "citation_precision",
    "uncited_answers",
    "false_abstention",
    "n_unanswerable",
    "abstention_accuracy",
)


def _answer_rows(result: EvalResult) -> tuple[list[str], list[list[str]]]:
    rows = [
        [name, *(_fmt(m[c], c) for c in ANSWER_COLUMNS)]
        for name, m in result.answer_metrics.items()
        if m["n_answerable"] or m["n_unanswerable"]
    ]
    return ["subset", *ANSWER_COLUMNS], rows


def format_table(result: EvalResult, markdown: bool = False) -> str:
    """Retrieval metrics per mode and subset (and answer metrics when there are answers)."""
    parts = [_grid(*_retrieval_rows(result), markdown)]
    if result.answer_metrics:
        parts.append(_grid(*_answer_rows(result), markdown))
    return "\n\n".join(parts)


def _failure_mode(result: EvalResult) -> str:
    return "hybrid" if "hybrid" in result.modes else result.modes[0]


def failures(result: EvalResult, cutoff: int = FAILURE_CUTOFF) -> list[tuple[Question, Retrieval]]:
    """Answerable questions with no relevant passage in the top `cutoff` of hybrid (or the first mode)."""
    by_id = {q.id: q for q in result.questions}
    runs = result.retrieval[_failure_mode(result)]
    return [(by_id[r.question_id], r) for r in runs if not (r.first_rank and r.first_rank <= cutoff)]


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split()).replace("|", "｜")
    return text if len(text) <= n else text[: n - 1] + "…"


def _report_md(result: EvalResult) -> str:
    by_id = {q.id: q for q in result.questions}
    cov = min(FAILURE_CUTOFF, result.k)
    lines = [
        "# Evaluation report",
        "",
        f"- date: {result.created}",
        f"- questions: {result.questions_file or '(in memory)'}: {len(result.questions)} "
        f"({sum(q.answerable for q in result.questions)} answerable)",
        f"- modes: {', '.join(result.modes)}; k = {result.k}; relevance judged {result.depth} deep",
        "- Recall@k is success@k (ranx hit_rate@k): a question counts when any passage from its "
        "document holding a gold evidence string (folded) is in the top k. nDCG uses binary gains. "
        f"Cov@{cov}: share of a question's evidence strings found in the top {cov} "
        "(all are needed for multi-document answers).",
        "",
        "## Retrieval",
        "",
        _grid(*_retrieval_rows(result), markdown=True),
        "",
        "![Recall@k](recall.png)",
        "",
    ]
    if result.answer_metrics:
        lines += [
            "## Answers",
            "",
            "accuracy: answerable questions whose answer holds every gold group and did not abstain; "
            "citation_precision: share of cited quotes that support the gold evidence; "
            "abstention_accuracy: unanswerable questions that abstained.",
            "",
            _grid(*_answer_rows(result), markdown=True),
            "",
        ]
        wrong = [r for r in result.answers if r.correct is False]
        if wrong:
            lines += ["### Wrong answers", "", "| id | abstained | expected | answer |", "|---|---|---|---|"]
            for r in wrong:
                expected = " & ".join("/".join(g) for g in by_id[r.question_id].answers)
                lines.append(
                    f"| {r.question_id} | {r.abstained} | {_short(expected, 40)} | {_short(r.text, 80)} |"
                )
            lines.append("")
        missed = [r for r in result.answers if not by_id[r.question_id].answerable and not r.abstained]
        if missed:
            lines += ["### Unanswerable questions that got an answer", "", "| id | answer |", "|---|---|"]
            lines += [f"| {r.question_id} | {_short(r.text, 80)} |" for r in missed]
            lines.append("")
    mode = _failure_mode(result)
    fails = failures(result)
    lines += [f"## Failures ({mode}: nothing relevant in the top {FAILURE_CUTOFF})", ""]
    if fails:
        lines += ["| id | question | first relevant rank | top hit | top hit text |", "|---|---|---|---|---|"]
        for q, r in fails:
            top = r.top_doc_ids[0] if r.top_doc_ids else "(no hits)"
            rank = str(r.first_rank) if r.first_rank else f">{result.depth}"
            lines.append(f"| {q.id} | {_short(q.question, 40)} | {rank} | {top} | {_short(r.top_text)} |")
    else:
        lines.append("None.")
    lines += ["", "## Document scripts", ""]
    lines += [f"- {d}: {s}" for d, s in sorted(result.doc_scripts.items())]
    lines += [
        "",
        "## Settings",
        "",
        "```json",
        json.dumps(result.settings, ensure_ascii=False, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def _results_json(result: EvalResult) -> dict:
    runs = {mode: {r.question_id: r for r in rs} for mode, rs in result.retrieval.items()}
    answers = {a.question_id: a for a in result.answers}
    per_question = []
    for q in result.questions:
        row: dict[str, Any] = {
            "id": q.id,
            "question": q.question,
            "split": q.split,
            "subsets": [name for name, ids in result.subsets.items() if q.id in ids],
            "doc_ids": list(q.doc_ids),
            "retrieval": {},
        }
        for mode in result.modes:
            r = runs[mode].get(q.id)
            if r is not None:
                row["retrieval"][mode] = {
                    "ranks": list(r.ranks),
                    "evidence_ranks": list(r.evidence_ranks),
                    "first_rank": r.first_rank,
                    "top_ids": list(r.top_ids),
                    "top_doc_ids": list(r.top_doc_ids),
                }
        a = answers.get(q.id)
        if a is not None:
            row["answer"] = {
                "text": a.text,
                "abstained": a.abstained,
                "correct": a.correct,
                "citation_precision": a.citation_precision,
                "cited_chunk_ids": list(a.cited_chunk_ids),
                "quotes": list(a.quotes),
            }
        per_question.append(row)
    return {
        "created": result.created,
        "questions_file": result.questions_file,
        "modes": list(result.modes),
        "k": result.k,
        "depth": result.depth,
        "metrics": result.metrics,
        "curves": {mode: list(v) for mode, v in result.curves.items()},
        "answer_metrics": result.answer_metrics,
        "doc_scripts": dict(result.doc_scripts),
        "settings": dict(result.settings),
        "questions": per_question,
    }


def _plot(result: EvalResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    xs = list(range(1, result.k + 1))
    for mode in result.modes:
        ax.plot(xs, result.curves[mode], marker="o", label=mode)
    ax.set_xlabel("k")
    ax.set_ylabel("Recall@k (success@k)")
    ax.set_xticks(xs)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(f"Retrieval, {len(result.retrieval[result.modes[0]])} answerable questions")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(result: EvalResult, out_dir: Path | str) -> Path:
    """Write report.md, results.json and recall.png into `out_dir`; return the report's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(_results_json(result), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    _plot(result, out / "recall.png")
    report = out / "report.md"
    report.write_text(_report_md(result), encoding="utf-8")
    return report
