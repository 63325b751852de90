"""A Word .docx -> Article with python-docx: paragraphs and headings in document order, tables as one
line per row (cells joined with " | "), the title from the document properties or its first heading."""

from __future__ import annotations

import io

from rag.ingest.article import Article
from rag.ingest.metadata import find_author, find_date, find_source
from rag.zh.text import fold

CELL_SEP = " | "


class DocxError(ValueError):
    """A .docx that cannot be read; the message says why."""


def _row_line(row) -> str:
    cells: list[str] = []
    for cell in row.cells:
        text = " ".join(cell.text.split())
        if not cells or cells[-1] != text:  # a merged cell repeats in every column it spans
            cells.append(text)
    return CELL_SEP.join(cells) if any(cells) else ""


def _blocks(document) -> list[tuple[str, bool]]:
    """(line, is_heading) for the body's paragraphs and table rows, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[tuple[str, bool]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            style = (item.style.name if item.style is not None else "").lower()
            out.append((item.text.strip(), style.startswith(("heading", "title"))))
        elif isinstance(item, Table):
            out.extend((_row_line(row), False) for row in item.rows)
            out.append(("", False))
    return out


def read_docx(data: bytes) -> Article:
    try:
        import docx  # lazily: only .docx files need it

        document = docx.Document(io.BytesIO(data))
        blocks = _blocks(document)
        core_title = (document.core_properties.title or "").strip()
    except Exception as exc:  # a zip that is no Word file, a damaged part: python-docx raises many types
        why = f"{type(exc).__name__}: {exc}"
        raise DocxError(f"not a readable .docx (damaged, or another format renamed?): {why}") from None
    lines: list[str] = []
    for line, heading in blocks:
        if heading and lines and lines[-1]:
            lines.append("")  # a heading opens a new paragraph block
        lines.append(line)
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    non_empty = [x for x in text.split("\n") if x.strip()]
    heading = next((line for line, h in blocks if h and line), "")
    return Article(
        title=core_title or heading,
        text=text,
        source=find_source(non_empty[:10], non_empty[:3]),
        date=find_date([fold(x) for x in non_empty[:10]]),
        author=find_author(non_empty),
    )
