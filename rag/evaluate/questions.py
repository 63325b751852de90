"""Gold question files (JSONL) -> Questions, and relevance: does a passage hold a question's evidence.

Relevance is decided on text, not on chunk ids (which change with the chunker): a hit is relevant
to a question when it comes from one of the question's documents and its folded text contains one
of the question's folded evidence strings. Evidence that straddles a chunk boundary is found in no
chunk, so gold evidence should stay within a sentence or two (chunks overlap by a sentence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from rag.zh.text import fold

SPLITS = ("tune", "heldout", "fresh")
SCRIPTS = ("simplified", "traditional")


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
