"""Tune query-time retrieval settings on the "tune" split; report the winner on "heldout".

    .venv/bin/python eval/tune.py [--index DIR] [--questions FILE] [--top 20] [--out trials.json]
    .venv/bin/python eval/tune.py --chunking      # rebuild the index for a few chunk sizes and compare

The index is loaded once (built from seeds/ into a temporary folder when --index holds none) and
every setting is a `Pipeline.configure(...)` of it. Query embeddings are cached, so the model runs
once per question however large the grid.

Grid: weight_bm25 x weight_bigram x weight_dense over {0, 0.5, 1, 2, 3}, rrf_k over {10, 30, 60},
candidates over {20, 50, 100}; then, for the 10 best of those, rerank_depth over {0, 10, 20, 40}
(the hybrid reranker: a second stage, as it costs more per query and barely interacts). Weighted
RRF ranks by sum(w / (rrf_k + rank)), so weight triples that are multiples of one another rank
identically: only one of each is tried. Settings are ranked by hybrid R@5, then MRR@10, then R@1 on
the tune split; ties go to the setting closest to the defaults (the tune split is small: a tie is
not evidence for a change). Retrieval is judged k = 10 deep, as `rag eval` does, so `candidates`
and `rerank_depth` act as they do for users.

Chunk sizes are compared with the default query settings. Bigger chunks contain evidence more
often, so their recall is flattered: look at the answer accuracy column and the chunk length too.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as a plain script from any folder

from rag.config import Settings, load_settings  # noqa: E402
from rag.evaluate.evaluation import evaluate  # noqa: E402
from rag.evaluate.questions import Question, load_questions  # noqa: E402

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0)
RRF_KS = (10, 30, 60)
CANDIDATES = (20, 50, 100)
CHUNKINGS = (  # (chunk_target, chunk_max, chunk_overlap)
    (120, 160, 1),
    (250, 300, 0),
    (250, 300, 1),
    (400, 500, 1),
)
K = 10
TUNED = ("weight_bm25", "weight_bigram", "weight_dense", "rrf_k", "candidates")
# tried in a second stage on the best stage-one settings only (when Settings has them)
STAGE_TWO = {"rerank_depth": (0, 10, 20, 40)}


class CachingEmbedder:
    """Wraps an embedder; remembers query vectors (passages pass straight through), across the
    separate pipelines that compare_chunking builds."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache: dict[str, object] = {}

    def embed(self, texts: Sequence[str], kind: str = "passage", show_progress: bool = False):
        if kind != "query":
            return self.inner.embed(texts, kind=kind, show_progress=show_progress)
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.inner.embed(missing, kind="query"), strict=True):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts]) if texts else self.inner.embed([], kind="query")


def weight_triples(values: Sequence[float] = WEIGHTS) -> list[tuple[float, float, float]]:
    """All (bm25, bigram, dense) weight triples, not all zero, one per ratio class."""
    seen: dict[tuple[float, ...], tuple[float, float, float]] = {}
    for triple in itertools.product(values, repeat=3):
        top = max(triple)
        if top == 0:
            continue
        ratio = tuple(round(w / top, 6) for w in triple)
        seen.setdefault(ratio, triple)  # values are ascending: the smallest representative stays
    return list(seen.values())


def grid(current: dict) -> list[dict]:
    """Stage one: every weight ratio x rrf_k x candidates, other tuned settings as they are."""
    out = [
        {
            **current,
            "weight_bm25": wb,
            "weight_bigram": wg,
            "weight_dense": wd,
            "rrf_k": rrf_k,
            "candidates": c,
        }
        for (wb, wg, wd), rrf_k, c in itertools.product(weight_triples(), RRF_KS, CANDIDATES)
    ]
    # the current settings are always a contender (and the tie-break favourite)
    return out if current in out else [*out, current]


@dataclass(frozen=True)
class Trial:
    overrides: tuple[tuple[str, float], ...]
    scores: dict  # metric name -> value on the tune split
    distance: int  # how many tuned values differ from the defaults

    def key(self) -> tuple:
        s = self.scores
        return (-s["R@5"], -s[f"MRR@{K}"], -s["R@1"], self.distance)


def _split(questions: Sequence[Question], split: str) -> list[Question]:
    return [q for q in questions if q.split == split]


def _tuned(settings: Settings) -> tuple[str, ...]:
    names = {f.name for f in fields(Settings)}
    return TUNED + tuple(name for name in STAGE_TWO if name in names)


def _distance(overrides: dict, defaults: Settings) -> int:
    return sum(1 for name, v in overrides.items() if getattr(defaults, name) != v)


def _row(values: Sequence[object], widths: Sequence[int]) -> str:
    return "  ".join(f"{v!s:>{w}}" for v, w in zip(values, widths, strict=True))


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def load_or_build(index: Path, settings: Settings, embedder, tmp: Path):
    from rag.pipeline import Pipeline

    if (index / "manifest.json").exists():
        return Pipeline.load(index, settings, embedder=embedder)
    print(f"no index at {index}: building seeds/ into a temporary folder", file=sys.stderr)
    return Pipeline.build([ROOT / "seeds"], tmp / "index", settings, embedder=embedder)


def run_trials(base, settings_list: Sequence[dict], questions: Sequence[Question]) -> list[Trial]:
    trials = []
    for overrides in settings_list:
        result = evaluate(base.configure(**overrides), questions, ("hybrid",), K, answers=False)
        scores = dict(result.metrics["hybrid"]["all"])
        trials.append(Trial(tuple(overrides.items()), scores, _distance(overrides, base.settings)))
    return trials


def search_settings(base, tune_qs: Sequence[Question], stage_two_top: int) -> list[Trial]:
    """Stage one over `grid`; stage two varies STAGE_TWO settings for the best `stage_two_top`."""
    tuned = _tuned(base.settings)
    current = {name: getattr(base.settings, name) for name in tuned}
    trials = sorted(run_trials(base, grid(current), tune_qs), key=Trial.key)
    extra = [name for name in STAGE_TWO if name in tuned]
    if extra:
        seen = {t.overrides for t in trials}
        leaders = [dict(t.overrides) for t in trials[:stage_two_top]]
        more = []
        for o, values in itertools.product(leaders, itertools.product(*(STAGE_TWO[n] for n in extra))):
            candidate = {**o, **dict(zip(extra, values, strict=True))}
            if tuple(candidate.items()) not in seen:
                seen.add(tuple(candidate.items()))
                more.append(candidate)
        trials = sorted(trials + run_trials(base, more, tune_qs), key=Trial.key)
    return trials


def tune(args: argparse.Namespace, settings: Settings, questions: list[Question]) -> None:
    from rag.index.embedding import load_embedder

    tune_qs, held_qs = _split(questions, "tune"), _split(questions, "heldout")
    print(
        f"questions: {len(questions)} ({sum(q.answerable for q in tune_qs)} answerable in tune, "
        f"{sum(q.answerable for q in held_qs)} in heldout)"
    )
    embedder = load_embedder(settings)  # configure() clones share the pipeline's query-vector cache
    with tempfile.TemporaryDirectory() as tmp:
        base = load_or_build(Path(args.index), settings, embedder, Path(tmp))
        tuned = _tuned(base.settings)
        started = time.perf_counter()
        trials = search_settings(base, tune_qs, args.stage_two)
        elapsed = time.perf_counter() - started
        print(f"{len(trials)} settings in {elapsed:.0f}s, ranked on the tune split (hybrid, k={K})\n")

        short = {
            "weight_bm25": "bm25",
            "weight_bigram": "bigram",
            "weight_dense": "dense",
            "candidates": "cand",
        }
        names = [short.get(n, n) for n in tuned]
        widths = [4, *(max(5, len(n)) for n in names), 5, 5, 6]
        print(_row(["#", *names, "R@1", "R@5", f"MRR@{K}"], widths))
        current = {name: getattr(base.settings, name) for name in tuned}
        for i, t in enumerate(trials, start=1):
            o = dict(t.overrides)
            is_current = o == current
            if i > args.top and not is_current:
                continue
            vals = [o[n] for n in tuned] + [_f(t.scores[n]) for n in ("R@1", "R@5", f"MRR@{K}")]
            print(_row([i, *vals], widths) + ("  <- current settings" if is_current else ""))

        best = dict(trials[0].overrides)
        print(f"\nbest on tune: {best}")
        print(f"current:      {current}\n")
        names = ["R@1", "R@3", "R@5", "R@10", f"MRR@{K}", f"nDCG@{K}"]
        headers = ["setting", "split", "n", *names, "answer"]
        widths = [7, 7, 3, 5, 5, 5, 5, 6, 7, 6]
        print(_row(headers, widths))
        report: dict = {"best": best, "current": current, "splits": {}}
        for label, overrides in (("best", best), ("current", current)):
            # one run over every question, answers included; the splits are its subsets
            result = evaluate(base.configure(**overrides), questions, ("hybrid",), K, answers=None)
            for split in ("tune", "heldout", "all"):
                s = dict(result.metrics["hybrid"][split])
                s["answer_accuracy"] = result.answer_metrics.get(split, {}).get("accuracy")
                report["splits"][f"{label}/{split}"] = s
                row = [label, split, int(s["n"]), *(_f(s[n]) for n in names), _f(s["answer_accuracy"])]
                print(_row(row, widths))
        if args.out:
            report["trials"] = [{"settings": dict(t.overrides), "tune": t.scores} for t in trials]
            Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
            print(f"\ntrials written to {args.out}")


def compare_chunking(settings: Settings, questions: list[Question]) -> None:
    from rag.evaluate.metrics import mean
    from rag.index.embedding import load_embedder
    from rag.pipeline import Pipeline

    embedder = CachingEmbedder(load_embedder(settings))  # one model load for every build
    modes = ("hybrid", "dense", "bm25")
    headers = ["target", "max", "ovl", "chunks", "chars", "split"]
    headers += [f"{m[:3]}R@1" for m in modes] + [f"{m[:3]}R@5" for m in modes] + ["hybMRR", "answer"]
    widths = [6, 4, 3, 6, 5, 7] + [7] * (2 * len(modes)) + [6, 6]
    print(_row(headers, widths))
    for target, cmax, overlap in CHUNKINGS:
        s = replace(settings, chunk_target=target, chunk_max=cmax, chunk_overlap=overlap)
        with tempfile.TemporaryDirectory() as tmp:
            pipe = Pipeline.build([ROOT / "seeds"], Path(tmp) / "index", s, embedder=embedder)
            chunks = list(pipe.snapshot.chunks.values())
            avg = mean(len(c.text) for c in chunks) or 0.0
            result = evaluate(pipe, questions, modes, K, answers=None)
            for split in ("tune", "heldout", "all"):
                m = {mode: result.metrics[mode][split] for mode in modes}
                acc = result.answer_metrics.get(split, {}).get("accuracy")
                row = [target, cmax, overlap, len(chunks), f"{avg:.0f}", split]
                row += [_f(m[mode]["R@1"]) for mode in modes] + [_f(m[mode]["R@5"]) for mode in modes]
                row += [_f(m["hybrid"][f"MRR@{K}"]), _f(acc)]
                print(_row(row, widths), flush=True)


def _single_threaded_faiss() -> None:
    """One query against a small flat index: OpenMP threads cost more than they save (8x here)."""
    try:
        import faiss
    except ImportError:
        return
    faiss.omp_set_num_threads(1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(ROOT / "index"), help="index folder (built if empty)")
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    parser.add_argument("--config", default=None, help="rag.toml with the base settings")
    parser.add_argument("--top", type=int, default=20, help="rows of the ranked table to print")
    parser.add_argument("--stage-two", type=int, default=10, help="stage-one leaders tried with STAGE_TWO")
    parser.add_argument("--out", default="", help="write every trial's scores to this JSON file")
    parser.add_argument("--chunking", action="store_true", help="compare chunk sizes instead")
    args = parser.parse_args(argv)

    settings = load_settings(args.config)
    _single_threaded_faiss()
    questions = load_questions(args.questions)
    if args.chunking:
        compare_chunking(settings, questions)
    else:
        tune(args, settings, questions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
