"""The line rules of a news page, compiled once from the `ingest.*` tables (rag/zh/data/ingest.toml).

Every rule is matched against a folded line (Simplified, NFKC, lower case). What stays in code is
mechanics only: line starts and ends, whitespace, digits, the ASCII colon NFKC makes of '：'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.zh.lexicon import lexicon, lexicon_cached

HEAD_WINDOW = 8  # navigation crumbs only count among the first non-empty lines
TAIL_MAX = 40  # trailing short unfinished lines are related-article links and site names
TITLE_MAX = 80
TIME_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
LABEL_RE = re.compile(r"^[^\s::]{1,8}[::]\S")  # "label:value" metadata lines


@dataclass(frozen=True)
class PageRules:
    sentence_end: str
    closers: str
    clause_end: str
    crumb: re.Pattern[str]
    footer: re.Pattern[str]
    furniture: re.Pattern[str]
    date: re.Pattern[str]
    date_label: re.Pattern[str]
    source: re.Pattern[str]
    dateline: re.Pattern[str]
    byline: re.Pattern[str]
    author: re.Pattern[str]
    month_day: re.Pattern[str]
    year: re.Pattern[str]


def _alt(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(words) + ")"


@lexicon_cached
@lru_cache(maxsize=1)
def page_rules() -> PageRules:
    lx = lexicon()
    words, text = lx.words, lx.text
    date_label = _alt(words("ingest.date_labels"))
    furniture = (
        rf"[【\[][^】\]]*{_alt(words('ingest.furniture_controls'))}[^】\]]*[】\]]?"
        rf"|{_alt(words('ingest.font_size_labels'))}\s*:\s*[{text('ingest.font_sizes')}\s]*"
        rf"|{_alt(words('ingest.view_counter_labels'))}{_alt(words('ingest.view_counter_units'))}?"
        rf"\s*:?\s*\d+\s*{re.escape(text('ingest.view_counter_suffix'))}?"
    )
    source = (
        rf"{_alt(words('ingest.source_labels'))}\s*:\s*(?P<v>.+?)\s*"
        rf"(?=\s{{2,}}|\s{date_label}|\s*{_alt(words('ingest.after_source'))}|$)"
    )
    dateline = (
        rf"^\s*(?P<src>[^\s,，。:：(（]{{1,12}}?{_alt(words('ingest.publisher_endings'))})"
        rf"(?:{text('ingest.reporter')})?[\u4e00-\u9fff]{{0,8}}?{text('ingest.month_day')}"
        rf"{_alt(words('ingest.dateline_endings'))}"
    )
    byline = (
        rf"^\W?(?:{'|'.join(words('ingest.byline_labels'))}|{text('ingest.byline_end')}\W?$)"
        rf"|{re.escape(text('ingest.photo_credit'))}\s*$"
    )
    labels = _alt(tuple(re.escape(w) for w in words("ingest.author_labels")))
    one = rf"{text('ingest.author_name')}(?![\u4e00-\u9fff])"
    author = rf"{labels}\s*:?\s*(?P<v>{one}(?:[\s、,]+(?!{labels}){one})*)"
    return PageRules(
        sentence_end=text("text.sentence_ends") + text("ingest.line_ends"),
        closers=text("text.closers"),
        clause_end=text("ingest.clause_end"),
        crumb=re.compile("|".join(words("ingest.crumbs"))),
        footer=re.compile(rf"^\W{{0,3}}{_alt(words('ingest.footer_markers'))}"),
        furniture=re.compile(furniture),
        date=re.compile(text("ingest.date")),
        date_label=re.compile(date_label + r"\s*:\s*"),
        source=re.compile(source),
        dateline=re.compile(dateline),
        byline=re.compile(byline),
        author=re.compile(author),
        month_day=re.compile(text("ingest.month_day_date")),
        year=re.compile(text("ingest.year_mention")),
    )


def ends_sentence(folded: str) -> bool:
    rules = page_rules()
    s = folded.rstrip().rstrip(rules.closers)
    return bool(s) and s[-1] in rules.sentence_end
