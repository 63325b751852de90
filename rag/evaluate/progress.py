"""Progress bars for evaluation runs: on stderr (stdout keeps the tables and JSON), at most one
refresh a second, and off when RAG_PROGRESS=0."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sized
from typing import TypeVar

T = TypeVar("T")


def bar(items: Iterable[T], desc: str) -> Iterator[T]:
    """`items`, with a tqdm bar named `desc` on stderr."""
    if os.environ.get("RAG_PROGRESS", "1") == "0":
        yield from items
        return
    from tqdm import tqdm

    total = len(items) if isinstance(items, Sized) else None
    yield from tqdm(items, desc=desc, total=total, file=sys.stderr, mininterval=1.0, leave=False)
