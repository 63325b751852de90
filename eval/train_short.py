"""Train the "show the short answer?" decision (rag.answer.short_decision) and print its figures.

    PYTHONPATH=$PWD python eval/train_short.py [--data ../shared/data] [--out rag/answer/short_model.json]

The default answerer (`combined`) reads every `tune` question of DRCD dev and the CMRC 2018 trial set
(rag.evaluate.squad.split_of: by article title; nothing held out is read) with its gold paragraph,
as `rag eval --squad FILE --reader-only` does. For each answered question, the span the decision
would show (rag.answer.short_decision.short_case) and the answer without any span are scored by
CMRC 2018's character F1; the label is "the span scores better", the weight how much better or
worse (so the fit maximises the expected F1), and each set weighs the same in total (DRCD has three
times CMRC's questions; their gold answers differ in length). A logistic regression (scikit-learn,
the `train` extra) is written as plain JSON (rag.answer.learned.ReaderModel's format) with the
threshold that scores best on 5-fold cross-validation over tune articles. The figures printed: per
set, the tune F1 of the answers as today, with no span, always a span, and the decision (CV).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rag.answer.citations import without_markers
from rag.answer.learned import fitted_model
from rag.answer.short_decision import DECISION_FEATURES, SHORT_MODEL_PATH, question_words, short_case
from rag.answer.short_first import without_short_answer
from rag.answer.spans import span_model
from rag.evaluate.span_metrics import char_f1
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, load_squad
from rag.evaluate.squad_run import read_only, short_answer
from rag.query.analysis import analyse


def cases(squad, split: str = "tune"):
    """Per answered question: (row, F1 of the span, F1 without a span, F1 as answered today, article)."""
    from rag.answer.choose import make_answerer
    from rag.config import load_settings

    qs = [q for q in squad.questions if q.split == split]
    records = read_only(squad, qs, make_answerer(load_settings(), "combined"), progress=False)
    spans = span_model()
    out = []
    for r in records:
        ans = r.answer
        if ans.abstained or not ans.citations:
            continue
        golds = r.question.answers
        plain = without_markers(without_short_answer(ans).text)
        query = analyse(r.question.question)
        if len(query.parts) > 1 or question_words(query.whole.folded) > 1:
            continue  # with_short_answer shows no span for a question that asks several things
        case = short_case(query.whole, ans.citations[0].quote, plain, spans)
        if case is None:
            continue
        today = char_f1(short_answer(ans), golds)
        out.append(
            (case.row, char_f1(case.span.text, golds), char_f1(plain, golds), today, r.question.article_id)
        )
    return out


def columns(per_set: list[list[tuple]]) -> tuple[list[np.ndarray], np.ndarray]:
    """Each field of the sets' case tuples as one array over all sets (the first, the feature rows, as
    floats), and the set each row comes from."""
    fields = [np.array([c[i] for cs in per_set for c in cs]) for i in range(len(per_set[0][0]))]
    fields[0] = fields[0].astype(float)
    return fields, np.concatenate([np.full(len(cs), i) for i, cs in enumerate(per_set)])


@dataclass
class Decision:
    """A fitted "show it?" decision and how it scores out of fold."""

    scaler: object
    classifier: object
    threshold: float
    oof: np.ndarray  # out-of-fold probabilities
    score: Callable[[np.ndarray], list[float]]  # shown (bool per row) -> mean F1 per set


def weighted_decision(x, f_with, f_without, which, fold_of, c: float, grid) -> Decision:
    """A logistic regression for "F1 with the span > F1 without", each row weighted by the difference
    and each set (`which`) weighing the same in total (so the fit maximises the expected F1); the
    threshold of `grid` whose out-of-fold choices (folds `fold_of`, by article) score best, mean over sets."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    n_sets = int(which.max()) + 1
    y = (f_with > f_without).astype(int)
    balance = np.array([len(x) / (n_sets * int((which == i).sum())) for i in which])
    w = np.abs(f_with - f_without) * balance
    useful = w > 0  # ties teach nothing

    def fit(rows):
        scaler = StandardScaler().fit(x[rows])
        keep = rows & useful
        return scaler, LogisticRegression(C=c, max_iter=5000).fit(
            scaler.transform(x[keep]), y[keep], sample_weight=w[keep]
        )

    oof = np.zeros(len(x))
    for k in sorted(set(fold_of.tolist())):
        scaler, clf = fit(fold_of != k)
        oof[fold_of == k] = clf.predict_proba(scaler.transform(x[fold_of == k]))[:, 1]

    def score(shown):
        f = np.where(shown, f_with, f_without)
        return [float(f[which == i].mean()) for i in range(n_sets)]

    threshold = float(max(grid, key=lambda t: np.mean(score(oof >= t))))
    scaler, clf = fit(np.ones(len(x), bool))
    return Decision(scaler, clf, threshold, oof, score)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--out", type=Path, default=SHORT_MODEL_PATH)
    ap.add_argument("--c", type=float, default=0.1, help="inverse regularisation of the regression")
    args = ap.parse_args(argv)

    sets = [load_squad(args.data / name) for name in PUBLIC_SETS]
    per_set = [cases(s) for s in sets]
    (x, fs, fn, ft, arts), which = columns(per_set)
    # 5-fold cross-validation by article: out-of-fold probabilities choose the threshold
    fold_of = np.array([int(a[-6:], 16) % 5 for a in arts])
    decision = weighted_decision(x, fs, fn, which, fold_of, args.c, np.round(np.arange(0.2, 0.81, 0.02), 2))
    score, threshold, oof = decision.score, decision.threshold, decision.oof
    for name, f in (
        (
            "as answered now (the model at --out when it exists: in-sample)",
            [float(ft[which == i].mean()) for i in range(len(sets))],
        ),
        ("never a span", score(np.zeros(len(x), bool))),
        ("always a span", score(np.ones(len(x), bool))),
        (f"decision (5-fold CV, threshold {threshold:.2f})", score(oof >= threshold)),
    ):
        print(
            f"tune answered F1, {name}: "
            + ", ".join(f"{s.name} {v:.3f}" for s, v in zip(sets, f, strict=True))
        )
    print("questions: " + ", ".join(f"{s.name} {len(cs)}" for s, cs in zip(sets, per_set, strict=True)))

    learner = f"sklearn LogisticRegression(C={args.c}), weighted by |F1(span) - F1(sentence)|"
    save_decision(args.out, DECISION_FEATURES, decision, [s.name for s in sets], learner)
    return 0


def save_decision(
    out: Path, features: tuple[str, ...], decision: Decision, sets: list[str], learner: str
) -> None:
    """Write the fitted decision as plain JSON (rag.answer.learned.ReaderModel) and print its largest
    weights."""
    clf = decision.classifier
    doc = {
        **fitted_model(features, decision.scaler, clf, decision.threshold).to_dict(),
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": dict.fromkeys(sets, "tune"),
        "learner": learner,
    }
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    top = sorted(zip(features, clf.coef_[0], strict=True), key=lambda p: -abs(p[1]))[:8]
    print("model:", out, "; largest weights:", ", ".join(f"{n} {v:+.2f}" for n, v in top))


if __name__ == "__main__":
    raise SystemExit(main())
