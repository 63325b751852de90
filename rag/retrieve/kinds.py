"""What kind of answer a sentence holds (a number with the asked measure word, a person, a date, a
punishment, a post, a place, an organisation, a reason, an appointment), and whether it is about
another place than the question's. The words come from rag/zh/data/*.toml."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.query.question import QuestionInfo, place_stem
from rag.query.rewrite import entities, person_names
from rag.retrieve.units import Unit
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.numbers import counted_pattern, numbers_with_measures, same_measure

_HAN = "[\u4e00-\u9fff]"


@lexicon_cached
@lru_cache(maxsize=1)
def kind_patterns() -> dict[str, re.Pattern[str]]:
    """kind -> what a sentence holding that kind of answer matches."""
    lex = lexicon()
    not_place, not_org = lex.text("places.not_after"), lex.text("organisations.not_after")
    return {
        "date": lex.pattern("measures.date"),
        "punishment": lex.pattern("punishments.given"),
        "post": lex.pattern("people.posts"),
        "place": lex.pattern("places.nouns", f"(?![{not_place}]){_HAN}{{}}"),
        "org": lex.pattern("organisations.suffixes", f"(?![{not_org}]){_HAN}{{}}"),
        "reason": lex.pattern("answers.reasons"),
        "appointment": lex.pattern("answers.appointments"),
    }


@lexicon_cached
@lru_cache(maxsize=1)
def _count_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(an article 一 before 位/名/个, a count of person-visits, a span of time, a sentence's end)"""
    lex = lexicon()
    numerals, small = lex.text("measures.numerals"), lex.text("measures.small_numerals")
    about, visits = lex.text("measures.approximate"), lex.text("measures.visits")
    durations = "|".join(lex.words("measures.durations"))
    spoken = "|".join(lex.words("measures.spoken_durations"))
    return (
        # "一位老人", "一名干部": an article, not a count that could answer 多少人
        re.compile(f"(?<![\\d{numerals}])一(?=[{lex.text('measures.articles')}])"),
        re.compile(f"(?:\\d+|[{numerals}]+)\\s*[{about}]?\\s*{visits}"),
        re.compile(f"\\d+\\s*[{about}]?\\s*个?\\s*(?:{durations})|[{small}]+个?(?:{spoken})"),
        re.compile(f"(?<=[{re.escape(lex.text('text.sentence_ends'))}])"),
    )


def has_kind(kind: str, folded: str, info: QuestionInfo) -> bool:
    """The folded text holds the `kind` of answer `info` asks for."""
    if kind == "number":
        indefinite, person_times, duration, _ = _count_patterns()
        if info.measure == "时长":
            return bool(duration.search(folded))
        # what is counted is named before 多少/几 ("问责了多少人": 问责) or right after its measure
        # word ("有几个邦交国": 邦交国); the words before may only set the scene ("中华民国目前有…")
        noun = info.after[:2]
        if info.counted and not any(t in folded for t in (*info.counted, noun) if t):
            return False  # a number, but not of what the question counts
        counted_text = indefinite.sub("", folded)
        if lexicon().text("measures.visits") not in info.folded:
            counted_text = person_times.sub("", counted_text)  # visits are not people
        nums = numbers_with_measures(counted_text)
        if info.measure:
            asked = any(same_measure(info.measure, m) for _, m in nums)
            return asked or _scaled_count(counted_text, info, noun)
        return bool(nums) or _scaled_count(counted_text, info, noun)
    if kind == "place" and info.located:
        # the place must be in a sentence about what is located, not in the next one
        return any(
            _names_place(part, info) and any(t in part for t in info.located)
            for part in _count_patterns()[3].split(folded)
        )
    if kind == "person":
        return _names_person(folded, info)
    if kind == "place":
        return _names_place(folded, info)
    return bool(kind_patterns()[kind].search(folded))


def _names_person(folded: str, info: QuestionInfo) -> bool:
    """A person other than the question's: after a title (主任邓修明), or a word jieba's dictionary
    tags as a name (names in an encyclopaedia come without titles: 保罗·塞里诺, 周恩来)."""

    def other(n: str) -> bool:
        return n not in info.names and not any(n in q for q in info.names)

    if any(other(n) for n in person_names(folded)):
        return True
    return any(other(w) for w in _tagged_words(folded, "person"))


def _names_place(folded: str, info: QuestionInfo) -> bool:
    """A place word (资源县, 西宁市), or a word jieba's dictionary tags as a place (巴西, 爱丁堡) that
    the question does not name itself."""
    if kind_patterns()["place"].search(folded):
        return True
    stems = {place_stem(p) for p in info.places} | set(info.places)
    return any(w not in stems and place_stem(w) not in stems for w in _tagged_words(folded, "place"))


@lexicon_cached
@lru_cache(maxsize=8192)
def _tagged_words(folded: str, kind: str) -> tuple[str, ...]:
    """The words of `folded` that jieba's dictionary tags as `kind` (jieba.name_tags / place_tags).
    The tokenizer's cut and the dictionary's tags: a tenth of the time of part-of-speech tagging
    with the HMM (0.4 against 3.2 ms a sentence), which a question pays for every sentence it reads."""
    from rag.zh.words import posseg, tokenizer

    lex = lexicon()
    tags = tuple(lex.words("jieba.name_tags" if kind == "person" else "jieba.place_tags"))
    table, skip = posseg().word_tag_tab, frozenset(lex.words("jieba.not_entities"))
    words = [w for w in tokenizer().cut(folded) if len(w) >= 2 and w not in skip and table.get(w, "") in tags]
    if kind == "person":  # as rewrite.entities reads the tags: 安居区 and 加强监督 are tagged nr too
        suffixes = tuple(lex.text("places.suffixes"))
        words = [w for w in words if len(w) <= 3 and not w.endswith(suffixes)]
    return tuple(words)


def names_other_place(unit: Unit, info: QuestionInfo) -> bool:
    """The unit names a place, none of the question's places, and neither does the text before it."""
    stems = [place_stem(p) for p in info.places]
    if any(st in unit.folded or st in unit.context for st in stems):
        return False
    # only places of the same level conflict: a 省 question may well be answered by a 市 sentence
    # a bare name ("青海", "天津") is a province or a city: a 县 inside it is no conflict
    suffixes = lexicon().text("places.suffixes")
    levels = {p[-1] for p in info.places if p[-1] in suffixes} or {"省", "市"}
    return any(
        e.kind == "place" and not any(st in e.text for st in stems) and e.text[-1] in levels
        for e in entities(unit.folded)
    )


_NON_WORD = re.compile(r"\W")


def _scaled_count(folded: str, info: QuestionInfo, noun: str) -> bool:
    """A count written without the general measure word, the counted `noun` right after it:
    "1.25亿视杆细胞" answers "多少个视杆细胞" (measures.general, measures.scales), "18小时" answers
    "多少个小时", "四十九旗" answers "多少旗" (旗 is no measure word the question could ask with)."""
    if not noun or (info.measure and info.measure not in lexicon().text("measures.general")):
        return False
    return _scaled_pattern(noun).search(folded) is not None


@lexicon_cached
@lru_cache(maxsize=64)
def _scaled_pattern(noun: str) -> re.Pattern[str]:
    """A number, maybe a scale word (万, 亿), and `noun`: compiled once per question, not per sentence."""
    numerals, scales = lexicon().text("measures.numerals"), lexicon().text("measures.scales")
    return re.compile(rf"(?:\d+(?:\.\d+)?|[{numerals}]+)\s*[{scales}]?\s*{re.escape(noun)}")


def anchored(folded: str, info: QuestionInfo) -> bool:
    """A number with the asked measure word right next to what the question counts: a token from
    just before 多少/几 ("问责了多少人": 问责), or the words right after the measure word."""
    if not (info.counted or info.before or info.after):
        return False
    asked = lexicon().text("measures.asked")
    measures = "".join(m for m in asked if not info.measure or same_measure(info.measure, m))
    for m in counted_pattern(measures).finditer(folded):
        left = _NON_WORD.sub("", folded[max(0, m.start() - 10) : m.start()])
        right = _NON_WORD.sub("", folded[m.end() : m.end() + 8])
        if any(t in left or t in right for t in info.counted):
            return True
        if len(info.before) >= 2 and any(info.before[i:] in left for i in range(len(info.before) - 1)):
            return True
        if len(info.after) >= 2 and any(
            info.after[: len(info.after) - i] in right for i in range(len(info.after) - 1)
        ):
            return True
    return False
