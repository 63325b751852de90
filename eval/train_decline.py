"""Train the learned reader's decline model (rag.answer.decline) and print its held-out figures.

    PYTHONPATH=$PWD python eval/train_decline.py --open-dir DIR --seeds-index IDX [--limit 400]

Examples, from the `tune` split only (rag.evaluate.squad.split_of, by article title), always as
many passages for an answerable example as for its unanswerable twin (the model must not learn to
count passages: with one gold paragraph against three others, "a second good sentence" meant
"unanswerable", and with the five passages `rag ask` reads, half of the answerable open-domain
questions were declined):
- reader only: each tune question of DRCD dev and CMRC 2018 with its gold paragraph (answerable),
  and with the `--negatives` paragraphs (default 1) of OTHER articles of its set sharing most
  character bigrams with it (unanswerable: no encoder needed);
- with `--open-dir DIR` (DIR/<set>/index made by `rag eval --squad ../shared/data/<set>.json --out
  DIR/<set>`): what the reader sees in open domain. Each tune question is searched as `rag ask`
  searches; its passages are answerable when one holds a gold answer, and the passages found once its
  own article is left out of the collection are unanswerable (a removed-article question);
- with `--seeds-index` (an index of seeds/ built by `rag index`): the seeds' tune questions of
  eval/questions.jsonl with the passages `rag ask` reads, unanswerable ones as negatives.
A logistic regression (scikit-learn, the `train` extra) is written as plain JSON; its threshold is
the probability below which `--max-declines` of the answerable tune examples fall. Then held-out
questions are read the same way and the shares declined are printed: answerable (target <= 5%),
other-article paragraphs and removed-article passages (target >= 80%).
It needs the sentence and span models (eval/train_reader.py, eval/train_spans.py) first.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rag.answer.decline import DECLINE_FEATURES, DECLINE_MODEL_PATH
from rag.answer.learned import LearnedReader, fitted_model, load_model
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, load_squad, sample
from rag.evaluate.squad_run import gold_paragraph
from rag.query.analysis import analyse
from rag.types import Chunk, Document, Hit
from rag.zh.text import fold
from rag.zh.words import pair_bigrams

ROOT = Path(__file__).resolve().parents[1]


def paragraphs(squad):
    """[(article, paragraph index, bigrams)] of a set."""
    out = []
    for art in squad.articles:
        for i, (a, b) in enumerate(art.paragraphs):
            out.append((art, i, pair_bigrams(fold(art.text[a:b]))))
    return out


def hard_negatives(squad, q, paras, n: int) -> tuple[list[Hit], dict[str, Document]]:
    """The n paragraphs of other articles sharing most bigrams with the question, as hits."""
    grams = analyse(q.question).whole.bigrams
    ranked = sorted((p for p in paras if p[0].id != q.article_id), key=lambda p: -len(grams & p[2]))[:n]
    hits, docs = [], {}
    for rank, (art, i, _) in enumerate(ranked, 1):
        a, b = art.paragraphs[i]
        docs[art.id] = Document(id=art.id, title=art.title, text=art.text)
        hits.append(
            Hit(Chunk(f"{art.id}#{i}", art.id, art.text[a:b], a, b), 1.0, rank, ("bigram",), art.title)
        )
    return hits, docs


def row(reader: LearnedReader, question: str, hits, docs) -> list[float] | None:
    query = analyse(question)
    found = reader.read(query, hits, docs)
    return reader.decline_features(query.whole, *found, hits) if found else None


def squad_rows(reader, squad, split: str, limit: int | None, negatives: int):
    paras = paragraphs(squad)
    pos, neg = [], []
    for q in sample(squad.questions, limit, (split,)):
        doc, hit = gold_paragraph(squad, q)
        r = row(reader, q.question, [hit], {doc.id: doc})
        if r:
            pos.append(r)
        r = row(reader, q.question, *hard_negatives(squad, q, paras, negatives))
        if r:
            neg.append(r)
    return pos, neg


def asked_passages(pipeline, question: str, exclude: str | None = None) -> list[Hit]:
    """The passages `rag ask` would read for the question (rag.pipeline.ask_stream: hybrid search,
    each question part searched, answer_passages of them); `exclude`: an article (file stem) left
    out of the collection, as if it had been removed."""
    from rag.retrieve.sentence_scoring import retrieve_for

    keep = None
    if exclude is not None:
        keep = {d for d in pipeline.snapshot.documents if Path(d).stem != exclude}
    search = lambda info, n: pipeline.search(info, k=n, doc_ids=keep)  # noqa: E731
    return retrieve_for(analyse(question), search, pipeline.settings.answer_passages, reorder=False)


def open_rows(reader, squad, index: Path, split: str, limit: int | None):
    """Open-domain rows of a set's questions: (positives, negatives), as the module docstring says."""
    from rag.config import load_settings
    from rag.pipeline import Pipeline

    pipeline = Pipeline.load(index, load_settings())
    docs = pipeline.snapshot.documents
    pos, neg = [], []
    for i, q in enumerate(sample(squad.questions, limit, (split,)), 1):
        golds = [fold(g) for g in q.answers]
        mine = asked_passages(pipeline, q.question)
        if any(g in fold(h.chunk.text) for h in mine for g in golds):
            r = row(reader, q.question, mine, docs)
            if r:
                pos.append(r)
        # index documents are named after their file (squad-<hash>.txt), articles by the stem
        others = asked_passages(pipeline, q.question, exclude=q.article_id)
        r = row(reader, q.question, others, docs) if others else None
        if r:
            neg.append(r)
        if i % 100 == 0:
            print(f"  {squad.name} open {split}: {i}", flush=True)
    return pos, neg


def seed_rows(reader, index: Path, split: str):
    from rag.config import load_settings
    from rag.pipeline import Pipeline

    pipeline = Pipeline.load(index, load_settings())
    docs = pipeline.snapshot.documents
    pos, neg = [], []
    for line in (ROOT / "eval/questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("split") != split:
            continue
        r = row(reader, q["question"], asked_passages(pipeline, q["question"]), docs)
        if r:
            (pos if q.get("answers") else neg).append(r)
    return pos, neg


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--out", type=Path, default=DECLINE_MODEL_PATH)
    ap.add_argument("--seeds-index", type=Path, default=None, help="index of seeds/ (rag index)")
    ap.add_argument("--open-dir", type=Path, default=None, help="DIR/<set>/index from rag eval --squad")
    ap.add_argument("--negatives", type=int, default=1, help="other-article paragraphs per question")
    ap.add_argument("--max-declines", type=float, default=0.04, help="of answerable tune questions")
    ap.add_argument("--limit", type=int, default=None, help="questions per set and split")
    args = ap.parse_args(argv)

    reader = LearnedReader(decline_path=args.out.with_suffix(".none"))  # features only, no verdict
    sets = [load_squad(args.data / name) for name in PUBLIC_SETS]
    pos, neg = [], []
    for squad in sets:
        p, n = squad_rows(reader, squad, "tune", args.limit, args.negatives)
        print(f"{squad.name} tune: {len(p)} answerable, {len(n)} hard-negative", flush=True)
        pos, neg = pos + p, neg + n
        if args.open_dir:
            p, n = open_rows(reader, squad, args.open_dir / squad.name / "index", "tune", args.limit)
            print(f"{squad.name} open-domain tune: {len(p)} answerable, {len(n)} removed-article", flush=True)
            pos, neg = pos + p, neg + n
    if args.seeds_index:
        p, n = seed_rows(reader, args.seeds_index, "tune")
        print(f"seeds tune: {len(p)} answerable, {len(n)} unanswerable")
        pos, neg = pos + p, neg + n
    x = np.array(pos + neg, dtype=float)
    y = np.array([1] * len(pos) + [0] * len(neg))
    scaler = StandardScaler().fit(x)
    clf = LogisticRegression(max_iter=5000, class_weight="balanced").fit(scaler.transform(x), y)
    p = clf.predict_proba(scaler.transform(x))[:, 1]
    threshold = float(np.quantile(p[y == 1], args.max_declines))
    print(
        f"tune: threshold {threshold:.3f} declines {np.mean(p[y == 1] < threshold):.3f} answerable, "
        f"{np.mean(p[y == 0] < threshold):.3f} unanswerable"
    )
    data = fitted_model(DECLINE_FEATURES, scaler, clf, threshold).to_dict()
    data |= {
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": {**{s.name: "tune" for s in sets}, **({"seeds": "tune"} if args.seeds_index else {})},
        "open_domain_rows": bool(args.open_dir),
        "learner": "sklearn LogisticRegression(class_weight=balanced) on standardised features",
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"model: {args.out}")

    load_model.cache_clear()
    reader = LearnedReader(decline_path=args.out)
    for squad in sets:
        p, n = squad_rows(reader, squad, "heldout", args.limit, args.negatives)
        print(
            f"{squad.name} heldout: declined {np.mean([reader.declines(r) for r in p]):.3f} of {len(p)} "
            f"answerable, {np.mean([reader.declines(r) for r in n]):.3f} of {len(n)} hard-negative"
        )
        if args.open_dir:
            p, n = open_rows(reader, squad, args.open_dir / squad.name / "index", "heldout", args.limit)
            print(
                f"{squad.name} open-domain heldout: declined {np.mean([reader.declines(r) for r in p]):.3f} "
                f"of {len(p)} answerable, {np.mean([reader.declines(r) for r in n]):.3f} of {len(n)} removed"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
