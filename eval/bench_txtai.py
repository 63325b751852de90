"""rag against txtai, side by side: same model, same passages, same questions.

The articles of a public SQuAD-format set (default: CMRC 2018 trial) are indexed by `rag` (the whole
pipeline: read, chunk, fold, embed, BM25, FAISS, save); the chunks it made are then indexed by txtai
with the same model (the converted float32 folder in the model cache, mean pooling, with the
e5 prompts) and its default FAISS backend. Each side is timed in its own process from model load to a
saved index; then every sampled question is searched once after a warm-up (top 5): warm query p50,
and answer recall@5 (a top-5 passage contains a gold answer, after folding). Printed as rag / txtai.

txtai lives in its own venv, never in the project's:

    /work/main/.venv/bin/python -m venv /tmp/txtai-venv
    /tmp/txtai-venv/bin/pip install torch==2.13.0 txtai==9.14.0
    .venv/bin/python eval/bench_txtai.py [--set FILE] [--limit 100] [--articles N] [--txtai-python PYTHON]

The embedder of the rag side is the settings' (RAG_EMBEDDER / rag.toml); txtai always runs the float32
model. This file is also the txtai worker (`--worker JOB OUT`, run by the txtai venv's python): that
part imports only the standard library and txtai.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT.parent / "shared" / "data" / "cmrc2018_trial.json"
K = 5


def worker(job_path: str, out_path: str) -> None:
    """In the txtai venv: index the passages, then search every question; write ids and timings."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    from txtai import Embeddings

    embeddings = Embeddings(
        path=job["model"],
        method="transformers",  # txtai's own mean pooling: sentence-transformers is not needed there
        instructions={"query": "query: ", "data": "passage: "},
        content=False,
        backend="faiss",
        encodebatch=job["batch"],
        gpu=False,
    )
    embeddings.index(list(enumerate(job["passages"])))
    embeddings.save(job["save"])
    index_s = time.perf_counter() - t0
    embeddings.search(job["questions"][0], K)  # warm-up
    ranked, times = [], []
    for q in job["questions"]:
        t = time.perf_counter()
        hits = embeddings.search(q, K)
        times.append(time.perf_counter() - t)
        ranked.append([int(h[0]) for h in hits])
    out = {"index_s": index_s, "query_s": times, "ranked": ranked}
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


def run_rag(corpus: Path, index_dir: Path, questions: list[str]) -> dict:
    """rag's side, in this process: the index (model load included), then warm searches."""
    from rag.config import load_settings
    from rag.pipeline import Pipeline

    settings = load_settings()
    t0 = time.perf_counter()
    pipeline = Pipeline.build([corpus], index_dir, settings, rebuild=True)
    index_s = time.perf_counter() - t0
    pipeline.search(questions[0], k=K)  # warm-up
    ranked, times = [], []
    for q in questions:
        t = time.perf_counter()
        hits = pipeline.search(q, k=K)
        times.append(time.perf_counter() - t)
        ranked.append([h.chunk.text for h in hits[:K]])
    passages = [c.text for c in pipeline.snapshot.chunks.values()]
    return {
        "index_s": index_s,
        "query_s": times,
        "ranked": ranked,
        "passages": passages,
        "settings": settings,
    }


def recall(ranked_texts: list[list[str]], golds: list[tuple[str, ...]]) -> float:
    from rag.zh.text import fold

    hit = 0
    for texts, answers in zip(ranked_texts, golds, strict=True):
        folded = [fold(a) for a in answers]
        hit += any(any(a in fold(t) for a in folded) for t in texts)
    return hit / len(golds)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="a SQuAD-format file")
    ap.add_argument("--limit", type=int, default=100, help="questions per split (tune, heldout)")
    ap.add_argument("--articles", type=int, default=0, help="only the first N articles (0: all)")
    ap.add_argument("--txtai-python", default="/tmp/txtai-venv/bin/python")
    ap.add_argument("--worker", nargs=2, metavar=("JOB", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return

    sys.path.insert(0, str(ROOT))
    from rag.evaluate.squad import load_squad, sample
    from rag.evaluate.squad_run import write_corpus
    from rag.index.e5convert import ensure_default_model

    squad = load_squad(args.set)
    if args.articles:  # a smaller collection: its articles and their questions only
        kept = squad.articles[: args.articles]
        ids = {a.id for a in kept}
        squad = replace(
            squad, articles=kept, questions=tuple(q for q in squad.questions if q.article_id in ids)
        )
    chosen = sample(squad.questions, args.limit, ["tune", "heldout"])
    questions = [q.question for q in chosen]
    golds = [q.answers for q in chosen]
    with tempfile.TemporaryDirectory(prefix="bench-txtai-") as tmp:
        corpus = write_corpus(squad, Path(tmp) / "corpus")
        mine = run_rag(corpus, Path(tmp) / "index", questions)
        settings = mine["settings"]
        print(f"{squad.name}: {len(mine['passages'])} passages (rag's chunks), {len(questions)} questions")
        job = {
            "model": str(ensure_default_model(settings.resolved_model_cache())),
            "batch": settings.embed_batch_size,
            "passages": mine["passages"],
            "questions": questions,
            "save": str(Path(tmp) / "txtai-index"),
        }
        (Path(tmp) / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        out = Path(tmp) / "txtai.json"
        cmd = [
            args.txtai_python,
            str(Path(__file__).resolve()),
            "--worker",
            str(Path(tmp) / "job.json"),
            str(out),
        ]
        subprocess.run(
            cmd, check=True, env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
        )
        theirs = json.loads(out.read_text(encoding="utf-8"))
    theirs_texts = [[mine["passages"][i] for i in ids] for ids in theirs["ranked"]]
    rows = [
        ("index time, s", mine["index_s"], theirs["index_s"], "<= 1.0"),
        (
            "warm query p50, ms",
            1000 * statistics.median(mine["query_s"]),
            1000 * statistics.median(theirs["query_s"]),
            "<= 0.5",
        ),
        (f"answer recall@{K}", recall(mine["ranked"], golds), recall(theirs_texts, golds), ">= 1.0"),
    ]
    print(f"rag embedder {settings.embedder}; txtai {job['model']} (float32, txtai transformers vectors)")
    print(f"{'':<20} {'rag':>9} {'txtai':>9} {'rag/txtai':>10}  target")
    for name, a, b, target in rows:
        print(f"{name:<20} {a:9.3f} {b:9.3f} {a / b:10.2f}  {target}")


if __name__ == "__main__":
    main()
