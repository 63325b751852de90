"""`rag index | search | ask | eval | cases | serve`: thin translation between the shell and rag.Pipeline."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from rag.cli_filters import doc_ids as _doc_ids
from rag.cli_filters import filter_options as _filter_options
from rag.config import load_settings

EVAL_OUT = "eval/reports/latest"

DEFAULT_CORPUS = "seeds"
EXIT_FAILED = 2  # nothing was indexed (or the command failed)
EXIT_PROBLEMS = 3  # indexed, but some files were skipped (each named on stderr)


def _print_json(obj: dict) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _inputs(value: str) -> Iterator[str]:
    """QUERY, or with "-" one query per non-empty line of standard input."""
    if value != "-":
        yield value
        return
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def _settings(args, **overrides):
    # --store / --milvus-uri override the settings file; not given (None) leaves it as it says
    return load_settings(args.config, store=args.store, milvus_uri=args.milvus_uri, **overrides)


def cmd_index(args) -> int:
    from rag.pipeline import Pipeline

    settings = _settings(args)
    pipeline = None if args.rebuild else Pipeline.open(args.index, settings)
    paths = (
        [Path(p) for p in args.paths]
        or (pipeline.corpus_paths() if pipeline else [])
        or [Path(DEFAULT_CORPUS)]
    )
    if args.rebuild:
        pipeline = Pipeline(Path(args.index), settings, None)
    report = pipeline.sync(paths, rebuild=args.rebuild, progress=not args.json, prune=args.prune)
    from rag.ingest.summary import index_summary

    print(index_summary(report), file=sys.stderr)  # one block: indexed, skipped, failed, warnings
    if args.json:
        out = {**report.__dict__, "skipped": [s.__dict__ for s in report.skipped]}
        _print_json({**out, "summary": report.summary(), "index": str(args.index)})
    else:
        print(report.summary())
        snap = pipeline.snapshot
        print(
            f"{pipeline.store.location}: {len(snap.documents)} documents, {len(snap.chunks)} chunks, "
            f"embedder {snap.embedder_name}"
        )
    return EXIT_PROBLEMS if report.skipped else 0


def _open(args, settings, needs_model: bool):
    """The index for queries, saying on stderr what loads (the model in the background meanwhile)."""
    from rag.warmup import open_for_queries, say

    pipeline, warm = open_for_queries(args.index, settings, needs_model)
    warm.wait()
    say(warm.summary())
    return pipeline


def cmd_search(args) -> int:
    from rag.jsonview import search_to_dict

    pipeline = _open(args, _settings(args), needs_model=args.mode in ("hybrid", "dense"))
    doc_ids = _doc_ids(args, pipeline)
    for query in _inputs(args.query):
        hits = pipeline.search(query, k=args.k, mode=args.mode, doc_ids=doc_ids)
        if args.json or args.query == "-":
            _print_json(search_to_dict(query, hits))
            continue
        print(f"query: {query}  ({args.mode}, top {args.k})")
        if not hits:
            print("  no passages found")
        for h in hits:
            text = h.chunk.text.replace("\n", " ")
            print(
                f"\n[{h.rank}] {h.score:.4f}  {h.title}  ({h.chunk.doc_id} {h.chunk.start}-{h.chunk.end}; "
                f"via {'+'.join(h.via)})\n    {text[:160]}{'…' if len(text) > 160 else ''}"
            )
    return 0


def cmd_ask(args) -> int:
    from rag.jsonview import answer_to_dict

    # --answerer overrides the settings file; None (not given) leaves it as the file says
    pipeline = _open(args, _settings(args, answerer=args.answerer), needs_model=True)
    doc_ids = _doc_ids(args, pipeline)
    for question in _inputs(args.question):
        answer = pipeline.ask(question, mode=args.mode, k=args.k, doc_ids=doc_ids)
        if args.json or args.question == "-":
            _print_json(answer_to_dict(answer))
            continue
        if answer.rewritten_query != question:
            print(f"(searched for: {answer.rewritten_query})")
        print(answer.text)
        for c in answer.citations:
            page = f", p. {c.page}" if c.page else ""
            print(f"  [{c.n}] {c.title} ({c.doc_id}{page} {c.start}-{c.end}): {c.quote}")
        if answer.abstained and answer.hits:
            print("  nearest passages:")
            for h in answer.hits[:3]:
                print(f"   - {h.title}: {h.chunk.text[:80].replace(chr(10), ' ')}…")
    return 0


def cmd_eval(args) -> int:
    from rag.evaluate.command import eval_command

    if args.squad:
        from rag.evaluate.squad_run import squad_command

        out = args.out if args.out != EVAL_OUT else f"eval/reports/{Path(args.squad).stem}"
        squad_command(args.squad, out, args.reader_only, args.limit, args.answerer, _settings(args))
        return 0

    if args.answerer == "baseline":
        raise ValueError("--answerer baseline scores SQuAD-format files only: add --squad FILE")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    settings = _settings(args, answerer=args.answerer)  # the seeds' eval, with the answerer asked for
    eval_command(Path(args.index), Path(args.questions), modes, args.k, Path(args.out), settings)
    return 0


def cmd_cases(args) -> int:
    from rag.cases.listing import case_json, format_cases
    from rag.cases.select import CaseQuery, select_cases
    from rag.cases.stored import all_cases
    from rag.index.store import load_snapshot, read_manifest

    index = Path(args.index)  # the table needs no model: the snapshot is read as the index wrote it
    snap = load_snapshot(index, read_manifest(index)["embedder"]["name"])
    if args.doc and args.doc not in snap.documents:
        raise KeyError(f"no document {args.doc!r} in the index")
    query = CaseQuery(sanction=args.sanction, place=args.place, time=args.time, doc_id=args.doc)
    dates = {i: d.date for i, d in snap.documents.items()}
    cases = select_cases(all_cases(snap.cases), query, dates)
    if args.json:
        for case in cases:
            _print_json(case_json(case, snap.documents.get(case.doc_id)))
        return 0
    print(format_cases(cases, snap.documents) or "no cases match")
    print(f"\n{len(cases)} cases", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    import os

    from rag.web.app import main as serve_page

    # the page reads its settings itself; RAG_* variables are how they reach it
    for name, value in (("RAG_STORE", args.store), ("RAG_MILVUS_URI", args.milvus_uri)):
        if value is not None:
            os.environ[name] = value
    return serve_page(  # 2 when the page cannot start (e.g. another host without --auth)
        [
            "--index",
            str(args.index),
            "--host",
            args.host,
            "--port",
            str(args.port),
            *(["--config", args.config] if args.config else []),
            *(["--auth", args.auth] if args.auth else []),
            *(["--no-auth"] if args.no_auth else []),
        ]
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Question answering over Chinese documents")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", default="index", help="index folder (default: index)")
    common.add_argument("--config", default=None, help="settings file (default: ./rag.toml if present)")
    common.add_argument("--store", choices=["folder", "milvus"], default=None, help="where the index lives")
    common.add_argument(
        "--milvus-uri", default=None, help="Milvus Lite file or http://host:19530 (default: INDEX/milvus.db)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", parents=[common], help="build or update the index from documents")
    p.add_argument(
        "paths", nargs="*", help=f"files or folders (default: the index's corpus, else {DEFAULT_CORPUS}/)"
    )
    p.add_argument(
        "--rebuild", action="store_true", help="re-embed everything (e.g. after changing the embedder)"
    )
    p.add_argument("--json", action="store_true", help="print the update report as JSON")
    p.add_argument(
        "--prune", action="store_true", help="remove every indexed document the given paths do not hold"
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", parents=[common], help="retrieve passages for a query")
    p.add_argument("query", help='the query, or "-" to read one query per line from stdin (JSON lines out)')
    p.add_argument("--k", type=int, default=5, help="number of passages (default: 5)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25", "bigram"], default="hybrid")
    p.add_argument("--json", action="store_true")
    _filter_options(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    p.add_argument("question", help='the question, or "-" to read one per line from stdin (JSON lines out)')
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25", "bigram"], default="hybrid")
    p.add_argument("--k", type=int, default=None, help="passages the answer may draw on")
    p.add_argument("--answerer", choices=["extractive", "combined", "learned", "llm"], default=None)
    p.add_argument("--json", action="store_true")
    _filter_options(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", parents=[common], help="measure retrieval and answers on a gold question set")
    p.add_argument("--questions", default="eval/questions.jsonl")
    p.add_argument("--modes", default="bm25,dense,hybrid", help="comma-separated search modes")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--out", default=EVAL_OUT, help="folder for report.md, results.json (and recall.png)")
    p.add_argument("--squad", metavar="FILE", help="score a SQuAD-format set (DRCD, CMRC 2018) instead")
    p.add_argument("--reader-only", action="store_true", help="with --squad: hand the gold paragraph over")
    p.add_argument("--limit", type=int, default=None, help="with --squad: at most N questions per split")
    p.add_argument(
        "--answerer", choices=["extractive", "combined", "learned", "llm", "baseline"], default=None
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("cases", parents=[common], help="list the disciplinary cases found in the documents")
    p.add_argument("--sanction", default="", help="a sanction (留党察看) or a category (党纪处分, 政务处分)")
    p.add_argument("--place", default="", help="a place (天津): matches place, region, unit or post")
    p.add_argument("--time", default="", help="a year or year-month (2020, 2021-11)")
    p.add_argument("--doc", default="", help="only the cases of this document id")
    p.add_argument("--json", action="store_true", help="one case per line, each field with its source")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("serve", parents=[common], help="open the chat page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", default=None, help="USER:PASSWORD, or a file of such lines: sign-in required")
    p.add_argument("--no-auth", action="store_true", help="serve beyond this machine without sign-in")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from rag.index.embedding import EmbeddingModelError
    from rag.index.store import IndexError as RagIndexError

    expected: tuple[type[BaseException], ...] = (
        RagIndexError,
        EmbeddingModelError,
        ValueError,
        FileNotFoundError,
        KeyError,
    )
    try:
        return args.func(args)
    except expected as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
