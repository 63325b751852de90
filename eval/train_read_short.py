"""Train "lead with the span reader's span?" (rag.answer.read_decision) and print its figures.

    PYTHONPATH=$PWD python eval/train_read_short.py [--data ../shared/data] [--out rag/answer/read_model.json]

The default answerer (`combined`) reads every `tune` question of DRCD dev and the CMRC 2018 trial set
(rag.evaluate.squad.split_of: by article title; nothing held out is read) with its gold paragraph,
as `rag eval --squad FILE --reader-only` does. For each answered question asking one thing, the span
reader reads the first quoted sentence; the label is "its span scores a better CMRC 2018 character F1
than the answer without it" (the feature span model's span when its own decision shows one, else the
answer's sentences), the weight how much better or worse (so the fit maximises the expected F1), and
each set weighs the same in total (DRCD has three times CMRC's questions; their gold answers differ in
length). A logistic regression (scikit-learn, the `train` extra) is written as plain JSON
(rag.answer.learned.ReaderModel's format) with the threshold that scores best on 5-fold
cross-validation over tune articles. Printed: per set, the tune F1 of these answers with the span
reader's span never / always / where its margin beats the session 8 rule's 4 / by the decision (CV).
"""

from __future__ import annotations

import argparse
import tempfile
import zlib
from pathlib import Path

import numpy as np

import rag.answer.short_first as short_first
from rag.answer.citations import without_markers
from rag.answer.read_decision import READ_FEATURES, READ_MODEL_PATH, read_row, read_span_text
from rag.answer.short_decision import decided_span, question_words
from rag.answer.short_first import without_short_answer
from rag.answer.spans import span_model
from rag.evaluate.span_metrics import char_f1
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, load_squad
from rag.evaluate.squad_run import read_only
from rag.query.analysis import analyse

OLD_MARGIN = 4.0  # the fixed rule this decision replaced (session 8)


def cases(squad, split: str = "tune"):
    """Per answered question with a span to decide on: (row, F1 of the span, F1 without it, margin,
    article)."""
    from rag.answer.choose import make_answerer, span_reader
    from rag.config import load_settings

    settings = load_settings()
    reader = span_reader(settings)
    if reader is None:
        raise SystemExit("the span reader is off (span_reader = false): nothing to train")
    reader.load_full_tokenizer()
    qs = [q for q in squad.questions if q.split == split]
    # the answers' leads are taken off below, and which sentence is quoted does not depend on them:
    # answering without the decision lets a model made for other features be retrained
    short_first.READ_MODEL_PATH = Path(tempfile.gettempdir()) / "no-read-model.json"
    records = read_only(squad, qs, make_answerer(settings, "combined"), progress=True)
    spans = span_model()
    out = []
    for r in records:
        ans = r.answer
        query = analyse(r.question.question)
        if ans.abstained or not ans.citations or len(query.parts) > 1:
            continue
        if question_words(query.whole.folded) > 1:
            continue  # with_short_answer shows no span for a question that asks several things
        quote = ans.citations[0].quote
        read = reader.read(query.rewritten, quote)
        if read is None or not read_span_text(quote, read):
            continue  # nothing shorter than the sentence: no decision to make
        golds = r.question.answers
        plain = without_markers(without_short_answer(ans).text)
        fallback = decided_span(query.whole, quote, plain, spans)
        without = char_f1(fallback.text if fallback is not None else plain, golds)
        span = char_f1(read_span_text(quote, read), golds)
        out.append((read_row(query.whole, quote, read), span, without, read.margin, r.question.article_id))
    return out


def main(argv: list[str] | None = None) -> int:
    from eval.train_short import columns, save_decision, weighted_decision

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--out", type=Path, default=READ_MODEL_PATH)
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation of the regression")
    args = ap.parse_args(argv)

    sets = [load_squad(args.data / name) for name in PUBLIC_SETS]
    per_set = [cases(s) for s in sets]
    (x, fs, fn, margin, arts), which = columns(per_set)
    # 5-fold cross-validation by article: out-of-fold probabilities choose the threshold
    fold_of = np.array([zlib.crc32(str(a).encode()) % 5 for a in arts])
    decision = weighted_decision(x, fs, fn, which, fold_of, args.c, np.round(np.arange(0.3, 0.71, 0.05), 2))
    score, threshold, oof = decision.score, decision.threshold, decision.oof
    for name, f in (
        ("never the span", score(np.zeros(len(x), bool))),
        ("always the span", score(np.ones(len(x), bool))),
        (f"margin > {OLD_MARGIN:g} (before)", score(margin > OLD_MARGIN)),
        (f"decision (5-fold CV, threshold {threshold:.2f})", score(oof >= threshold)),
    ):
        print(f"tune F1, {name}: " + ", ".join(f"{s.name} {v:.3f}" for s, v in zip(sets, f, strict=True)))
    print("questions: " + ", ".join(f"{s.name} {len(cs)}" for s, cs in zip(sets, per_set, strict=True)))

    learner = f"sklearn LogisticRegression(C={args.c}), weighted by |F1(span) - F1(without)|"
    save_decision(args.out, READ_FEATURES, decision, [s.name for s in sets], learner)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
