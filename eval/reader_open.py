"""Which sentence to quote in open domain: the extractive reader's, the learned reader's, or a policy.

    PYTHONPATH=$PWD python eval/reader_open.py --open-dir /tmp/od --seeds-index IDX --cache /tmp/rd-cache

Every question is read as `rag ask` reads it (eval/train_decline.py's asked_passages over the
open-domain index DIR/<set>/index, made by `rag eval --squad`), once: the reads (feature rows of
every sentence of the 5 passages, which sentences hold a gold answer, the extractive answer's hit)
are kept in `--cache`, so sentence models are compared on the same reads in seconds.
Sentence models: the shipped one (`--old`), and logistic regressions fitted here on the TUNE reads
(open domain only, or mixed with the gold-paragraph examples of eval/train_reader.py). For each, on
TUNE and HELD-OUT (rag.evaluate.squad.split_of) and on the seeds' answerable questions:
- extractive: the extractive answer holds a gold answer (declined counts as a miss);
- learned: the model's best sentence holds one;
- policy m: where the extractive reader answers, the learned best sentence replaces its answer when
  its probability exceeds that of the best sentence the extractive reader quotes by more than m
  (m chosen on TUNE; declined questions are misses here as for `extractive`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from eval.train_reader import (
    OpenRead,
    cached_examples,
    cached_reads,
    kept_pickle,
    open_examples,
    read_open,
)
from rag.answer.learned import MODEL_PATH, ReaderModel, load_model
from rag.answer.reader_features import FEATURES
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, load_squad

ROOT = Path(__file__).resolve().parents[1]
PICK = FEATURES.index("extractive_pick")
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.01)


def seed_reads(index: Path, cache: Path | None) -> list[OpenRead]:
    def read() -> list[OpenRead]:
        from rag.config import load_settings
        from rag.pipeline import Pipeline

        pipeline = Pipeline.load(index, load_settings())
        reads = []
        for line in (ROOT / "eval/questions.jsonl").read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if q.get("answers"):
                reads.append(read_open(pipeline, q["question"], q["answers"]))
        return reads

    return kept_pickle(cache / "seeds.pkl" if cache else None, read)


def probabilities(model: ReaderModel, rows: list[list[float]]) -> np.ndarray:
    if not rows:
        return np.zeros(0)
    x = (np.asarray(rows, dtype=float) - np.array(model.mean)) / np.array(model.scale)
    return 1 / (1 + np.exp(-np.clip(x @ np.array(model.coef) + model.intercept, -30, 30)))


def figures(model: ReaderModel, reads: list[OpenRead]) -> dict[str, float]:
    """Share of questions: extractive hit, learned best-sentence hit, policy hit for each margin."""
    ext, learned = [], []
    policy = {m: [] for m in MARGINS}
    for r in reads:
        p = probabilities(model, r.rows)
        ext.append(r.extractive_hit)
        if not len(p):
            learned.append(False)
            for m in MARGINS:
                policy[m].append(r.extractive_hit)
            continue
        k = int(np.argmax(p))
        learned.append(bool(r.labels[k]))
        picked = [p[i] for i, row in enumerate(r.rows) if row[PICK]]
        ext_p = max(picked) if picked else 0.0
        for m in MARGINS:
            if r.extractive_declined:
                policy[m].append(False)
            else:
                policy[m].append(bool(r.labels[k]) if p[k] - ext_p > m else r.extractive_hit)
    out = {"n": len(reads), "extractive": np.mean(ext), "learned": np.mean(learned)}
    out |= {f"policy {m}": np.mean(v) for m, v in policy.items()}
    return out


def end_to_end(answerer, reads: list[OpenRead], documents) -> tuple[float, float, float]:
    """The combined answerer itself on the kept passages: (answer hit, share declined, median ms of
    answering alone, the question analysed already)."""
    import statistics
    import time

    from rag.evaluate.metrics import answer_correct
    from rag.query.analysis import analyse

    hit = declined = 0
    times = []
    for r in reads:
        query = analyse(r.question)
        t0 = time.perf_counter()
        ans = answerer.build(query, r.hits, documents)
        times.append(time.perf_counter() - t0)
        declined += ans.abstained
        hit += not ans.abstained and answer_correct(ans.text, [r.golds])
    return hit / len(reads), declined / len(reads), 1000 * statistics.median(times)


def compare_combined(args, reads: dict, seeds: list[OpenRead]) -> None:
    """The combined answerer before (--old, --old-decline, never switching) and as shipped."""
    from rag.answer.combined import CombinedAnswerer
    from rag.answer.learned import LearnedReader
    from rag.config import load_settings
    from rag.pipeline import Pipeline

    before = CombinedAnswerer(
        second=LearnedReader(model_path=args.old, decline_path=args.old_decline), switch_margin=1.0
    )
    answerers = {"combined before": before, "combined now": CombinedAnswerer()}
    answerers |= {
        f"combined now, min P {p}": CombinedAnswerer(min_probability=p) for p in args.min_probability
    }
    if args.removed:
        compare_removed(args, answerers)
    for (name, split), rs in [*reads.items(), (("seeds", "all"), seeds)]:
        index = args.seeds_index if name == "seeds" else args.open_dir / name / "index"
        if not rs or index is None:
            continue
        docs = Pipeline.load(index, load_settings()).snapshot.documents
        for label, a in answerers.items():
            hit, declined, ms = end_to_end(a, rs, docs)
            print(
                f"{name:16s} {split:8s} {label}: answer hit {hit:.3f}, declined {declined:.3f}, {ms:.1f} ms"
            )


def removed_reads(args, squad) -> list[tuple[str, tuple]]:
    """Held-out questions with the passages `rag ask` reads once their own article is left out of
    the collection (unanswerable), kept in --cache."""
    from eval.train_decline import asked_passages
    from rag.config import load_settings
    from rag.evaluate.squad import sample
    from rag.pipeline import Pipeline

    def read() -> list[tuple[str, tuple]]:
        pipeline = Pipeline.load(args.open_dir / squad.name / "index", load_settings())
        return [
            (q.question, tuple(asked_passages(pipeline, q.question, exclude=q.article_id)))
            for q in sample(squad.questions, args.removed, ("heldout",))
        ]

    return kept_pickle(args.cache / f"{squad.name}-removed-{args.removed}.pkl" if args.cache else None, read)


def compare_removed(args, answerers: dict) -> None:
    from rag.config import load_settings
    from rag.pipeline import Pipeline
    from rag.query.analysis import analyse

    for name in PUBLIC_SETS:
        squad = load_squad(args.data / name)
        docs = Pipeline.load(args.open_dir / squad.name / "index", load_settings()).snapshot.documents
        rows = removed_reads(args, squad)
        for label, a in answerers.items():
            declined = sum(a.build(analyse(q), hits, docs).abstained for q, hits in rows)
            print(f"{squad.name:16s} removed  {label}: declined {declined / len(rows):.3f} of {len(rows)}")


def fit(x: np.ndarray, y: np.ndarray, c: float) -> ReaderModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    clf = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y)
    return ReaderModel(
        FEATURES,
        tuple(scaler.mean_),
        tuple(float(s) or 1.0 for s in scaler.scale_),
        tuple(clf.coef_[0]),
        float(clf.intercept_[0]),
        0.0,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--open-dir", type=Path, required=True, help="DIR/<set>/index from rag eval --squad")
    ap.add_argument("--seeds-index", type=Path, default=None, help="index of seeds/ (rag index)")
    ap.add_argument("--cache", type=Path, default=None, help="folder keeping the reads (pickle)")
    ap.add_argument("--tune-limit", type=int, default=400, help="tune questions per set")
    ap.add_argument("--heldout-limit", type=int, default=360, help="held-out questions per set")
    ap.add_argument("--old", type=Path, default=MODEL_PATH, help="the sentence model to compare with")
    ap.add_argument(
        "--old-decline", type=Path, default=None, help="with --combined: the decline model before"
    )
    ap.add_argument("--combined", action="store_true", help="compare the combined answerer before and now")
    ap.add_argument("--min-probability", type=float, nargs="*", default=[], help="with --combined: variants")
    ap.add_argument(
        "--removed",
        type=int,
        default=0,
        help="with --combined: held-out questions per set "
        "asked with their own article left out (unanswerable)",
    )
    ap.add_argument("--c", type=float, nargs="+", default=[1.0], help="LR inverse regularisation strengths")
    ap.add_argument("--collect-only", action="store_true", help="read and cache, fit nothing")
    args = ap.parse_args(argv)

    sets = [load_squad(args.data / name) for name in PUBLIC_SETS]
    reads = {}
    for s in sets:
        for split, limit in (("tune", args.tune_limit), ("heldout", args.heldout_limit)):
            reads[s.name, split] = cached_reads(s, args.open_dir, split, limit, args.cache)
            print(f"{s.name} {split}: {len(reads[s.name, split])} questions read", flush=True)
    seeds = seed_reads(args.seeds_index, args.cache) if args.seeds_index else []
    if args.collect_only:
        return 0
    if args.combined:
        compare_combined(args, reads, seeds)
        return 0

    gold = [cached_examples(s, "tune", args.cache)[:2] for s in sets]
    opened = [open_examples(reads[s.name, "tune"])[:2] for s in sets]
    models = {"old": load_model(args.old)}
    for c in args.c:
        models[f"open C={c}"] = fit(
            np.vstack([o[0] for o in opened]), np.concatenate([o[1] for o in opened]), c
        )
        both = gold + opened
        models[f"mixed C={c}"] = fit(np.vstack([o[0] for o in both]), np.concatenate([o[1] for o in both]), c)
    for name, model in models.items():
        print(f"\n## {name}")
        for key, rs in [*reads.items(), (("seeds", "all"), seeds)]:
            if rs:
                f = figures(model, rs)
                print(
                    f"{key[0]:16s} {key[1]:8s} " + " ".join(f"{k} {v:.3f}" for k, v in f.items() if k != "n")
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
