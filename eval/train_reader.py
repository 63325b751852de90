"""Train the learned sentence reader (rag.answer.learned) and print its held-out figures.

    PYTHONPATH=$PWD python eval/train_reader.py [--data ../shared/data] [--out rag/answer/reader_model.json]

Reads the `tune` split (rag.evaluate.squad.split_of: by article title) of DRCD dev and the CMRC 2018
trial set; every sentence of a question's gold paragraph is one example, labelled 1 when it holds a
gold answer (folded). A logistic regression (scikit-learn, the `train` extra) is fitted on the
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
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rag.answer.learned import (
    MODEL_PATH,
    LearnedReader,
    extractive_marks,
    load_model,
    parse_model,
    picked_sentences,
)
from rag.answer.reader_features import FEATURES, passage_features
from rag.evaluate.squad import load_squad
from rag.evaluate.squad_run import gold_paragraph, read_only, summarise
from rag.query.analysis import analyse
from rag.zh.sentences import quotable_sentences
from rag.zh.text import fold

SETS = ("drcd_dev.json", "cmrc2018_trial.json")


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
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "../shared/data")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--wrong-below", type=float, default=0.3)
    ap.add_argument("--max-declines", type=float, default=0.05)
    ap.add_argument("--heldout-limit", type=int, default=None, help="held-out questions per set")
    args = ap.parse_args(argv)

    sets = [load_squad(args.data / name) for name in SETS]
    t0 = time.perf_counter()
    parts = [examples(s, "tune") for s in sets]
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

    model = parse_model(
        {
            "features": list(FEATURES),
            "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(),
            "coef": clf.coef_[0].tolist(),
            "intercept": float(clf.intercept_[0]),
            "threshold": threshold,
        }
    )
    doc = {
        **model.to_dict(),
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": {s.name: "tune" for s in sets},
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
