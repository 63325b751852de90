"""The case table's rows: frozen dataclasses, every field with the span it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Span = tuple[int, int]


@dataclass(frozen=True)
class Field:
    """One stated value. `span` is where its words are in Document.text (original offsets),
    `sentence` the sentence they belong to. A field the text does not state has value "" and no spans."""

    value: str = ""
    span: Span | None = None
    sentence: Span | None = None

    def __bool__(self) -> bool:
        return bool(self.value)


EMPTY = Field()


@dataclass(frozen=True)
class Case:
    doc_id: str
    name: Field  # the person; empty for a unit or an unnamed group
    unit: Field  # the unit the person belongs to, or the unit held accountable
    post: Field  # post and unit as written (城西区卫生健康局党组书记、局长)
    place: Field
    violation: Field
    sanctions: tuple[Field, ...]  # value: the standard name (诫勉谈话), span: the words written (谈话诫勉)
    decided_by: Field
    date: Field  # as written; the decision's date, else the conduct's
    persons: int | None = None  # how many people, when stated (两名干部 -> 2); 1 for a named person
    region: Field = EMPTY  # the report's own place, from its headline (天津:吹响督战号角)

    @property
    def key(self) -> str:
        return self.name.value or self.unit.value

    def fields(self) -> dict[str, Field]:
        return {
            "name": self.name,
            "unit": self.unit,
            "post": self.post,
            "place": self.place,
            "violation": self.violation,
            "decided_by": self.decided_by,
            "date": self.date,
            "region": self.region,
        }

    @property
    def evidence(self) -> tuple[Span, ...]:
        """The sentences the case was read from, in text order."""
        spans = {f.sentence for f in (*self.fields().values(), *self.sanctions) if f.sentence}
        return tuple(sorted(spans))


def field_to_dict(f: Field) -> dict[str, Any]:
    return {
        "value": f.value,
        "span": list(f.span) if f.span else None,
        "sentence": list(f.sentence) if f.sentence else None,
    }


def field_from_dict(d: dict[str, Any]) -> Field:
    span, sentence = d.get("span"), d.get("sentence")
    return Field(d.get("value", ""), tuple(span) if span else None, tuple(sentence) if sentence else None)


def case_to_dict(case: Case) -> dict[str, Any]:
    """JSON-ready: every field as {"value", "span", "sentence"} (for the index folder, the CLI's --json)."""
    out: dict[str, Any] = {"doc_id": case.doc_id, "persons": case.persons}
    out.update({name: field_to_dict(f) for name, f in case.fields().items()})
    out["sanctions"] = [field_to_dict(f) for f in case.sanctions]
    return out


def case_from_dict(d: dict[str, Any]) -> Case:
    fields = {name: field_from_dict(d.get(name) or {}) for name in _FIELD_NAMES}
    sanctions = tuple(field_from_dict(x) for x in d.get("sanctions", []))
    return Case(doc_id=d["doc_id"], sanctions=sanctions, persons=d.get("persons"), **fields)


_FIELD_NAMES = ("name", "unit", "post", "place", "violation", "decided_by", "date", "region")
