"""The evaluation harness: gold questions in, retrieval and answer metrics out as an EvalResult;
rag.evaluate.report turns that into the table, report.md, results.json and recall.png.

Relevance is decided on text, not on chunk ids (which change with the chunker): a hit is relevant
to a question when it comes from one of the question's documents and its folded text contains one
of the question's folded evidence strings. Evidence that straddles a chunk boundary is found in no
chunk, so gold evidence should stay within a sentence or two (chunks overlap by a sentence).

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

import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from rag.evaluate import metrics
from rag.types import Answer, Hit
from rag.zh.text import fold, is_traditional

SPLITS = ("tune", "heldout", "fresh")
SUBSETS = ("all", "simplified", "traditional", "asked_traditional", "paraphrase", *SPLITS)
ANSWER_SUBSETS = ("all", *SPLITS)
CUTOFFS = (1, 3, 5, 10)
FAILURE_CUTOFF = 5  # a question "fails" retrieval when nothing relevant is in the top 5
SCRIPTS = ("simplified", "traditional")
_MARKER_RE = re.compile(r"\[\d+(?:\s*[,，、]\s*\d+)*\]")


class SearchPipeline(Protocol):
    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]: ...


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    doc_ids: tuple[str, ...]  # empty: unanswerable from the corpus
    evidence: tuple[str, ...]  # exact substrings of the documents
    answers: tuple[tuple[str, ...], ...]  # groups AND-ed, strings in a group OR-ed
    tags: tuple[str, ...]
    question_script: str  # "simplified" | "traditional"
    paraphrase: bool
    split: str  # "tune" | "heldout" | "fresh" (held out, written after the last tuning)

    @property
    def answerable(self) -> bool:
        return bool(self.doc_ids)


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


# --- loading ---------------------------------------------------------------------------------


class QuestionFileError(ValueError):
    pass


def _str_list(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _question(obj: Any) -> Question:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    required = ("id", "question", "doc_ids", "evidence", "answers", "tags", "question_script")
    required += ("paraphrase", "split")
    missing = [key for key in required if key not in obj]
    if missing:
        raise ValueError(f"missing keys {missing}")
    for key in ("id", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise ValueError(f"{key!r} must be a non-empty string, got {obj[key]!r}")
    if not isinstance(obj["answers"], list):
        raise ValueError(f"'answers' must be a list of lists of strings, got {obj['answers']!r}")
    answers = tuple(_str_list(g, "each answer group") for g in obj["answers"])
    if any(not g for g in answers):
        raise ValueError("an answer group is empty")
    if obj["question_script"] not in SCRIPTS:
        raise ValueError(f"'question_script' must be one of {SCRIPTS}, got {obj['question_script']!r}")
    if obj["split"] not in SPLITS:
        raise ValueError(f"'split' must be one of {SPLITS}, got {obj['split']!r}")
    if not isinstance(obj["paraphrase"], bool):
        raise ValueError(f"'paraphrase' must be true or false, got {obj['paraphrase']!r}")
    q = Question(
        id=obj["id"],
        question=obj["question"],
        doc_ids=_str_list(obj["doc_ids"], "'doc_ids'"),
        evidence=_str_list(obj["evidence"], "'evidence'"),
        answers=answers,
        tags=_str_list(obj["tags"], "'tags'"),
        question_script=obj["question_script"],
        paraphrase=obj["paraphrase"],
        split=obj["split"],
    )
    if q.answerable and not q.evidence:
        raise ValueError("an answerable question (doc_ids given) needs at least one evidence string")
    if not q.answerable and (q.evidence or q.answers):
        raise ValueError("an unanswerable question (doc_ids == []) must have no evidence and no answers")
    return q


def load_questions(path: Path | str) -> list[Question]:
    """Read a JSONL gold file (blank lines allowed). Errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"question file not found: {path}")
    out: list[Question] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = _question(json.loads(line))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise QuestionFileError(f"{path}:{lineno}: {exc}") from None
        if q.id in seen:
            raise QuestionFileError(f"{path}:{lineno}: duplicate id {q.id!r} (first on line {seen[q.id]})")
        seen[q.id] = lineno
        out.append(q)
    if not out:
        raise QuestionFileError(f"{path}: no questions")
    return out


# --- relevance -------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    return fold(text)


@lru_cache(maxsize=4096)
def doc_key(doc_id: str) -> str:
    """Compare document ids by file stem, so gold files may say "001_x", "001_x.txt" or "seeds/001_x.txt"."""
    return PurePosixPath(doc_id).stem


def evidence_in(hit_text: str, question: Question, doc_id: str | None = None) -> tuple[bool, ...]:
    """Per evidence string: is it (folded) inside the folded hit text? All False when `doc_id` is
    given and is not one of the question's documents."""
    if doc_id is not None and doc_key(doc_id) not in {doc_key(d) for d in question.doc_ids}:
        return tuple(False for _ in question.evidence)
    text = _folded(hit_text)
    return tuple(_folded(ev) in text for ev in question.evidence)


def is_relevant(hit_text: str, question: Question, doc_id: str | None = None) -> bool:
    """True when a folded evidence string is a substring of the folded hit text (and, when
    `doc_id` is given, the hit comes from one of the question's documents)."""
    return question.answerable and any(evidence_in(hit_text, question, doc_id))


# --- evaluation ------------------------------------------------------------------------------


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
        mode: tuple(_search(pipeline, q, mode, k, depth, seen) for q in answerable) for mode in modes
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
        records = tuple(_grade_answer(q, pipeline.ask(q.question)) for q in questions)
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


# --- the `rag eval` command ------------------------------------------------------------------


def eval_command(
    index_dir: Path | str,
    questions_file: Path | str,
    modes: Sequence[str] = ("bm25", "dense", "hybrid"),
    k: int = 10,
    out_dir: Path | str = "eval/reports/latest",
    settings: Any = None,
) -> EvalResult:
    """`rag eval`: load the index once, evaluate, print the table, write the report."""
    from rag.evaluate.report import format_table, write_report  # imports this module: not at the top
    from rag.pipeline import Pipeline

    questions = load_questions(questions_file)
    pipeline = Pipeline.load(index_dir, settings)
    result = evaluate(pipeline, questions, modes, k, questions_file=str(questions_file))
    report = write_report(result, out_dir)
    print(format_table(result))
    print(f"\nreport: {report}  (results.json, recall.png alongside)")
    return result
