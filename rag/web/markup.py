"""Markup for the page: Jinja2 templates (rag/web/templates, autoescape on), static CSS/JS (rag/web/static),
and escaping of plain text for the chat's Markdown.

Templates and static files are read through importlib.resources, so the page works from an installed
package as from a checkout. Autoescape means every value a template prints is escaped unless it is
already Markup (made here, from escaped pieces): a document containing HTML or <script> shows as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

# ASCII punctuation that Markdown gives a meaning to; `<>&"'` are left to html.escape
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$=:])")


def _package_text(folder: str, name: str) -> str:
    return (resources.files("rag.web") / folder / name).read_text(encoding="utf-8")


def static_text(name: str) -> str:
    """A file of rag/web/static (CSS or JS)."""
    return _package_text("static", name)


@lru_cache(maxsize=1)
def environment() -> Environment:
    def load(name: str) -> str:
        return _package_text("templates", name)

    return Environment(
        loader=FunctionLoader(load),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name fails loudly instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **values: Any) -> Markup:
    return Markup(environment().get_template(template).render(**values))


def macro(template: str, name: str):
    """A macro of a template, callable from Python (returns Markup)."""
    return getattr(environment().get_template(template).module, name)


# ----- plain text for the chat's Markdown -----
def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def md_text(text: str) -> str:
    """Plain text made safe for a Markdown renderer that also accepts inline HTML: Markdown
    punctuation is backslash-escaped, then HTML is escaped."""
    return esc(_MD_SPECIAL.sub(r"\\\1", text))


# ----- highlighting -----
@dataclass(frozen=True)
class Segment:
    """A run of text, marked or not; `mark_id` names the first mark (the one views scroll to)."""

    text: str
    marked: bool = False
    mark_id: str | None = None


def _merged(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    clipped = sorted((max(0, s), min(length, e)) for s, e in spans)
    out: list[tuple[int, int]] = []
    for s, e in clipped:
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def segments(text: str, spans: Iterable[tuple[int, int]], mark_id: str | None = None) -> list[Segment]:
    """`text` cut at the (start, end) spans (offsets into `text`): spans are clipped to the text and
    overlapping ones merged; empty runs are left out."""
    out, pos = [], 0
    for i, (s, e) in enumerate(_merged(spans, len(text))):
        out += [Segment(text[pos:s]), Segment(text[s:e], True, mark_id if i == 0 else None)]
        pos = e
    out.append(Segment(text[pos:]))
    return [seg for seg in out if seg.text]


def highlight(text: str, spans: Iterable[tuple[int, int]], mark_id: str | None = None) -> Markup:
    """`text` escaped, with each span wrapped in <mark> (the first one with id `mark_id`)."""
    return macro("highlight.html", "highlight")(segments(text, spans, mark_id))
