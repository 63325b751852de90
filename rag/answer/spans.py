"""The short answer inside a quoted sentence: every candidate span (rag.answer.span_features) is scored
by a small tree model (rag/answer/span_model.json, written by eval/train_spans.py) and the best one
is returned with its probability. The answer then begins with it (「羅爾德·阿蒙森」) before the cited
sentence. The span is the sentence's own text (Traditional stays Traditional)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.answer.span_features import FEATURES, Frame, span_rows
from rag.answer.trees import TreeModel, load_trees
from rag.zh.text import fold

SPAN_MODEL_PATH = Path(__file__).with_name("span_model.json")


@dataclass(frozen=True)
class Span:
    text: str
    start: int  # offsets into the sentence
    end: int
    probability: float


def span_model(path: Path = SPAN_MODEL_PATH) -> TreeModel:
    return load_trees(path, FEATURES)


def best_span(fr: Frame, sentence: str, model: TreeModel) -> Span | None:
    """The most probable short answer of `sentence`, or None when it has no candidate."""
    folded = fold(sentence)
    spans, rows = span_rows(fr, folded)
    if not rows:
        return None
    probs = model.probabilities(rows)
    k = max(range(len(probs)), key=probs.__getitem__)
    a, b = spans[k]
    # fold keeps one character per character for nearly all text; when it does not, show the folded span
    text = sentence[a:b] if len(folded) == len(sentence) else folded[a:b]
    return Span(text.strip(), a, b, probs[k])
