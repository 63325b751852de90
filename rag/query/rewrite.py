"""Follow-up questions: carry the names, places and organisations of the conversation into a
question that refers to them ("他受到了什么处分？" after a question about 刘仁甫 -> "刘仁甫受到了
什么处分？"), so retrieval searches for the right thing. A question that stands alone is left as is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold

_HAN = "\u4e00-\u9fff"
# Pronouns and demonstratives that point back at something said before. "该" only before a
# noun of place or organisation (该县 = that county), "其" only where it starts a phrase.
PRONOUN_RE = re.compile(
    r"他们|她们|它们|(?<!其)他|她|它|该(?=[省市区县镇乡村院局委组单公])|这个|那个|这些|那些|那里|那儿|这里"
    r"|(?<!因)此(?=[人事案地处])|(?<![尤极])其(?![他中余实次])(?=\w)"
)
PLACE_SUFFIX = "省市区县州镇乡村"
_CONTINUATION = re.compile(r"^(?:那么|那|还有|另外|此外|然后|同时|再问一下|再问)[，,、]?")
_MARKERS = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Entity:
    text: str
    kind: str  # "person" | "place" | "org"


@lru_cache(maxsize=1)
def _posseg():
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


# a name after a post or title word ("主任邓修明表示"), or opening a clause before 被/因/作为
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "滕祁常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻蒲房屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
)
_TITLES = (
    "书记|主任|局长|院长|委员|常委|巡视员|组长|县长|市长|区长|镇长|乡长|村长|主席|部长|厅长|处长|科长|"
    "所长|站长|队长|支书|干部|党员|同志|人员|记者|作者"
)
_NAME = f"[{_SURNAMES}][{_HAN}]{{1,2}}?"
_NAME_END = "表介说指强带同因被作已在这回到等、，,。的怎受获为以点任和与及是向对从将也坚"
PERSON_RE = re.compile(
    f"(?:{_TITLES})[、，,:：]?({_NAME})(?=[{_NAME_END}])"
    f'|(?:^|[“”"、，,。：:（(\\s])({_NAME})(?=被|同志|作为|因|/摄|\\s*/\\s*摄)'
)


_PLACE_AFTER_MARK = re.compile(
    f"(?:^|(?<=[^{_HAN}])|(?<=[向在到对和与从于赴至及]))(?![向在到对和与从于赴至及外全本该各我此其每同])"
    f"([{_HAN}]{{2}}[省市县区])(?![委长])"
)


_ASKING = re.compile(r"哪|什么|几|多少|某|谁")


def person_names(folded: str) -> list[str]:
    """Names of people in folded text, found by their position after a title or before 被/因/作为."""
    return [m.group(1) or m.group(2) for m in PERSON_RE.finditer(folded)]


@lexicon_cached
@lru_cache(maxsize=1024)
def entities(text: str) -> tuple[Entity, ...]:
    """People, places and organisations named in `text` (folded), in order of appearance.
    From jieba's part-of-speech tags (nr, ns, nt), place suffixes (资源 + 县 -> 资源县), names after
    titles (主任邓修明), and organisations named after a place (安居区纪委监委)."""
    folded = _MARKERS.sub("", fold(text))
    not_entities = frozenset(lexicon().words("jieba.not_entities"))
    found: list[tuple[int, Entity]] = []
    seen: set[str] = set()

    def add(pos: int, word: str, kind: str) -> None:
        if word in seen or word in not_entities or len(word) < 2 or not re.fullmatch(f"[{_HAN}]+", word):
            return
        if all(c in PLACE_SUFFIX for c in word):  # 县市区: a list of kinds of place, not a place
            return
        if _ASKING.match(word):  # "在哪个区": what is asked for, not a place named
            return
        seen.add(word)
        found.append((pos, Entity(word, kind)))

    words = [(p.word, p.flag) for p in _posseg().cut(folded)]
    pos = 0
    places: list[tuple[int, str]] = []
    for i, (word, flag) in enumerate(words):
        nxt = words[i + 1][0] if i + 1 < len(words) else ""
        if len(nxt) == 1 and nxt in PLACE_SUFFIX and flag[:1] in ("n", "j") and len(word) >= 2:
            places.append((pos, word + nxt))  # 资源 + 县
        elif word.endswith(tuple(PLACE_SUFFIX)) and len(word) >= 3 and flag[:1] in ("n", "j"):
            places.append((pos, word))
        elif flag == "ns":
            places.append((pos, word))
        elif flag in ("nr", "nrfg", "nrt") and len(word) in (2, 3):
            add(pos, word, "person")
        elif flag == "nt":
            add(pos, word, "org")
        pos += len(word)
    # "向海东市…": a two-character name and its suffix after a preposition or a mark (jieba may
    # read 向海 as a person)
    for m in _PLACE_AFTER_MARK.finditer(folded):
        places.append((m.start(1), m.group(1)))
    place_spans = [(p, p + len(w)) for p, w in places]
    found[:] = [(p, e) for p, e in found if not any(a < p + len(e.text) and p < b for a, b in place_spans)]
    seen.difference_update(e for e in list(seen) if e not in {x.text for _, x in found})
    for m in PERSON_RE.finditer(folded):
        add(m.start(), m.group(1) or m.group(2), "person")
    for p, word in places:
        # an organisation named after the place: 安居区纪委监委
        org = re.match("(?:纪委监委|纪委|监委|委员会|政府|指挥部)", folded[p + len(word) :])
        if org:
            add(p, word + org.group(), "org")
        add(p, word, "place")
    found.sort(key=lambda pe: pe[0])
    return tuple(e for _, e in found)


def lacks_subject(question: str) -> bool:
    """A short question starting with a verb or adverb ("问责了多少人？", "还约谈了哪些单位？")."""
    folded = fold(question)
    body = re.sub(r"\W", "", folded)
    if len(body) <= 6:
        return True
    first = next((p for p in _posseg().cut(_CONTINUATION.sub("", folded)) if p.word.strip()), None)
    if first is None:
        return True
    return first.flag[:1] in ("v", "d", "p") or first.word in ("一共", "共", "总共", "具体", "分别")


def _antecedents(history: Sequence[tuple[str, str]]) -> list[Entity]:
    """Entities of the most recent turn that has any: its question first, then its answer."""
    not_found = lexicon().text("answers.not_found_prefix")
    for user, assistant in reversed(history):
        ents = list(entities(user))
        if assistant and not assistant.startswith(not_found):
            ents += [e for e in entities(assistant) if e.text not in {x.text for x in ents}]
        if ents:
            return ents
    return []


_DEMONSTRATIVE_NOUN = re.compile(f"(?:该|这个|那个|这|那|此|其)([{PLACE_SUFFIX}])|(?:这个|那个|此)(人)")


def _pick(ents: Sequence[Entity], pronoun: str) -> Entity | None:
    if pronoun in ("他", "她"):
        order = ("person", "org", "place")
    elif pronoun in ("他们", "她们", "它们", "它"):
        order = ("org", "place", "person")
    elif pronoun in ("那里", "那儿", "这里"):
        order = ("place", "org")
    else:
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
    return not PRONOUN_RE.search(fold(question)) and bool(entities(question))


def rewrite_followup(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The question with its references to earlier turns made explicit; unchanged when there is
    no history, when it stands alone, or when there is nothing to carry over."""
    question = question.strip()
    if not history or not question:
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
    d = _DEMONSTRATIVE_NOUN.search(folded)
    if d:
        if d.group(1):
            place = _place_ending(ents, d.group(1))
            if place:
                return question[: d.start()] + place + question[d.end() :]
        else:
            person = _pick([e for e in ents if e.kind == "person"], "他")
            if person:
                return question[: d.start()] + person.text + question[d.end() :]
    m = PRONOUN_RE.search(folded)
    if m:
        pronoun = m.group()
        if pronoun.startswith("该"):
            entity = _pick([e for e in ents if e.kind in ("org", "place")], "它")
        else:
            entity = _pick(ents, pronoun)
        if entity is None:
            return question
        demonstrative = pronoun in ("这个", "那个", "这些", "那些", "此", "该")
        if demonstrative and question[m.end() : m.end() + 1].strip():
            # "这个组织" -> "安居区纪委监委这个组织": keep the noun, name what it refers to
            return question[: m.start()] + entity.text + question[m.start() :]
        return question[: m.start()] + entity.text + question[m.end() :]
    if entities(question) or not lacks_subject(question):
        return question
    rest = _CONTINUATION.sub("", question)
    subject = next((e for e in ents if e.kind in ("org", "place")), ents[0])
    return subject.text + rest
