"""The corpus as the answerer sees it: the folded text of every document, to tell which documents
name a person or place and which words the documents use at all."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rag.answer.question_frame import wh_classes
from rag.query.question import REQUIRED_KINDS, QuestionInfo, place_stem
from rag.retrieve.kinds import has_kind
from rag.types import Document
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold


@dataclass(frozen=True)
class Corpus:
    texts: Mapping[str, str]  # doc id -> folded text
    joined: str

    def mentions(self, term: str) -> bool:
        return term in self.joined


@lru_cache(maxsize=2)
def _folded(documents: tuple[tuple[str, Document], ...]) -> Corpus:
    texts = {doc_id: fold(doc.text) for doc_id, doc in documents}
    return Corpus(texts=texts, joined="\x00".join(texts.values()))


def folded_corpus(documents: Mapping[str, Document]) -> Corpus:
    """Folded once per collection of documents: the cache is keyed on the documents themselves
    (frozen, compared by value, each text's hash computed once), so a changed collection is never
    served a stale corpus."""
    return _folded(tuple(documents.items()))


def known_to(info: QuestionInfo, corpus: Corpus) -> QuestionInfo:
    """The question's tokens and bigrams that some document contains: a word no document uses
    (a paraphrase, a jieba artefact like 组各有) cannot tell passages apart and would only lower
    every score alike. Unknown places and posts are caught before this (`unknown_terms`)."""
    known = corpus.mentions
    tokens = tuple(t for t in info.tokens if known(t))
    return replace(
        info,
        tokens=tokens or info.tokens,
        counted=tuple(t for t in info.counted if t in tokens),
        bigrams=frozenset(b for b in info.bigrams if known(b)) or info.bigrams,
    )


def topic_words(info: QuestionInfo) -> list[str]:
    """The question's names, and its words (jieba's search-mode tokens: 今天天气 gives 今天, 天气 and
    今天天气) whose dictionary tag is one of answers.topic_tags or that the dictionary lacks, two
    characters or more, single characters tagged answers.topic_single_tags, and titles in quotation
    marks, except time words relative to the asking (answers.deictic_time_words)."""
    from rag.zh.words import posseg

    tags, table = tuple(lexicon().words("answers.topic_tags")), posseg().word_tag_tab
    deictic = set(lexicon().words("answers.deictic_time_words"))
    words = [t for t in info.tokens if len(t) >= 2 and table.get(t, "n").startswith(tags)]
    singles = tuple(lexicon().words("answers.topic_single_tags"))
    words += [w for w, tag in posseg().cut(info.folded) if len(w) == 1 and tag.startswith(singles)]
    pairs = [p for p in lexicon().words("reader.quote_pairs") if len(p) == 2]
    for a, b in pairs:
        words += re.findall(f"{re.escape(a)}([^{re.escape(b)}]+){re.escape(b)}", info.folded)
    return [w for w in (*words, *info.names, *info.entities) if w not in deictic]


def topic_share(info: QuestionInfo, folded_texts: Sequence[str]) -> float | None:
    """The share of the question's topic words (`topic_words`, each counted once) that the folded
    texts mention; None when the question names no topic. Numbers are left out: a text may write
    them otherwise (1公尺95公分 is 一九點五公尺)."""
    words = {w for w in topic_words(info) if w.strip(string.digits + ".,")}
    if not words:
        return None
    return sum(any(w in text for text in folded_texts) for w in words) / len(words)


def off_collection(info: QuestionInfo, corpus: Corpus) -> bool:
    """The question names what it is about and the collection mentions none of it (a shorter word
    inside a longer one counts: 董事 for 董事长): no passage can answer it."""
    words = topic_words(info)
    return bool(words) and not any(corpus.mentions(w) for w in words)


@lexicon_cached
@lru_cache(maxsize=1)
def _post_token() -> re.Pattern[str]:
    """A post as a question names it (县长, 局长)."""
    return re.compile(f"[\u4e00-\u9fff][{lexicon().text('people.post_endings')}]$")


def unknown_terms(info: QuestionInfo, corpus: Corpus) -> list[str]:
    """Places and posts of the question that no document mentions (成都市, 县长): a sign that the
    question is about something the documents do not cover."""
    out = []
    asking = {w for w, _ in wh_classes()[1]}  # 多长 ends like 县长 but asks a length
    probes = [(e, place_stem(e)) for e in info.places]
    probes += [(t, t) for t in info.tokens if _post_token().search(t) and len(t) <= 3 and t not in asking]
    for term, probe in probes:
        if not corpus.mentions(probe):
            out.append(term)
    return out


def has_all_kinds(info: QuestionInfo, folded: str) -> bool:
    """The text holds every kind of answer the question requires."""
    return all(has_kind(k, folded, info) for k in info.kinds if k in REQUIRED_KINDS)
