"""Case extraction on the seeds against the gold file: precision, recall, per-field accuracy.

    PYTHONPATH=. .venv/bin/python eval/cases_eval.py [--gold eval/cases_gold.jsonl] [--corpus seeds] [-v]
    PYTHONPATH=. .venv/bin/python eval/cases_eval.py --heldout [--round N] [-v]

Documents are read as the index reads them (rag.ingest), so offsets are those of Document.text.
--heldout scores eval/cases_heldout.jsonl instead: short reports written after the extractor (their
text is in the file), a check that the rules are not fitted to the seeds.
Targets (issue 14): recall >= 0.90, precision >= 0.90, sanctions exact on >= 0.95 of matched cases.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.cases import extract_cases, extract_totals, load_gold, match_cases, match_totals
from rag.cases.match import FIELDS
from rag.cases.select import CaseQuery, select_cases, stated_totals
from rag.ingest.documents import load_document
from rag.types import Document
from rag.zh.text import fold

ROOT = Path(__file__).resolve().parent.parent


def seed_documents(corpus: Path) -> list[Document]:
    return [load_document(path, corpus) for path in sorted(corpus.glob("*.txt"))]


def heldout_documents(path: Path, round_: int = 0) -> list[Document]:
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("type") == "doc" and (not round_ or rec.get("round", 1) == round_):
            docs.append(Document(id=rec["doc_id"], title=rec["text"].splitlines()[0], text=rec["text"]))
    return docs


def check_questions(path: Path, cases: list, totals: list, dates: dict, verbose: bool) -> float:
    """Each question answered from the table with its gold filter (the question's words are not
    parsed here): right when the people and units listed and the stated total are the gold's."""
    right = 0
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for q in questions:
        f = q["filter"]
        query = CaseQuery(
            sanction=f.get("sanction") or f.get("sanction_category", ""),
            place=f.get("place", ""),
            time=f.get("time", ""),
        )
        chosen = select_cases(cases, query, dates)
        names = sorted(fold(c.name.value) for c in chosen if c.name)
        units = [fold(c.unit.value) for c in chosen if not c.name]
        gold = q["answer"]
        same_units = len(units) == len(gold["units"]) and all(
            any(fold(g) in u or u in fold(g) for u in units) for g in gold["units"]
        )
        docs = {c.doc_id for c in chosen} | set(q["doc_ids"])
        stated = [t.count for t in stated_totals(totals, docs, query)]
        reported_ok = gold["reported"] is None or gold["reported"] in stated
        ok = names == sorted(fold(n) for n in gold["names"]) and same_units and reported_ok
        right += ok
        if verbose and not ok:
            print(f"QUESTION {q['id']} {q['question']}: names {names} units {units} totals {stated}")
    share = right / len(questions) if questions else 0.0
    print("counting/listing questions answered from the table (gold filters):", end=" ")
    print(f"{right}/{len(questions)} = {share:.3f}")
    return share


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "eval" / "cases_gold.jsonl")
    ap.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    ap.add_argument("--heldout", action="store_true", help="score eval/cases_heldout.jsonl (texts inside)")
    ap.add_argument("--round", type=int, default=0, help="with --heldout: only this round (1, 2; 0 = all)")
    ap.add_argument(
        "--questions",
        action="store_true",
        help="also answer eval/cases_questions.jsonl from the table, with each question's gold filter",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses, extras and wrong fields")
    args = ap.parse_args(argv)

    gold_file = ROOT / "eval" / "cases_heldout.jsonl" if args.heldout else args.gold
    gold, totals = load_gold(gold_file)
    if args.heldout and args.round:
        gold = [g for g in gold if g.get("round", 1) == args.round]
        totals = [t for t in totals if t.get("round", 1) == args.round]
    found, found_totals, dates = [], [], {}
    docs = heldout_documents(gold_file, args.round) if args.heldout else seed_documents(args.corpus)
    for doc in docs:
        found += extract_cases(doc)
        found_totals += extract_totals(doc)
        dates[doc.id] = doc.date
    scores = match_cases(found, gold)

    print(f"cases: gold {scores.n_gold}, found {scores.n_found}, matched {scores.n_matched}")
    print(f"precision {scores.precision:.3f}  recall {scores.recall:.3f}")
    print("field accuracy on matched cases:")
    for name in FIELDS:
        print(f"  {name:<11} {scores.accuracy(name):.3f}  ({scores.field_right[name]}/{scores.n_matched})")
    n_gold, n_found, n_matched = match_totals(found_totals, totals)
    print(f"stated totals (通报了10起): gold {n_gold}, found {n_found}, matched {n_matched}")
    if args.verbose:
        for g in scores.missed:
            print(f"MISSED {g['doc_id']}: {g.get('name') or g.get('unit')} {g.get('sanctions')}")
        for c in scores.extra:
            print(f"EXTRA  {c.doc_id}: {c.key} {[s.value for s in c.sanctions]}")
        for doc, key, name, value in scores.wrong:
            print(f"WRONG  {doc}: {key} {name} = {value!r}")
    if args.questions and not args.heldout:
        check_questions(ROOT / "eval" / "cases_questions.jsonl", found, found_totals, dates, args.verbose)
    ok = scores.recall >= 0.9 and scores.precision >= 0.9 and scores.accuracy("sanctions") >= 0.95
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
