"""What an evaluation produces (per-question records, EvalResult) and the metrics aggregated over
questions and subsets.

Subsets: "simplified"/"traditional" say in which script the *answer document* is written;
"asked_traditional" is the question's own script; "paraphrase", "tune", "heldout" and "fresh" come
from the question file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.evaluate import metrics
from rag.evaluate.questions import SCRIPTS, SPLITS, Question, doc_key

SUBSETS = ("all", "simplified", "traditional", "asked_traditional", "paraphrase", *SPLITS)
ANSWER_SUBSETS = ("all", *SPLITS)
CUTOFFS = (1, 3, 5, 10)
FAILURE_CUTOFF = 5  # a question "fails" retrieval when nothing relevant is in the top 5


@dataclass(frozen=True)
class Retrieval:
    """One question searched in one mode."""

    question_id: str
    mode: str
    ranks: tuple[int, ...]  # 1-based ranks of relevant hits within the judged depth
    evidence_ranks: tuple[int | None, ...]  # per evidence string: first rank holding it (None: not found)
    top_ids: tuple[str, ...]  # chunk ids of the top k
    top_doc_ids: tuple[str, ...]
    top_text: str  # the first hit's text, for the failure list

    @property
    def first_rank(self) -> int | None:
        return self.ranks[0] if self.ranks else None


@dataclass(frozen=True)
class AnswerRecord:
    question_id: str
    text: str
    abstained: bool
    correct: bool | None  # answerable with answer groups: right answer and no abstention; else None
    citation_precision: float | None  # answerable with citations only
    cited_chunk_ids: tuple[str, ...]
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class EvalResult:
    modes: tuple[str, ...]
    k: int
    depth: int
    questions: tuple[Question, ...]
    retrieval: Mapping[str, tuple[Retrieval, ...]]  # mode -> one per answerable question
    subsets: Mapping[str, tuple[str, ...]]  # subset name -> question ids
    metrics: Mapping[str, Mapping[str, Mapping[str, float | None]]]  # mode -> subset -> name -> value
    curves: Mapping[str, tuple[float, ...]]  # mode -> Recall@1..k over all answerable questions
    answers: tuple[AnswerRecord, ...] = ()
    answer_metrics: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    doc_scripts: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    created: str = ""
    questions_file: str = ""

    def metric(self, mode: str, name: str, subset: str = "all") -> float | None:
        return self.metrics[mode][subset][name]


# --- aggregation -----------------------------------------------------------------------------


def _cutoffs(k: int) -> tuple[int, ...]:
    return tuple(sorted({c for c in CUTOFFS if c <= k} | {k}))


def retrieval_metrics(runs: Sequence[Retrieval], k: int) -> dict[str, float | None]:
    """Mean metrics over questions (None for an empty subset); "n" is the question count."""
    out: dict[str, float | None] = {"n": float(len(runs))}
    for c in _cutoffs(k):
        out[f"R@{c}"] = metrics.mean(metrics.recall_at_k(r.ranks, c) for r in runs)
    out[f"MRR@{k}"] = metrics.mean(metrics.mrr_at_k(r.ranks, k) for r in runs)
    out[f"nDCG@{k}"] = metrics.mean(metrics.ndcg_at_k(r.ranks, k) for r in runs)
    c = min(FAILURE_CUTOFF, k)
    out[f"Cov@{c}"] = metrics.mean(metrics.coverage_at_k(r.evidence_ranks, c) for r in runs)
    return out


def answer_metrics(records: Sequence[AnswerRecord], questions: Mapping[str, Question]) -> dict:
    answerable = [r for r in records if questions[r.question_id].answerable]
    unanswerable = [r for r in records if not questions[r.question_id].answerable]
    graded = [r for r in answerable if r.correct is not None]
    precisions = [r.citation_precision for r in answerable if r.citation_precision is not None]
    answered = [r for r in answerable if not r.abstained]
    return {
        "n_answerable": float(len(answerable)),
        "n_unanswerable": float(len(unanswerable)),
        "accuracy": metrics.mean(1.0 if r.correct else 0.0 for r in graded),
        "citation_precision": metrics.mean(precisions),
        "uncited_answers": metrics.mean(0.0 if r.cited_chunk_ids else 1.0 for r in answered),
        "abstention_accuracy": metrics.abstention_accuracy([r.abstained for r in unanswerable]),
        "false_abstention": metrics.false_abstention_rate([r.abstained for r in answerable]),
    }


def subsets_of(q: Question, doc_scripts: Mapping[str, str]) -> tuple[str, ...]:
    names = ["all", q.split]
    if q.answerable:
        scripts = {doc_scripts.get(doc_key(d)) for d in q.doc_ids}
        names += [s for s in SCRIPTS if s in scripts]
    if q.question_script == "traditional":
        names.append("asked_traditional")
    if q.paraphrase:
        names.append("paraphrase")
    return tuple(n for n in SUBSETS if n in names)
