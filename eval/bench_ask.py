"""Warm latency of asking a question on the seeds index with an answerer (the configured one by default).

    .venv/bin/python eval/bench_ask.py [--index index] [--rounds 3] [--questions eval/questions.jsonl]
        [--answerer extractive|combined|learned] [--small-tokenizers]

One unrelated question loads the models (embedder, jieba, OpenCC), then the whole tokenizers load as
the chat page loads them once it can answer (`--small-tokenizers`: not, as in a one-off `rag ask`,
where each question and span read builds a small tokenizer from its pieces). Then every question is asked
once, first time seen (its query vector is computed: this is what a user waits for), then
`rounds` more times (the pipeline caches query vectors, so repeats measure everything else).
Prints the median, p95 and mean of `Pipeline.ask` (rewrite + search + rerank + answer), and for
the repeats also the two halves, retrieval (`Pipeline.search`) and the answerer alone, and
`retrieve_for` (each part of a multi-part question searched on its own) + answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer.choose import span_reader  # noqa: E402
from rag.answer.extractive import answer  # noqa: E402
from rag.evaluate.questions import load_questions  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402
from rag.retrieve.sentence_scoring import retrieve_for  # noqa: E402
from rag.warmup import load_whole_tokenizers  # noqa: E402


def _stats(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   mean {statistics.fmean(ms):6.1f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default=str(ROOT / "index"))
    ap.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--answerer", default=None, help="answerer name (default: the index's settings)")
    ap.add_argument(
        "--small-tokenizers", action="store_true", help="do not load the whole tokenizers (a one-off ask)"
    )
    args = ap.parse_args()

    pipeline = Pipeline.load(args.index)
    questions = [q.question for q in load_questions(args.questions)]
    answerer = pipeline.answerer(args.answerer)
    k = pipeline.settings.answer_passages
    docs = pipeline.snapshot.documents

    def search(query: str, n: int):
        return pipeline.search(query, k=n)

    reader = span_reader(pipeline.settings)

    def forget() -> None:
        """The span reader keeps its last reads (a second ask of the same pair): each timed part reads
        afresh, as the first ask of a question does."""
        if reader is not None:
            reader.forget()

    pipeline.ask("预热：这是一个与资料无关的问题吗？", answerer=answerer)  # load the models
    if not args.small_tokenizers:
        load_whole_tokenizers(pipeline)  # as the chat page does (rag.web.startup)
    first = []
    for q in questions:
        t0 = time.perf_counter()
        pipeline.ask(q, answerer=answerer)
        first.append(time.perf_counter() - t0)
    for q in questions:
        retrieve_for(q, search, k)  # the parts' query vectors, once

    asked, searched, answered, parts = [], [], [], []
    for _ in range(args.rounds):
        for q in questions:
            forget()
            t0 = time.perf_counter()
            pipeline.ask(q, answerer=answerer)
            t1 = time.perf_counter()
            hits = pipeline.search(q, k=k)
            forget()
            t2 = time.perf_counter()
            answer(answerer, q, hits, docs)
            t3 = time.perf_counter()
            hits = retrieve_for(q, search, k)
            forget()
            answer(answerer, q, hits, docs)
            t4 = time.perf_counter()
            asked.append(t1 - t0)
            searched.append(t2 - t1)
            answered.append(t3 - t2)
            parts.append(t4 - t3)

    tokenizers = "small tokenizers" if args.small_tokenizers else "whole tokenizers"
    print(f"{len(questions)} questions, answerer {answerer.name}, index {args.index}, models, {tokenizers}")
    print(f"  first ask of each question   {_stats(first)}")
    print(f"  repeated ({args.rounds} rounds, query vectors cached):")
    print(f"  Pipeline.ask                 {_stats(asked)}")
    print(f"    search (+rerank)           {_stats(searched)}")
    print(f"    answer                     {_stats(answered)}")
    print(f"  retrieve_for + answer        {_stats(parts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
