"""Cold start: a fresh `rag ask` process until its answer, a fresh page process until GET / answers 200,
and the parts they spend their time on, each in its own fresh process.

    python eval/bench_cold.py [--index index] [--runs 3] [--no-page]
    python eval/bench_cold.py --index index --runs 3 --no-parts --no-page --compare ../main   # ratio

Needs a built, up-to-date index (rag index). Prints wall and CPU seconds (CPU = user + system of the
child: on a shared machine wall time also counts waiting for a core; compare ratios in one run).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
QUESTION = "王增田受到了什么处分？"

# each part alone, in a fresh process: what a cold `rag ask` pays for it
PARTS = {
    "python + import rag": "import rag.cli",
    "import torch": "import torch",
    "import sentence_transformers": "import sentence_transformers",
    "embedding model (import + weights)": (
        "from rag.config import load_settings; from rag.index.embedding import load_embedder; "
        "load_embedder(load_settings()).embed(['x'], kind='query')"
    ),
    "jieba dictionary + POS table": "from rag.warmup import warm_words; warm_words()",
    "index (chunks, BM25 mmap, FAISS)": (
        "from rag.config import load_settings; from rag.index.store import load_snapshot, read_manifest; "
        "import sys; i=sys.argv[1]; load_snapshot(i, read_manifest(i)['embedder']['name'])"
    ),
}


def run_timed(
    cmd: list[str], env: dict, cwd: Path = ROOT
) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return wall, cpu, r


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_up(index: str, env: dict, code: Path = ROOT, wait_model: bool = True) -> tuple[float, float]:
    """Seconds from starting the page's process until GET / answers 200; and until the model is loaded."""
    port = free_port()
    cmd = [PY, "ui.py", "--index", index, "--port", str(port)]
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    up = loaded = float("nan")
    try:
        while time.perf_counter() - t < 900:
            if proc.poll() is not None:
                raise SystemExit(f"the page exited: {proc.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    if resp.status == 200:
                        up = time.perf_counter() - t
                        break
            except OSError:
                time.sleep(0.1)
        for line in proc.stderr if wait_model else ():  # "model loaded in X s", from the background loader
            if "model loaded" in line or "could not be loaded" in line:
                loaded = time.perf_counter() - t
                break
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return up, loaded


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--index", default="index")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-page", action="store_true")
    p.add_argument("--no-parts", action="store_true")
    p.add_argument("--no-ask", action="store_true")
    p.add_argument("--model-first", action="store_true", help="a page that loads the model before serving")
    p.add_argument("--code", default=str(ROOT), help="the rag to run (e.g. an older checkout, to compare)")
    p.add_argument("--compare", default="", help="another checkout: both cold asks, interleaved; the ratio")
    args = p.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": args.code}
    # as an installed package runs: its modules compiled once (else each run compiles rag's ~150 modules)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    code = Path(args.code)  # run from there: `python -m rag` finds the rag of its working folder first
    args.index = str(Path(args.index).resolve())
    if not Path(args.index, "manifest.json").is_file():
        raise SystemExit(f"no index at {args.index}: run `rag index` first")

    codes = [code] + ([Path(args.compare)] if args.compare else [])
    asks: dict[Path, list[tuple[float, float]]] = {c: [] for c in codes}
    for _ in range(0 if args.no_ask else args.runs):
        for c in codes:  # interleaved: the machine's load falls on both alike
            wall, cpu, r = run_timed(
                [PY, "-m", "rag", "ask", QUESTION, "--index", args.index, "--json"],
                {**env, "PYTHONPATH": str(c)},
                c,
            )
            ready = re.search(r"ready in .*", r.stderr)
            asks[c].append((wall, cpu))
            parts = ready.group(0) if ready else ""
            print(f"cold rag ask ({c}): {wall:6.1f} s wall, {cpu:6.1f} s CPU   [{parts}]", flush=True)
    medians = {}
    for c, runs in asks.items():
        if runs:
            medians[c] = (statistics.median(w for w, _ in runs), statistics.median(x for _, x in runs))
            wall, cpu = medians[c]
            print(f"cold rag ask median ({c}): {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    if len(medians) == 2:
        (w1, c1), (w2, c2) = medians.values()
        print(f"ratio {codes[0]} / {codes[1]}: wall {w1 / w2:.2f}, CPU {c1 / c2:.2f}", flush=True)

    if not args.no_parts:
        for name, snippet in PARTS.items():
            wall, cpu, _ = run_timed([PY, "-c", snippet, args.index], env, code)
            print(f"  part  {name:<38} {wall:6.1f} s wall, {cpu:6.1f} s CPU", flush=True)

    if not args.no_page:
        for _ in range(args.runs):
            up, loaded = page_up(args.index, env, code, not args.model_first)
            print(f"page: up (GET / = 200) in {up:6.1f} s; model loaded at {loaded:6.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
