"""Running an evaluation: gold questions in, retrieval and answer metrics out as an EvalResult
(rag.evaluate.results); rag.evaluate.report turns that into the table, report.md, results.json and
recall.png. Relevance is rag.evaluate.questions.evidence_in.

Each question is searched once per mode with `pipeline.search(question, k=depth)`, depth = k by
default: metrics are cut at k; nDCG's ideal list holds the relevant passages found within `depth`.
A deeper `depth` keeps ranks past k for the failure list, but only measures the same system when
the pipeline's top k does not depend on the k asked for (the hybrid reranker reorders the top
max(k, rerank_depth): searching 50 deep reranks 50 candidates, which users never get).
Unanswerable questions (no doc_ids) are left out of the retrieval metrics and graded on
abstention only.

Subsets: "simplified"/"traditional" say in which script the *answer document* is written, decided
by `rag.zh.text.is_traditional` on the document's text (from `pipeline.documents()` when the pipeline
has it, else from the document's chunks seen in the results; a question whose documents use both
scripts is in both); "asked_traditional" is the question's own script;
"paraphrase", "tune", "heldout" and "fresh" come from the question file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from rag.evaluate import metrics
from rag.evaluate.progress import bar
from rag.evaluate.questions import Question, doc_key, evidence_in
from rag.evaluate.results import (
    ANSWER_SUBSETS,
    SUBSETS,
    AnswerRecord,
    EvalResult,
    Retrieval,
    answer_metrics,
    retrieval_metrics,
    subsets_of,
)
from rag.types import Answer, Hit
from rag.zh.text import is_traditional

_MARKER_RE = re.compile(r"\[\d+(?:\s*[,，、]\s*\d+)*\]")


class SearchPipeline(Protocol):
    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]: ...


def _search(pipeline: SearchPipeline, q: Question, mode: str, k: int, depth: int, seen: dict) -> Retrieval:
    hits = pipeline.search(q.question, k=depth, mode=mode)
    ranks: list[int] = []
    evidence_ranks: list[int | None] = [None] * len(q.evidence)
    for pos, hit in enumerate(hits, start=1):
        seen[hit.chunk.doc_id][hit.chunk.id] = hit.chunk.text
        # position in the returned list, not hit.rank: a pipeline bug in .rank must not hide here
        found = evidence_in(hit.chunk.text, q, hit.chunk.doc_id)
        if any(found):
            ranks.append(pos)
        for i, f in enumerate(found):
            if f and evidence_ranks[i] is None:
                evidence_ranks[i] = pos
    top = hits[:k]
    return Retrieval(
        question_id=q.id,
        mode=mode,
        ranks=tuple(ranks),
        evidence_ranks=tuple(evidence_ranks),
        top_ids=tuple(h.chunk.id for h in top),
        top_doc_ids=tuple(h.chunk.doc_id for h in top),
        top_text=top[0].chunk.text if top else "",
    )


def _grade_answer(q: Question, ans: Answer) -> AnswerRecord:
    quotes = tuple(c.quote for c in ans.citations)
    correct = None
    precision = None
    if q.answerable:
        if q.answers:
            # "183[1]个" must match "183个": citation markers are not part of the answer
            text = _MARKER_RE.sub("", ans.text)
            correct = (not ans.abstained) and metrics.answer_correct(text, q.answers)
        precision = metrics.citation_precision(quotes, q.evidence)
    return AnswerRecord(
        question_id=q.id,
        text=ans.text,
        abstained=ans.abstained,
        correct=correct,
        citation_precision=precision,
        cited_chunk_ids=tuple(c.chunk_id for c in ans.citations),
        quotes=quotes,
    )


def evaluate(
    pipeline: SearchPipeline,
    questions: Sequence[Question],
    modes: Sequence[str] = ("bm25", "dense", "hybrid"),
    k: int = 10,
    *,
    depth: int | None = None,
    answers: bool | None = None,
    doc_scripts: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
    questions_file: str = "",
) -> EvalResult:
    """Search every answerable question in every mode and, when the pipeline has `ask` (and
    `answers` is not False), ask every question. One pipeline, one model load for the whole run.

    `depth` (default k): how many results to ask for and judge; see the module docstring.
    `doc_scripts` (doc id or stem -> "simplified" | "traditional") overrides the script detection
    from the hits' text; `settings` defaults to `pipeline.settings` when it has one."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not modes:
        raise ValueError("no modes to evaluate")
    depth = max(k, depth or k)
    answerable = [q for q in questions if q.answerable]
    seen: dict[str, dict[str, str]] = defaultdict(dict)  # doc id -> chunk id -> text
    retrieval = {
        mode: tuple(_search(pipeline, q, mode, k, depth, seen) for q in bar(answerable, f"search {mode}"))
        for mode in modes
    }

    # the documents' full text when the pipeline lists them, else the chunks seen in the results
    texts = {d: "\n".join(c.values()) for d, c in seen.items()}
    if callable(getattr(pipeline, "documents", None)):
        texts.update({doc.id: doc.text for doc in pipeline.documents()})
    scripts = {doc_key(d): ("traditional" if is_traditional(t) else "simplified") for d, t in texts.items()}
    scripts.update({doc_key(d): s for d, s in (doc_scripts or {}).items()})

    by_subset: dict[str, list[str]] = {name: [] for name in SUBSETS}
    for q in questions:
        for name in subsets_of(q, scripts):
            by_subset[name].append(q.id)
    subsets = {name: tuple(ids) for name, ids in by_subset.items()}

    table: dict[str, dict[str, dict[str, float | None]]] = {}
    curves: dict[str, tuple[float, ...]] = {}
    for mode, runs in retrieval.items():
        table[mode] = {}
        for name, ids in subsets.items():
            members = set(ids)
            table[mode][name] = retrieval_metrics([r for r in runs if r.question_id in members], k)
        curves[mode] = tuple(
            metrics.mean(metrics.recall_at_k(r.ranks, c) for r in runs) or 0.0 for c in range(1, k + 1)
        )

    records: tuple[AnswerRecord, ...] = ()
    answer_table: dict[str, dict] = {}
    if answers is not False and callable(getattr(pipeline, "ask", None)):
        records = tuple(_grade_answer(q, pipeline.ask(q.question)) for q in bar(questions, "ask"))
        by_id = {q.id: q for q in questions}
        for name in ANSWER_SUBSETS:
            members = set(subsets[name])
            answer_table[name] = answer_metrics([r for r in records if r.question_id in members], by_id)
    elif answers:
        raise ValueError("answers=True but the pipeline has no ask()")

    if settings is None:
        s = getattr(pipeline, "settings", None)
        settings = s.to_dict() if hasattr(s, "to_dict") else {}
    return EvalResult(
        modes=tuple(modes),
        k=k,
        depth=depth,
        questions=tuple(questions),
        retrieval=retrieval,
        subsets=subsets,
        metrics=table,
        curves=curves,
        answers=records,
        answer_metrics=answer_table,
        doc_scripts=scripts,
        settings=dict(settings),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        questions_file=questions_file,
    )
