"""A page's publication metadata: its date (ISO) and its source (the publisher), read from labelled
lines ("发布时间:", "来源:") or from a dateline opening the lead ("新华社北京3月22日电")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from rag.ingest.rules import TITLE_MAX, ends_sentence, page_rules
from rag.zh.text import fold_with_map, original_span


def find_date(folded_lines: Sequence[str]) -> str:
    """ISO date from a labelled line (发布时间:...), else from a short metadata line near the top."""
    rules = page_rules()
    labelled = [f for f in folded_lines if rules.date_label.search(f) and len(f.strip()) <= TITLE_MAX]
    head = [f for f in folded_lines[:6] if len(f.strip()) <= 60 and not ends_sentence(f)]
    for f in labelled + head:
        for m in rules.date.finditer(f):
            try:
                return dt.date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
            except ValueError:
                continue
    return ""


def _original_group(line: str, pattern: re.Pattern[str], group: str) -> str:
    """Match `pattern` on the folded line; return the group's text in original characters."""
    folded, mapping = fold_with_map(line)
    m = pattern.search(folded)
    if not m or m.start(group) >= m.end(group):
        return ""
    a, b = original_span(mapping, m.start(group), m.end(group))
    return line[a:b].strip()


def find_source(label_lines: Sequence[str], lead_lines: Sequence[str]) -> str:
    """来源/稿源 label on a short line, else the publisher opening a dateline in the lead."""
    rules = page_rules()
    for line in label_lines:
        if len(line.strip()) <= TITLE_MAX and (value := _original_group(line, rules.source, "v")):
            return value
    for line in lead_lines:
        if value := _original_group(line, rules.dateline, "src"):
            return value
    return ""
