"""The lookups a case's fields need, over one document's sentences: places, the headline's place,
violation, date, deciding body, sanctions; each returns a Field with its spans, or EMPTY."""

from __future__ import annotations

import re

from rag.cases import fields as F
from rag.cases.mentions import Mention
from rag.cases.model import EMPTY, Field
from rag.cases.table import words_pattern
from rag.cases.text_view import Sentence, sentences
from rag.types import Document

Span = tuple[int, int]
_BACK = 2  # sentences before a case, in its paragraph, that may state its violation or date


class Reader:
    """One document's sentences and the lookups a case's fields need."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.sents = sentences(doc)

    def field(self, s: Sentence, a: int, b: int, value: str | None = None) -> Field:
        return s.field(self.doc, a, b, value)

    def before(self, i: int) -> list[Sentence]:
        """Up to _BACK sentences before sentence i in its paragraph, nearest first."""
        s = self.sents[i]
        prev = [t for t in self.sents[max(0, i - _BACK) : i] if t.paragraph == s.paragraph]
        return prev[::-1]

    def paragraph(self, i: int) -> list[Sentence]:
        s = self.sents[i]
        return [t for t in self.sents if t.paragraph == s.paragraph and t is not s]

    def place(self, candidates: list[tuple[Sentence, int, int]], running: int) -> Field:
        """The first place found in the given stretches (the first `running` of them names of posts,
        units or bodies, the rest running text), then in the headline."""
        heads = self._headline()
        for k, (s, a, b) in enumerate([*candidates, *heads]):
            found = F.places(s.folded[a:b], strict=running <= k < len(candidates))
            if found:
                x, y = found[0]
                return self.field(s, a + x, a + y)
        return EMPTY

    def region(self) -> Field:
        return self.place([], 0)

    def _headline(self) -> list[tuple[Sentence, int, int]]:
        """The title block (the first paragraph, when short and not the whole text): its place is the
        report's own (天津:吹响督战号角)."""
        head = [t for t in self.sents if t.paragraph == 0]
        if len(head) > 3 or len(head) == len(self.sents):
            return []
        return [(t, 0, len(t.folded)) for t in head]

    def violation(self, i: int, seg: tuple[int, int], keys: tuple[str, ...] = ()) -> Field:
        s = self.sents[i]
        a, b = seg
        v = F.violation_in(s.folded[a:b])
        if v:
            # 查办了县教育局原局长周某某违纪违法案: what comes after the name
            found = [
                a + v[0] + m.end()
                for k in keys
                if k
                for m in re.finditer(re.escape(k), s.folded[a + v[0] : a + v[1]])
            ]
            start = max(found, default=a + v[0])
            if start < a + v[1]:
                return self.field(s, start, a + v[1])
        # the person's or unit's other sentence in the paragraph: 赵光歧以…为由,履职尽责不到位;
        # 3.青山县人民医院违规发放补贴问题。
        # 经查，黄某某违反… first; the case's own sentence too (林某某违规兼职取酬，受到…处分)
        findings = [t for t in self.paragraph(i) if words_pattern("findings").search(t.folded)]
        for key in filter(None, keys):
            found = [
                (t, m)
                for t in dict.fromkeys([*findings, s, *self.paragraph(i)])
                for m in re.finditer(re.escape(key), t.folded)
            ]
            # the name as the clause's subject (唐某某在担任…期间，利用职务便利…) before the name as an
            # object (在查办…唐某某严重违纪违法案后)
            found.sort(key=lambda tm: not F.is_subject(tm[0].folded, tm[1].start()))
            for t, m in found:
                v = F.fault_after(t.folded, m.end())
                if v:
                    return self.field(t, *v)
        for t in self.before(i):
            v = F.violation_in(t.folded)
            if v:
                return self.field(t, *v)
        return EMPTY

    def date(self, i: int, seg: tuple[int, int]) -> Field:
        s = self.sents[i]
        found = F.dates(s.folded[seg[0] : seg[1]])
        if found:
            return self.field(s, seg[0] + found[0][0], seg[0] + found[0][1])
        for t in self.before(i):
            found = F.dates(t.folded)
            if found:
                return self.field(t, *found[0])
        return EMPTY

    def body(self, s: Sentence, seg: tuple[int, int], upto: int, avoid: list[tuple[int, int]]) -> Field:
        text = s.folded[:upto]
        found = [
            (x, y)
            for x, y in F.bodies(text, upto)
            if x >= seg[0] and not any(x < q and p < y for p, q in avoid)
        ]
        return self.field(s, *found[-1]) if found else EMPTY

    def body_before(self, i: int) -> Field:
        """The body of the sentence before, when this one continues it after ；(经市委研究决定，免去A…；
        免去B…)."""
        while i > 0:
            prev = self.sents[i - 1]
            if prev.paragraph != self.sents[i].paragraph or prev.folded[-1:] not in ";；":
                return EMPTY
            found = F.bodies(prev.folded, len(prev.folded))
            if found:
                return self.field(prev, *found[-1])
            i -= 1  # 县委对…问责；对…诫勉谈话；对…给予警告处分: back over the whole list
        return EMPTY

    def sanctions(self, s: Sentence, mentions: list[Mention]) -> tuple[Field, ...]:
        out: list[Field] = []
        for m in mentions:
            if all(f.value != m.sanction for f in out):
                out.append(self.field(s, m.start, m.end, m.sanction))
        return tuple(out)

    # ------------------------------------------------------------------ people

    def _local(self, s: Sentence, f: Field) -> tuple[int, int]:
        """Folded offsets in s of a field read from s."""
        assert f.span is not None
        idx = [k for k, o in enumerate(s.mapping) if f.span[0] <= o < f.span[1]]
        return (idx[0], idx[-1] + 1) if idx else (0, 0)

    # ------------------------------------------------------------------ units
