"""Why the extractive reader declines answerable questions of a SQuAD-format set, reader only (the
gold paragraph given), counted by the step of `ExtractiveAnswerer.build` that stops it.

    PYTHONPATH=$PWD python eval/decline_reasons.py ../shared/data/drcd_dev.json [--split tune] [--limit 300]

Reasons: the question names a place or post no document mentions (`unknown_terms`), or nothing the
collection mentions (`off_collection`); no sentence is eligible (it lacks a kind of answer the
question requires, or its document lacks the question's people and places); the best eligible
sentence scores below `min_score` or covers less than `min_own` of the question. "(gold ineligible)"
marks questions whose gold sentence was not eligible; for "no eligible sentence" the required kinds
are counted too. Only the tune split should guide a change (docs/reader.md).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from rag.answer.corpus import folded_corpus, known_to, off_collection, unknown_terms
from rag.answer.extractive import ExtractiveAnswerer
from rag.evaluate.squad import load_squad, sample
from rag.evaluate.squad_run import gold_paragraph
from rag.query.analysis import analyse
from rag.query.question import REQUIRED_KINDS
from rag.retrieve.sentence_scoring import score_units
from rag.retrieve.units import units_of
from rag.zh.text import fold


def reason(reader: ExtractiveAnswerer, question, hit, docs) -> tuple[str, tuple[str, ...]]:
    """(why it declines, the required kinds), or ("answered", ()) when it does not."""
    query = analyse(question.question)
    if not reader.build(query, [hit], docs).abstained:
        return "answered", ()
    corpus, info = folded_corpus(docs), query.whole
    if not info.tokens:
        return "no question words", ()
    if unknown_terms(info, corpus):
        return "unknown_terms", ()
    if off_collection(info, corpus):
        return "off_collection", ()
    info = known_to(info, corpus)
    units = units_of([hit], docs)
    scored = score_units(info, units, [1] * len(units), corpus.texts)
    eligible = [s for s in scored if s.eligible]
    gold = [s for s in scored if any(fold(g) in s.unit.folded for g in question.answers)]
    kinds = tuple(sorted(k for k in info.kinds if k in REQUIRED_KINDS))
    if not eligible:
        why = "no eligible sentence"
    else:
        best = max(eligible, key=lambda s: s.score)
        why = "below min_score" if best.score < reader.min_score else "below min_own"
    if gold and not any(s.eligible for s in gold):
        why += " (gold ineligible)"
    return why, kinds if not eligible else ()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("squad", type=Path)
    ap.add_argument("--split", default="tune", choices=["tune", "heldout"])
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--examples", type=int, default=4, help="questions shown per reason")
    args = ap.parse_args(argv)
    squad = load_squad(args.squad)
    reader = ExtractiveAnswerer()
    reasons, kinds, examples = Counter(), Counter(), {}
    questions = sample(squad.questions, args.limit, (args.split,))
    for q in questions:
        doc, hit = gold_paragraph(squad, q)
        why, required = reason(reader, q, hit, {doc.id: doc})
        reasons[why] += 1
        if why.startswith("no eligible"):
            kinds[required] += 1
        examples.setdefault(why, []).append(q.question)
    print(f"{squad.name} {args.split}: {len(questions)} questions")
    for why, n in reasons.most_common():
        print(f"  {n:4d}  {why}")
        if why != "answered":
            for text in examples[why][: args.examples]:
                print(f"          {text}")
    if kinds:
        print("  required kinds where no sentence was eligible:")
        for k, n in kinds.most_common():
            print(f"  {n:4d}  {', '.join(k) or '(none)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
