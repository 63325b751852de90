"""Follow-up questions: carry the names, places and organisations of the conversation into a
question that refers to them ("他受到了什么处分？" after a question about 刘仁甫 -> "刘仁甫受到了
什么处分？"), so retrieval searches for the right thing. A question that stands alone is left as is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.query.smalltalk import is_smalltalk
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold
from rag.zh.words import posseg

_HAN = "\u4e00-\u9fff"
_MARKERS = re.compile(r"\[\d+\]")
_NON_WORD = re.compile(r"\W")
_HAN_WORD = re.compile(f"[{_HAN}]+")


@dataclass(frozen=True)
class Entity:
    text: str
    kind: str  # "person" | "place" | "org"


@dataclass(frozen=True)
class _Patterns:
    pronoun: re.Pattern[str]
    continuation: re.Pattern[str]
    person: re.Pattern[str]
    place_after_mark: re.Pattern[str]
    unnamed: re.Pattern[str]
    org_after_place: re.Pattern[str]
    determined_noun: re.Pattern[str]  # "该县", "此人": the determiner and its noun name one thing


@lexicon_cached
@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    lex = lexicon()
    name = f"[{lex.text('people.surnames')}][{_HAN}]{{1,2}}?"
    titles, openers = "|".join(lex.words("people.titles")), "|".join(lex.words("people.name_openers"))
    # a name after a post or title word ("主任邓修明表示"), or opening a clause before 被/因/作为
    person = (
        f"(?:{titles})[、，,:：]?({name})(?=[{lex.text('people.name_followers')}])"
        f'|(?:^|[“”"、，,。：:（(\\s])({name})(?={openers})'
    )
    marks = lex.text("places.prepositions")
    place_after_mark = (
        f"(?:^|(?<=[^{_HAN}])|(?<=[{marks}]))(?![{marks}{lex.text('places.not_first')}])"
        f"([{_HAN}]{{2}}[{lex.text('places.short_suffixes')}])(?![{lex.text('places.not_followed')}])"
    )
    places = "|".join(lex.words("questions.followup.place_determiners"))
    persons = "|".join(lex.words("questions.followup.person_determiners"))
    return _Patterns(
        pronoun=lex.pattern("questions.followup.pronouns"),
        continuation=lex.pattern("questions.followup.continuations", "^{}[，,、]?"),
        person=re.compile(person),
        place_after_mark=re.compile(place_after_mark),
        unnamed=lex.pattern("questions.words.unnamed"),
        org_after_place=lex.pattern("organisations.after_place"),
        determined_noun=re.compile(f"(?:{places})([{lex.text('places.suffixes')}])|(?:{persons})(人)"),
    )


def person_names(folded: str) -> list[str]:
    """Names of people in folded text, found by their position after a title or before 被/因/作为."""
    return [m.group(1) or m.group(2) for m in _patterns().person.finditer(folded)]


@lexicon_cached
@lru_cache(maxsize=1024)
def entities(text: str) -> tuple[Entity, ...]:
    """People, places and organisations named in `text` (folded), in order of appearance.
    From jieba's part-of-speech tags (nr, ns, nt), place suffixes (资源 + 县 -> 资源县), names after
    titles (主任邓修明), and organisations named after a place (安居区纪委监委)."""
    folded = _MARKERS.sub("", fold(text))
    not_entities = frozenset(lexicon().words("jieba.not_entities"))
    suffixes = lexicon().text("places.suffixes")
    pat = _patterns()
    found: list[tuple[int, Entity]] = []
    seen: set[str] = set()

    def add(pos: int, word: str, kind: str) -> None:
        if word in seen or word in not_entities or len(word) < 2 or not _HAN_WORD.fullmatch(word):
            return
        if all(c in suffixes for c in word):  # 县市区: a list of kinds of place, not a place
            return
        if pat.unnamed.match(word):  # "在哪个区": what is asked for, not a place named
            return
        seen.add(word)
        found.append((pos, Entity(word, kind)))

    name_tags, place_tags = lexicon().words("jieba.name_tags"), lexicon().words("jieba.place_tags")
    words = [(p.word, p.flag) for p in posseg().cut(folded)]
    pos = 0
    places: list[tuple[int, str]] = []
    for i, (word, flag) in enumerate(words):
        nxt = words[i + 1][0] if i + 1 < len(words) else ""
        if len(nxt) == 1 and nxt in suffixes and flag[:1] in ("n", "j") and len(word) >= 2:
            places.append((pos, word + nxt))  # 资源 + 县
        elif word.endswith(tuple(suffixes)) and len(word) >= 3 and flag[:1] in ("n", "j"):
            places.append((pos, word))
        elif flag in place_tags:
            places.append((pos, word))
        elif flag in name_tags and len(word) in (2, 3):
            add(pos, word, "person")
        elif flag == "nt":
            add(pos, word, "org")
        pos += len(word)
    # "向海东市…": a two-character name and its suffix after a preposition or a mark (jieba may
    # read 向海 as a person)
    for m in pat.place_after_mark.finditer(folded):
        places.append((m.start(1), m.group(1)))
    place_spans = [(p, p + len(w)) for p, w in places]
    found[:] = [(p, e) for p, e in found if not any(a < p + len(e.text) and p < b for a, b in place_spans)]
    seen.difference_update(e for e in list(seen) if e not in {x.text for _, x in found})
    for m in pat.person.finditer(folded):
        add(m.start(), m.group(1) or m.group(2), "person")
    for p, word in places:
        # an organisation named after the place: 安居区纪委监委
        org = pat.org_after_place.match(folded[p + len(word) :])
        if org:
            add(p, word + org.group(), "org")
        add(p, word, "place")
    found.sort(key=lambda pe: pe[0])
    return tuple(e for _, e in found)


def lacks_subject(question: str) -> bool:
    """A short question starting with a verb or adverb ("问责了多少人？", "还约谈了哪些单位？")."""
    folded = fold(question)
    body = _NON_WORD.sub("", folded)
    if len(body) <= 6:
        return True
    first = next((p for p in posseg().cut(_patterns().continuation.sub("", folded)) if p.word.strip()), None)
    if first is None:
        return True
    subjectless = lexicon().words("questions.followup.subjectless")
    return first.flag[:1] in ("v", "d", "p") or first.word in subjectless


def _antecedents(history: Sequence[tuple[str, str]]) -> list[Entity]:
    """Entities of the most recent turn that has any: its question first, then its answer."""
    not_found = lexicon().text("answers.not_found_prefix")
    for user, assistant in reversed(history):
        if is_smalltalk(user):  # a greeting's reply names nothing the next question refers to
            continue
        ents = list(entities(user))
        if assistant and not assistant.startswith(not_found):
            ents += [e for e in entities(assistant) if e.text not in {x.text for x in ents}]
        if ents:
            return ents
    return []


def _pick(ents: Sequence[Entity], pronoun: str) -> Entity | None:
    if pronoun in lexicon().words("questions.followup.prefer_org"):
        order: tuple[str, ...] = ("org", "place", "person")
    elif pronoun in lexicon().words("questions.followup.prefer_place"):
        order = ("place", "org")
    else:  # 他, 她, and the rest
        order = ("person", "org", "place")
    for kind in order:
        for e in ents:
            if e.kind == kind:
                return e
    return None


def _place_ending(ents: Sequence[Entity], suffix: str) -> str | None:
    """The place named by an entity that ends with `suffix` (县 -> 资源县, also inside 资源县纪委监委)."""
    for e in sorted(ents, key=lambda e: e.kind != "place"):
        m = re.search(f"[{_HAN}]{{1,6}}?{suffix}", e.text)
        if m:
            return m.group()
    return None


def stands_alone(question: str) -> bool:
    """A question with a name, place or organisation of its own and no pronoun needs no history."""
    return not _patterns().pronoun.search(fold(question)) and bool(entities(question))


def rewrite_followup(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The question with its references to earlier turns made explicit; unchanged when there is
    no history, when it stands alone, or when there is nothing to carry over."""
    question = question.strip()
    if not history or not question or is_smalltalk(question):  # "你好" is no follow-up of anything
        return question
    # offsets are found in folded text (這個 -> 这个); fold keeps the length of a question typed
    # by a person, and when it does not, the folded question is the one rewritten
    if len(fold(question)) != len(question):
        question = fold(question)
    folded = fold(question)
    if stands_alone(question):
        return question
    ents = _antecedents(history)
    if not ents:
        return question
    # "该县" / "这个县" / "此人": the demonstrative and its noun name one thing
    d = _patterns().determined_noun.search(folded)
    if d:
        if d.group(1):
            place = _place_ending(ents, d.group(1))
            if place:
                return question[: d.start()] + place + question[d.end() :]
        else:
            person = _pick([e for e in ents if e.kind == "person"], "他")
            if person:
                return question[: d.start()] + person.text + question[d.end() :]
    m = _patterns().pronoun.search(folded)
    if m:
        pronoun = m.group()
        if pronoun.startswith("该"):
            entity = _pick([e for e in ents if e.kind in ("org", "place")], "它")
        else:
            entity = _pick(ents, pronoun)
        if entity is None:
            return question
        demonstrative = pronoun in lexicon().words("questions.followup.determiners")
        if demonstrative and question[m.end() : m.end() + 1].strip():
            # "这个组织" -> "安居区纪委监委这个组织": keep the noun, name what it refers to
            return question[: m.start()] + entity.text + question[m.start() :]
        return question[: m.start()] + entity.text + question[m.end() :]
    if entities(question) or not lacks_subject(question):
        return question
    rest = _patterns().continuation.sub("", question)
    subject = next((e for e in ents if e.kind in ("org", "place")), ents[0])
    return subject.text + rest
