"""The long kill test (not in CI; tests/test_store.py and tests/test_hardening_corpus.py hold the quick
versions): update an index over and over and `kill -9` the updating process, at random moments and at
chosen points inside the write. After every kill the index must load, hold exactly the old or the new
documents (nothing lost, nothing stale), and the next run must reach the new state and leave one
generation folder.

    python eval/kill.py [--rounds 50] [--timed 20] [--embedder hash] [--work /tmp/rag-kill]

Prints one line per round and a summary; exit 1 if any round broke the index.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.ingest.corpus import read_corpus  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402

# the points inside an update a timed kill lands on (the function runs, or half runs, then SIGKILL)
POINTS = ("_write_generation", "_fsync_file", "_commit_manifest", "remove_stale_generations")

UPDATE = """
import os, signal, sys
sys.path.insert(0, {root!r})
import rag.index.store as store
from rag.config import Settings
from rag.pipeline import Pipeline

point = {point!r}
if point:
    original = getattr(store, point)
    def die(*args, **kwargs):
        if point == "_fsync_file":
            original(*args, **kwargs)  # some files are on disk, others not yet
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(store, point, die)
Pipeline.open({index!r}, Settings(embedder={embedder!r})).sync([{corpus!r}])
"""


def state(pipeline: Pipeline) -> dict[str, str]:
    return {d.id: d.content_hash for d in pipeline.documents()}


def wanted(corpus: Path) -> dict[str, str]:
    return {d.id: d.content_hash for d in read_corpus([corpus]).documents}


def change(corpus: Path, rng: random.Random, n: int) -> None:
    """One edit of the corpus: change a document, add one, or remove one."""
    files = sorted(corpus.glob("*.txt"))
    action = rng.choice(["edit", "add", "remove"] if len(files) > 3 else ["edit", "add"])
    if action == "edit":
        f = rng.choice(files)
        f.write_text(f.read_text(encoding="utf-8") + f"\n第{n}次修改：补充说明一句。\n", encoding="utf-8")
    elif action == "add":
        (corpus / f"added-{n}.txt").write_text(
            f"新增通报{n}\n\n某县纪委监委第{n}次通报典型问题。\n", encoding="utf-8"
        )
    else:
        rng.choice(files).unlink()


def run_update(args, corpus: Path, index: Path, point: str, delay: float | None) -> int:
    script = UPDATE.format(
        root=str(ROOT), point=point, index=str(index), embedder=args.embedder, corpus=str(corpus)
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if delay is not None:
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=600)
    return proc.returncode


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=50, help="kills in all (default 50)")
    p.add_argument("--timed", type=int, default=20, help="of which timed inside the write (default 20)")
    p.add_argument("--embedder", default="hash", help="embedder setting (default: the hashing fake)")
    p.add_argument("--work", default="/tmp/rag-kill", help="scratch folder (emptied first)")
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(ROOT / "seeds", corpus)
    settings = Settings(embedder=args.embedder)
    Pipeline.build([corpus], index, settings)
    started = time.perf_counter()
    change(corpus, rng, 0)
    assert run_update(args, corpus, index, "", None) == 0
    full = time.perf_counter() - started  # how long one update takes: random kills land inside it
    kinds = ["timed"] * args.timed + ["random"] * (args.rounds - args.timed)
    rng.shuffle(kinds)
    broken, landed = 0, {"old": 0, "new": 0}
    for n, kind in enumerate(kinds, 1):
        old = state(Pipeline.load(index, settings))
        change(corpus, rng, n)
        new = wanted(corpus)
        point = rng.choice(POINTS) if kind == "timed" else ""
        rc = run_update(args, corpus, index, point, rng.uniform(0, full) if kind == "random" else None)
        problems = []
        try:
            survivor = Pipeline.load(index, settings)
            now = state(survivor)
            which = "old" if now == old else "new" if now == new else None
            if which is None:
                problems.append("documents are neither the old nor the new state")
            else:
                landed[which] += 1
            survivor.sync([corpus])
            if state(survivor) != new:
                problems.append("the next run did not reach the new state")
            gens = sorted(g.name for g in index.glob("gen-*"))
            live = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["generation"]
            if gens != [live]:
                problems.append(f"generation folders after the next run: {gens}")
        except Exception as exc:  # a broken index is the finding, not a crash of this script
            problems.append(f"{type(exc).__name__}: {exc}")
            which = None
        broken += bool(problems)
        how = point or "random"
        print(
            f"round {n:3d} {kind:6s} {how:25s} rc={rc:4d} state={which} {'; '.join(problems) or 'ok'}",
            flush=True,
        )
    print(
        f"\n{args.rounds} kills ({args.timed} timed inside the write, {args.rounds - args.timed} at random "
        f"moments of a {full:.2f} s update): {broken} broke the index; the survivor held the old state "
        f"{landed['old']} times and the new state {landed['new']} times"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
