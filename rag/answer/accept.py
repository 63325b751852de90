"""Whether an answer the combined answerer found should be given at all: a logistic regression over
seven signals of the answer, trained where the hand gates could not be (each of them alone, tuned
by hand, cost a right answer on the news reports or let answers from the wrong article through):

- extractive_best: the extractive reader's best sentence score, bars aside (0 where its checks
  leave no sentence);
- decline_probability: the decline model's P(the passages answer) (rag.answer.decline);
- span_margin: how far the span reader's best span in the quote beats "no answer", clipped;
- topic_share: the share of the question's topic words the cited documents mention;
- question_run: the longest run of the question's characters the quotes repeat, capped;
- cites_top_passage: whether a cited document holds the first passage retrieval returned;
- dense_found_cited: whether the dense retriever found a cited passage among its candidates (1 also
  where it found none of the passages: dense search off, or a collection too small to tell). An
  article about something else is often found by shared words alone.

Trained by eval/train_accept.py on the tune splits only: DRCD and CMRC 2018 questions asked in open
domain with their article (right answers positive, wrong ones negative) and with it left out
(negative: a removed-article question), plus the seeds' tune answers. The model is plain JSON
(rag/answer/accept_model.json, read by rag.answer.learned.parse_model); an answer whose P(right) is
below its threshold is declined. docs/reader.md, "A learned last word on answering", has the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag.answer.corpus import folded_corpus, topic_share
from rag.query.analysis import Query
from rag.types import Answer, Document, Hit
from rag.zh.text import fold
from rag.zh.words import longest_common_run

if TYPE_CHECKING:
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.answer.learned import LearnedReader, ReaderModel
    from rag.answer.qa_reader import QAReader

ACCEPT_MODEL_PATH = Path(__file__).with_name("accept_model.json")
ACCEPT_FEATURES = (
    "extractive_best",
    "decline_probability",
    "span_margin",
    "topic_share",
    "question_run",
    "cites_top_passage",
    "dense_found_cited",
)
# span margins beyond this are as sure as it, either way (a clipped feature keeps one odd passage
# from dominating a linear model); a 10-character run already names what the question asks about
MARGIN_CLIP = 20.0
RUN_CAP = 10
# the signals read last, for what they cost, and the values they can take (`least_probability`)
READ_RANGES = {"decline_probability": (0.0, 1.0), "span_margin": (-MARGIN_CLIP, MARGIN_CLIP)}


class Readers(Protocol):
    """What the signals are read with: the combined answerer (rag.answer.combined)."""

    first: ExtractiveAnswerer
    second: LearnedReader
    spans: QAReader | None

    def decision(self, query: Query, hits: Sequence[Hit], found) -> tuple[list[float], float]: ...


def cited_share(query: Query, ans: Answer, documents: Mapping[str, Document]) -> float | None:
    """The share of the question's topic words that the documents the answer cites mention (text and
    title, folded); None when nothing cited is in `documents` or the question names no topic."""
    texts = folded_corpus(documents).texts
    cited = {c.doc_id for c in ans.citations}
    folded = [texts[d] + "\n" + fold(documents[d].title) for d in cited if d in texts]
    return topic_share(query.whole, folded) if folded else None


def quoted_run(query: Query, ans: Answer) -> int:
    """The longest run of the question's (folded) characters that the answer's quotes repeat."""
    return longest_common_run(query.whole.folded, fold("".join(c.quote for c in ans.citations)))


def accept_row(
    query: Query,
    ans: Answer,
    hits: Sequence[Hit],
    documents: Mapping[str, Document],
    best: float | None,
    probability: float | None,
    margin: float | None,
) -> list[float | None]:
    """The model's features (ACCEPT_FEATURES order) for an answer that cites something; `best`, the
    decline `probability` and the span `margin` come from the readers; None where they are not read
    yet (`least_probability`, then `with_read`)."""
    share = cited_share(query, ans, documents)
    cited = {c.doc_id for c in ans.citations}
    row = [
        0.0 if best is None else best,
        None,
        None,
        1.0 if share is None else share,  # no topic named: nothing to miss
        min(quoted_run(query, ans), RUN_CAP) / RUN_CAP,
        float(bool(hits) and hits[0].chunk.doc_id in cited),
        float(dense_found(hits, cited)),
    ]
    return with_read(row, probability, margin)


def with_read(
    row: Sequence[float | None], probability: float | None, margin: float | None
) -> list[float | None]:
    """`row` with the dear signals in their places (the margin clipped); None leaves one unread."""
    out = list(row)
    out[ACCEPT_FEATURES.index("decline_probability")] = probability
    out[ACCEPT_FEATURES.index("span_margin")] = (
        None if margin is None else max(-MARGIN_CLIP, min(MARGIN_CLIP, margin))
    )
    return out


def dense_found(hits: Sequence[Hit], cited: set[str]) -> bool:
    """Whether the dense retriever found a passage of the cited documents, or none of the passages
    at all (dense search off: nothing to tell)."""
    dense = [h for h in hits if "dense" in h.via]
    return not dense or any(h.chunk.doc_id in cited for h in dense)


def least_probability(model: ReaderModel, row: Sequence[float | None]) -> float:
    """The model's P(right) at the least that the row's unread (None) signals could make it: each
    at the end of its range (READ_RANGES) that its weight favours least."""
    least = [
        min(READ_RANGES[name], key=lambda v, w=w: w * v) if x is None else x
        for name, x, w in zip(ACCEPT_FEATURES, row, model.coef, strict=True)
    ]
    return model.probability(least)


def doubted(
    model: ReaderModel,
    answerer: Readers,
    query: Query,
    ans: Answer,
    hits: Sequence[Hit],
    documents: Mapping[str, Document],
) -> bool:
    """Whether the model gives the answer a P(right) below its threshold. The learned reader's
    reading and the span reader's pass are paid for only when the cheaper signals leave it open
    (on the tune reads they settle 86% of the answers)."""
    best = answerer.first.best_score(query, hits, documents)
    cheap = accept_row(query, ans, hits, documents, best, None, None)
    if least_probability(model, cheap) >= model.threshold:
        return False
    return (
        model.probability(with_read(cheap, *read_signals(answerer, query, ans, hits, documents)))
        < model.threshold
    )


def read_signals(
    answerer: Readers, query: Query, ans: Answer, hits: Sequence[Hit], documents: Mapping[str, Document]
) -> tuple[float, float]:
    """The dear signals: the decline model's P (the learned reader reads the passages again, a few ms)
    and the span reader's margin on the quote (cached where the short answer read it)."""
    found = answerer.second.read(query, hits, documents)
    probability = answerer.decision(query, hits, found)[1] if found is not None else 0.0
    spans = answerer.spans
    read = spans.read(query.rewritten, ans.citations[0].quote) if spans is not None else None
    return probability, read.margin if read is not None else -MARGIN_CLIP  # no span read: surely none


def answer_signals(
    answerer: Readers, query: Query, ans: Answer, hits: Sequence[Hit], documents: Mapping[str, Document]
) -> list[float]:
    """Every feature of an answer that cites something (eval/train_accept.py)."""
    best = answerer.first.best_score(query, hits, documents)
    probability, margin = read_signals(answerer, query, ans, hits, documents)
    return [float(x) for x in accept_row(query, ans, hits, documents, best, probability, margin)]
