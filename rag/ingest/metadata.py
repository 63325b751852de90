"""A page's publication metadata: its date (ISO) and its source (the publisher), read from labelled
lines ("发布时间:", "来源:") or from a dateline opening the lead ("新华社北京3月22日电")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

from rag.ingest.article import Article
from rag.ingest.rules import TITLE_MAX, ends_sentence, page_rules
from rag.zh.text import fold, fold_with_map, original_span, strip_artefacts


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


def _names(line: str) -> list[str]:
    """The names after author labels in the line, in original characters."""
    folded, mapping = fold_with_map(line)
    out = []
    for m in page_rules().author.finditer(folded):
        a, b = original_span(mapping, m.start("v"), m.end("v"))
        out.extend(n for n in re.split(r"[\s、,，]+", line[a:b]) if n)
    return out


def find_author(lines: Sequence[str]) -> str:
    """作者/记者/通讯员 names from short lines near the top and the end of the text, or from the lead's
    parentheses ("(记者 张三 通讯员 李四)"); "" when the text names none."""
    near = [x for x in lines[:10] + lines[-3:] if x.strip()]
    names: list[str] = []
    for line in near:
        s = line.strip()
        if len(s) > TITLE_MAX:  # a paragraph: only its parenthesised byline counts
            m = re.search(r"[(（]([^()（）]{1,60})[)）]", s)
            s = m.group(1) if m else ""
        names += [n for n in _names(s) if n not in names]
    return "、".join(names)


def find_year_less_date(lines: Sequence[str]) -> str:
    """ISO date of a month and day without the year ("3月22日" in a dateline or a date line), the year
    taken from the title and metadata lines when they state exactly one; "" otherwise (a year met only
    in the body, "2003年非典", says nothing about when the text was published)."""
    rules = page_rules()
    head = [fold(x).strip() for x in lines[:6] if x.strip()]
    short = [f for f in head if len(f) <= TITLE_MAX and not ends_sentence(f)]  # titles, metadata lines
    years = {m["y"] for f in short for m in rules.year.finditer(f)}
    if len(years) != 1:
        return ""
    for f in head:
        dateline = rules.dateline.search(f)
        if not (dateline or rules.date_label.search(f)):
            continue
        m = rules.month_day.search(f[: dateline.end()] if dateline else f)
        if m:
            try:
                return dt.date(int(next(iter(years))), int(m["m"]), int(m["d"])).isoformat()
            except ValueError:
                continue
    return ""


def complete(article: Article) -> Article:
    """The Article with what its reader left open found in its text (author, a year-less date whose
    year the title states), and its title shown without conversion artefacts (監(jiān)督 -> 監督)."""
    lines = [x for x in article.text.split("\n") if x.strip()]
    head = [article.title, *lines[:6]] if article.title and article.title not in lines[:1] else lines
    return replace(
        article,
        title=strip_artefacts(article.title).strip(),
        source=strip_artefacts(article.source).strip(),
        date=article.date or find_year_less_date(head),
        author=strip_artefacts(article.author or find_author(lines)),
    )
