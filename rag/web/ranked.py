"""The retrieval-test tab's view: each retriever's ranking side by side, with scores and which
retrievers found each passage (so a person sees what fusion gained). HTML from templates/ranked.html."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rag.types import Hit
from rag.web.i18n import lang_of, strings
from rag.web.markup import render

RETRIEVERS = ("bm25", "bigram", "dense", "hybrid")  # column order; "hybrid" is the fusion of the others


def found_by(lists: Mapping[str, Sequence[Hit]]) -> dict[str, list[str]]:
    """{chunk id: the retrievers (not the fusion) whose list holds it, in column order}."""
    found: dict[str, list[str]] = {}
    for name in RETRIEVERS:
        if name == "hybrid":
            continue
        for h in lists.get(name, ()):
            found.setdefault(h.chunk.id, []).append(name)
    return found


def ranked_lists_html(lists: Mapping[str, Sequence[Hit]], lang: str = "zh") -> str:
    """Each retriever's ranking in its own column (known retrievers first, in their order)."""
    found = found_by(lists)
    names = [n for n in RETRIEVERS if n in lists] + [n for n in lists if n not in RETRIEVERS]
    columns = [(name, [(h, found.get(h.chunk.id) or list(h.via)) for h in lists[name]]) for name in names]
    return str(render("ranked.html", s=strings()[lang_of(lang)], columns=columns))
