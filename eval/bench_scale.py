"""The index at scale: search p50/p95, recall@10 against exact search, build time and memory of the flat
and HNSW vector indexes (rag.index.ann, the code the folder store runs), and the BM25 side.

    python eval/bench_scale.py                                   # 100k, 300k, 1M vectors; BM25 at 100k
    python eval/bench_scale.py --sizes 20000 --bm25 10000        # a quick run
    python eval/bench_scale.py --sizes 100000 --m 16,32 --ef-search 32,64,96,128 --no-bm25   # tuning

Vectors are synthetic but clustered like sentence embeddings: a mixture of gaussians around random
centres plus a shared direction (e5 vectors of unrelated passages still have cosine ~0.7), L2-normalised,
dim 384. Queries are fresh draws from the same mixture. Exact top-10 comes from the flat index.
Searches are one query at a time on one thread, as `rag ask` runs them; builds use every core.
BM25: bm25s over the public sets' paragraphs (tokenised once by the project's jieba tokenizer), each
copied with its tokens shuffled and subsampled until there are --bm25 passages; queries are the sets'
questions. Prints one table; --json writes the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.index import ann  # noqa: E402
from rag.index.ann import AnnSettings  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# norms of the parts of a vector: unrelated passages meet at cosine ~0.6, same-topic ones ~0.87
SHARED, CENTRE, NOISE = 1.5, 1.0, 0.7


def vectors(n: int, dim: int, seed: int, centres: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """n draws from the mixture, generated in blocks (1M x 384 float64 would not fit twice)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for a in range(0, n, 50_000):
        b = min(n, a + 50_000)
        pick = rng.integers(len(centres), size=b - a)
        noise = rng.standard_normal((b - a, dim), dtype=np.float32) * (NOISE / np.sqrt(dim))
        block = shared + centres[pick] + noise
        out[a:b] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def timed_searches(searcher: ann.Searcher, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = searcher.search(q, k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(ids)
    return times, np.stack(found)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact, strict=True)]))


def pct(times: list[float], p: float) -> float:
    return float(np.percentile(times, p))


def bench_vectors(n: int, args, out: list[dict]) -> None:
    rng = np.random.default_rng(0)
    dim = args.dim
    centres = (rng.standard_normal((args.clusters, dim)) * (CENTRE / np.sqrt(dim))).astype(np.float32)
    shared = (rng.standard_normal(dim) * (SHARED / np.sqrt(dim))).astype(np.float32)
    data = vectors(n, dim, 1, centres, shared)
    queries = vectors(args.queries, dim, 2, centres, shared)
    ids = np.arange(n, dtype=np.int64)
    k = 10

    m0 = rss_mb()
    t = time.perf_counter()
    flat = ann.new_flat(dim)
    flat.add_with_ids(data, ids)
    build = time.perf_counter() - t
    flat_mem = rss_mb() - m0
    _, exact = flat.search(queries, k)  # batched, every core: the ground truth
    times, found = timed_searches(
        ann.Searcher(flat, np.zeros(0), AnnSettings()), queries[: args.flat_queries], k
    )
    row = dict(n=n, kind="flat", build_s=build, mem_mb=flat_mem, p50_ms=pct(times, 50), p95_ms=pct(times, 95))
    out.append({**row, "recall10": recall(found, exact[: args.flat_queries])})
    print_row(out[-1])
    del flat

    for m in args.m:
        settings = AnnSettings(m=m, ef_construction=args.ef_construction)
        m0 = rss_mb()
        t = time.perf_counter()
        hnsw = ann.new_hnsw(dim, settings)
        hnsw.add_with_ids(data, ids)
        build = time.perf_counter() - t
        mem = rss_mb() - m0
        for ef in args.ef_search:
            searcher = ann.Searcher(hnsw, np.zeros(0), AnnSettings(m=m, ef_search=ef))
            times, found = timed_searches(searcher, queries, k)
            row = dict(n=n, kind=f"hnsw M={m} efC={args.ef_construction} efS={ef}", build_s=build, mem_mb=mem)
            out.append(
                {**row, "p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "recall10": recall(found, exact)}
            )
            print_row(out[-1])
        if args.tombstones:  # a fifth of the vectors removed: the filtered search the store runs then
            dead = ids[rng.random(n) < 0.2]
            keep = np.setdiff1d(ids, dead)
            ef = args.ef_search[-1]
            searcher = ann.Searcher(hnsw, dead, AnnSettings(m=m, ef_search=ef))
            live_flat = ann.new_flat(dim)
            live_flat.add_with_ids(data[keep], keep)
            _, live_exact = live_flat.search(queries, k)
            del live_flat
            times, found = timed_searches(searcher, queries, k)
            row = dict(
                n=n, kind=f"hnsw M={m} efS={ef} 20% tombstones", build_s=float("nan"), mem_mb=float("nan")
            )
            out.append(
                {
                    **row,
                    "p50_ms": pct(times, 50),
                    "p95_ms": pct(times, 95),
                    "recall10": recall(found, live_exact),
                }
            )
            print_row(out[-1])
        del hnsw


def print_row(r: dict) -> None:
    print(
        f"{r['n']:>9,}  {r['kind']:<36} build {r['build_s']:7.1f} s  mem {r['mem_mb']:7.0f} MB  "
        f"p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms  recall@10 {r['recall10']:.3f}",
        flush=True,
    )


def public_paragraphs() -> tuple[list[str], list[str]]:
    paragraphs, questions = [], []
    for name in ("cmrc2018_trial.json", "drcd_dev.json"):
        data = json.loads((DATA / name).read_text(encoding="utf-8"))
        for article in data["data"]:
            for para in article["paragraphs"]:
                paragraphs.append(para["context"])
                questions.extend(qa["question"] for qa in para["qas"])
    return paragraphs, questions


def bench_bm25(n: int, queries: int, out: list[dict]) -> None:
    import tempfile

    import bm25s

    from rag.zh.text import tokenize

    paragraphs, questions = public_paragraphs()
    t = time.perf_counter()
    base = [tokenize(p) for p in paragraphs]
    tok_s = (time.perf_counter() - t) / len(paragraphs)
    rng = np.random.default_rng(0)
    corpus = []
    while len(corpus) < n:  # copies that differ: shuffled, 80% of the tokens
        for toks in base[: n - len(corpus)]:
            keep = rng.random(len(toks)) < 0.8
            order = rng.permutation(len(toks))
            corpus.append([toks[i] for i, k in zip(order, keep, strict=True) if k] or ["\u2400"])
    qtoks = [tokenize(q) for q in questions[:queries]]
    t = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    build = time.perf_counter() - t
    times = []
    for q in qtoks:
        t = time.perf_counter()
        scores = bm25.get_scores(q)
        top = np.argpartition(-scores, 49)[:50]
        top[np.argsort(-scores[top])]
        times.append((time.perf_counter() - t) * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        bm25.save(tmp, show_progress=False)
        t = time.perf_counter()
        bm25s.BM25.load(tmp, mmap=False)
        load = time.perf_counter() - t
        t = time.perf_counter()
        bm25s.BM25.load(tmp, mmap=True)
        load_mmap = time.perf_counter() - t
    row = dict(
        n=n,
        kind="bm25 (bm25s)",
        build_s=build,
        p50_ms=pct(times, 50),
        p95_ms=pct(times, 95),
        load_s=load,
        load_mmap_s=load_mmap,
        tokenize_ms_per_passage=tok_s * 1000,
    )
    out.append(row)
    print(
        f"{n:>9,}  bm25 (bm25s)  index {build:.1f} s  "
        f"query p50 {row['p50_ms']:.2f} ms  p95 {row['p95_ms']:.2f} ms  "
        f"load {load:.2f} s (mmap {load_mmap:.3f} s)  jieba {tok_s * 1000:.2f} ms/passage",
        flush=True,
    )


def ints(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=ints, default=[100_000, 300_000, 1_000_000], help="vector counts")
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--clusters", type=int, default=2000, help="mixture components")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--flat-queries", type=int, default=50, help="timed exact searches (slow at 1M)")
    p.add_argument("--m", type=ints, default=[AnnSettings().m], help="HNSW M values")
    p.add_argument("--ef-construction", type=int, default=AnnSettings().ef_construction)
    p.add_argument("--ef-search", type=ints, default=[64, 128, AnnSettings().ef_search])
    p.add_argument("--tombstones", action="store_true", help="also search with 20%% of the ids removed")
    p.add_argument("--bm25", type=int, default=100_000, help="passages for the BM25 side")
    p.add_argument("--no-bm25", action="store_true")
    p.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = p.parse_args(argv)
    import faiss

    print(
        f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads for builds; searches on 1",
        flush=True,
    )
    out: list[dict] = []
    for n in args.sizes:
        bench_vectors(n, args, out)
    if not args.no_bm25:
        bench_bm25(args.bm25, args.queries, out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
