"""`rag eval --squad FILE`: score any SQuAD-format set the same way, reader only or open domain.

Reader only: the answerer is handed the one paragraph that holds the answer (retrieval plays no
part). Open domain: every article except the `removed` split is written as a text file and indexed
into `DIR/index`, each question is asked against the whole collection, and the removed articles'
questions must be declined. Per split: answer recall@1/5/10, article recall@k, answer hit, exact
match and character F1 of the short answer, declined answerable questions, declined removed-article
questions, and latency. `DIR/results.json` holds one entry per question beside `DIR/report.md`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.answer.citations import without_markers
from rag.evaluate.metrics import mean
from rag.evaluate.span_metrics import answer_hit, char_f1, exact_match
from rag.evaluate.squad import SPLITS, SquadQuestion, SquadSet, load_squad, sample
from rag.jsonview import citation_to_dict
from rag.types import Answer, Chunk, Document, Hit
from rag.zh.text import fold

KS = (1, 5, 10)
_LEADING_SPAN = re.compile(r"^\s*「([^」]{1,60})」")


def short_answer(answer: Answer) -> str:
    """The span an answer leads with (Answer.short_answer, or a leading 「羅爾德·阿蒙森」 of its text),
    else its text without citation markers."""
    if answer.short_answer:
        return answer.short_answer
    m = _LEADING_SPAN.match(answer.text)
    return m.group(1) if m else without_markers(answer.text)


@dataclass(frozen=True)
class Record:
    question: SquadQuestion
    answer: Answer
    seconds: float
    hits: tuple[Hit, ...]  # open domain: the ranked passages; reader only: the gold paragraph


def gold_paragraph(squad: SquadSet, q: SquadQuestion) -> tuple[Document, Hit]:
    art = squad.article(q.article_id)
    doc = Document(id=art.id, title=art.title, text=art.text)
    start, end = art.paragraphs[q.paragraph]
    chunk = Chunk(f"{art.id}#{q.paragraph}", art.id, art.text[start:end], start, end)
    return doc, Hit(chunk, 1.0, 1, ("gold",), art.title)


def read_only(squad: SquadSet, questions: Sequence[SquadQuestion], answerer, progress: bool) -> list[Record]:
    from rag.answer.extractive import answer

    out = []
    for i, q in enumerate(questions, 1):
        doc, hit = gold_paragraph(squad, q)
        t0 = time.perf_counter()
        ans = answer(answerer, q.question, [hit], {doc.id: doc})
        out.append(Record(q, ans, time.perf_counter() - t0, (hit,)))
        if progress and i % 50 == 0:
            print(f"  read {i}/{len(questions)}", flush=True)
    return out


def write_corpus(squad: SquadSet, folder: Path) -> Path:
    """One UTF-8 text file per article not in the removed split: its title line, then its text."""
    folder.mkdir(parents=True, exist_ok=True)
    keep = {a.id for a in squad.articles if a.split != "removed"}
    for stale in folder.glob("*.txt"):
        if stale.stem not in keep:
            stale.unlink()
    for art in squad.articles:
        if art.id in keep:
            path = folder / f"{art.id}.txt"
            body = f"{art.title}\n\n{art.text}\n"
            if not path.exists() or path.read_text(encoding="utf-8") != body:
                path.write_text(body, encoding="utf-8")
    return folder


def open_domain(
    pipeline, questions: Sequence[SquadQuestion], answerer, k: int, progress: bool
) -> list[Record]:
    out = []
    for i, q in enumerate(questions, 1):
        t0 = time.perf_counter()
        hits = tuple(pipeline.search(q.question, k=max(k, max(KS))))
        ans = pipeline.ask(q.question, answerer=answerer)
        out.append(Record(q, ans, time.perf_counter() - t0, hits))
        if progress and i % 25 == 0:
            print(f"  asked {i}/{len(questions)}", flush=True)
    return out


def _answer_rank(hits: Sequence[Hit], golds: Sequence[str]) -> int | None:
    folded = [fold(g) for g in golds]
    return next((h.rank for h in hits if any(g in fold(h.chunk.text) for g in folded)), None)


def _article_rank(hits: Sequence[Hit], article_id: str) -> int | None:
    return next((h.rank for h in hits if Path(h.chunk.doc_id).stem == article_id), None)


def _percentile(values: Sequence[float], p: float) -> float | None:
    vals = sorted(values)
    return vals[min(len(vals) - 1, int(p * len(vals)))] if vals else None


def summarise(records: Sequence[Record], reader_only: bool) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for split in (*SPLITS, "all"):
        mine = [r for r in records if split == "all" or r.question.split == split]
        answerable = [r for r in mine if r.question.split != "removed" or reader_only]
        removed = [r for r in mine if r.question.split == "removed" and not reader_only]
        if not mine:
            continue
        row: dict[str, Any] = {"n": len(answerable), "n_removed": len(removed)}
        golds = [(r, r.question.answers) for r in answerable]
        if not reader_only:
            for k in KS:
                ranks = [_answer_rank(r.hits, g) for r, g in golds]
                row[f"answer_recall@{k}"] = mean(1.0 if x is not None and x <= k else 0.0 for x in ranks)
                arts = [_article_rank(r.hits, r.question.article_id) for r in answerable]
                row[f"article_recall@{k}"] = mean(1.0 if x is not None and x <= k else 0.0 for x in arts)
        row["answer_hit"] = mean(1.0 if answer_hit(r.answer.text, g) else 0.0 for r, g in golds)
        row["exact_match"] = mean(1.0 if exact_match(short_answer(r.answer), g) else 0.0 for r, g in golds)
        row["f1"] = mean(char_f1(short_answer(r.answer), g) for r, g in golds)
        row["declined_answerable"] = mean(1.0 if r.answer.abstained else 0.0 for r in answerable)
        row["declined_removed"] = mean(1.0 if r.answer.abstained else 0.0 for r in removed)
        row["latency_p50_ms"] = _ms(_percentile([r.seconds for r in mine], 0.5))
        row["latency_p95_ms"] = _ms(_percentile([r.seconds for r in mine], 0.95))
        table[split] = row
    return table


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def record_to_dict(r: Record) -> dict[str, Any]:
    return {
        "id": r.question.id,
        "question": r.question.question,
        "split": r.question.split,
        "gold": list(r.question.answers),
        "answer": r.answer.text,
        "short_answer": short_answer(r.answer),
        "abstained": r.answer.abstained,
        "citations": [citation_to_dict(c) for c in r.answer.citations],
        "hits": [{"rank": h.rank, "doc_id": h.chunk.doc_id, "chunk_id": h.chunk.id} for h in r.hits],
        "ms": _ms(r.seconds),
    }


def format_summary(title: str, table: dict[str, dict[str, Any]]) -> str:
    columns = sorted({c for row in table.values() for c in row}, key=_column_order)
    lines = [f"### {title}", "", "| split | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for split, row in table.items():
        cells = [_cell(c, row.get(c)) for c in columns]
        lines.append(f"| {split} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _column_order(name: str) -> tuple[int, str]:
    order = [
        "n",
        "n_removed",
        "answer_recall",
        "article_recall",
        "answer_hit",
        "exact_match",
        "f1",
        "declined",
    ]
    return next((i for i, p in enumerate(order) if name.startswith(p)), len(order)), name


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) and not column.endswith("_ms") else str(value)


def squad_command(
    squad_file: Path | str,
    out_dir: Path | str,
    reader_only: bool = False,
    limit: int | None = None,
    answerer_name: str | None = None,
    settings: Any = None,
    progress: bool = True,
    make_pipeline: Callable[[Path, Path], Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Score a SQuAD-format file; writes DIR/results.json and DIR/report.md; returns the summary."""
    from rag.answer.choose import make_answerer
    from rag.config import load_settings
    from rag.evaluate.baseline_reader import BigramBaselineReader

    settings = settings or load_settings()
    squad = load_squad(squad_file)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    answerer = (
        BigramBaselineReader() if answerer_name == "baseline" else make_answerer(settings, answerer_name)
    )
    splits = ("tune", "heldout") if reader_only else SPLITS
    questions = sample(squad.questions, limit, splits)
    if progress:
        print(
            f"{squad.name}: {len(squad.articles)} articles, {len(questions)} questions ({', '.join(splits)})"
        )
        if squad.skipped:
            print(f"  skipped {len(squad.skipped)} entries with no question text: {', '.join(squad.skipped)}")
    if reader_only:
        records = read_only(squad, questions, answerer, progress)
    else:
        corpus = write_corpus(squad, out / "corpus")
        if make_pipeline is None:
            from rag.pipeline import Pipeline

            def make_pipeline(corpus: Path, index: Path):
                return Pipeline.build([corpus], index, settings, progress=progress)

        pipeline = make_pipeline(corpus, out / "index")
        records = open_domain(pipeline, questions, answerer, 10, progress)
    table = summarise(records, reader_only)
    mode = "reader only (gold paragraph given)" if reader_only else "open domain (whole collection)"
    meta = {
        "file": str(squad_file),
        "mode": mode,
        "answerer": answerer.name,
        "limit": limit,
        "skipped": list(squad.skipped),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    doc = {**meta, "summary": table, "questions": [record_to_dict(r) for r in records]}
    (out / "results.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    report = format_summary(f"{squad.name}: {mode}, answerer {answerer.name}", table)
    (out / "report.md").write_text(report + "\n", encoding="utf-8")
    if progress:
        print(report)
        print(f"\nreport: {out / 'report.md'}  (results.json alongside)")
    return table
