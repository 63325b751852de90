"""Soak test of the chat page's API (not in CI): many questions from concurrent clients while documents
are uploaded and removed, against the real app (Gradio server + gradio_client) and the real model.

    python eval/soak.py [--questions 500] [--clients 8] [--changes 20] [--work /tmp/rag-soak]

1. The seeds and (when built) ./index are copied into --work; the page is started on them.
2. Every distinct question of eval/questions.jsonl is asked alone, one at a time: the reference answers.
3. --clients clients ask --questions questions (the gold questions, cycled, shuffled) at once, while one
   more thread uploads a document and removes it again --changes times (a text about another subject).
Reports: errors, answers that differ from the same question asked alone (text or citations), latency
p50/p95 of the concurrent asks, and the server process's memory (RSS) before and after. Exit 1 when an
error or a differing answer was seen.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import load_settings  # noqa: E402
from rag.web import app as ui  # noqa: E402
from rag.web.library import Library, open_library  # noqa: E402

# uploaded and removed during the run: about the weather, a subject none of the gold questions asks about
UNRELATED = "气象台发布天气预报\n\n明天白天多云转晴，最高气温二十六摄氏度，夜间有小雨，东南风三到四级。\n"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def key(result: dict) -> tuple:
    """What must not change between asking alone and asking in a crowd: the text and what it cites."""
    cites = tuple((c["doc_id"], c["start"], c["end"]) for c in result["citations"])
    return result["answer"], result["abstained"], cites


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=int, default=500)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--changes", type=int, default=20, help="uploads (each removed again) during the run")
    p.add_argument("--work", default="/tmp/rag-soak")
    p.add_argument("--gold", default=str(ROOT / "eval" / "questions.jsonl"))
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)
    from gradio_client import Client

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "seeds", work / "seeds")
    if (ROOT / "index" / "manifest.json").is_file():
        shutil.copytree(ROOT / "index", work / "index")  # saves embedding the seeds again
    settings = load_settings()
    pipeline, _ = open_library(work / "index", [work / "seeds"], work / "uploads", settings, progress=False)
    app = ui.build_app(pipeline, work / "uploads", work / "reports")
    url = ui.launch(app, port=free_port(), block=False)
    library = Library(pipeline, work / "uploads")

    gold = [json.loads(line)["question"] for line in Path(args.gold).read_text(encoding="utf-8").splitlines()]
    distinct = list(dict.fromkeys(gold))
    alone_client = Client(url, verbose=False)
    alone_client.predict(question=distinct[0], api_name="/ask")  # warm-up: models and caches loaded
    memory_before = rss_mb()
    alone = {q: key(alone_client.predict(question=q, api_name="/ask")) for q in distinct}

    rng = random.Random(args.seed)
    asked = [distinct[i % len(distinct)] for i in range(args.questions)]
    rng.shuffle(asked)
    errors: list[str] = []
    differ: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    done = threading.Event()
    made = [0]
    start_docs = len(pipeline.documents())

    def client_run(share: list[str]) -> None:
        client = Client(url, verbose=False)
        for q in share:
            t0 = time.perf_counter()
            try:
                result = client.predict(question=q, api_name="/ask")
            except Exception as exc:  # counted, not raised: the soak reports every error
                with lock:
                    errors.append(f"{q}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)
                if key(result) != alone[q]:
                    differ.append(q)

    def changer() -> None:
        source = work / "incoming" / "weather.txt"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(UNRELATED, encoding="utf-8")
        while made[0] < args.changes and not done.is_set():
            try:
                added = library.add(source)
                time.sleep(0.5)
                library.remove(added.doc_id)
            except Exception as exc:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(f"upload/remove: {exc}")
            made[0] += 1
            time.sleep(0.5)

    shares = [asked[i :: args.clients] for i in range(args.clients)]
    started = time.perf_counter()
    changes = threading.Thread(target=changer)
    changes.start()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(client_run, shares))
    done.set()
    changes.join()
    wall = time.perf_counter() - started
    memory_after = rss_mb()
    app.close()

    lat = sorted(latencies)
    p50 = statistics.median(lat) if lat else float("nan")
    p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else float("nan")
    print(
        f"soak: {args.questions} questions from {args.clients} clients in {wall:.0f} s; "
        f"{made[0]} uploads, each removed again, during the run\n"
        f"  errors: {len(errors)}\n"
        f"  answers differing from the same question asked alone: {len(differ)}\n"
        f"  latency per /ask (client side, queue included): p50 {p50:.2f} s, p95 {p95:.2f} s\n"
        f"  server memory (RSS): {memory_before:.0f} MB after warm-up, {memory_after:.0f} MB at the end\n"
        f"  documents: {start_docs} at the start, {len(pipeline.documents())} at the end"
    )
    for line in (errors + [f"differs: {q}" for q in dict.fromkeys(differ)])[:20]:
        print("   ", line)
    return 1 if errors or differ else 0


if __name__ == "__main__":
    sys.exit(main())
