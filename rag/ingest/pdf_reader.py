"""A PDF -> Article with pypdf: the text layer page by page, with the offset where each page starts
(`Article.pages`), so that citations can name the page.

Layout is undone the way a reader would: lines broken only because the line was full are joined (Chinese
without a space), running headers and footers (a line repeated at the top or bottom of most pages) and page
numbers are dropped. A PDF without a text layer (a scan) or one pypdf cannot parse gets a clear message.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from rag.ingest.article import Article
from rag.ingest.metadata import find_author, find_date
from rag.ingest.rules import ends_sentence
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold

NO_TEXT = "no text layer; scanned PDFs need OCR, which is not supported"


class PdfError(ValueError):
    """A PDF that cannot become text; the message says why."""


@lexicon_cached
@lru_cache(maxsize=1)
def _page_number_res() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in lexicon().words("ingest.pdf.page_number"))


def _key(line: str) -> str:
    """A line's identity across pages: folded, digits as '#', no spaces ("第 3 页" ~ "第 4 页")."""
    return re.sub(r"\s+", "", re.sub(r"\d+", "#", fold(line)))


def _is_page_number(line: str) -> bool:
    key = _key(line)
    return any(p.match(key) for p in _page_number_res())


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _running(pages: list[list[str]]) -> set[str]:
    """Keys of lines standing at the top or bottom of most pages."""
    if len(pages) < 2:
        return set()
    n = int(lexicon().number("ingest.pdf.edge_lines"))
    counts = Counter(k for lines in pages for k in {_key(x) for x in lines[:n] + lines[-n:]})
    need = max(2, lexicon().number("ingest.pdf.running_share") * len(pages))
    return {k for k, c in counts.items() if c >= need and k}


def _full_width(pages: list[list[str]]) -> float:
    widths = sorted(_width(x) for lines in pages for x in lines)
    if not widths:
        return 0.0
    return widths[int(0.9 * (len(widths) - 1))] * lexicon().number("ingest.pdf.full_line")


def _glue(before: str, after: str, full: float) -> str:
    """What goes between two lines: nothing or a space when the first was broken only because it was full."""
    if ends_sentence(fold(before)) or _width(before) < full:
        return "\n"
    a, b = before[-1:], after[:1]
    return " " if a.isascii() and a.isalnum() and b.isascii() and b.isalnum() else ""  # Latin words


def _join(pages: list[list[str]]) -> tuple[str, tuple[int, ...]]:
    """The pages' lines as one text, and where each page's first line starts in it (a page with no
    line left starts where the next text goes)."""
    full = _full_width(pages)
    text, starts, prev = "", [], ""
    for lines in pages:
        start = None
        for line in lines:
            if prev:
                text += _glue(prev, line, full)
            start = len(text) if start is None else start
            text += line
            prev = line
        starts.append(len(text) if start is None else start)
    return text, tuple(starts)


def _title(meta_title: str, running: list[str], lines: list[str]) -> str:
    junk = lexicon().words("ingest.pdf.junk_title")
    title = meta_title.strip()
    if title and not any(re.search(p, title.lower()) for p in junk):
        return title
    if running:
        return running[0]
    first = lines[0] if lines else ""
    return first if first and len(first) <= 80 and not ends_sentence(fold(first)) else ""


def read_pdf(data: bytes) -> Article:
    from pypdf import PdfReader  # lazily: only PDFs need it

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damage is reported once, by PdfError
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError("the PDF is encrypted with a password; save an unprotected copy to index it")
        raw = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata or {}
        meta_title, meta_author = str(meta.get("/Title") or ""), str(meta.get("/Author") or "")
    except PdfError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files (PdfReadError, KeyError, ...)
        raise PdfError(f"not a readable PDF (damaged or truncated?): {type(exc).__name__}: {exc}") from None
    pages = [[x.strip() for x in t.replace("\r", "\n").split("\n") if x.strip()] for t in raw]
    if not any(pages):
        raise PdfError(NO_TEXT)
    running = _running(pages)
    first_running = [x for lines in pages for x in lines if _key(x) in running]
    kept = [[x for x in lines if _key(x) not in running and not _is_page_number(x)] for lines in pages]
    text, starts = _join(kept)
    if not text.strip():
        raise PdfError(NO_TEXT)
    lines = text.split("\n")
    han_author = meta_author if re.search(r"[\u4e00-\u9fff]", meta_author) else ""
    return Article(
        title=_title(meta_title, first_running, lines),
        text=text,
        date=find_date([fold(x) for x in lines[:10]]),
        author=find_author(lines) or han_author,
        pages=starts,
    )
