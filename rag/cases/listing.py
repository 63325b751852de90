"""The case table as text and JSON for `rag cases`: every field with the sentence it came from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rag.cases.model import Case, Field, case_to_dict
from rag.types import Document

# the labels `rag cases` prints, in the order shown
LABELS = {
    "name": "name",
    "post": "post",
    "unit": "unit",
    "place": "place",
    "region": "region",
    "violation": "violation",
    "decided_by": "decided by",
    "date": "date",
}


def source(doc: Document | None, f: Field) -> str:
    """The sentence a field was read from, as the document writes it ("" when unknown)."""
    if doc is None or not f.sentence:
        return ""
    return " ".join(doc.text[f.sentence[0] : f.sentence[1]].split())


def case_json(case: Case, doc: Document | None) -> dict[str, Any]:
    """case_to_dict plus each field's source sentence as text (for the CLI's --json)."""
    out = case_to_dict(case)
    for name, f in case.fields().items():
        out[name]["source"] = source(doc, f)
    for row, f in zip(out["sanctions"], case.sanctions, strict=True):
        row["source"] = source(doc, f)
    return out


def case_lines(case: Case, doc: Document | None) -> list[str]:
    """One case as lines: a heading, then each stated field and the sentence it came from."""
    title = doc.title if doc else ""
    persons = f" ({case.persons} persons)" if case.persons and case.persons > 1 else ""
    lines = [f"{case.key or '?'}{persons}  [{case.doc_id}{' ' + title if title else ''}]"]
    fields = case.fields()
    shown = [(label, fields[name]) for name, label in LABELS.items() if fields[name]]
    shown += [("sanction", f) for f in case.sanctions]
    for label, f in shown:
        lines.append(f"  {label:<10} {f.value}")
        lines.append(f"  {'':<10} <- {source(doc, f)}")
    return lines


def format_cases(cases: Iterable[Case], documents: Mapping[str, Document]) -> str:
    blocks = ["\n".join(case_lines(c, documents.get(c.doc_id))) for c in cases]
    return "\n\n".join(blocks)
