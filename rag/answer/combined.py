"""The combined answerer: the extractive reader first (hand rules: precise on the kind of documents
it was written for, and it declines what they do not answer); only when it declines for lack of a
good sentence is the learned reader (rag.answer.learned, with its decline model) asked, and its
answer used unless it declines too. Instructions and gibberish never get this far: the guard
(rag.answer.guard) refuses them before any reader runs. docs/reader.md has the figures."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from rag.answer.decline import DECLINE_FEATURES
from rag.answer.extractive import ExtractiveAnswerer, stream_built
from rag.answer.learned import LearnedReader, load_model
from rag.answer.short_first import with_short_answer, without_short_answer
from rag.query.analysis import Query, as_query
from rag.types import Answer, Document, Hit
from rag.zh.lexicon import lexicon


@dataclass(frozen=True)
class CombinedAnswerer:
    """Extractive (led by its short answer), else learned, else the extractive refusal."""

    name: str = "combined"
    first: ExtractiveAnswerer = field(default_factory=ExtractiveAnswerer)
    second: LearnedReader = field(default_factory=LearnedReader)
    # the learned reader's answer is used when the decline model's P(the passages answer) is at
    # least this; None: reader.combined_min_probability (rag/zh/data/reader.toml)
    min_probability: float | None = None

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        yield from stream_built(self.build(as_query(question), hits, documents))

    def build(self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        first = self.first.build(query, hits, documents)
        if not first.abstained:
            return with_short_answer(query, first)
        # one reading of the passages serves both the decision and the learned answer
        found = self.second.read(query, hits, documents)
        if found is None:
            return first
        row = self.second.decline_features(query.whole, *found, hits)
        p = load_model(self.second.decline_path, DECLINE_FEATURES).probability(row)
        if p < self.threshold() or self.second.declines(row):
            return first
        # the short answer decided as for the extractive reader's answers (the decision was trained so)
        return with_short_answer(
            query, without_short_answer(self.second.quote(query, hits, documents, *found))
        )

    def threshold(self) -> float:
        if self.min_probability is not None:
            return self.min_probability
        # never below the decline model's own threshold
        own = load_model(self.second.decline_path, DECLINE_FEATURES).threshold
        return max(own, lexicon().number("reader.combined_min_probability"))
