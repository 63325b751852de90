"""Path -> Document: decode, find title / source / date, remove what is not article content.

Web pages saved as text carry site navigation, page furniture and share / related-article footers.
Cleaning removes whole lines only (never edits inside a line), so `Document.text` is made of the
file's own lines and every offset shown to people points at original characters. Lines are
classified on their folded form (rag.zh.text.fold), so one rule covers Simplified and Traditional.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.types import Document
from rag.zh.text import fold, fold_with_map, original_span

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md")


class IngestError(ValueError):
    """A file that cannot become a Document; the message names the file and the problem."""


@dataclass(frozen=True)
class Article:
    """What cleaning finds in a page's text (before it becomes a Document)."""

    title: str
    text: str
    source: str = ""
    date: str = ""


# --- line rules (matched against folded lines: Simplified, lower-case, NFKC) -----------------

_HEAD_WINDOW = 8  # navigation crumbs only count among the first non-empty lines
_CRUMB_RE = re.compile(
    r"(当前位置|所在位置|您的位置|你的位置|您现在的位置|当前的位置)|首页\s*>|>\s*正文\s*$|(>.*){2}"
)
_FOOTER_RE = re.compile(
    r"^\W{0,3}(分享到|分享至|相关文章|相关链接|相关阅读|相关新闻|相关稿件|推荐阅读|延伸阅读|上一篇|下一篇|"
    r"返回顶部|打印本页|关闭窗口|扫一扫)"
)
# Furniture tokens: font / print / close controls, view counters.
_FURNITURE_RE = re.compile(
    r"[【\[][^】\]]*(字体|字号|打印|关闭|刷新|返回|收藏|分享)[^】\]]*[】\]]?"
    r"|(字体|字号)\s*[::]\s*[大中小\s]*"
    r"|(阅读|浏览|点击|访问)(次数|量|数)?\s*[::]?\s*\d+\s*次?"
)
_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[年./-]\s*(?P<m>\d{1,2})\s*[月./-]\s*(?P<d>\d{1,2})\s*日?")
_TIME_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_DATE_LABEL = r"(?:发布时间|发布日期|发表时间|发稿时间|更新时间|时间|日期)"
_DATE_LABEL_RE = re.compile(_DATE_LABEL + r"\s*[::]\s*")
_SOURCE_RE = re.compile(
    r"(?:来源|稿源|出处)\s*[::]\s*(?P<v>.+?)\s*(?=\s{2,}|\s"
    + _DATE_LABEL
    + r"|\s*(?:作者|编辑|责任编辑|阅读|浏览|点击|"
    r"字体|【|\[)|$)"
)
# "四川新闻网遂宁3月22日讯", "新华社北京3月22日电": the publisher opens the dateline.
_DATELINE_RE = re.compile(
    r"^\s*(?P<src>[^\s,，。:：(（]{1,12}?(?:网|社|报|台|客户端))(?:记者)?[\u4e00-\u9fff]{0,8}?"
    r"\d{1,2}月\d{1,2}日(?:电|讯)"
)
_BYLINE_RE = re.compile(
    r"^\W?(来源|稿源|作者|编辑|责任编辑|责编|记者|通讯员|摄影|供稿|审核|校对|完\W?$)|/摄\s*$"
)
_LABEL_RE = re.compile(r"^[^\s::]{1,8}[::]\S")
_SENTENCE_END = "。！？!?；;…."
_CLOSERS = "”’」』）)\"'》〉】]"
_TAIL_MAX = 40  # trailing short unfinished lines are related-article links and site names
_TITLE_MAX = 80


def _ends_sentence(folded: str) -> bool:
    s = folded.rstrip().rstrip(_CLOSERS)
    return bool(s) and s[-1] in _SENTENCE_END


def _is_furniture(folded: str) -> bool:
    """A line of page furniture and publication metadata only (font controls, counters, times)."""
    s = folded.strip()
    if not s:
        return False
    if len(s) <= 2 and not re.search(r"[\u4e00-\u9fff\d]", s):  # lone "X", "×", ">>"
        return True
    rest = _FURNITURE_RE.sub(" ", s)
    rest = _DATE_LABEL_RE.sub(" ", rest)
    rest = _TIME_RE.sub(" ", _DATE_RE.sub(" ", rest))
    return rest != s and not re.search(r"\w", rest)


def _is_footer(folded: str) -> bool:
    """A share / related-article / prev-next marker line (not a sentence that happens to start so)."""
    s = folded.strip()
    return bool(_FOOTER_RE.search(s)) and len(s) <= 60 and not _ends_sentence(s)


def _is_byline(folded: str) -> bool:
    return bool(_BYLINE_RE.search(folded.strip()))


def _find_date(folded_lines: Sequence[str]) -> str:
    """ISO date from a labelled line (发布时间:...), else from a short metadata line near the top."""
    labelled = [f for f in folded_lines if _DATE_LABEL_RE.search(f) and len(f.strip()) <= _TITLE_MAX]
    head = [f for f in folded_lines[:6] if len(f.strip()) <= 60 and not _ends_sentence(f)]
    for f in labelled + head:
        for m in _DATE_RE.finditer(f):
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


def _find_source(label_lines: Sequence[str], lead_lines: Sequence[str]) -> str:
    """来源/稿源 label on a short line, else the publisher opening a dateline in the lead."""
    for line in label_lines:
        if len(line.strip()) <= _TITLE_MAX and (value := _original_group(line, _SOURCE_RE, "v")):
            return value
    for line in lead_lines:
        if value := _original_group(line, _DATELINE_RE, "src"):
            return value
    return ""


def _title_like(folded: str) -> bool:
    s = folded.strip()
    return 0 < len(s) <= _TITLE_MAX and s.rstrip(_CLOSERS)[-1:] not in "。；;,，:：、"


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
        if seen > _HEAD_WINDOW or (len(f.strip()) > 60 and _ends_sentence(f)):
            break
        if _CRUMB_RE.search(f):
            start = i + 1

    keep = [i for i in range(start, n) if folded[i].strip() and not _is_furniture(folded[i])]

    # 2. Title: the first real content line (metadata and bylines are not titles).
    title_idx = -1
    for i in keep:
        if _is_byline(folded[i]) or _DATE_LABEL_RE.match(folded[i].strip()):
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
        body_seen = body_seen or (i != title_idx and _ends_sentence(f))
    keep = [i for i in keep if i < end and (i == title_idx or not _is_footer(folded[i]))]

    # 4. Tail: short unfinished lines after the last sentence are links and site names.
    while keep and keep[-1] != title_idx:
        f = folded[keep[-1]].strip()
        if _ends_sentence(f) or len(f) > _TAIL_MAX or _is_byline(f) or _LABEL_RE.match(f):
            break
        keep.pop()

    page_lines = [line for line in lines[start:end] if line.strip()]
    lead = [lines[i] for i in keep if i > title_idx][:3]
    return Article(
        title=lines[title_idx].strip() if title_idx >= 0 else "",
        text=_join(lines, keep),
        source=_find_source(page_lines, lead),
        date=_find_date([fold(x) for x in page_lines]),
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
        source=_find_source(non_empty[:10], non_empty[:3]),
        date=_find_date([fold(x) for x in non_empty[:10]]),
    )


# --- files ----------------------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data:
        raise IngestError(f"{path}: looks like a binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str]] = []
    for codec, common in (("gb18030", _gb_common), ("cp950", _big5_common)):
        try:
            decoded = data.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((common(decoded), decoded))
    if not candidates:
        raise IngestError(f"{path}: cannot decode the file as UTF-8, GB18030 or Big5")
    # Big5 bytes also decode as GB18030 (into rare characters); prefer the reading whose
    # characters are the common ones of that encoding. Ties go to GB18030.
    return max(candidates, key=lambda c: c[0])[1]


def _han(text: str) -> list[str]:
    return [c for c in text if "\u4e00" <= c <= "\u9fff"]


def _gb_common(text: str) -> float:
    """Share of Han characters in GB2312 (the common Simplified set)."""
    han = _han(text)
    return sum(1 for c in han if _encodable(c, "gb2312")) / len(han) if han else 0.0


def _big5_common(text: str) -> float:
    """Share of Han characters in Big5 level 1 (the frequently used Traditional set)."""
    han = _han(text)
    return sum(1 for c in han if 0xA4 <= c.encode("cp950")[0] <= 0xC6) / len(han) if han else 0.0


def _encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def load_document(path: Path, root: Path) -> Document:
    """Read one .txt / .md file into a Document whose id is its path relative to `root`."""
    path, root = Path(path), Path(root)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; supported: {SUPPORTED_SUFFIXES}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    try:
        doc_id = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise IngestError(f"{path}: not inside the corpus folder {root}") from None
    text = _decode(data, path).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"{path}: the file is empty")
    article = parse_markdown(text) if path.suffix.lower() == ".md" else clean_page(text)
    if not article.text.strip():
        raise IngestError(f"{path}: no article text left after removing navigation and page furniture")
    return Document(
        id=doc_id,
        title=article.title or Path(doc_id).stem,
        text=article.text,
        source=article.source,
        date=article.date,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def collect_files(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs: folders give their supported files recursively, files give themselves."""
    out: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not _hidden(f, p)
            )
            pairs = [(f, p) for f in found]
        elif p.is_file():
            if p.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise IngestError(
                    f"{p}: unsupported file type {p.suffix or '(none)'}; supported: {SUPPORTED_SUFFIXES}"
                )
            pairs = [(p, p.parent)]
        else:
            raise IngestError(f"{p}: no such file or folder")
        for f, root in pairs:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append((f, root))
    return out


def iter_documents(paths: Sequence[Path]) -> Iterator[Document]:
    """Documents of every supported file under `paths`; two files with the same id are an error."""
    ids: dict[str, Path] = {}
    for f, root in collect_files(paths):
        doc = load_document(f, root)
        if doc.id in ids:
            raise IngestError(
                f"{f}: document id {doc.id!r} is also the id of {ids[doc.id]}; ids must be unique"
            )
        ids[doc.id] = f
        yield doc
