"""Metadata filters on the documents a search may return: by id, by source, by publication date.

One place for the rule, used by `rag search` / `rag ask` (--doc, --source, --after, --before) and the
page's retrieval settings. A DocFilter picks document ids from the index's documents; the retriever
then keeps only their chunks, fetching deeper until it has k of them (`filtered_lists`), so a filter
never leaves fewer than k results when k exist.

Dates are ISO: YYYY-MM-DD, or YYYY-MM / YYYY for a whole month or year; both bounds are inclusive.
A document without a (readable) date is excluded as soon as a date bound is given: nothing is known
about when it was published.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from rag.types import Document

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def date_range(text: str) -> tuple[date, date] | None:
    """The first and last day an ISO date (YYYY-MM-DD, YYYY-MM or YYYY) names; None if it is not one."""
    m = _ISO.match((text or "").strip())
    if m is None:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            last = calendar.monthrange(year, int(month))[1]
            return date(year, int(month), 1), date(year, int(month), last)
        one = date(year, int(month), int(day))
    except ValueError:  # month 13, 2月30日
        return None
    return one, one


def parse_bound(text: str, name: str) -> tuple[date, date] | None:
    """A date bound as the user typed it; "" is no bound. ValueError (naming the option) otherwise."""
    if not (text or "").strip():
        return None
    found = date_range(text)
    if found is None:
        raise ValueError(f"{name}: {text.strip()!r} is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY)")
    return found


def _fold(text: str) -> str:
    from rag.zh.text import fold  # Traditional and Simplified, full- and half-width match alike

    return fold(text).casefold()


@dataclass(frozen=True)
class DocFilter:
    """Which documents a search may return; an empty filter allows all."""

    doc_ids: tuple[str, ...] = ()  # exactly these documents (any of them)
    source: str = ""  # the publisher contains this text (folded, case-insensitive)
    after: str = ""  # published on or after this ISO date
    before: str = ""  # published on or before this ISO date

    @classmethod
    def of(
        cls, doc_ids: Iterable[str] | None = None, source: str | None = "", after: str | None = "", before=""
    ) -> DocFilter:
        """A filter from user input (None or blanks mean no bound); ValueError on a bad or reversed date."""
        made = cls(
            tuple(d.strip() for d in (doc_ids or ()) if d and d.strip()),
            (source or "").strip(),
            (after or "").strip(),
            (before or "").strip(),
        )
        made.bounds()  # fails now, with the option's name, rather than at the first search
        return made

    @property
    def empty(self) -> bool:
        return not (self.doc_ids or self.source or self.after or self.before)

    def bounds(self) -> tuple[date | None, date | None]:
        low, high = parse_bound(self.after, "--after"), parse_bound(self.before, "--before")
        if low and high and low[0] > high[1]:
            raise ValueError(f"--after {self.after} is later than --before {self.before}: nothing can match")
        return (low[0] if low else None), (high[1] if high else None)

    def allows(self, doc: Document) -> bool:
        if self.doc_ids and doc.id not in self.doc_ids:
            return False
        if self.source and _fold(self.source) not in _fold(doc.source):
            return False
        low, high = self.bounds()
        if low is None and high is None:
            return True
        span = date_range(doc.date)
        if span is None:  # undated: excluded by any date bound (documented above)
            return False
        return (low is None or span[1] >= low) and (high is None or span[0] <= high)

    def select(self, documents: Mapping[str, Document] | Sequence[Document]) -> frozenset[str] | None:
        """The ids of the documents it allows; None for an empty filter (search everything).
        KeyError for a --doc id the index does not hold (a typo should not silently find nothing)."""
        if self.empty:
            return None
        docs = list(documents.values()) if isinstance(documents, Mapping) else list(documents)
        known = {d.id for d in docs}
        unknown = [d for d in self.doc_ids if d not in known]
        if unknown:
            raise KeyError(f"no document {', '.join(map(repr, unknown))} in the index")
        return frozenset(d.id for d in docs if self.allows(d))

    def describe(self) -> str:
        """The filter as options, for messages ("--source 新华社 --after 2021-01-01")."""
        parts = [f"--doc {d}" for d in self.doc_ids]
        named = (("source", self.source), ("after", self.after), ("before", self.before))
        parts += [f"--{k} {v}" for k, v in named if v]
        return " ".join(parts)


# ----- applying a filter to ranked lists -----
Lists = dict[str, list[tuple[str, float]]]


def filtered_lists(
    fetch: Callable[[int], Lists], allowed: Callable[[str], bool], want: int, total: int
) -> Lists:
    """Each retriever's ranked (chunk_id, score) list restricted to allowed chunks, `want` long when that
    many allowed chunks are found: `fetch(pool)` is asked again with a deeper pool (up to every chunk)
    while a list came back full but kept fewer than `want`."""
    pool = min(total, max(want, 1) * 4)
    while True:
        lists = fetch(pool)
        kept = {name: [(c, s) for c, s in items if allowed(c)] for name, items in lists.items()}
        short = any(len(kept[n]) < want and len(items) >= pool for n, items in lists.items())
        if not short or pool >= total:
            return {name: items[:want] for name, items in kept.items()}
        pool = min(total, pool * 4)
