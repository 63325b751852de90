"""The cases and stated totals of one document, as the index stores them beside its chunks
(index/gen-N/cases.jsonl, one line per document): read once at indexing time, dropped and re-read
with their document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rag.cases.extract import extract_cases
from rag.cases.model import Case, case_from_dict, case_to_dict
from rag.cases.totals import Total, extract_totals, total_from_dict, total_to_dict
from rag.types import Document


@dataclass(frozen=True)
class DocCases:
    doc_id: str
    cases: tuple[Case, ...] = ()
    totals: tuple[Total, ...] = ()


def read_document(doc: Document) -> DocCases:
    return DocCases(doc.id, tuple(extract_cases(doc)), tuple(extract_totals(doc)))


def doc_cases_to_dict(dc: DocCases) -> dict[str, Any]:
    return {
        "doc_id": dc.doc_id,
        "cases": [case_to_dict(c) for c in dc.cases],
        "totals": [total_to_dict(t) for t in dc.totals],
    }


def doc_cases_from_dict(d: dict[str, Any]) -> DocCases:
    return DocCases(
        d["doc_id"],
        tuple(case_from_dict(c) for c in d.get("cases", [])),
        tuple(total_from_dict(t) for t in d.get("totals", [])),
    )


def all_cases(table: Mapping[str, DocCases]) -> list[Case]:
    """Every case of the table, documents in id order, each document's in text order."""
    return [c for doc_id in sorted(table) for c in table[doc_id].cases]


def all_totals(table: Mapping[str, DocCases]) -> list[Total]:
    return [t for doc_id in sorted(table) for t in table[doc_id].totals]


def complete(table: Mapping[str, DocCases], documents: Iterable[Document]) -> dict[str, DocCases]:
    """The table for exactly these documents: stored rows kept, missing ones read now (an index
    written before cases were stored), rows of documents no longer there dropped."""
    docs = list(documents)
    return {d.id: table.get(d.id) or read_document(d) for d in docs}
