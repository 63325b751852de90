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
from rag.answer.extractive import ExtractiveAnswerer, stream_built
from rag.answer.reader_features import FEATURES, passage_features
from rag.query.analysis import Query, as_query
from rag.types import Answer, Document, Hit
from rag.zh.sentences import quotable_sentences

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


def parse_model(data: dict) -> ReaderModel:
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
    if model.features != FEATURES:
        raise ReaderModelError(
            "reader model was trained on other features than rag.answer.reader_features computes; "
            "retrain it with eval/train_reader.py"
        )
    if not len(model.mean) == len(model.scale) == len(model.coef) == len(FEATURES):
        raise ReaderModelError("reader model: weights and features differ in number")
    return model


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> ReaderModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReaderModelError(f"reader model {path}: cannot read it ({exc})") from None
    return parse_model(data)


@dataclass(frozen=True)
class Candidate:
    probability: float
    hit_index: int
    span: tuple[int, int]  # offsets into the hit's chunk text


def rank_sentences(
    query: Query, hits: Sequence[Hit], model: ReaderModel, documents: Mapping[str, Document] | None = None
) -> list[Candidate]:
    """Every sentence of every passage with its probability of answering, best first."""
    out = []
    for i, hit in enumerate(hits):
        doc = (documents or {}).get(hit.chunk.doc_id)
        title = hit.title or (doc.title if doc else "")
        spans = quotable_sentences(hit.chunk.text)
        rows = passage_features(query.whole, [hit.chunk.text[a:b] for a, b in spans], title)
        out += [Candidate(model.probability(r), i, s) for r, s in zip(rows, spans, strict=True)]
    return sorted(out, key=lambda c: -c.probability)


@dataclass(frozen=True)
class LearnedReader:
    """Quotes the sentence the model ranks first, with its citation; declines below the threshold."""

    name: str = "learned"
    model_path: Path = MODEL_PATH
    offer: int = 3  # passages offered when declining

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        yield from stream_built(self.build(as_query(question), hits, documents))

    def build(self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        model = load_model(self.model_path)
        asks = query.whole.tokens or query.whole.bigrams
        ranked = rank_sentences(query, hits, model, documents) if asks else []
        if not ranked or ranked[0].probability < model.threshold:
            return self.decline(query.rewritten, hits)
        best = ranked[0]
        hit = hits[best.hit_index]
        a, b = best.span
        citation = make_citation(1, hit, (hit.chunk.start + a, hit.chunk.start + b), documents)
        return Answer(
            question=query.rewritten,
            text=f"{citation.quote}[1]",
            abstained=False,
            rewritten_query="",
            citations=(citation,),
            hits=tuple(hits),
        )

    def decline(self, question: str, hits: Sequence[Hit]) -> Answer:
        """The same refusal as the extractive reader's, offering the nearest passages."""
        return ExtractiveAnswerer(offer=self.offer).abstain(question, hits)
