"""The totals a report states ("通报曝光10起典型问题", "问责党员干部89人"), so that an answer can say
"10 reported, 3 found" when a document describes fewer cases than it counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rag.cases.fields import units_in
from rag.cases.mentions import is_policy, number
from rag.cases.model import Field, field_from_dict, field_to_dict
from rag.cases.table import cue_pattern, cue_text, sanction_table, words_pattern
from rag.cases.text_view import sentences
from rag.types import Document
from rag.zh.text import fold

_CLAUSE_STOP = ",，。;；:：、“”"


@dataclass(frozen=True)
class Total:
    doc_id: str
    what: Field  # the counted action as written (通报曝光典型问题, 问责党员干部)
    count: int
    measure: str  # 起 (cases) or 人 (people)
    sanction: str = ""  # the standard name when the action is a sanction of the table (问责)


def extract_totals(doc: Document) -> list[Total]:
    found: list[Total] = []
    for s in sentences(doc):
        text = s.folded
        last_end = -1
        last_what: tuple[int, int] | None = None
        for m in cue_pattern("total").finditer(text):
            a = m.start()
            while a > 0 and text[a - 1] not in _CLAUSE_STOP:
                a -= 1
            what = (a, m.start())
            if m.start() == last_end and last_what:  # 4起10人: the second count shares the action
                what = last_what
            phrase = text[what[0] : what[1]]
            sanction = sanction_table().pattern.search(phrase)
            acted = sanction or words_pattern("total_actions").search(phrase)
            if not acted:  # 对3名干部进行问责, 两名干部被处分: the action right after the people counted
                after = re.match(r"[^,，。;；:：、]{0,8}", text[m.end() :]).group()
                acted = sanction_table().pattern.search(after) or words_pattern("total_actions").search(after)
                sanction = sanction_table().pattern.search(after) if acted else None
                # …but 对某公司两名干部进行点名通报 is a unit's case (persons=2), not a total
                marker = re.escape(cue_text("target_marker"))
                target = re.search(f"{marker}((?:(?!{marker}).)*)$", phrase)
                acted = (
                    acted
                    and m.group("m") in cue_text("people_measures")
                    and not (target and units_in(target.group(1)))
                )
            if not acted or is_policy(text, m.start()):
                continue
            if words_pattern("praise").search(text, m.end(), m.end() + 12) or words_pattern("praise").search(
                phrase
            ):
                continue  # 给予3名干部通报表扬
            measure = "人" if m.group("m") in cue_text("people_measures") else "起"
            found.append(
                Total(
                    doc_id=doc.id,
                    what=s.field(doc, *what) if what[1] > what[0] else s.field(doc, m.start(), m.end()),
                    count=number(m.group("n")),
                    measure=measure,
                    sanction=sanction_table().forms[sanction.group()] if sanction else "",
                )
            )
            last_end, last_what = m.end(), what
    return _once(found)


def _once(totals: list[Total]) -> list[Total]:
    """A total the title and the lead both state (通报3起…) counts once."""
    seen: set[tuple[int, str, str]] = set()
    out = []
    for t in totals:
        key = (t.count, t.measure, fold(t.what.value))
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


def total_to_dict(total: Total) -> dict[str, Any]:
    return {
        "doc_id": total.doc_id,
        "what": field_to_dict(total.what),
        "count": total.count,
        "measure": total.measure,
        "sanction": total.sanction,
    }


def total_from_dict(d: dict[str, Any]) -> Total:
    return Total(d["doc_id"], field_from_dict(d["what"]), d["count"], d["measure"], d.get("sanction", ""))
