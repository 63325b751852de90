"""ONNX Runtime thread settings for the embedder, side by side in one process: one query at a time (what
a warm `rag ask` embeds) and one batch of 16 passages (what `rag index` embeds), per setting.

    python eval/bench_query_threads.py [--questions 20] [--rounds 2]

Settings: one intra-op thread; two with spinning idle threads (onnxruntime's default); two spinning
only while a run lasts (`session.force_spinning_stop`); two without (rag.index.ort_cache's choice).
Rounds are interleaved so the machine's load falls on all alike. `--busy N` runs N busy processes
alongside (a machine shared with other work). Needs the default ONNX embedder (built in the model
cache on first use).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "cmrc2018_trial.json"


def session(path: str, threads: int, spin: bool, stop: bool = False):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    options.add_session_config_entry("session.force_spinning_stop", "1" if stop else "0")
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def busy_processes(n: int) -> list[subprocess.Popen]:
    """`n` processes that each keep one core busy until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--busy", type=int, default=0, help="busy processes running alongside")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from rag.config import load_settings
    from rag.evaluate.squad import load_squad, sample
    from rag.index.embedding import load_embedder

    embedder = load_embedder(load_settings())
    if not hasattr(embedder, "_session"):
        raise SystemExit(f"{embedder.name} is not an ONNX embedder: set RAG_EMBEDDER=...@onnx")
    path = embedder._session._model_path
    questions = [q.question for q in sample(load_squad(DATA).questions, args.questions, ["tune", "heldout"])]
    data = json.loads(DATA.read_text(encoding="utf-8"))["data"]
    passages = [p["context"][:300] for a in data[:4] for p in a["paragraphs"]][:16]
    settings = {"1 thread": (1, False), "2 threads, spinning": (2, True)}
    settings["2 threads, spinning in runs"] = (2, True, True)
    settings["2 threads, no spinning"] = (2, False)
    sessions = {name: session(path, *s) for name, s in settings.items()}
    results = {name: {"query": [], "batch": []} for name in settings}
    others = busy_processes(args.busy)
    try:
        measure(args.rounds, embedder, sessions, questions, passages, results)
    finally:
        for p in others:
            p.kill()
    print(f"{'setting':28s} {'query p50':>10s} {'16 passages (best)':>20s}   ({args.busy} busy processes)")
    for name, r in results.items():
        print(f"{name:28s} {1000 * statistics.median(r['query']):8.1f} ms {min(r['batch']):18.2f} s")


def measure(
    rounds: int, embedder, sessions: dict, questions: list[str], passages: list[str], results: dict
) -> None:
    for _ in range(rounds):
        for name, s in sessions.items():
            embedder._session = s
            embedder.embed(["warm-up"], kind="query")
            for q in questions:
                t = time.perf_counter()
                embedder.embed([q], kind="query")
                results[name]["query"].append(time.perf_counter() - t)
            t = time.perf_counter()
            embedder.embed(passages)
            results[name]["batch"].append(time.perf_counter() - t)


if __name__ == "__main__":
    main()
