"""One case per person or unit of a document: the mentions of the same one are merged."""

from __future__ import annotations

from dataclasses import replace

from rag.cases.model import Case, Field
from rag.zh.text import fold


def _better(a: Field, b: Field) -> Field:
    """The stated value over an empty one; of two, the longer (the fuller post)."""
    if not a:
        return b
    if not b:
        return a
    return b if len(b.value) > len(a.value) else a


def merge_cases(cases: list[Case]) -> list[Case]:
    merged: dict[tuple[str, str], Case] = {}
    for case in cases:
        key = (case.doc_id, fold(case.key))
        old = merged.get(key)
        if old is None:
            merged[key] = case
            continue
        sanctions = list(old.sanctions)
        sanctions += [f for f in case.sanctions if all(f.value != g.value for g in sanctions)]
        merged[key] = replace(
            old,
            unit=_better(old.unit, case.unit),
            post=_better(old.post, case.post),
            place=old.place or case.place,
            violation=old.violation or case.violation,
            sanctions=tuple(sanctions),
            decided_by=old.decided_by or case.decided_by,
            date=old.date or case.date,
            persons=old.persons if old.persons is not None else case.persons,
        )
    return list(merged.values())
