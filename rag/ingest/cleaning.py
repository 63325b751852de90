"""A news page's text -> Article: title, source, date and the article's own lines.

Web pages saved as text carry site navigation, page furniture and share / related-article footers.
Cleaning removes whole lines only (never edits inside a line), so the article text is made of the
file's own lines and every offset shown to people points at original characters. Lines are
classified on their folded form (rag.zh.text.fold), so one rule covers Simplified and Traditional;
the rules' words live in rag/zh/data/ingest.toml (see rag.ingest.rules).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.ingest.article import Article
from rag.ingest.metadata import find_date, find_source
from rag.ingest.rules import HEAD_WINDOW, LABEL_RE, TAIL_MAX, TIME_RE, TITLE_MAX, ends_sentence, page_rules
from rag.zh.text import fold


def _is_furniture(folded: str) -> bool:
    """A line of page furniture and publication metadata only (font controls, counters, times)."""
    s = folded.strip()
    if not s:
        return False
    if len(s) <= 2 and not re.search(r"[\u4e00-\u9fff\d]", s):  # lone "X", "×", ">>"
        return True
    rules = page_rules()
    rest = rules.furniture.sub(" ", s)
    rest = rules.date_label.sub(" ", rest)
    rest = TIME_RE.sub(" ", rules.date.sub(" ", rest))
    return rest != s and not re.search(r"\w", rest)


def _is_footer(folded: str) -> bool:
    """A share / related-article / prev-next marker line (not a sentence that happens to start so)."""
    s = folded.strip()
    return bool(page_rules().footer.search(s)) and len(s) <= 60 and not ends_sentence(s)


def _is_byline(folded: str) -> bool:
    return bool(page_rules().byline.search(folded.strip()))


def _title_like(folded: str) -> bool:
    s = folded.strip()
    rules = page_rules()
    return 0 < len(s) <= TITLE_MAX and s.rstrip(rules.closers)[-1:] not in rules.clause_end


def _join(lines: Sequence[str], keep: Sequence[int]) -> str:
    """The kept lines joined with '\n'; one blank line where the original had blank lines between
    them (paragraph breaks survive, runs of blank lines and removed lines do not)."""
    out: list[str] = []
    for k, i in enumerate(keep):
        if k and any(not lines[j] for j in range(keep[k - 1] + 1, i)):
            out.append("")
        out.append(lines[i])
    return "\n".join(out)


def clean_page(text: str) -> Article:
    """Title, source, date and article text of a news page saved as plain text."""
    lines = [line if line.strip() else "" for line in text.split("\n")]
    folded = [fold(line) for line in lines]
    n = len(lines)

    # 1. Navigation: the last breadcrumb among the first lines ends the site header.
    start = 0
    seen = 0
    for i, f in enumerate(folded):
        if not f.strip():
            continue
        seen += 1
        if seen > HEAD_WINDOW or (len(f.strip()) > 60 and ends_sentence(f)):
            break
        if page_rules().crumb.search(f) and not ends_sentence(f):  # a trail never ends a sentence
            start = i + 1

    keep = [i for i in range(start, n) if folded[i].strip() and not _is_furniture(folded[i])]

    # 2. Title: the first real content line (metadata and bylines are not titles).
    title_idx = -1
    for i in keep:
        if _is_byline(folded[i]) or page_rules().date_label.match(folded[i].strip()):
            continue
        if _title_like(folded[i]):
            title_idx = i
        break

    # 3. Footer: share / related-article markers end the article, once some body has been seen.
    body_seen = False
    end = n
    for i in keep:
        f = folded[i].strip()
        if i != title_idx and _is_footer(f):
            if body_seen:
                end = i
                break
            continue
        body_seen = body_seen or (i != title_idx and ends_sentence(f))
    keep = [i for i in keep if i < end and (i == title_idx or not _is_footer(folded[i]))]

    # 4. Tail: short unfinished lines after the last sentence are links and site names, but only on a
    # page that shows its site (navigation or a footer marker): elsewhere they are headings and list
    # items of the text's last section (a manual's 附录, 常见问题).
    while (start > 0 or end < n) and keep and keep[-1] != title_idx:
        f = folded[keep[-1]].strip()
        if ends_sentence(f) or len(f) > TAIL_MAX or _is_byline(f) or LABEL_RE.match(f):
            break
        keep.pop()

    page_lines = [line for line in lines[start:end] if line.strip()]
    lead = [lines[i] for i in keep if i > title_idx][:3]
    return Article(
        title=lines[title_idx].strip() if title_idx >= 0 else "",
        text=_join(lines, keep),
        source=find_source(page_lines, lead),
        date=find_date([fold(x) for x in page_lines]),
    )


def looks_like_page(text: str) -> bool:
    """Whether the text shows signs of a saved web page (navigation, share / related-article footers,
    font and print controls, labelled publication metadata); only such text is cleaned as a page."""
    rules = page_rules()
    head = 0
    for line in text.split("\n"):
        f = fold(line).strip()
        if not f:
            continue
        head += 1
        if head <= HEAD_WINDOW and rules.crumb.search(f) and not ends_sentence(f):
            return True
        if _is_footer(f) or _is_furniture(f) or (len(f) <= TITLE_MAX and rules.date_label.match(f)):
            return True
        if len(f) <= TITLE_MAX and rules.source.match(f):
            return True
    return False


def drop_page_lines(text: str) -> str:
    """Text without the lines of page furniture an HTML extractor may leave behind: share /
    related-article markers, font and print controls, breadcrumb trails."""
    lines = [line if line.strip() else "" for line in text.split("\n")]

    def furniture(line: str) -> bool:
        f = fold(line).strip()
        crumb = page_rules().crumb.search(f) and not ends_sentence(f)
        return _is_footer(f) or _is_furniture(f) or bool(crumb)

    return _join(lines, [i for i, line in enumerate(lines) if line and not furniture(line)])


def parse_plain(text: str) -> Article:
    """Text that is not a saved page, kept as written; a short first line that is no sentence is its title."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    non_empty = [line for line in text.split("\n") if line.strip()]
    return Article(
        title=first if _title_like(fold(first)) and not ends_sentence(fold(first)) else "",
        text=text.strip("\n"),
        source=find_source(non_empty[:10], non_empty[:3]),
        date=find_date([fold(x) for x in non_empty[:10]]),
    )


def parse_markdown(text: str) -> Article:
    """Markdown is authored, not scraped: keep all of it; a leading '# ' heading is the title."""
    lines = text.split("\n")
    first = next((line.strip() for line in lines if line.strip()), "")
    title = first[2:].strip() if first.startswith("# ") else ""
    non_empty = [line for line in lines if line.strip()]
    return Article(
        title=title,
        text=text.strip("\n"),
        source=find_source(non_empty[:10], non_empty[:3]),
        date=find_date([fold(x) for x in non_empty[:10]]),
    )
