"""File bytes of one format -> Article: the one place that knows which reader reads which suffix."""

from __future__ import annotations

import re

from rag.ingest.article import Article
from rag.ingest.cleaning import clean_page, looks_like_page, parse_markdown, parse_plain
from rag.ingest.decode import UndecodableError, decode_file
from rag.zh.lexicon import lexicon

# suffix -> Document.kind
KINDS: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(KINDS)


class ReadError(ValueError):
    """Bytes a reader cannot turn into text; the message says why (without the file's path)."""


def read_text(data: bytes, markdown: bool) -> Article:
    """A .txt / .md file: decoded (with a warning when the encoding is a guess); a .txt that looks like
    a saved web page is cleaned as one, and one that would clean to nothing is kept as written, with a
    warning."""
    try:
        decoded = decode_file(data)
    except UndecodableError as exc:
        raise ReadError(str(exc)) from None
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    warnings = tuple(w for w in (decoded.warning, mojibake_note(text)) if w)
    if not text.strip():
        raise ReadError("the file is empty")
    if markdown:
        article = parse_markdown(text)
    elif looks_like_page(text):
        article = clean_page(text)
        if not article.text.strip():
            kept = parse_plain(text)
            note = "cleaning it as a web page would leave no text, so it is indexed as written"
            return Article(kept.title, kept.text, kept.source, kept.date, warnings=(*warnings, note))
    else:
        article = parse_plain(text)
    return Article(article.title, article.text, article.source, article.date, warnings=warnings)


def mojibake_note(text: str) -> str:
    """A warning when the text holds runs of damaged characters ("锟斤拷", U+FFFD), else ""."""
    runs = sum(len(re.findall(p, text)) for p in lexicon().words("ingest.mojibake"))
    return (
        f"{runs} runs of damaged characters (锟斤拷, U+FFFD ...): the file was garbled before it was saved"
        if runs
        else ""
    )


def read_article(suffix: str, data: bytes) -> Article:
    """The Article of a file's bytes, read as its suffix says (KINDS)."""
    kind = KINDS.get(suffix)
    if kind in ("txt", "md"):
        return read_text(data, markdown=kind == "md")
    try:
        if kind == "html":
            from rag.ingest.html_reader import read_html

            return read_html(data)
        if kind == "pdf":
            from rag.ingest.pdf_reader import read_pdf

            return read_pdf(data)
        if kind == "docx":
            from rag.ingest.docx_reader import read_docx

            return read_docx(data)
    except ValueError as exc:  # the readers' own errors (HtmlError, PdfError, DocxError)
        raise ReadError(str(exc)) from None
    raise ReadError(f"unsupported file type {suffix or '(none)'}")
