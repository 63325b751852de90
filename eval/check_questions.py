"""Validate a gold question file (JSON lines) against the corpus it asks about.

    .venv/bin/python eval/check_questions.py [FILE] [--corpus DIR]

Checks every line for the fields and types the evaluation relies on, that evidence strings are
copied exactly from an answering document, that every answer group can be found in that document
(directly or after folding Traditional to Simplified), and that tags agree with the other fields.
Prints a summary and exits 1 when anything is wrong, listing each problem with its line and id.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "eval" / "questions.jsonl"
DEFAULT_CORPUS = ROOT / "seeds"

FIELDS: dict[str, type] = {
    "id": str,
    "question": str,
    "doc_ids": list,
    "evidence": list,
    "answers": list,
    "tags": list,
    "question_script": str,
    "paraphrase": bool,
    "split": str,
}
TAGS = (
    "number",
    "person",
    "post",
    "punishment",
    "place",
    "organisation",
    "date",
    "reason",
    "paraphrase",
    "multi_sentence",
    "multi_doc",
    "unanswerable",
    "count_list",
)
SCRIPTS = ("simplified", "traditional")
SPLITS = ("tune", "heldout", "fresh")
EVIDENCE_MIN, EVIDENCE_MAX = 4, 60  # evidence must fit well inside one ~250-character passage


@dataclass(frozen=True)
class CheckResult:
    questions: tuple[dict, ...]  # the records that parsed as JSON objects, in file order
    problems: tuple[str, ...]  # one human-readable message per problem; empty when the file is valid


def load_fold() -> tuple[Callable[[str], str], str]:
    """The project's fold (rag.zh.text.fold) when it can be imported, else no folding (answers must
    then occur verbatim). Returns (fold, a name for the summary)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from rag.zh.text import fold
    except ImportError:
        return (lambda text: text), "plain substring (rag.zh.text.fold not importable)"
    return fold, "rag.zh.text.fold"


def to_simplified() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("t2s").convert


def load_questions(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, record) for every line that is a JSON object, plus problems for the rest."""
    records: list[tuple[int, dict]] = []
    problems: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            problems.append(f"line {n}: empty line")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not valid JSON ({exc})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"line {n}: not a JSON object")
            continue
        records.append((n, rec))
    return records, problems


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def check_fields(rec: dict) -> list[str]:
    problems = []
    for name, typ in FIELDS.items():
        if name not in rec:
            problems.append(f"missing field {name!r}")
        elif not isinstance(rec[name], typ):
            problems.append(f"field {name!r} should be {typ.__name__}, got {type(rec[name]).__name__}")
    extra = sorted(set(rec) - set(FIELDS))
    if extra:
        problems.append(f"unknown fields {extra}")
    if problems:
        return problems
    if not rec["id"].strip() or not rec["question"].strip():
        problems.append("id and question must not be empty")
    for name in ("doc_ids", "evidence", "tags"):
        if not _is_str_list(rec[name]):
            problems.append(f"{name} must be a list of non-empty strings")
    groups = rec["answers"]
    if not all(_is_str_list(g) and g for g in groups):
        problems.append("answers must be a list of non-empty lists of non-empty strings")
    if rec["question_script"] not in SCRIPTS:
        problems.append(f"question_script {rec['question_script']!r} not in {SCRIPTS}")
    if rec["split"] not in SPLITS:
        problems.append(f"split {rec['split']!r} not in {SPLITS}")
    return problems


def check_tags(rec: dict) -> list[str]:
    tags, problems = rec["tags"], []
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        problems.append(f"unknown tags {unknown}; known: {list(TAGS)}")
    if not tags:
        problems.append("no tags")
    if len(set(tags)) != len(tags):
        problems.append("duplicate tags")
    answerable = bool(rec["doc_ids"])
    if ("unanswerable" in tags) == answerable:
        problems.append("tag 'unanswerable' must be set exactly when doc_ids is empty")
    if ("multi_doc" in tags) != (len(rec["doc_ids"]) >= 2):
        problems.append("tag 'multi_doc' must be set exactly when there are two or more doc_ids")
    if ("paraphrase" in tags) != rec["paraphrase"]:
        problems.append("tag 'paraphrase' must agree with the paraphrase field")
    if "multi_sentence" in tags and len(rec["evidence"]) < 2:
        problems.append("tag 'multi_sentence' needs at least two evidence strings")
    if "count_list" in tags and len(rec["answers"]) < 2:
        problems.append("tag 'count_list' needs at least two answer groups")
    return problems


def check_script(rec: dict, simplify: Callable[[str], str]) -> list[str]:
    """A Simplified question is unchanged by t2s conversion; a Traditional one changes."""
    question = rec["question"]
    changed = simplify(question) != question
    if rec["question_script"] == "simplified" and changed:
        return [f"question_script is simplified but t2s changes it to {simplify(question)!r}"]
    if rec["question_script"] == "traditional" and not changed:
        return ["question_script is traditional but the question has no Traditional-only characters"]
    return []


def check_grounding(rec: dict, texts: dict[str, str], fold: Callable[[str], str]) -> list[str]:
    """doc_ids exist; evidence is copied exactly; each answer group is findable in the documents."""
    doc_ids, problems = rec["doc_ids"], []
    if not doc_ids:
        if rec["evidence"] or rec["answers"]:
            problems.append("unanswerable question (no doc_ids) must have empty evidence and answers")
        return problems
    if len(set(doc_ids)) != len(doc_ids):
        problems.append("duplicate doc_ids")
    missing = [d for d in doc_ids if d not in texts]
    if missing:
        return problems + [f"doc_ids not in the corpus: {missing}"]
    if not rec["evidence"]:
        problems.append("answerable question without evidence")
    if not rec["answers"]:
        problems.append("answerable question without answers")
    docs = [texts[d] for d in doc_ids]
    folded = [fold(text) for text in docs]
    for ev in rec["evidence"]:
        if "\n" in ev or "\r" in ev:
            problems.append(f"evidence contains a line break: {ev!r}")
        if not EVIDENCE_MIN <= len(ev) <= EVIDENCE_MAX:
            problems.append(
                f"evidence has {len(ev)} characters (allowed {EVIDENCE_MIN}-{EVIDENCE_MAX}): {ev!r}"
            )
        if not any(ev in text for text in docs):
            problems.append(f"evidence is not an exact substring of {doc_ids}: {ev!r}")
        elif not any(fold(ev) in ftext for ftext in folded):
            # the evaluation matches folded evidence against folded passages
            problems.append(f"evidence is lost when folded (fold(evidence) not in fold(document)): {ev!r}")
    for doc_id, text in zip(doc_ids, docs, strict=True):
        if rec["evidence"] and not any(ev in text for ev in rec["evidence"]):
            problems.append(f"no evidence string comes from {doc_id}")
    for group in rec["answers"]:
        found = any(
            a in text or fold(a) in ftext for a in group for text, ftext in zip(docs, folded, strict=True)
        )
        if not found:
            problems.append(f"no string of answer group {group} occurs in {doc_ids} (raw or folded)")
    return problems


def read_corpus(corpus: Path) -> dict[str, str]:
    """Document id (path relative to the corpus root, POSIX style) -> text, for every text file."""
    return {
        p.relative_to(corpus).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(corpus.rglob("*"))
        if p.is_file() and p.suffix in {".txt", ".md"}
    }


def check_file(path: Path, corpus: Path = DEFAULT_CORPUS) -> CheckResult:
    records, problems = load_questions(path)
    texts = read_corpus(corpus)
    fold, _ = load_fold()
    simplify = to_simplified()
    ids: Counter[str] = Counter(r.get("id") for _, r in records if isinstance(r.get("id"), str))
    questions: Counter[str] = Counter(
        r.get("question") for _, r in records if isinstance(r.get("question"), str)
    )
    for n, rec in records:
        where = f"line {n} ({rec.get('id', '?')})"
        found = check_fields(rec)
        if not found:
            found = check_tags(rec) + check_script(rec, simplify) + check_grounding(rec, texts, fold)
            if ids[rec["id"]] > 1:
                found.append(f"id {rec['id']!r} is used {ids[rec['id']]} times")
            if questions[rec["question"]] > 1:
                found.append("the same question text occurs more than once")
        problems.extend(f"{where}: {msg}" for msg in found)
    if not records and not problems:
        problems.append(f"{path}: no questions")
    return CheckResult(tuple(r for _, r in records), tuple(problems))


def summary_counts(questions: tuple[dict, ...] | list[dict]) -> dict[str, Counter]:
    """Counters by doc (a question counts for each of its documents), tag, script and split."""
    valid = [q for q in questions if not check_fields(q)]
    by_doc: Counter[str] = Counter()
    for q in valid:
        by_doc.update(q["doc_ids"] or ["(none: unanswerable)"])
    return {
        "doc": by_doc,
        "tag": Counter(t for q in valid for t in q["tags"]),
        "script": Counter(q["question_script"] for q in valid),
        "split": Counter(q["split"] for q in valid),
        "heldout_doc": Counter(
            d for q in valid if q["split"] == "heldout" for d in q["doc_ids"] or ["(none)"]
        ),
    }


def format_summary(result: CheckResult, path: Path, fold_source: str) -> str:
    counts = summary_counts(result.questions)
    lines = [f"{path}: {len(result.questions)} questions (answer check used {fold_source})"]
    for title, key in (
        ("per document", "doc"),
        ("per tag", "tag"),
        ("per script", "script"),
        ("per split", "split"),
    ):
        lines.append(f"{title}:")
        lines.extend(f"  {name:<28} {n:>4}" for name, n in sorted(counts[key].items()))
    heldout = ", ".join(f"{d.split('_')[0]}={n}" for d, n in sorted(counts["heldout_doc"].items()))
    lines.append(f"held out per document: {heldout}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE, help="question file (JSON lines)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding the documents")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 2
    if not args.corpus.is_dir():
        print(f"error: no such corpus folder: {args.corpus}", file=sys.stderr)
        return 2
    result = check_file(args.file, args.corpus)
    print(format_summary(result, args.file, load_fold()[1]))
    if result.problems:
        print(f"\n{len(result.problems)} problem(s):", file=sys.stderr)
        for msg in result.problems:
            print(f"  {msg}", file=sys.stderr)
        return 1
    print("OK: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
