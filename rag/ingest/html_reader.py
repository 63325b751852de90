"""An HTML page -> Article with trafilatura: the article's own text (navigation, comments, share bars and
related-article lists dropped), its title, publication date, site name and author.

trafilatura reads the bytes itself (it honours the page's <meta charset>). The text it returns is the
Document's text as is, so citation offsets point into exactly what people are shown.
"""

from __future__ import annotations

import logging
import warnings

from rag.ingest.article import Article
from rag.ingest.cleaning import drop_page_lines
from rag.ingest.metadata import find_source


class HtmlError(ValueError):
    """An HTML file with no article text in it."""


def read_html(data: bytes) -> Article:
    import trafilatura  # lazily: heavy (lxml, dateparser), and only HTML needs it
    from trafilatura.metadata import extract_metadata

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # "empty HTML tree": HtmlError says it
    with warnings.catch_warnings():  # lxml's FutureWarning about element truth-testing, not ours
        warnings.simplefilter("ignore", FutureWarning)
        text = trafilatura.extract(
            data,
            output_format="txt",
            include_comments=False,
            include_tables=True,
            include_links=False,
            include_images=False,
            favor_precision=True,  # share bars and link lists are left out rather than kept
        )
        meta = extract_metadata(data)
    text = drop_page_lines((text or "").replace("\r\n", "\n").strip("\n"))
    if not text.strip():
        raise HtmlError("no article text found in the HTML page (only navigation, or no text at all)")
    lines = [line for line in text.split("\n") if line.strip()]
    sitename = (meta.sitename or "").strip() if meta else ""
    return Article(
        title=(meta.title or "").strip() if meta else "",
        text=text,
        source=find_source(lines[:10], lines[:3]) or sitename,  # the article's stated publisher first
        date=(meta.date or "")[:10] if meta else "",
        author=(meta.author or "").strip() if meta else "",
    )
