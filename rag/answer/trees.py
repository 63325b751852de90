"""Gradient-boosted trees as plain JSON, evaluated in pure Python (no scikit-learn, no pickle at run
time). eval/train_spans.py fits scikit-learn's HistGradientBoostingClassifier and writes it with
`export_trees`; the reader loads it with `load_trees`. A file made for other features is refused."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


class TreeModelError(ValueError):
    """A tree model file that is missing, unreadable, or made for other features."""


# one node: (feature index, threshold, left child, right child, leaf value); a leaf has feature -1
Node = tuple[int, float, int, int, float]


@dataclass(frozen=True)
class TreeModel:
    features: tuple[str, ...]
    baseline: float
    trees: tuple[tuple[Node, ...], ...]
    threshold: float  # below this probability the span is not shown
    meta: dict

    def probability(self, row: Sequence[float]) -> float:
        z = self.baseline
        for nodes in self.trees:
            k = 0
            while True:
                f, t, left, right, value = nodes[k]
                if f < 0:
                    z += value
                    break
                k = left if row[f] <= t else right
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """`probability` of many rows at once: all trees walked together, level by level, over all
        rows (numpy), instead of node by node in Python."""
        import numpy as np

        if not rows:
            return []
        feature, threshold, left, right, value = self._arrays()
        x = np.asarray(rows, dtype=float)
        at, trees = np.arange(len(x))[:, None], np.arange(feature.shape[0])[None, :]
        k = np.zeros((len(x), feature.shape[0]), dtype=np.int64)
        while True:
            f = feature[trees, k]
            inner = f >= 0
            if not inner.any():
                break
            go_left = x[at, np.maximum(f, 0)] <= threshold[trees, k]
            k = np.where(inner, np.where(go_left, left[trees, k], right[trees, k]), k)
        z = self.baseline + value[trees, k].sum(axis=1)
        return (1 / (1 + np.exp(-np.clip(z, -30, 30)))).tolist()

    def _arrays(self) -> tuple:
        """The trees as (trees x nodes) arrays, padded with leaves of value 0; built once."""
        cached = self.meta.get("_arrays")
        if cached is None:
            import numpy as np

            width = max(len(t) for t in self.trees)
            feature = np.full((len(self.trees), width), -1, dtype=np.int64)
            threshold, value = np.zeros(feature.shape), np.zeros(feature.shape)
            left, right = np.zeros(feature.shape, dtype=np.int64), np.zeros(feature.shape, dtype=np.int64)
            for i, nodes in enumerate(self.trees):
                for j, (f, t, lo, hi, v) in enumerate(nodes):
                    feature[i, j], threshold[i, j], left[i, j], right[i, j], value[i, j] = f, t, lo, hi, v
            cached = self.meta["_arrays"] = (feature, threshold, left, right, value)
        return cached


def export_trees(clf, features: Sequence[str], threshold: float, meta: dict) -> dict:
    """A fitted binary HistGradientBoostingClassifier as a JSON-ready dict."""
    trees = []
    for (predictor,) in clf._predictors:
        trees.append(
            [
                [
                    -1 if n["is_leaf"] else int(n["feature_idx"]),
                    float(n["num_threshold"]),
                    int(n["left"]),
                    int(n["right"]),
                    float(n["value"]),
                ]
                for n in predictor.nodes
            ]
        )
    return {
        "features": list(features),
        "baseline": float(clf._baseline_prediction.ravel()[0]),
        "threshold": threshold,
        "trees": trees,
        **meta,
    }


def parse_trees(data: dict, features: Sequence[str]) -> TreeModel:
    try:
        model = TreeModel(
            features=tuple(data["features"]),
            baseline=float(data["baseline"]),
            trees=tuple(
                tuple((int(a), float(b), int(c), int(d), float(e)) for a, b, c, d, e in t)
                for t in data["trees"]
            ),
            threshold=float(data["threshold"]),
            meta={k: v for k, v in data.items() if k not in ("features", "baseline", "trees", "threshold")},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TreeModelError(f"tree model: missing or bad field ({type(exc).__name__}: {exc})") from None
    if model.features != tuple(features):
        raise TreeModelError("tree model was trained on other features than the code computes; retrain it")
    return model


@lru_cache(maxsize=8)
def load_trees(path: Path, features: tuple[str, ...]) -> TreeModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TreeModelError(f"tree model {path}: cannot read it ({exc})") from None
    return parse_trees(data, features)
