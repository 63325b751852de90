"""The up-to-date check of `rag index` / the page on a folder of many files: how long `Pipeline.sync` takes
when nothing changed, with the recorded stats (rag/ingest/sources.py) and without them (every file read,
hashed and cleaned: what the check did before), side by side in one process.

    python eval/bench_sync.py [--files 2000] [--rounds 3] [--source ../shared/data/cmrc2018_trial.json]

The files are paragraphs of a public SQuAD-format set (one per file, 40 per sub-folder) written to a
temporary folder; the index uses a tiny hashing embedder, as the check never embeds. Prints the median
seconds of each case and their ratio; also the case where every file was touched (hashed, not read).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.ingest.sources import SOURCES  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402

OLD = time.time_ns() - 3600 * 10**9  # the files' mtime: an hour ago, so not racy


def set_mtimes(folder: Path, ns: int) -> None:
    for f in folder.rglob("*.txt"):
        os.utime(f, ns=(ns, ns))


class HashEmbedder:
    name, dim = "bench-hash-16", 16

    def embed(self, texts, kind="passage", show_progress=False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, int(hashlib.md5(t.encode()).hexdigest()[:4], 16) % self.dim] = 1.0
        return out


def write_corpus(folder: Path, source: Path, n: int) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))["data"]
    paragraphs = [(a.get("title", ""), p["context"]) for a in data for p in a["paragraphs"]]
    for i in range(n):
        title, text = paragraphs[i % len(paragraphs)]
        sub = folder / f"part{i // 40:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc{i:05d}.txt").write_text(f"{title}\n\n{text}\n\n（第{i}篇）\n", encoding="utf-8")
    set_mtimes(folder, OLD)


def timed(p: Pipeline, corpus: Path, before=None) -> float:
    if before:
        before()
    t = time.perf_counter()
    report = p.sync([corpus])
    took = time.perf_counter() - t
    if report.touched:
        raise SystemExit(f"the check re-indexed something: {report.summary()}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data" / "cmrc2018_trial.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        write_corpus(corpus, args.source, args.files)
        t = time.perf_counter()
        p = Pipeline.build([corpus], index, Settings(embedder=HashEmbedder.name), embedder=HashEmbedder())
        print(f"{args.files} files indexed in {time.perf_counter() - t:.1f} s", flush=True)
        table = (index / SOURCES).read_bytes()

        def forget() -> None:  # an index folder without stats: every file read, as before
            (index / SOURCES).unlink()

        def restore() -> None:
            (index / SOURCES).write_bytes(table)

        def touch_all() -> None:
            restore()
            set_mtimes(corpus, OLD + 10**9)

        cases = {"read every file (no stats)": [], "stats recorded": [], "every file touched": []}
        for _ in range(args.rounds):  # interleaved, so the machine's load falls on all cases alike
            cases["read every file (no stats)"].append(timed(p, corpus, forget))
            cases["stats recorded"].append(timed(p, corpus, restore))
            cases["every file touched"].append(timed(p, corpus, touch_all))
            set_mtimes(corpus, OLD)  # back to the recorded mtimes for the next round
        base = statistics.median(cases["read every file (no stats)"])
        print(f"\nup-to-date check of {args.files} unchanged files, median of {args.rounds} (seconds):")
        for name, times in cases.items():
            med = statistics.median(times)
            runs = ", ".join(f"{x:.2f}" for x in times)
            print(f"  {name:30s} {med:7.2f} s   ratio {med / base:5.3f}   ({runs})")


if __name__ == "__main__":
    main()
