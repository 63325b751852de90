"""Article: what a reader finds in a file, before it becomes a Document."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """What cleaning finds in a page's text (before it becomes a Document)."""

    title: str
    text: str
    source: str = ""
    date: str = ""
    author: str = ""
    pages: tuple[int, ...] = ()  # offsets in `text` where each page starts (PDF)
    warnings: tuple[str, ...] = ()  # what the reader was not sure of (said, not hidden)
