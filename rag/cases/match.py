"""Scoring extracted cases against a gold file (eval/cases_gold.jsonl).

A found case matches a gold case of the same document when the names are the same (folded), or,
for a case without a name, when one unit contains the other. Matching is one to one. Of matched
cases each field is scored: names, sanctions (as a set), dates and persons exactly; the free-text
fields (unit, post, place, violation, decided_by) when both are empty or one contains the other
(folded, punctuation ignored), since where a clause starts is a matter of taste.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.cases.model import Case
from rag.zh.text import fold

TEXT_FIELDS = ("unit", "post", "place", "violation", "decided_by")
FIELDS = ("name", *TEXT_FIELDS, "date", "sanctions", "persons")
_PUNCT = re.compile(r"[\s,，、。;；:：“”\"'()（）]")


@dataclass(frozen=True)
class CaseScores:
    n_gold: int
    n_found: int
    n_matched: int
    field_right: dict[str, int]  # of matched cases, how many have the field right
    missed: tuple[dict[str, Any], ...] = ()  # gold cases not found
    extra: tuple[Case, ...] = ()  # found cases not in the gold
    wrong: tuple[tuple[str, str, str, str], ...] = field(default=())  # (doc, key, field, found value)

    @property
    def precision(self) -> float:
        return self.n_matched / self.n_found if self.n_found else 1.0

    @property
    def recall(self) -> float:
        return self.n_matched / self.n_gold if self.n_gold else 1.0

    def accuracy(self, name: str) -> float:
        return self.field_right.get(name, 0) / self.n_matched if self.n_matched else 0.0


def load_gold(path: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The gold file's cases and totals."""
    cases, totals = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            {"case": cases, "total": totals}.get(rec.get("type", "case"), []).append(rec)
    return cases, totals


def _norm(text: str) -> str:
    return _PUNCT.sub("", fold(text or ""))


def _same_text(found: str, gold: str) -> bool:
    a, b = _norm(found), _norm(gold)
    if not a or not b:
        return a == b
    return a in b or b in a


def _same(name: str, case: Case, gold: dict[str, Any]) -> bool:
    if name == "sanctions":
        return {s.value for s in case.sanctions} == set(gold.get("sanctions", []))
    if name == "persons":
        return case.persons == gold.get("persons")
    value = case.fields()[name].value
    if name in TEXT_FIELDS:
        return _same_text(value, gold.get(name, ""))
    return _norm(value) == _norm(gold.get(name, ""))


def _matches(case: Case, gold: dict[str, Any]) -> bool:
    if case.doc_id != gold["doc_id"]:
        return False
    if gold.get("name") or case.name:
        return _norm(case.name.value) == _norm(gold.get("name", ""))
    return _same_text(case.unit.value, gold.get("unit", "")) and bool(case.unit)


def match_cases(found: Iterable[Case], gold: Sequence[dict[str, Any]]) -> CaseScores:
    found = list(found)
    left = list(range(len(found)))
    pairs: list[tuple[Case, dict[str, Any]]] = []
    missed = []
    for g in gold:
        k = next((k for k in left if _matches(found[k], g)), None)
        if k is None:
            missed.append(g)
        else:
            left.remove(k)
            pairs.append((found[k], g))
    right = {name: sum(_same(name, c, g) for c, g in pairs) for name in FIELDS}
    wrong = tuple(
        (c.doc_id, c.key, name, str(getattr(c, name) if name == "persons" else _shown(c, name)))
        for c, g in pairs
        for name in FIELDS
        if not _same(name, c, g)
    )
    return CaseScores(
        n_gold=len(gold),
        n_found=len(found),
        n_matched=len(pairs),
        field_right=right,
        missed=tuple(missed),
        extra=tuple(found[k] for k in left),
        wrong=wrong,
    )


def _shown(case: Case, name: str) -> str:
    if name == "sanctions":
        return "、".join(s.value for s in case.sanctions)
    return case.fields()[name].value


def match_totals(found: Iterable[Any], gold: Sequence[dict[str, Any]]) -> tuple[int, int, int]:
    """(gold, found, matched) of stated totals; a total matches on document, count and measure."""
    keys = [(t.doc_id, t.count, t.measure) for t in found]
    matched = 0
    for g in gold:
        key = (g["doc_id"], g["count"], g["measure"])
        if key in keys:
            keys.remove(key)
            matched += 1
    return len(gold), matched + len(keys), matched
