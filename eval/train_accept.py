"""Train the accept model (rag.answer.accept): whether the combined answerer gives the answer it found.

    PYTHONPATH=$PWD python eval/train_accept.py --open-dir DIR --seeds-index IDX [--cache C]

DIR/<set>/index is the open-domain index `rag eval --squad ../shared/data/<set>.json --out
DIR/<set>` builds; IDX an index of seeds/ (`rag index seeds --index IDX`). Reads, from the TUNE
split only (rag.evaluate.squad.split_of), each kept in `--cache`:
- every tune question of DRCD dev and CMRC 2018 asked as `rag ask` asks it (the combined answerer,
  without the accept model), once with the whole collection (the answer is right when it holds a
  gold answer) and once with its own article left out (any answer is wrong: the question cannot
  be answered);
- the seeds' tune questions (eval/questions.jsonl), graded as `rag eval` grades them, weighted by
  `--seeds-weight`: 79 answers of news reports, the product's own kind of text, against thousands of
  Wikipedia answers whose signals differ (the span reader, trained on Wikipedia, doubts right quotes
  of the reports).
Only answers count (what the model may decline). A logistic regression (scikit-learn, the `train`
extra) is fitted; 5-fold cross-validation grouped by article gives each read a P(right) from a model
that never saw its article. The threshold is the highest of THRESHOLDS at which the cross-validated
model declines at most `--max-lost` of the right answers and no right seeds answer. Printed: per set
and condition, the answers declined at each threshold. Held-out figures come from `rag eval`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eval.train_reader import kept_pickle
from rag.answer.accept import ACCEPT_FEATURES, ACCEPT_MODEL_PATH, answer_signals
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, load_squad, sample

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2)


@dataclass(frozen=True)
class AcceptRead:
    source: str  # the set's name, or "seeds"
    group: str  # the article (seeds: the question), for grouped cross-validation
    left_out: bool  # asked with its own article left out of the collection
    right: bool
    row: tuple[float, ...]


def answer_row(pipeline, answerer, question: str, graded, exclude: str | None = None):
    """(right, features) of the combined answer `rag ask` gives without the accept model, or None
    where it declines; `exclude`: an article (file stem) left out of the collection, as for
    eval/train_decline.py's asked_passages."""
    from eval.train_decline import asked_passages
    from rag.query.analysis import analyse

    hits = asked_passages(pipeline, question, exclude)
    # index documents are named after their file (squad-<hash>.txt), articles by the stem
    docs = {i: d for i, d in pipeline.snapshot.documents.items() if Path(i).stem != exclude}
    query = analyse(question)
    ans = answerer.build(query, hits, docs)
    if ans.abstained or not ans.citations:
        return None
    return graded(ans.text), tuple(answer_signals(answerer, query, ans, hits, docs))


def squad_reads(answerer, squad, index: Path, settings) -> list[AcceptRead]:
    from rag.evaluate.span_metrics import answer_hit
    from rag.pipeline import Pipeline

    pipeline = Pipeline.load(index, settings)
    reads = []
    questions = sample(squad.questions, None, ("tune",))
    for i, q in enumerate(questions, 1):
        graded = lambda text, golds=q.answers: answer_hit(text, golds)  # noqa: E731
        for left_out, exclude in ((False, None), (True, q.article_id)):
            found = answer_row(pipeline, answerer, q.question, graded, exclude)
            if found is not None:
                right = found[0] and not left_out
                reads.append(AcceptRead(squad.name, q.article_id, left_out, right, found[1]))
        if i % 100 == 0:
            print(f"  {squad.name}: {i}/{len(questions)}", flush=True)
    return reads


def seed_reads(answerer, index: Path, settings) -> list[AcceptRead]:
    from rag.evaluate.metrics import answer_correct
    from rag.pipeline import Pipeline

    pipeline = Pipeline.load(index, settings)
    reads = []
    for line in (ROOT / "eval/questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("split") != "tune":
            continue
        groups = [[g] if isinstance(g, str) else list(g) for g in q.get("answers") or []]
        found = answer_row(
            pipeline, answerer, q["question"], lambda t, g=groups: bool(g) and answer_correct(t, g)
        )
        if found is not None:
            reads.append(AcceptRead("seeds", q["id"], False, found[0], found[1]))
    return reads


def cross_validated(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: list[str], folds: int = 5
) -> np.ndarray:
    """Each read's P(right) from a model fitted on the other folds' articles."""
    from sklearn.model_selection import GroupKFold

    p = np.zeros(len(y))
    for train, test in GroupKFold(folds).split(x, y, groups):
        scaler, clf = fit(x[train], y[train], w[train])
        p[test] = clf.predict_proba(scaler.transform(x[test]))[:, 1]
    return p


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    return scaler, LogisticRegression(max_iter=5000).fit(scaler.transform(x), y, sample_weight=w)


def chosen_threshold(p: np.ndarray, y: np.ndarray, seeds: np.ndarray, max_lost: float) -> float:
    """The highest of THRESHOLDS at which the cross-validated P(right) `p` declines at most `max_lost`
    of the right answers (`y` 1) and no right seeds answer; 0 (decline nothing) when none does."""
    right = y == 1
    ok = [
        t
        for t in THRESHOLDS
        if np.sum(right & (p < t)) <= max_lost * right.sum() and not np.any(right & seeds & (p < t))
    ]
    return max(ok, default=0.0)


def declined_table(reads: list[AcceptRead], p: np.ndarray) -> None:
    kinds = sorted({(r.source, r.left_out) for r in reads})
    print("declined at each threshold (cross-validated), of the answers given:")
    for source, left_out in kinds:
        mine = [(r, q) for r, q in zip(reads, p, strict=True) if (r.source, r.left_out) == (source, left_out)]
        label = f"{source} {'left out' if left_out else 'own'}"
        cells = []
        for t in THRESHOLDS:
            right = sum(r.right and q < t for r, q in mine)
            wrong = sum(not r.right and q < t for r, q in mine)
            cells.append(f"{t}: {right}/{wrong}")
        n_right = sum(r.right for r, _ in mine)
        counts = f"{n_right} right, {len(mine) - n_right} wrong"
        print(f"  {label} ({counts}; right/wrong declined): {', '.join(cells)}")


def main(argv: list[str] | None = None) -> int:
    from rag.answer.choose import span_reader
    from rag.answer.combined import CombinedAnswerer
    from rag.answer.learned import fitted_model
    from rag.config import load_settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--open-dir", type=Path, required=True, help="DIR/<set>/index from rag eval --squad")
    ap.add_argument("--seeds-index", type=Path, required=True, help="index of seeds/ (rag index)")
    ap.add_argument("--cache", type=Path, default=None, help="folder to keep the reads in")
    ap.add_argument("--seeds-weight", type=float, default=20.0)
    ap.add_argument("--max-lost", type=float, default=0.0025, help="of the right answers")
    ap.add_argument("--out", type=Path, default=ACCEPT_MODEL_PATH)
    args = ap.parse_args(argv)

    settings = load_settings()
    answerer = CombinedAnswerer(spans=span_reader(settings), accept_path=None)
    if answerer.spans is None:
        raise SystemExit("the accept model needs the span reader (setting span_reader = true)")
    reads: list[AcceptRead] = []
    for name in PUBLIC_SETS:
        squad = load_squad(args.data / name)
        index = args.open_dir / squad.name / "index"
        cache = args.cache / f"accept-{squad.name}.pkl" if args.cache else None
        reads += kept_pickle(cache, lambda s=squad, i=index: squad_reads(answerer, s, i, settings))
    cache = args.cache / "accept-seeds.pkl" if args.cache else None
    reads += kept_pickle(cache, lambda: seed_reads(answerer, args.seeds_index, settings))

    x = np.array([r.row for r in reads], dtype=float)
    y = np.array([int(r.right) for r in reads])
    w = np.array([args.seeds_weight if r.source == "seeds" else 1.0 for r in reads])
    p = cross_validated(x, y, w, [f"{r.source}/{r.group}" for r in reads])
    declined_table(reads, p)
    seeds = np.array([r.source == "seeds" for r in reads])
    threshold = chosen_threshold(p, y, seeds, args.max_lost)
    allowed = args.max_lost * y.sum()
    print(f"threshold {threshold} (right answers declined at most {allowed:.1f}, no seeds answer)")

    scaler, clf = fit(x, y, w)
    data = fitted_model(ACCEPT_FEATURES, scaler, clf, threshold).to_dict()
    data |= {
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": {"drcd_dev": "tune", "cmrc2018_trial": "tune", "seeds": "tune"},
        "seeds_weight": args.seeds_weight,
        "reads": len(reads),
        "learner": "sklearn LogisticRegression on standardised features, seeds rows weighted",
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"model: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
