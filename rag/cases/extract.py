"""extract_cases: the disciplinary cases a document describes, every field with its source span.

A case is a person (rag.cases.names: jieba's `nr`, a name after a post or opening a clause, a
masked name, a name read elsewhere in the document) or a unit (a phrase ending in a unit word, the
target of 对/责令/被 or the words after the sanction) in the same stretch of a sentence as a sanction
of the table that is not a policy statement ("要严肃处分") nor a count (问责党员干部89人, a total).
A field the text does not state stays empty: nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rag.cases import fields as F
from rag.cases.mentions import (
    Mention,
    counted,
    group_count,
    in_title,
    is_speaker,
    mentions_of,
    sanction_mentions,
    segments,
)
from rag.cases.merge import merge_cases
from rag.cases.model import EMPTY, Case, Field
from rag.cases.names import person_names, read_names
from rag.cases.reader import Reader
from rag.cases.table import cue_pattern, cue_text, words_pattern
from rag.cases.text_view import Sentence
from rag.types import Document

Span = tuple[int, int]


class _Reader(Reader):
    """The cases of one document: people and units, each with the fields the Reader looks up."""

    def person(
        self, i: int, seg: Span, name: Span, mentions: list[Mention], targets: list[Span], others: list[Span]
    ) -> Case:
        s = self.sents[i]
        text = s.folded
        name_text = text[name[0] : name[1]]
        posts: list[tuple[Sentence, int, int]] = []
        p = F.post_before(text, name[0])
        if p:
            # 对柳林镇党委书记孔德明、镇长高云飞: 高云飞's post starts after the name before him
            cut = max([b for a, b in others if p[0] <= a and b < name[0]], default=p[0])
            p = (cut + 1 if text[cut : cut + 1] in cue_text("list_joiners") and cut > p[0] else cut, p[1])
            posts.append((s, *p))
        else:
            p = _list_post(text, name[0])
            if p:
                posts.append((s, *p))
        for m in mentions:
            if m.post:
                a, b = m.post
                if a <= name[0] < b:  # 免去赵光歧县第二人民医院院长职务
                    a = name[1]
                if b > a:
                    posts.append((s, a, b))
        for t in self.sents:  # the same name elsewhere in the document: 某县交通运输局局长张建国…
            for occ in re.finditer(re.escape(name_text), t.folded):
                if t is s and occ.start() == name[0]:
                    continue
                p = _list_post(t.folded, occ.start())
                if p:
                    posts.append((t, *p))
        post, unit = EMPTY, EMPTY
        where: list[tuple[Sentence, int, int]] = []
        if posts:
            ps, pa, pb = max(posts, key=lambda x: x[2] - x[1])
            post = self.field(ps, pa, pb)
            n = F.unit_of(ps.folded[pa:pb])
            unit = self.field(ps, pa, pa + n) if n else EMPTY
            if n and cue_pattern("unit_anaphor").match(ps.folded[pa : pa + n]):
                unit = self._named_unit(s, targets)  # 对该局党组书记彭少华: the unit named before
            where.append((ps, pa, pb))
        if not unit and (not post or post.value.startswith(cue_text("deputy"))):
            unit = self._head_unit(s, name, others)  # 排水科科长何志明、副科长庞伟: the head's unit
        first = min(m.start for m in mentions)
        decided = self.body(s, seg, first, [name, *targets, *[(a, b) for t, a, b in posts if t is s]])
        decided = decided or self.body_before(i)
        if decided:
            where.append((s, *self._local(s, decided)))
        # running text around the name, not through it (免去刘海波市…: no place 波市)
        running = [(s, seg[0], name[0]), (s, name[1], seg[1])]
        return Case(
            doc_id=self.doc.id,
            name=self.field(s, *name),
            unit=unit,
            post=post,
            place=self.place(where + running, len(where)),
            violation=self.violation(i, seg, (name_text,)),
            sanctions=self.sanctions(s, mentions),
            decided_by=decided,
            date=self.date(i, seg),
            persons=1,
            region=self.region(),
        )

    def _head_unit(self, s: Sentence, name: Span, others: list[Span]) -> Field:
        text = s.folded
        before = [o for o in others if o[1] < name[0] and text[o[1] : o[1] + 1] in cue_text("list_joiners")]
        if not before or any(c in text[before[-1][1] : name[0]] for c in ",，。;；"):
            return EMPTY
        p = F.post_before(text, before[-1][0])
        n = F.unit_of(text[p[0] : p[1]]) if p else 0
        return self.field(s, p[0], p[0] + n) if n else EMPTY

    def _named_unit(self, s: Sentence, targets: list[Span]) -> Field:
        for ta, tb in targets:
            for ua, ub in F.units_in(s.folded[ta:tb]):
                if not cue_pattern("unit_anaphor").match(s.folded[ta + ua : ta + ub]):
                    return self.field(s, ta + ua, ta + ub)
        return EMPTY

    def units(self, i: int, seg: Span, mention: Mention) -> tuple[list[Case], list[Span], bool]:
        """The unit cases of one sanction, the target phrases they came from, and whether the target
        points back (约谈该局主要负责人)."""
        s = self.sents[i]
        text = s.folded
        targets = [mention.target] if mention.target else []
        m = cue_pattern("target_before").search(text[seg[0] : mention.start])
        if m:
            g = "a" if m.group("a") is not None else "b"
            targets.append((seg[0] + m.start(g), seg[0] + m.end(g)))
        m = cue_pattern("target_after").match(text[mention.end : seg[1]])
        if m:
            rest = m.group()
            targets.append((mention.end, mention.end + len(rest)))
        cases = []
        for ta, tb in targets:
            target = text[ta:tb]
            people = words_pattern("unit_people").search(target)
            group = group_count(target)
            # the unit's people (领导班子, 两名干部, 负责同志3人) end the unit and are its post
            ends = [(people.start(), people.end())] if people else []
            ends += [group[1:]] if group else []
            cut = min([a for a, _ in ends], default=len(target))
            post_end = max([b for _, b in ends], default=cut)
            units = F.units_in(target[:cut])
            if units and all(cue_pattern("unit_anaphor").match(target[a:b]) for a, b in units):
                return [], [(ta, tb)], True
            for ua, ub in units:
                unit = self.field(s, ta + ua, ta + ub)
                post = self.field(s, ta + cut, ta + post_end) if post_end > cut else EMPTY
                decided = self.body(s, seg, min(ta, mention.start), [(ta, tb)])
                where = [(s, ta + ua, ta + ub)]
                if decided:
                    where.append((s, *self._local(s, decided)))
                cases.append(
                    Case(
                        doc_id=self.doc.id,
                        name=EMPTY,
                        unit=unit,
                        post=post,
                        place=self.place([*where, (s, seg[0], seg[1])], len(where)),
                        violation=self.violation(i, seg, F.unit_keys(text[ta + ua : ta + ub])),
                        sanctions=self.sanctions(s, [mention]),
                        decided_by=decided,
                        date=self.date(i, seg),
                        persons=group[0] if group else None,
                        region=self.region(),
                    )
                )
            if cases:
                return cases, [(ta, tb)], False
        return [], [], False

    def more(self, i: int, seg: Span, person: Case, mentions: list[Mention]) -> Case:
        """More sanctions for a person named before (由县监委给予其开除公职处分)."""
        s = self.sents[i]
        decided = self.body(s, seg, mentions[0].start, [])
        return replace(person, sanctions=self.sanctions(s, mentions), decided_by=person.decided_by or decided)


def _list_post(text: str, start: int) -> Span | None:
    """The post before a name, or before the list it ends (区农业农村局干部张伟、李强: both 干部)."""
    p = F.post_before(text, start)
    if p or start == 0 or text[start - 1] not in cue_text("list_joiners"):
        return p
    head = [a for a, b in person_names(text) if b == start - 1]
    return _list_post(text, head[0]) if head else None


def extract_cases(doc: Document) -> list[Case]:
    reader = _Reader(doc)
    known = set().union(*(read_names(s.folded) for s in reader.sents))
    found: list[Case] = []
    last_person: Case | None = None
    # a removal (免去…职务) in a document that never speaks of discipline is a routine appointment
    discipline = any(words_pattern("discipline_context").search(t.folded) for t in reader.sents)
    for i, s in enumerate(reader.sents):
        mentions = [m for m in sanction_mentions(s.folded) if discipline or not m.post]
        in_sentence = len(found)
        for seg in segments(s.folded):
            rest = []
            targets: list[tuple[int, int]] = []
            for m in (m for m in mentions if seg[0] <= m.start < seg[1]):
                # 责令其作出检查, 由县监委给予其开除公职处分: 其 is the one named just before
                if cue_pattern("pronoun").search(s.folded, max(seg[0], m.start - 3), m.end):
                    before = found[-1] if len(found) > in_sentence else last_person
                    if before:
                        found.append(reader.more(i, seg, before, [m]))
                    continue
                # a sanction whose target is a unit (对县市场监管局进行通报批评) is the unit's case
                cases, spans, anaphor = reader.units(i, seg, m)
                if anaphor and len(found) > in_sentence:  # 约谈该局主要负责人: the unit just named
                    found.append(reader.more(i, seg, found[-1], [m]))
                    continue
                found += cases
                targets += spans
                if not cases and not counted(s.folded, m, seg):
                    rest.append(m)
            if not rest:
                continue
            names = [
                (seg[0] + a, seg[0] + b)
                for a, b in person_names(s.folded[seg[0] : seg[1]], known)
                if not is_speaker(s.folded, seg[0] + b) and not in_title(s.folded, seg[0] + a)
            ]
            for name in names:
                own = mentions_of(s.folded, name, names, rest)
                if own:
                    found.append(reader.person(i, seg, name, own, targets, names))
                    last_person = found[-1]
    return merge_cases(found)
