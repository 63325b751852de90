"""Scoring sentences against a question, and reranking passages by their best sentence.

A unit is one sentence of a passage, or two adjacent sentences of one paragraph. It is scored on
folded jieba tokens weighted by how rare they are among the passages, character bigrams, the
paragraph before the sentence and the title (the subject is often named there: "西宁市纪委监委…"
then "现已开展监督检查1446次"), and whether it holds the kind of answer the question wants. A unit
is eligible to answer only when it holds the required kind of answer and its document names the
question's people and places.

`rerank` orders passages by their best sentence; `retrieve_for` gathers the passages to answer
from, part by part for a question that asks several things.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.query.analysis import Query, as_query
from rag.query.question import REQUIRED_KINDS, QuestionInfo
from rag.retrieve.kinds import anchored, has_kind, names_other_place
from rag.retrieve.units import Unit, paragraph_part, units_of
from rag.types import Document, Hit
from rag.zh.synonyms import synonyms


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    own: float  # share of the question (tokens and bigrams) found in the unit itself
    eligible: bool  # holds the required kind of answer and its document names the question's entities


SYNONYM_CREDIT = 0.5  # a synonym of a question word counts half the word (tuned on the tune split)
CONTEXT_WEIGHT = 0.5  # a question token found only in the paragraph before (or the title) counts half
TOKEN_SHARE = 0.6  # coverage = TOKEN_SHARE * token coverage + (1 - TOKEN_SHARE) * bigram coverage
KIND_BONUS = 0.25
KIND_MISS_FACTOR = 0.6  # the unit lacks the kind of answer asked for
ANCHOR_BONUS = 0.3
BINDING_BONUS = 0.15
DATE_BONUS = 0.3  # the unit names the very day the question asks about
PAIR_FACTOR = 0.85  # two sentences must cover clearly more than one
RANK_PRIOR = 0.03  # ties go to the better-retrieved passage
CONFLICT_FACTOR = 0.75  # the unit names another place of the same level and not the question's


_SPACE = re.compile(r"\s")


def _matcher(token: str) -> Callable[[str], bool]:
    """Whether a text holds the token; a number only as a whole number (14 is not in 140 or 2014).
    One call per check, the number pattern compiled once per question."""
    if token.isdigit():
        search = re.compile(rf"(?<!\d){token}(?!\d)").search
        return lambda text: search(text) is not None
    return lambda text: token in text


def _any_of(words: Sequence[str]) -> Callable[[str], bool]:
    """Whether a text holds any of the words: one regex search instead of a loop per sentence."""
    if not words:
        return lambda text: False
    search = re.compile("|".join(re.escape(w) for w in words)).search
    return lambda text: search(text) is not None


def _token_weights(tokens: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """IDF of each token over the candidate sentences: a word every passage repeats tells little."""
    n = len(texts)
    holds = {t: _matcher(t) for t in tokens}
    return {t: math.log(1.0 + (n + 1) / (sum(1 for s in texts if holds[t](s)) + 0.5)) for t in tokens}


def score_units(
    info: QuestionInfo,
    units: Sequence[Unit],
    ranks: Sequence[int],
    doc_texts: Mapping[str, str] | None = None,
) -> list[Scored]:
    """Score every unit; `ranks[i]` is the retrieval rank of unit i's passage; `doc_texts` (folded
    whole documents) decide whether a unit's document names the question's people and places."""
    weights = _token_weights(info.tokens, [u.folded for u in units if u.sentences == 1])
    checks = [(t, w, _matcher(t), _any_of(synonyms(t))) for t, w in weights.items()]
    total = sum(weights.values()) or 1.0
    n_bi = len(info.bigrams) or 1
    out = []
    for unit, rank in zip(units, ranks, strict=True):
        doc_text = doc_texts.get(unit.doc_id, "") if doc_texts else ""
        # a quoted sentence and the attribution that ends its quotation read as one sentence
        text = unit.folded + "\n" + unit.speaker if unit.speaker else unit.folded
        # the same sums as over weights.items(), in its order: the same floats, fewer calls
        found = [holds(text) for _, _, holds, _ in checks]
        tok_own = sum(w for (_, w, _, _), f in zip(checks, found, strict=True) if f) / total
        missing = [(w, holds, alt) for (_, w, holds, alt), f in zip(checks, found, strict=True) if not f]
        tok_own += SYNONYM_CREDIT * sum(w for w, _, alt in missing if alt(text)) / total
        tok_ctx = sum(w for w, holds, _ in missing if holds(unit.context)) / total
        bi_own = sum(1 for b in info.bigrams if b in text) / n_bi
        bi_ctx = sum(1 for b in info.bigrams if b not in text and b in unit.context) / n_bi
        own = TOKEN_SHARE * tok_own + (1 - TOKEN_SHARE) * bi_own
        coverage = own + CONTEXT_WEIGHT * (TOKEN_SHARE * tok_ctx + (1 - TOKEN_SHARE) * bi_ctx)
        kinds = [k for k in info.kinds if has_kind(k, unit.folded, info)]  # the answer must be quoted
        if (
            "place" in info.kinds
            and "place" not in kinds
            and has_kind("place", paragraph_part(unit.context), info)
        ):
            kinds.append("place")  # "同时，向全区印发…": the place is named earlier in the paragraph
        required = [k for k in info.kinds if k in REQUIRED_KINDS]
        eligible = all(k in kinds for k in required)
        if doc_texts is not None:
            eligible = eligible and all(e in doc_text for e in info.entities)
        score = coverage * (1.0 if (kinds or not info.kinds) else KIND_MISS_FACTOR)
        score += KIND_BONUS * (len(kinds) / len(info.kinds) if info.kinds else 0.0)
        if "number" in info.kinds and anchored(unit.folded, info):
            score += ANCHOR_BONUS
        if any(b in unit.folded for b in info.bindings):
            score += BINDING_BONUS
        if info.dates and any(d in _SPACE.sub("", unit.folded) for d in info.dates):
            score += DATE_BONUS

        if unit.sentences > 1:
            score *= PAIR_FACTOR
        score += RANK_PRIOR / max(rank, 1)
        out.append(Scored(unit, score, own, eligible))
    return out


def demote_other_places(scored: Sequence[Scored], info: QuestionInfo) -> list[Scored]:
    """A unit about another place of the same level ("海东市…" for a question about 西宁) loses ground."""
    if not info.places:
        return list(scored)
    return [
        replace(s, score=s.score * CONFLICT_FACTOR) if names_other_place(s.unit, info) else s for s in scored
    ]


def rerank(
    question: QuestionInfo | str, hits: Sequence[Hit], documents: Mapping[str, Document] | None = None
) -> list[Hit]:
    """Order passages by the score of their best sentence for the (analysed) question (ties keep
    retrieval order); new ranks 1..n, `via` and `title` kept, `score` is the best sentence's score.
    With `documents`, a sentence's context reaches outside its passage (the paragraph's start, a
    quotation's speaker)."""
    if not hits:
        return []
    info = question if isinstance(question, QuestionInfo) else as_query(question).whole
    units = units_of(hits, documents, pairs=False, speakers=True)
    scored = score_units(info, units, [hits[u.hit_index].rank for u in units])
    scored = demote_other_places(scored, info)
    best = [0.0] * len(hits)
    for s in scored:
        best[s.unit.hit_index] = max(best[s.unit.hit_index], s.score)
    order = sorted(range(len(hits)), key=lambda i: (-best[i], i))
    return [replace(hits[i], score=round(best[i], 6), rank=r) for r, i in enumerate(order, start=1)]


def blend_dense(
    hits: Sequence[Hit], weight: float, query_vector: np.ndarray, vector_of: Callable[[str], np.ndarray]
) -> list[Hit]:
    """Reranked hits reordered by their score plus `weight` times their passage's cosine similarity
    to the query (vectors L2-normalised); ties keep order."""
    scores = [h.score + weight * float(vector_of(h.chunk.id) @ query_vector) for h in hits]
    order = sorted(range(len(hits)), key=lambda i: -scores[i])  # stable: ties keep order
    return [replace(hits[i], score=round(scores[i], 6), rank=r) for r, i in enumerate(order, start=1)]


def retrieve_for(
    query: Query | str,
    search: Callable[[QuestionInfo, int], Sequence[Hit]],
    k: int,
    pool: int = 10,
    reorder: bool = True,
) -> list[Hit]:
    """The passages to answer from: `search(question, n)` for the question (and, when it asks several
    things, for each part too, so that "青海省和天津市的纪委书记分别是谁" finds both documents), each
    list reranked by its own question and merged round-robin without duplicates; ranks renumbered.
    A multi-part question gets up to 3 passages per part. `reorder=False` keeps each list's own
    order, for a `search` that reranks already."""
    query = as_query(query)
    searches = query.searches
    lists = [search(info, max(pool, k)) for info in searches]
    if reorder:
        lists = [rerank(info, hits) for info, hits in zip(searches, lists, strict=True)]
    parts = len(query.parts)
    total = max(k, 3 * parts) if parts > 1 else k
    out: list[Hit] = []
    seen: set[str] = set()
    for depth in range(max((len(x) for x in lists), default=0)):
        for ranked in lists:
            if depth < len(ranked) and ranked[depth].chunk.id not in seen and len(out) < total:
                seen.add(ranked[depth].chunk.id)
                out.append(ranked[depth])
    return [replace(h, rank=r) for r, h in enumerate(out, start=1)]
