"""What `rag index --rebuild` costs beyond its encoder: paired runs of two fresh processes.

(a) bare: a process that loads the same model and encodes the same folded passages (the chunks `rag
    index` embeds, computed here once) with the same batch size, and nothing else;
(b) index: `python -m rag index PATHS --rebuild --index TMP` (read, clean, chunk, fold, embed, BM25,
    FAISS, cases, save).

Both are whole processes (interpreter start and model load included), run alternately N times; wall
time and CPU time (user + system of the child) are printed per run, with the median ratios index/bare.
The machine is shared, so only the ratios of one run mean anything.

    .venv/bin/python eval/bench_index.py [--runs 3] [--embedder NAME] [PATHS ...]   # default: seeds/

The embedder is the settings' (rag.toml / RAG_EMBEDDER) unless --embedder is given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The bare encoder: only the model's own library, no rag module but the one that finds the folder.
BARE = r"""
import json, sys
texts, folder, backend, batch = json.load(open(sys.argv[1]))
if backend == "torch":
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(folder, device="cpu", local_files_only=True)
    model.encode(texts, prompt="passage: ", batch_size=batch, normalize_embeddings=True)
else:
    from rag.index.onnx_embedder import OnnxEmbedder
    OnnxEmbedder(folder, "bare", batch).embed(texts, kind="passage")
"""


def passages(paths: list[Path], settings) -> list[str]:
    """The folded chunk texts `rag index` embeds for `paths` (the same functions, in the same order)."""
    from rag.index.chunking import chunk_document
    from rag.ingest.corpus import read_corpus
    from rag.zh.text import fold

    found = read_corpus(paths)
    chunks = {
        c.id: c
        for d in found.documents
        for c in chunk_document(d, settings.chunk_target, settings.chunk_max, settings.chunk_overlap)
    }
    return [fold(c.text) for c in chunks.values()]


def model_folder(settings) -> tuple[str, str]:
    """(folder, backend) of the settings' embedder, converted or built if needed (outside the timed runs)."""
    from rag.index.embedding import bundled_model

    found = bundled_model(settings)
    if found is None:
        raise SystemExit(f"the bare process runs the bundled model; {settings.embedder!r} is not")
    return str(found[0]), found[1]


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, default=[ROOT / "seeds"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--embedder", help="embedder name (default: the settings')")
    args = ap.parse_args(argv)

    from rag.config import load_settings

    overrides = {"embedder": args.embedder} if args.embedder else {}
    settings = load_settings(**overrides)
    texts = passages(args.paths, settings)
    folder, backend = model_folder(settings)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_EMBEDDER": settings.embedder}
    batch = settings.embed_batch_size
    print(f"{len(texts)} passages, embedder {settings.embedder} ({backend}), batch {batch}")
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps([texts, folder, backend, settings.embed_batch_size], ensure_ascii=False))
        bare = [sys.executable, "-c", BARE, str(job)]
        index = [sys.executable, "-m", "rag", "index", *map(str, args.paths), "--rebuild"]
        index += ["--index", str(Path(tmp) / "index"), "--json"]
        walls, cpus = [], []
        print("run  bare wall/cpu s   index wall/cpu s   ratio wall  cpu")
        for run in range(args.runs):
            pair = [("bare", bare), ("index", index)]
            results = {}
            for label, cmd in pair if run % 2 == 0 else pair[::-1]:  # alternate who goes first
                results[label] = timed(cmd, env)
            (bw, bc), (iw, ic) = results["bare"], results["index"]
            walls.append(iw / bw)
            cpus.append(ic / bc)
            row = f"{run + 1:>3}  {bw:6.1f} / {bc:6.1f}     {iw:6.1f} / {ic:6.1f}"
            print(f"{row}       {iw / bw:5.2f}  {ic / bc:5.2f}")
    print(f"median index/bare: wall {statistics.median(walls):.2f}x, CPU {statistics.median(cpus):.2f}x")


if __name__ == "__main__":
    main()
