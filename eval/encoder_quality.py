"""Retrieval quality of the bundled model's builds (torch float32, ONNX float32, ONNX int8), side by side.

seeds: each build indexes the seeds into its own folder, then the gold questions are searched (dense and
hybrid; retrieval only): R@1, R@5, MRR@10 over the answerable questions.
a SQuAD-format file: each build indexes the set's articles (as `rag eval --squad` does, removed split
left out), then the sampled questions of the tune and heldout splits are searched: answer recall@5 (a
top-5 passage contains a gold answer, after folding), dense and hybrid.

    .venv/bin/python eval/encoder_quality.py seeds [--builds fp32,onnx,int8] [--work /tmp/encq]
    .venv/bin/python eval/encoder_quality.py ../shared/data/cmrc2018_trial.json --limit 100 [--articles N]

Indexes are kept under --work, one folder per build, and reused on the next run (delete to rebuild).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import DEFAULT_EMBEDDER, load_settings  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402

SUFFIX = {"fp32": "", "onnx": "@onnx", "int8": "@onnx-int8"}
MODES = ("dense", "hybrid")


def seeds(builds: list[str], work: Path) -> None:
    from rag.evaluate.evaluation import evaluate
    from rag.evaluate.questions import load_questions

    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    print(f"{'build':<6} {'mode':<7} {'n':>4} {'R@1':>6} {'R@5':>6} {'MRR@10':>7}")
    for build in builds:
        settings = load_settings(embedder=DEFAULT_EMBEDDER + SUFFIX[build])
        pipeline = Pipeline.build([ROOT / "seeds"], work / f"seeds-{build}", settings)
        result = evaluate(pipeline, questions, MODES, 10, answers=False)
        for mode in MODES:
            m = result.metrics[mode]["all"]
            print(f"{build:<6} {mode:<7} {m['n']:4.0f} {m['R@1']:6.3f} {m['R@5']:6.3f} {m['MRR@10']:7.3f}")


def public(path: Path, builds: list[str], work: Path, limit: int, articles: int) -> None:
    from rag.evaluate.squad import load_squad, sample
    from rag.evaluate.squad_run import write_corpus
    from rag.zh.text import fold

    squad = load_squad(path)
    if articles:
        kept = squad.articles[:articles]
        ids = {a.id for a in kept}
        squad = replace(
            squad, articles=kept, questions=tuple(q for q in squad.questions if q.article_id in ids)
        )
    chosen = sample(squad.questions, limit, ["tune", "heldout"])
    corpus = write_corpus(squad, work / f"{squad.name}-corpus")
    for build in builds:
        settings = load_settings(embedder=DEFAULT_EMBEDDER + SUFFIX[build])
        t0 = time.perf_counter()
        pipeline = Pipeline.build([corpus], work / f"{squad.name}-{build}", settings)
        print(f"{build}: index {time.perf_counter() - t0:.0f} s, {len(pipeline.snapshot.chunks)} chunks")
        for mode in MODES:
            found = 0
            for q in chosen:
                golds = [fold(a) for a in q.answers]
                hits = pipeline.search(q.question, k=5, mode=mode)
                found += any(g in fold(h.chunk.text) for h in hits for g in golds)
            print(f"{build:<6} {mode:<7} answer recall@5 {found / len(chosen):.3f} ({len(chosen)} questions)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", help='"seeds" or a SQuAD-format file')
    ap.add_argument("--builds", default="fp32,onnx,int8")
    ap.add_argument("--work", type=Path, default=Path("/tmp/encoder-quality"))
    ap.add_argument("--limit", type=int, default=100, help="questions per split (public sets)")
    ap.add_argument("--articles", type=int, default=0, help="only the first N articles (0: all)")
    args = ap.parse_args(argv)
    builds = [b.strip() for b in args.builds.split(",") if b.strip()]
    unknown = sorted(set(builds) - set(SUFFIX))
    if unknown:
        raise SystemExit(f"unknown builds {unknown}; known: {sorted(SUFFIX)}")
    if args.set == "seeds":
        seeds(builds, args.work)
    else:
        public(Path(args.set), builds, args.work, args.limit, args.articles)


if __name__ == "__main__":
    main()
