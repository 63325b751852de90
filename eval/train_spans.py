"""Train the short-answer span picker (rag.answer.spans) and print its held-out figures.

    PYTHONPATH=$PWD python eval/train_spans.py [--data ../shared/data] [--out rag/answer/span_model.json]

Reads the `tune` split (rag.evaluate.squad.split_of: by article title) of DRCD dev and the CMRC 2018
trial set. For each question, the sentence of its gold paragraph that holds a gold answer is cut into
candidate spans (rag.answer.span_features); a candidate is labelled 1 when it equals a gold answer
by the CMRC 2018 tokens (punctuation dropped, folded). A gradient-boosted tree model (scikit-learn's
HistGradientBoostingClassifier, the `train` extra) is written as plain JSON (rag.answer.trees). The
threshold under which no span is shown (the answer is the sentence) is the one with the best F1 on
tune: CMRC 2018's answers are often a clause or a whole sentence, where a short span scores less.
Then the held-out questions are scored the same way (the gold sentence given: the span picker
alone): exact match and F1 per set. Nothing held out is trained on.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rag.answer.question_frame import frame
from rag.answer.span_features import FEATURES, span_rows
from rag.answer.spans import SPAN_MODEL_PATH
from rag.answer.trees import export_trees, load_trees
from rag.evaluate.span_metrics import char_f1, exact_match
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, load_squad
from rag.query.analysis import analyse
from rag.zh.sentences import quotable_sentences
from rag.zh.text import fold


def examples(squad, split: str, limit: int | None = None):
    """(rows, labels, groups, per question: (candidate texts, golds)) over the gold sentences."""
    xs, ys, groups, cands = [], [], [], []
    qs = [q for q in squad.questions if q.split == split]
    if limit and len(qs) > limit:
        qs = [qs[int(i * len(qs) / limit)] for i in range(limit)]
    for q in qs:
        art = squad.article(q.article_id)
        a, b = art.paragraphs[q.paragraph]
        para = art.text[a:b]
        golds = [fold(g).strip() for g in q.answers if fold(g).strip()]
        sentence = next(
            (
                fold(para[s:e])
                for s, e in quotable_sentences(para)
                if any(g in fold(para[s:e]) for g in golds)
            ),
            None,
        )
        if sentence is None:
            continue
        spans, rows = span_rows(frame(analyse(q.question).whole), sentence)
        if not rows:
            continue
        texts = [sentence[s:e] for s, e in spans]
        xs += rows
        ys += [1 if exact_match(t, golds) else 0 for t in texts]
        groups += [len(cands)] * len(rows)
        cands.append((texts, golds, char_f1(sentence, golds)))
    return np.array(xs, dtype=float), np.array(ys), np.array(groups), cands


def picks(p: np.ndarray, groups: np.ndarray, cands) -> list[tuple[float, float, bool, float]]:
    """Per question: (best probability, F1 of the best candidate, exact match of it, F1 of the
    whole sentence)."""
    out = []
    for g, (texts, golds, whole) in enumerate(cands):
        idx = np.where(groups == g)[0]
        k = int(np.argmax(p[idx]))
        out.append((float(p[idx][k]), char_f1(texts[k], golds), exact_match(texts[k], golds), whole))
    return out


def shown_f1(picked, threshold: float) -> float:
    """Mean F1 when the span is shown at or above `threshold` and the whole sentence below it."""
    return float(np.mean([f if p >= threshold else whole for p, f, _, whole in picked]))


def choose_threshold(picked) -> float:
    """The span probability below which the whole sentence scores a better F1 on tune questions."""
    return max(sorted({round(p, 3) for p, *_ in picked} | {0.0}), key=lambda t: shown_f1(picked, t))


def main(argv: list[str] | None = None) -> int:
    from sklearn.ensemble import HistGradientBoostingClassifier

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--out", type=Path, default=SPAN_MODEL_PATH)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=5)
    ap.add_argument(
        "--refit-threshold", action="store_true", help="keep the trees of --out, choose its threshold"
    )
    ap.add_argument("--heldout-limit", type=int, default=None)
    ap.add_argument("--keep-negatives", type=float, default=0.5, help="share of negatives fitted on")
    args = ap.parse_args(argv)

    sets = [load_squad(args.data / name) for name in PUBLIC_SETS]
    t0 = time.perf_counter()
    parts = [examples(s, "tune") for s in sets]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    offset, gs, cands = 0, [], []
    for p in parts:
        gs.append(p[2] + offset)
        offset += len(p[3])
        cands += p[3]
    g = np.concatenate(gs)
    reach = np.mean([any(exact_match(t, golds) for t in texts) for texts, golds, _ in cands])
    print(
        f"tune: {offset} questions, {len(y)} candidates, a candidate matches {reach:.3f} "
        f"({time.perf_counter() - t0:.0f} s of features)"
    )
    if args.refit_threshold:  # keep the trees, choose the threshold again
        doc = json.loads(args.out.read_text(encoding="utf-8"))
        p = np.array(load_trees(args.out, FEATURES).probabilities(x.tolist()))
    else:
        # fewer negatives fit as well and much faster (the positives are 1 in 100)
        keep = (y == 1) | (np.random.default_rng(0).random(len(y)) < args.keep_negatives)
        clf = HistGradientBoostingClassifier(
            max_iter=args.trees, max_depth=args.depth, learning_rate=0.1, min_samples_leaf=40, random_state=0
        ).fit(x[keep], y[keep])
        p = clf.predict_proba(x)[:, 1]
        meta = {
            "trained": datetime.now(UTC).isoformat(timespec="seconds"),
            "trained_on": {s.name: "tune" for s in sets},
            "learner": "sklearn HistGradientBoostingClassifier"
            f"(max_iter={args.trees}, max_depth={args.depth}, min_samples_leaf=40)",
        }
        doc = export_trees(clf, FEATURES, 0.0, meta)
    tune = picks(p, g, cands)
    threshold = choose_threshold(tune)
    doc["threshold"] = threshold
    print(
        f"tune: EM {np.mean([e for _, _, e, _ in tune]):.3f} F1 {np.mean([f for _, f, _, _ in tune]):.3f}; "
        f"threshold {threshold:.3f} shows {np.mean([p >= threshold for p, *_ in tune]):.3f}, "
        f"F1 with the sentence below it {shown_f1(tune, threshold):.3f}"
    )
    args.out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"model: {args.out} ({args.out.stat().st_size // 1024} kB)")

    load_trees.cache_clear()
    model = load_trees(args.out, FEATURES)
    for squad in sets:
        xh, _, gh, ch = examples(squad, "heldout", args.heldout_limit)
        held = picks(np.array(model.probabilities(xh.tolist())), gh, ch)
        shown = np.mean([p >= model.threshold for p, *_ in held])
        print(
            f"{squad.name} heldout (gold sentence given, {len(held)} questions): span always: "
            f"EM {np.mean([e for _, _, e, _ in held]):.3f} F1 {np.mean([f for _, f, _, _ in held]):.3f}; "
            f"span shown for {shown:.3f}, else the sentence: F1 {shown_f1(held, model.threshold):.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
