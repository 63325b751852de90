"""The learned sentence reader: a logistic regression over general features (rag.answer.reader_features)
scores every sentence of the passages as the answer to the question, and the best one is quoted and
cited. It declines only when the best sentence's probability is below a threshold chosen on tune data.

The model is plain JSON (rag/answer/reader_model.json: feature names, standardisation, weights,
threshold), written by eval/train_reader.py and read here with pure Python: the runtime needs no
scikit-learn, and a model file that does not match the features is refused with a clear message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.answer.citations import make_citation
from rag.answer.decline import DECLINE_FEATURES, DECLINE_MODEL_PATH, decline_row
from rag.answer.extractive import ExtractiveAnswerer, stream_built
from rag.answer.question_frame import frame
from rag.answer.reader_features import FEATURES, TYPES, passage_features
from rag.answer.spans import SPAN_MODEL_PATH, Span, best_span, span_model
from rag.query.analysis import Query, as_query
from rag.query.question import QuestionInfo
from rag.types import Answer, Document, Hit
from rag.zh.sentences import quotable_sentences
from rag.zh.text import is_title_line

MODEL_PATH = Path(__file__).with_name("reader_model.json")


class ReaderModelError(ValueError):
    """A model file that is missing, unreadable, or made for other features."""


@dataclass(frozen=True)
class ReaderModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # below this best probability the reader declines

    def probability(self, row: Sequence[float]) -> float:
        z = self.intercept + sum(
            w * (x - m) / s for w, x, m, s in zip(self.coef, row, self.mean, self.scale, strict=True)
        )
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }


def parse_model(data: dict, features: tuple[str, ...] = FEATURES) -> ReaderModel:
    try:
        model = ReaderModel(
            features=tuple(data["features"]),
            mean=tuple(float(x) for x in data["mean"]),
            scale=tuple(float(x) or 1.0 for x in data["scale"]),
            coef=tuple(float(x) for x in data["coef"]),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReaderModelError(f"reader model: missing or bad field ({type(exc).__name__}: {exc})") from None
    if model.features != features:
        raise ReaderModelError(
            "reader model was trained on other features than rag.answer computes; retrain it with the "
            "eval/train_*.py script that writes it (docs/reader.md, Training)"
        )
    if not len(model.mean) == len(model.scale) == len(model.coef) == len(features):
        raise ReaderModelError("reader model: weights and features differ in number")
    return model


def fitted_model(features: tuple[str, ...], scaler, classifier, threshold: float) -> ReaderModel:
    """A model from a fitted scikit-learn StandardScaler and binary LogisticRegression (read by their
    attributes: the runtime does not import scikit-learn); the training scripts write its to_dict()."""
    return parse_model(
        {
            "features": list(features),
            "mean": [float(x) for x in scaler.mean_],
            "scale": [float(x) for x in scaler.scale_],
            "coef": [float(x) for x in classifier.coef_[0]],
            "intercept": float(classifier.intercept_[0]),
            "threshold": float(threshold),
        },
        features,
    )


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH, features: tuple[str, ...] = FEATURES) -> ReaderModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReaderModelError(f"reader model {path}: cannot read it ({exc})") from None
    try:
        return parse_model(data, features)
    except ReaderModelError as exc:
        raise ReaderModelError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class Candidate:
    probability: float
    hit_index: int
    span: tuple[int, int]  # offsets into the hit's chunk text
    row: tuple[float, ...] = ()  # its features (rag.answer.reader_features order)

    def text(self, hits: Sequence[Hit]) -> str:
        """The sentence itself, from the passages it was ranked in."""
        return hits[self.hit_index].chunk.text[self.span[0] : self.span[1]]


def extractive_marks(
    query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]
) -> tuple[list[tuple[str, int, int]], bool]:
    """What the hand-rule reader quotes ((doc_id, start, end) of its citations) and whether it
    declines: a feature of the learned reader, which learns where to trust it."""
    return citation_marks(ExtractiveAnswerer().build(query, hits, documents))


def citation_marks(ans: Answer) -> tuple[list[tuple[str, int, int]], bool]:
    """(doc_id, start, end) of an answer's citations, and whether it declines: `extractive_marks`
    of an extractive answer the caller has built already."""
    return [(c.doc_id, c.start, c.end) for c in ans.citations], ans.abstained


def picked_sentences(
    hit: Hit, spans: Sequence[tuple[int, int]], cited: Sequence[tuple[str, int, int]]
) -> set[int]:
    """The sentences (offsets into the hit's chunk) that overlap a citation."""
    base, doc = hit.chunk.start, hit.chunk.doc_id
    overlaps = [(s - base, e - base) for d, s, e in cited if d == doc]
    return {k for k, (a, b) in enumerate(spans) if any(a < e and s < b for s, e in overlaps)}


def rank_sentences(
    query: Query,
    hits: Sequence[Hit],
    model: ReaderModel,
    documents: Mapping[str, Document] | None = None,
    marks: tuple[Sequence[tuple[str, int, int]], bool] | None = None,
) -> list[Candidate]:
    """Every sentence of every passage with its probability of answering, best first. `marks`:
    `extractive_marks` when the caller has the hand-rule reader's answer already."""
    cited, declined = marks if marks is not None else extractive_marks(query, hits, documents or {})
    out = []
    for i, hit in enumerate(hits):
        doc = (documents or {}).get(hit.chunk.doc_id)
        title = hit.title or (doc.title if doc else "")
        spans = quotable_sentences(hit.chunk.text)
        picked = picked_sentences(hit, spans, cited)
        texts = [hit.chunk.text[a:b] for a, b in spans]
        rows = passage_features(query.whole, texts, title, picked, declined)
        # a heading (the title line) states no answer
        keep = [(r, s) for r, s, t in zip(rows, spans, texts, strict=True) if not is_title_line(t, title)]
        out += [Candidate(model.probability(r), i, s, tuple(r)) for r, s in keep]
    return sorted(out, key=lambda c: -c.probability)


@dataclass(frozen=True)
class LearnedReader:
    """Quotes the sentence the model ranks first, led by its short answer (「…」) when the span model
    is confident, with its citation; declines when the decline model finds the passages do not
    answer (rag.answer.decline). A list question, or an open one whose next sentence scores nearly
    as well, also quotes that next sentence."""

    name: str = "learned"
    model_path: Path = MODEL_PATH
    span_path: Path = SPAN_MODEL_PATH
    decline_path: Path = DECLINE_MODEL_PATH
    offer: int = 3  # passages offered when declining
    close: float = 0.8  # an open question's next sentence is quoted too when this close to the best

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        yield from stream_built(self.build(as_query(question), hits, documents))

    def build(self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        found = self.read(query, hits, documents)
        if found is None or self.declines(self.decline_features(query.whole, *found, hits)):
            return self.decline(query.rewritten, hits)
        return self.quote(query, hits, documents, *found)

    def quote(
        self,
        query: Query,
        hits: Sequence[Hit],
        documents: Mapping[str, Document],
        ranked: Sequence[Candidate],
        span: Span | None,
    ) -> Answer:
        """The answer of a reading (`read`) that is not declined: the best sentence (and `also`), cited,
        led by the short answer when the span model is confident."""
        info = query.whole
        best = ranked[0]
        units = [best, *self.also(info, ranked)]
        citations = [
            make_citation(n, hits[c.hit_index], _absolute(hits[c.hit_index], c.span), documents)
            for n, c in enumerate(units, 1)
        ]
        sentence = best.text(hits)
        spans = span_model(self.span_path) if self.span_path.exists() else None
        shown = span is not None and spans is not None and span.probability >= spans.threshold
        shown = shown and span.text != sentence.strip()
        return Answer(
            question=query.rewritten,
            text=(f"「{span.text}」" if shown else "") + "".join(f"{c.quote}[{c.n}]" for c in citations),
            abstained=False,
            rewritten_query="",
            citations=tuple(citations),
            hits=tuple(hits),
            short_answer=span.text if shown else "",
        )

    def read(
        self,
        query: Query,
        hits: Sequence[Hit],
        documents: Mapping[str, Document],
        marks: tuple[Sequence[tuple[str, int, int]], bool] | None = None,
    ) -> tuple[list[Candidate], Span | None] | None:
        """The passages' sentences ranked, and the short answer inside the best; None when nothing
        can be read (no passage, or a question without words). `marks`: as for rank_sentences."""
        ranked = self.rank(query, hits, documents, marks)
        if not ranked:
            return None
        sentence = ranked[0].text(hits)
        spans = span_model(self.span_path) if self.span_path.exists() else None
        return ranked, best_span(frame(query.whole), sentence, spans) if spans else None

    def rank(
        self,
        query: Query,
        hits: Sequence[Hit],
        documents: Mapping[str, Document],
        marks: tuple[Sequence[tuple[str, int, int]], bool] | None = None,
    ) -> list[Candidate]:
        """The passages' sentences ranked, best first, without reading a short answer (`read` does);
        [] for a question without words. `marks`: as for rank_sentences."""
        info = query.whole
        if not (info.tokens or info.bigrams):
            return []
        return rank_sentences(query, hits, load_model(self.model_path), documents, marks)

    def decline_features(
        self, info: QuestionInfo, ranked: Sequence[Candidate], span: Span | None, hits: Sequence[Hit]
    ) -> list[float]:
        probs = [c.probability for c in ranked[:2]]
        passages = [h.chunk.text for h in hits]
        best = ranked[0]
        hit = hits[best.hit_index]
        home = f"{hit.title}\n{hit.chunk.text}"
        return decline_row(
            info, best.row, probs, passages, span.probability if span else 0.0, home, best.text(hits)
        )

    def declines(self, row: Sequence[float]) -> bool:
        """The decline model's verdict (without a decline model: the best sentence's probability is
        below the sentence model's threshold)."""
        if not self.decline_path.exists():
            return row[0] < load_model(self.model_path).threshold
        dm = load_model(self.decline_path, DECLINE_FEATURES)
        return dm.probability(row) < dm.threshold

    def also(self, info: QuestionInfo, ranked: Sequence[Candidate]) -> list[Candidate]:
        """The sentence right after the best one in its passage, for a list question, or for an open
        question (no answer type asked) when it scores nearly as well."""
        best = ranked[0]
        open_question = not set(info.kinds) & set(TYPES)
        for c in ranked[1:3]:
            if c.hit_index != best.hit_index or c.span[0] < best.span[1]:
                continue
            near = c.span[0] - best.span[1] <= 2
            if near and (info.listing or (open_question and c.probability >= self.close * best.probability)):
                return [c]
        return []

    def decline(self, question: str, hits: Sequence[Hit]) -> Answer:
        """The same refusal as the extractive reader's, offering the nearest passages."""
        return ExtractiveAnswerer(offer=self.offer).abstain(question, hits)


def _absolute(hit: Hit, span: tuple[int, int]) -> tuple[int, int]:
    return hit.chunk.start + span[0], hit.chunk.start + span[1]
