"""rag: question answering over Chinese documents with verified citations.

`import rag` stays light: the pipeline (and with it numpy, faiss, torch) loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.config import VERSION as __version__  # noqa: F401 (public)
from rag.config import Settings, load_settings
from rag.types import Answer, Chunk, Citation, Document, Hit

__all__ = ["Answer", "Chunk", "Citation", "Document", "Hit", "Pipeline", "Settings", "load_settings"]

if TYPE_CHECKING:
    from rag.pipeline import Pipeline


def __getattr__(name: str):
    if name == "Pipeline":
        from rag.pipeline import Pipeline

        return Pipeline
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
