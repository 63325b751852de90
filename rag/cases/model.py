"""The case table's rows: frozen dataclasses, every field with the span it came from."""

from __future__ import annotations

from dataclasses import dataclass

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
        }

    @property
    def evidence(self) -> tuple[Span, ...]:
        """The sentences the case was read from, in text order."""
        spans = {f.sentence for f in (*self.fields().values(), *self.sanctions) if f.sentence}
        return tuple(sorted(spans))
