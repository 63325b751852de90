"""Train the learned sentence reader (rag.answer.learned) and print its held-out figures.

    PYTHONPATH=$PWD python eval/train_reader.py [--data ../shared/data] [--out rag/answer/reader_model.json]
        [--open-dir DIR [--open-only] [--open-limit N] [--cache FOLDER]]

Reads the `tune` split (rag.evaluate.squad.split_of: by article title) of DRCD dev and the CMRC 2018
trial set; every sentence of a question's gold paragraph is one example, labelled 1 when it holds a
gold answer (folded). With `--open-dir DIR` (DIR/<set>/index made by `rag eval --squad`), also what
`rag ask` reads: each tune question (at most `--open-limit` per set) is searched as `rag ask`
searches (eval/train_decline.py's asked_passages) and every sentence of its passages is an example,
labelled the same way; a question none of whose sentences holds a gold answer is left out.
`--open-only` drops the gold-paragraph examples; `--cache` keeps the reads and examples (pickles).
A logistic regression (scikit-learn, the `train` extra) is fitted on the
features of rag.answer.reader_features and written as plain JSON. The decline threshold is chosen on
the tune questions too: the highest best-sentence probability below which the reader's pick is right
less often than `--wrong-below` of the time, declining at most `--max-declines` of them.
Then the reader itself (the shipped Answerer, reading the file just written) answers every held-out
question, reader only, and the answer hit is printed per set: nothing held out is trained on.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np

from rag.answer.learned import (
    MODEL_PATH,
    LearnedReader,
    citation_marks,
    extractive_marks,
    fitted_model,
    load_model,
    picked_sentences,
    rank_sentences,
)
from rag.answer.reader_features import FEATURES, passage_features
from rag.evaluate.span_metrics import answer_hit
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, load_squad, sample
from rag.evaluate.squad_run import gold_paragraph, read_only, summarise
from rag.query.analysis import analyse
from rag.zh.sentences import quotable_sentences
from rag.zh.text import fold

T = TypeVar("T")


def examples(squad, split: str):
    """(features, labels, question index) over every sentence of each question's gold paragraph."""
    xs, ys, groups = [], [], []
    qi = 0
    for q in squad.questions:
        if q.split != split:
            continue
        art = squad.article(q.article_id)
        a, b = art.paragraphs[q.paragraph]
        para = art.text[a:b]
        sentences = [para[s:e] for s, e in quotable_sentences(para)]
        golds = [fold(g).strip() for g in q.answers if fold(g).strip()]
        labels = [1 if any(g in fold(s) for g in golds) else 0 for s in sentences]
        if not any(labels):
            continue  # the answer runs over a sentence end: no sentence can be right
        query = analyse(q.question)
        doc, hit = gold_paragraph(squad, q)
        cited, declined = extractive_marks(query, [hit], {doc.id: doc})
        picked = picked_sentences(hit, quotable_sentences(para), cited)
        rows = passage_features(query.whole, sentences, art.title, picked, declined)
        xs += rows
        ys += labels
        groups += [qi] * len(rows)
        qi += 1
    return np.array(xs, dtype=float), np.array(ys), np.array(groups)


@dataclass
class OpenRead:
    """One question read as `rag ask` reads it: every sentence of its passages (feature rows and
    labels: holds a gold answer, folded) and what the extractive reader answered."""

    question: str
    golds: list[str]
    rows: list[list[float]]
    labels: list[int]
    extractive_hit: bool
    extractive_declined: bool
    hits: tuple  # the passages (rag.types.Hit), to answer them again without searching
    sentences: list[tuple[int, int, int]] = field(default_factory=list)  # (hit index, start, end)


def open_reads(squad, index: Path, split: str, limit: int | None, progress: bool = True) -> list[OpenRead]:
    """The `split` questions of a set (at most `limit`, rag.evaluate.squad.sample) against the
    passages `rag ask` reads from the open-domain index DIR/<set>/index (eval/train_decline.py's
    asked_passages)."""
    from rag.config import load_settings
    from rag.pipeline import Pipeline

    pipeline = Pipeline.load(index, load_settings())
    out = []
    for i, q in enumerate(sample(squad.questions, limit, (split,)), 1):
        out.append(read_open(pipeline, q.question, q.answers))
        if progress and i % 50 == 0:
            print(f"  {squad.name} open {split}: {i}", flush=True)
    return out


def read_open(pipeline, question: str, answers) -> OpenRead:
    """One question against the passages `rag ask` reads from the pipeline's collection. `answers`:
    gold strings (SQuAD), or groups of alternatives that must all be answered (eval/questions.jsonl:
    the extractive answer is graded by rag.evaluate.metrics.answer_correct, a sentence is labelled by
    any alternative)."""
    from eval.train_decline import asked_passages
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.evaluate.metrics import answer_correct

    groups = [list(g) for g in answers] if answers and not isinstance(answers[0], str) else [list(answers)]
    answers = [g for group in groups for g in group]

    docs = pipeline.snapshot.documents
    query = analyse(question)
    hits = asked_passages(pipeline, question)
    ext = ExtractiveAnswerer().build(query, hits, docs)
    # the sentence model's probabilities are not kept, only the feature rows
    ranked = rank_sentences(query, hits, load_model(), docs, citation_marks(ext)) if hits else []
    golds = [fold(g).strip() for g in answers if fold(g).strip()]
    texts = [hits[c.hit_index].chunk.text[c.span[0] : c.span[1]] for c in ranked]
    return OpenRead(
        question,
        golds,
        [list(c.row) for c in ranked],
        [1 if any(g in fold(t) for g in golds) else 0 for t in texts],
        not ext.abstained
        and (answer_hit(ext.text, golds) if len(groups) == 1 else answer_correct(ext.text, groups)),
        ext.abstained,
        tuple(hits),
        [(c.hit_index, *c.span) for c in ranked],
    )


def kept_pickle(path: Path | None, compute: Callable[[], T]) -> T:
    """compute(), kept as a pickle at `path` and read from there when it exists (no path: computed)."""
    import pickle

    if path and path.exists():
        return pickle.loads(path.read_bytes())
    out = compute()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(out))
    return out


def cached_examples(squad, split: str, cache: Path | None):
    """`examples`, kept in `cache` when given (they depend on the features and the extractive reader)."""
    return kept_pickle(
        cache / f"{squad.name}-{split}-gold.pkl" if cache else None, lambda: examples(squad, split)
    )


def cached_reads(squad, open_dir: Path, split: str, limit: int | None, cache: Path | None) -> list[OpenRead]:
    """open_reads of DIR/<set>/index, kept in `cache` (a pickle per set, split and limit) when given:
    the reads depend on the index and the extractive reader, not on the sentence model."""
    return kept_pickle(
        cache / f"{squad.name}-{split}-{limit}.pkl" if cache else None,
        lambda: open_reads(squad, open_dir / squad.name / "index", split, limit),
    )


def open_examples(reads: list[OpenRead]):
    """(features, labels, question index) over the sentences of open-domain reads; a question where
    no sentence holds a gold answer is left out."""
    xs, ys, groups = [], [], []
    kept = [r for r in reads if any(r.labels)]
    for qi, r in enumerate(kept):
        xs += r.rows
        ys += r.labels
        groups += [qi] * len(r.rows)
    return np.array(xs, dtype=float).reshape(-1, len(FEATURES)), np.array(ys), np.array(groups)


def best_per_question(p: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each question: the top probability and whether that sentence is right."""
    tops, right = [], []
    for g in np.unique(groups):
        idx = np.where(groups == g)[0]
        k = idx[np.argmax(p[idx])]
        tops.append(p[k])
        right.append(y[k])
    return np.array(tops), np.array(right)


def choose_threshold(tops: np.ndarray, right: np.ndarray, wrong_below: float, max_declines: float) -> float:
    """The highest threshold t such that the questions whose top probability is below t are answered
    right less than `wrong_below` of the time, and at most `max_declines` of all are below it."""
    order = np.argsort(tops)
    best = 0.0
    for n in range(1, int(max_declines * len(tops)) + 1):
        below = order[:n]
        if right[below].mean() < wrong_below:
            best = float(tops[order[n]]) if n < len(tops) else float(tops[order[-1]])
    return best


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--wrong-below", type=float, default=0.3)
    ap.add_argument("--max-declines", type=float, default=0.05)
    ap.add_argument(
        "--open-dir", type=Path, default=None, help="DIR/<set>/index: train on open-domain reads too"
    )
    ap.add_argument("--open-only", action="store_true", help="with --open-dir: no gold-paragraph examples")
    ap.add_argument("--open-limit", type=int, default=None, help="open-domain tune questions per set")
    ap.add_argument("--cache", type=Path, default=None, help="folder keeping the open-domain reads (pickle)")
    ap.add_argument("--heldout-limit", type=int, default=None, help="held-out questions per set")
    args = ap.parse_args(argv)

    sets = [load_squad(args.data / name) for name in PUBLIC_SETS]
    t0 = time.perf_counter()
    parts = [] if args.open_only else [cached_examples(s, "tune", args.cache) for s in sets]
    if args.open_dir:
        parts += [
            open_examples(cached_reads(s, args.open_dir, "tune", args.open_limit, args.cache)) for s in sets
        ]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    offset, groups = 0, []
    for p in parts:
        groups.append(p[2] + offset)
        offset += int(p[2].max()) + 1 if len(p[2]) else 0
    g = np.concatenate(groups)
    print(f"tune: {offset} questions, {len(y)} sentences ({time.perf_counter() - t0:.0f} s of features)")

    scaler = StandardScaler().fit(x)
    clf = LogisticRegression(C=args.c, max_iter=5000).fit(scaler.transform(x), y)
    p = clf.predict_proba(scaler.transform(x))[:, 1]
    tops, right = best_per_question(p, y, g)
    threshold = choose_threshold(tops, right, args.wrong_below, args.max_declines)
    print(
        f"tune: top sentence right {right.mean():.3f}; threshold {threshold:.3f} declines "
        f"{(tops < threshold).mean():.3f}"
    )

    model = fitted_model(FEATURES, scaler, clf, threshold)
    doc = {
        **model.to_dict(),
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": {s.name: "tune" for s in sets},
        "examples": ("" if args.open_only else "gold paragraphs")
        + (" + " if args.open_dir and not args.open_only else "")
        + ("open-domain passages (rag ask)" if args.open_dir else ""),
        "learner": f"sklearn LogisticRegression(C={args.c}) on standardised features",
    }
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"model: {args.out}")

    load_model.cache_clear()
    reader = LearnedReader(model_path=args.out)
    for squad in sets:
        held = [q for q in squad.questions if q.split == "heldout"]
        if args.heldout_limit and len(held) > args.heldout_limit:
            step = len(held) / args.heldout_limit
            held = [held[int(i * step)] for i in range(args.heldout_limit)]
        row = summarise(read_only(squad, held, reader, progress=False), reader_only=True)["heldout"]
        print(
            f"{squad.name} heldout (reader only, {row['n']} questions): answer hit "
            f"{row['answer_hit']:.3f}, declined {row['declined_answerable']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
