"""The CLI's document filters: --doc/--source/--after/--before on `rag search` and `rag ask`
(rag.retrieve.filters applies them)."""

from __future__ import annotations

import argparse


def filter_options(p: argparse.ArgumentParser) -> None:
    """--doc/--source/--after/--before (rag.retrieve.filters): only passages of the documents they allow."""
    g = p.add_argument_group("filters", "only passages of matching documents (all given must match)")
    g.add_argument("--doc", action="append", default=None, metavar="ID", help="this document (repeatable)")
    g.add_argument("--source", default="", metavar="TEXT", help="the publisher/source contains TEXT")
    g.add_argument(
        "--after", default="", metavar="DATE", help="published on or after DATE (YYYY-MM-DD, YYYY-MM, YYYY)"
    )
    g.add_argument(
        "--before",
        default="",
        metavar="DATE",
        help="published on or before DATE; with --after/--before, documents without a date are left out",
    )


def doc_ids(args, pipeline):
    """The documents --doc/--source/--after/--before allow (None: no filter); ValueError when none does."""
    from rag.retrieve.filters import DocFilter

    wanted = DocFilter.of(args.doc, args.source, args.after, args.before)
    ids = wanted.select(pipeline.documents())
    if ids is not None and not ids:
        raise ValueError(f"no indexed document matches {wanted.describe()}")
    return ids
