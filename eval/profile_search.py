"""Where a warm `Pipeline.search` spends its time, on bench_txtai's passages and questions.

    python eval/profile_search.py [--index /tmp/prof-idx] [--articles 25] [--limit 40] [--rounds 3]

Builds (once; kept in --index) rag's index of the first N articles of CMRC 2018 trial, as
eval/bench_txtai.py does, then runs every sampled question through `search(k=5)` under cProfile, once
with the query vectors computed (the encoder in the profile, as in the benchmark's warm query) and once
with them cached (what rag itself adds around the encoder). Prints seconds per query by part
(cumulative time of the functions named in PARTS; parts can nest) and the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# part -> (file suffix, function name): cumulative time of each, summed over its entries
PARTS = {
    "query encoder (embed)": ("onnx_embedder.py", "embed"),
    "  onnxruntime run": ("~", "<built-in method onnxruntime.capi.onnxruntime_pybind11_state.run>"),
    "retriever lists (3 searches)": ("retrieval.py", "ranked_lists"),
    "  BM25 search (both)": ("lexical.py", "search"),
    "  dense search (faiss)": ("snapshot.py", "dense_search"),
    "fusion": ("fusion.py", "reciprocal_rank_fusion"),
    "sentence rerank": ("sentence_scoring.py", "rerank"),
    "blend dense": ("sentence_scoring.py", "blend_dense"),
    "jieba cut": ("jieba/__init__.py", "cut"),
    "fold (opencc)": ("text.py", "fold"),
}


def build(index: Path, articles: int, limit: int):
    from rag.config import load_settings
    from rag.evaluate.squad import load_squad, sample
    from rag.evaluate.squad_run import write_corpus
    from rag.pipeline import Pipeline

    squad = load_squad(ROOT.parent / "shared" / "data" / "cmrc2018_trial.json")
    kept = squad.articles[:articles]
    ids = {a.id for a in kept}
    squad = replace(squad, articles=kept, questions=tuple(q for q in squad.questions if q.article_id in ids))
    chosen = sample(squad.questions, limit, ["tune", "heldout"])
    if (index / "manifest.json").exists():
        pipeline = Pipeline.load(index, load_settings())
    else:
        corpus = write_corpus(squad, index.parent / (index.name + "-corpus"))
        pipeline = Pipeline.build([corpus], index, load_settings(), rebuild=True, progress=True)
    return pipeline, chosen


def profile(pipeline, questions: list[str], cached: bool) -> tuple[float, pstats.Stats]:
    for q in questions if cached else ():  # every query vector computed before the clock starts
        pipeline.embed_query(q)
    prof = cProfile.Profile()
    times = []
    for q in questions:
        if not cached:
            pipeline._models.query_vectors.clear()
        t = time.perf_counter()
        prof.enable()
        pipeline.search(q, k=5)
        prof.disable()
        times.append(time.perf_counter() - t)
    return statistics.median(times), pstats.Stats(prof)


def parts(stats: pstats.Stats, n: int) -> dict[str, float]:
    out = dict.fromkeys(PARTS, 0.0)
    for (file, _, func), (_, _, _, cum, _) in stats.stats.items():
        for part, (suffix, name) in PARTS.items():
            if func == name and file.endswith(suffix):
                out[part] += cum / n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=Path("/tmp/prof-idx"))
    ap.add_argument("--articles", type=int, default=25)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose rag is profiled")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    pipeline, chosen = build(args.index, args.articles, args.limit)
    from rag.zh.text import fold

    questions = [q.question for q in chosen]
    pipeline.search(questions[0], k=5)  # warm-up: the model, jieba, the caches
    ranked = [[h.chunk.id for h in pipeline.search(q, k=5)] for q in questions]
    digest = hashlib.sha256(json.dumps(ranked).encode()).hexdigest()[:12]
    print(f"rag from {sys.modules['rag'].__file__}; top-5 ids of all questions: {digest}")
    for cached in (False, True):
        p50, stats = profile(pipeline, questions, cached)
        total = sum(t for (_, _, tt, _, _) in [v[:5] for v in stats.stats.values()] for t in [tt]) / len(
            questions
        )
        label = "query vectors cached" if cached else "query encoded each time"
        head = f"{len(questions)} questions, p50 {1000 * p50:.1f} ms, profiled {1000 * total:.1f} ms/query"
        print(f"\n== {label}: {head}")
        for part, seconds in parts(stats, len(questions)).items():
            print(f"  {part:32s} {1000 * seconds:8.2f} ms")
        print(f"  top {args.top} by own time:")
        stats.sort_stats("tottime").print_stats(args.top)
    golds = [[fold(a) for a in q.answers] for q in chosen]  # answer recall@5 as bench_txtai counts it
    for mode in ("hybrid", "dense", "bm25"):
        ranked = [[fold(h.chunk.text) for h in pipeline.search(q, k=5, mode=mode)] for q in questions]
        found = sum(any(a in t for a in g for t in texts) for texts, g in zip(ranked, golds, strict=True))
        print(f"answer recall@5 {mode:7s} {found / len(golds):.3f} ({found}/{len(golds)})")


if __name__ == "__main__":
    main()
