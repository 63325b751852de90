"""[n] markers <-> passages, sentence spans for quoting, and the check that a cited passage
supports the sentence that cites it.

Offsets are always in the ORIGINAL document text (`Citation.quote == doc.text[start:end]`);
matching is on folded text (rag.zh.text.fold), so a Simplified sentence can be checked against a
Traditional passage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rag.types import Chunk, Citation, Document, Hit
from rag.zh.text import fold, fold_with_map, split_sentences

MARKER_RE = re.compile(r"\s*\[(\d{1,3})\]")
# "[1][2]" and "[1, 2]" / "[1，2]" (a common LLM habit) are both accepted on input
_GROUP_RE = re.compile(r"\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})+)\]")
_CLAIM_END = re.compile(r"[。！？!?；;\n]")
_CLOSERS = "”’」』\"')）"

# share of the claim's character bigrams (folded) that must occur in the cited passage
MIN_BIGRAM_SUPPORT = 0.6

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# measure words / units that make a number a claim about a quantity or a date
MEASURES = "个人次起名条项份家例天日月年轮组余多位件批所户座处号点届时分岁元万亿"
_NUMBER_RE = re.compile(rf"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*([余多])?\s*([{MEASURES}])?")


def cn_to_int(s: str) -> int | None:
    """Chinese numerals -> int ("十二" 12, "一百零五" 105, "三" 3); None when not a plain number."""
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        # digit by digit: "二〇二〇" -> 2020
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            unit = _CN_UNITS[c]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def numbers_with_measures(text: str) -> set[tuple[str, str]]:
    """(number, measure word) pairs of folded text, numbers normalised to Arabic digits.
    Chinese numerals count only with a measure word ("三个"), so words like 一线 are not numbers."""
    out: set[tuple[str, str]] = set()
    for m in _NUMBER_RE.finditer(text):
        raw, _, measure = m.group(1), m.group(2), m.group(3) or ""
        if raw[0].isdigit():
            out.add((raw, measure))
            continue
        if not measure:
            continue
        value = cn_to_int(raw)
        if value is not None:
            out.add((str(value), measure))
    return out


def _bigrams(folded: str) -> set[str]:
    # bigrams within runs of letters/digits/Han characters: punctuation never bridges a pair
    grams: set[str] = set()
    for run in re.findall(r"\w+", folded):
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def support_score(sentence: str, passage_text: str) -> float:
    """0..1: how well the passage covers the sentence. 0.0 when a number (with its measure word) of
    the sentence is missing from the passage, else the share of the sentence's bigrams found in it."""
    claim = fold(strip_markers(sentence))
    passage = fold(passage_text)
    passage_numbers = numbers_with_measures(passage)
    for number, measure in numbers_with_measures(claim):
        if measure:
            if (number, measure) not in passage_numbers:
                return 0.0
        elif not any(n == number for n, _ in passage_numbers):
            return 0.0
    grams = _bigrams(claim)
    if not grams:
        return 0.0
    have = _bigrams(passage)
    return sum(g in have for g in grams) / len(grams)


def verify_claim(sentence: str, passage_text: str) -> bool:
    """True when the passage supports the sentence: it holds every number of the sentence with its
    measure word, and most of the sentence's two-character fragments (folded)."""
    return support_score(sentence, passage_text) >= MIN_BIGRAM_SUPPORT


# --- markers ----------------------------------------------------------------------------------


def normalise_markers(text: str) -> str:
    """ "[1, 2]" -> "[1][2]" so the rest of the code sees one marker per number."""
    return _GROUP_RE.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,，、]\s*", m.group(1))), text)


def strip_markers(text: str) -> str:
    return MARKER_RE.sub("", normalise_markers(text))


def markers(text: str) -> list[int]:
    return [int(n) for n in MARKER_RE.findall(normalise_markers(text))]


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """Cut an answer into claims, each with the [n] markers that follow it.

    A claim ends at 。！？； or a newline (plus closing quotes); markers written right after the end
    ("…。[1]") or right before it ("…[1]。") belong to it. The claim text keeps its punctuation and
    loses its markers, so "".join(claim for claim, _ in result) == strip_markers(text)."""
    text = normalise_markers(text)
    claims: list[tuple[str, list[int]]] = []
    pos = 0
    while pos < len(text):
        m = _CLAIM_END.search(text, pos)
        end = m.end() if m else len(text)
        while end < len(text) and text[end] in _CLOSERS:
            end += 1
        # markers right after the sentence end belong to this claim
        tail = re.compile(r"(?:\s*\[\d{1,3}\])+").match(text, end)
        if tail:
            end = tail.end()
        piece = text[pos:end]
        numbers = [int(n) for n in MARKER_RE.findall(piece)]
        claims.append((MARKER_RE.sub("", piece), numbers))
        pos = end
    return [(c, ns) for c, ns in claims if c.strip() or ns]


def join_claims(claims: Sequence[tuple[str, Sequence[int]]]) -> str:
    """Inverse of split_claims: markers go after the claim's closing punctuation ("…。[1][2]")."""
    out = []
    for claim, numbers in claims:
        marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
        stripped = claim.rstrip()
        trailing = claim[len(stripped) :]
        out.append(f"{stripped}{marks}{trailing}")
    return "".join(out)


def renumber(text: str, citations: Sequence[Citation]) -> tuple[str, tuple[Citation, ...]]:
    """Number the citations 1..n in order of first use in `text`; markers whose number has no
    citation are removed, citations never referred to are dropped."""
    by_n = {c.n: c for c in citations}
    mapping: dict[int, int] = {}
    for n in markers(text):
        if n in by_n and n not in mapping:
            mapping[n] = len(mapping) + 1

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[{mapping[n]}]" if n in mapping else ""

    new_text = MARKER_RE.sub(sub, normalise_markers(text))
    # "[1][1]" after merging two claims' markers: keep one
    new_text = re.sub(r"(\[\d+\])(?:\1)+", r"\1", new_text)
    renumbered = tuple(
        Citation(new, old.chunk_id, old.doc_id, old.title, old.quote, old.start, old.end)
        for old_n, new in sorted(mapping.items(), key=lambda kv: kv[1])
        for old in (by_n[old_n],)
    )
    return new_text, renumbered


# --- spans and citations ------------------------------------------------------------------------


def sentence_spans_in_chunk(chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentences as (start, end) offsets into the document text (non-empty, trimmed).

    Pieces that rag.zh.text.split_sentences cuts at ；/; are joined again when they share a line: a
    sentence listing "…；…；…" is one answer, and a quote of one piece would leave out the rest.
    So are pieces cut at a "?" that stands for a character lost in conversion (日?qǐng)?bào)告)."""
    spans: list[list[int]] = []
    for s, e in split_sentences(chunk.text):
        while s < e and chunk.text[s].isspace():
            s += 1
        while e > s and chunk.text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        if spans:
            prev = chunk.text[spans[-1][0] : spans[-1][1]].rstrip(_CLOSERS)
            gap = chunk.text[spans[-1][1] : s]
            joined = prev.endswith(("；", ";")) and "\n" not in gap
            # "日?qǐng)?bào)告": a "?" standing for a lost character, followed by its pinyin
            lost = (
                prev.endswith("?") and not gap and re.match(r"[(a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]", chunk.text[s])
            )
            if joined or lost:
                spans[-1][1] = e
                continue
        spans.append([s, e])
    return [(chunk.start + s, chunk.start + e) for s, e in spans]


def make_citation(n: int, hit: Hit, span: tuple[int, int], documents: Mapping[str, Document]) -> Citation:
    """A citation of the sentence `span` (document offsets) of the passage `hit`; the span must lie
    inside the chunk, and the quote is the document's own text there."""
    chunk = hit.chunk
    start, end = span
    if not (chunk.start <= start < end <= chunk.end):
        raise ValueError(f"span {span} is not inside chunk {chunk.id} [{chunk.start}, {chunk.end})")
    doc = documents.get(chunk.doc_id)
    if doc is not None:
        quote = doc.text[start:end]
        title = hit.title or doc.title
    else:  # the chunk carries its own text: the same characters
        quote = chunk.text[start - chunk.start : end - chunk.start]
        title = hit.title
    return Citation(
        n=n, chunk_id=chunk.id, doc_id=chunk.doc_id, title=title, quote=quote, start=start, end=end
    )


def best_supporting_span(claim: str, chunk: Chunk) -> tuple[tuple[int, int], float]:
    """The sentence of the chunk (or two adjacent sentences) that best supports the claim, and its
    support score; used to quote the exact sentence an LLM claim came from."""
    spans = sentence_spans_in_chunk(chunk)
    if not spans:
        return (chunk.start, chunk.end), support_score(claim, chunk.text)
    best, best_score = spans[0], -1.0
    candidates = list(spans) + [(a[0], b[1]) for a, b in zip(spans, spans[1:], strict=False)]
    for s, e in candidates:
        score = support_score(claim, chunk.text[s - chunk.start : e - chunk.start])
        # a pair must beat its single sentences clearly: quotes stay as short as they can
        if (e - s) > 0 and (score > best_score + (0.05 if (s, e) not in spans else 0.0)):
            best, best_score = (s, e), score
    return best, best_score


# --- quotes that span sentences and passages ---------------------------------------------------


def display_text(original: str) -> str:
    """The original characters (script unchanged) without conversion artefacts (監(jiān) -> 監)
    and without line breaks: what fold() drops as artefacts is dropped here too."""
    if "(" not in original and "?" not in original:
        return re.sub(r"\s*\n\s*", "", original).strip()
    _, mapping = fold_with_map(original)
    keep = set(mapping)
    return re.sub(r"\s*\n\s*", "", "".join(c for i, c in enumerate(original) if i in keep)).strip()


_SENTENCE_END = re.compile(r"[。！？!?…]+[”’」』]*|\n")


def sentence_before(text: str, pos: int) -> tuple[int, int] | None:
    """The sentence of the same paragraph that ends right before `pos`, or None."""
    end = pos
    while end > 0 and text[end - 1] in " \t\u3000":
        end -= 1
    if end == 0 or text[end - 1] == "\n":
        return None
    ends = [m.end() for m in _SENTENCE_END.finditer(text, max(0, end - 400), end - 1)]
    start = ends[-1] if ends else max(0, end - 400)
    while start < end and text[start].isspace():
        start += 1
    return (start, end) if start < end else None


def sentence_after(text: str, pos: int) -> tuple[int, int] | None:
    """The sentence of the same paragraph that starts right after `pos`, or None."""
    start = pos
    while start < len(text) and text[start] in " \t\u3000":
        start += 1
    if start >= len(text) or text[start] == "\n":
        return None
    m = _SENTENCE_END.search(text, start, start + 400)
    end = m.end() if m and m.group() != "\n" else (m.start() if m else min(len(text), start + 400))
    return (start, end) if start < end else None


def whole_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole sentence around [start, end): a chunk boundary may have cut a long one."""
    head = start
    while head > 0 and text[head - 1] in " \t\u3000":
        head -= 1
    if head > 0 and text[head - 1] != "\n" and not re.match(r"[。！？!?…”’」』]", text[head - 1]):
        ends = [m.end() for m in _SENTENCE_END.finditer(text, max(0, head - 400), head)]
        if ends:
            start = ends[-1]
            while start < head and text[start].isspace():
                start += 1
    if end < len(text) and text[end - 1] != "\n" and not re.match(r"[。！？!?…”’」』]", text[end - 1]):
        m = _SENTENCE_END.search(text, end, end + 400)
        if m:
            end = m.start() if m.group() == "\n" else m.end()
    return start, end


def quotation_before(text: str, pos: int) -> tuple[int, int] | None:
    """The quotation “…” of the same paragraph that ends right before `pos`, or None."""
    end = pos
    while end > 0 and text[end - 1] in " \t\u3000":
        end -= 1
    if end == 0 or text[end - 1] not in "”」":
        return None
    para = text.rfind("\n", 0, end) + 1
    start = max(text.rfind("“", para, end), text.rfind("「", para, end))
    if start < 0 or end - start > 600:
        return None
    return start, end


def is_quotation(text: str) -> bool:
    t = text.strip()
    return t[:1] in '“「"' and t[-1:] in '”」"' and t.count("“") <= 1


Piece = tuple[int, int, int]  # (hit index, start, end): a quote inside that hit's passage


def locate(span: tuple[int, int], doc_id: str, hits: Sequence[Hit], prefer: int) -> int | None:
    """The offered passage that holds the span (the preferred one first), or None."""
    order = [prefer] + [i for i in range(len(hits)) if i != prefer]
    for i in order:
        c = hits[i].chunk
        if c.doc_id == doc_id and c.start <= span[0] and span[1] <= c.end:
            return i
    return None


def cover(span: tuple[int, int], doc_id: str, hits: Sequence[Hit], prefer: int) -> list[Piece] | None:
    """Pieces of offered passages that together cover the span (one passage when one holds it all;
    else the passage holding its start, then the rest), or None when part of it was not offered."""
    i = locate(span, doc_id, hits, prefer)
    if i is not None:
        return [(i, span[0], span[1])]
    out: list[Piece] = []
    pos = span[0]
    while pos < span[1]:
        best = None
        for k, h in enumerate(hits):
            c = h.chunk
            if (
                c.doc_id == doc_id
                and c.start <= pos < c.end
                and (best is None or c.end > hits[best].chunk.end)
            ):
                best = k
        if best is None:
            return None
        end = min(span[1], hits[best].chunk.end)
        out.append((best, pos, end))
        pos = end
    return out


def pieces_overlap(a: Sequence[Piece], b: Sequence[Piece], hits: Sequence[Hit]) -> bool:
    return any(
        hits[i].chunk.doc_id == hits[j].chunk.doc_id and s1 < e2 and s2 < e1
        for i, s1, e1 in a
        for j, s2, e2 in b
    )


def merge_pieces(pieces: Sequence[Piece], text: str) -> list[Piece]:
    """Adjacent pieces of the same passage become one quote (only whitespace between them)."""
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1][0] == p[0] and not text[out[-1][2] : p[1]].strip():
            out[-1] = (p[0], out[-1][1], p[2])
        else:
            out.append(p)
    return out


def span_text(hit: Hit, documents: Mapping[str, Document] | None, start: int, end: int) -> str:
    """The original text [start, end) of the hit's document (document offsets)."""
    doc = documents.get(hit.chunk.doc_id) if documents else None
    if doc is not None:
        return doc.text[start:end]
    return hit.chunk.text[start - hit.chunk.start : end - hit.chunk.start]
