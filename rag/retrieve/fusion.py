"""Pure functions that merge ranked lists from several retrievers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    weights: Mapping[str, float] | None = None,
    k: int = 60,
) -> list[tuple[str, float, tuple[str, ...]]]:
    """Weighted RRF: score(d) = sum_r w_r / (k + rank_r(d)), ranks 1-based.

    Returns (item, score, retrievers that ranked it) best first; ties keep first-seen order.
    A retriever with weight 0 still counts in `via` but adds nothing to the score.
    """
    scores: dict[str, float] = {}
    via: dict[str, list[str]] = {}
    for name, ranking in rankings.items():
        w = 1.0 if weights is None else float(weights.get(name, 0.0))
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
            via.setdefault(item, []).append(name)
    order = sorted(scores, key=lambda item: -scores[item])  # sorted() is stable
    return [(item, scores[item], tuple(via[item])) for item in order]
