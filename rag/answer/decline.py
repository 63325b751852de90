"""Whether the passages answer the question at all: a logistic regression over what the learned
reader found (its best and second sentence probabilities, the best sentence's overlap with the
question, whether the hand-rule reader quotes it or declines, the passage's overlap, the short
answer's probability, the answer type asked and found).

Trained by eval/train_decline.py on the tune split of DRCD and CMRC 2018: positives are questions
with their gold paragraph, negatives the same questions with the passages of OTHER articles that
share most character bigrams with them (hard negatives: what retrieval returns when the question's
article is missing), plus the seeds' unanswerable tune questions. The model is plain JSON
(rag/answer/decline_model.json, read by rag.answer.learned.parse_model).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rag.answer.reader_features import FEATURES as SENTENCE_FEATURES
from rag.answer.reader_features import TYPES
from rag.query.question import QuestionInfo
from rag.zh.text import fold
from rag.zh.words import pair_bigrams

DECLINE_MODEL_PATH = Path(__file__).with_name("decline_model.json")
_FROM_SENTENCE = (
    "bigram_share",
    "bigram_idf_share",
    "off_title_share",
    "off_title_idf_share",
    "focus_in",
    "token_share",
    "token_idf_share",
    "longest_run",
    "wh_left_share",
    "wh_right_share",
    "wh_both",
    "extractive_pick",
    "extractive_declined",
)
_INDEX = [SENTENCE_FEATURES.index(f) for f in _FROM_SENTENCE]
_KINDS = [SENTENCE_FEATURES.index(f"{k}_{x}") for k in TYPES for x in ("wanted", "match")]

DECLINE_FEATURES: tuple[str, ...] = (
    "best_probability",
    "second_probability",
    *_FROM_SENTENCE,
    "passage_bigram_share",
    "passage_token_share",
    "span_probability",
    "kind_wanted",
    "kind_found",
    "entity_asked",
    "entity_in_passage",
    "entity_in_sentence",
)


def decline_row(
    info: QuestionInfo,
    best: Sequence[float],
    probabilities: Sequence[float],
    passages: Sequence[str],
    span: float,
    home: str = "",
    sentence: str = "",
) -> list[float]:
    """The features of one question against its passages: `best` is the feature row of the best
    sentence (rag.answer.reader_features order), `probabilities` the sentences' probabilities, best
    first, `passages` the passages' texts, `span` the short answer's probability (0 when none),
    `home` the best sentence's passage with its document's title, `sentence` that sentence."""
    folded = fold("".join(passages))
    grams = pair_bigrams(folded)
    kinds = [best[i] for i in _KINDS]
    return [
        probabilities[0] if probabilities else 0.0,
        probabilities[1] if len(probabilities) > 1 else 0.0,
        *(best[i] for i in _INDEX),
        len(info.bigrams & grams) / len(info.bigrams) if info.bigrams else 0.0,
        sum(t in folded for t in info.tokens) / len(info.tokens) if info.tokens else 0.0,
        span,
        max(kinds[0::2]),
        max(kinds[1::2]),
        *_entities_found(info, fold(home), fold(sentence)),
    ]


def _entities_found(info: QuestionInfo, home: str, sentence: str) -> tuple[float, float, float]:
    """Whether the question names people or places, and the share of them that the best sentence's
    passage (with its title) and the sentence itself name: passages about another county or person
    (what a collection without the question's subject returns) share the question's other words
    but not its names. 1.0 when the question names none."""
    named = info.entities or tuple(info.names)
    if not named:
        return 0.0, 1.0, 1.0
    return (
        1.0,
        sum(e in home for e in named) / len(named),
        sum(e in sentence for e in named) / len(named),
    )
