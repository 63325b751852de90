"""Retrieval and answer metrics: pure functions over ranks and strings (no numpy).

Retrieval metrics take `ranks`: the 1-based ranks at which *relevant* passages appear in one
question's result list (any order, duplicates ignored). Relevance is per passage and a question
usually has several relevant passages (overlapping chunks, the same evidence in more than one
window) whose total number we never enumerate, so "recall" here is the success/hit-rate kind:
a question is found@k when at least one relevant passage is in the top k. Each function says
which ranx metric it equals; tests/test_metrics.py checks them against ranx.

Answer metrics compare folded text (rag.zh.text.fold: NFKC, conversion artefacts removed,
Traditional -> Simplified), so an answer written in either script matches either gold form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from rag.zh.text import fold


def _clean(ranks: Iterable[int]) -> list[int]:
    out = sorted(set(ranks))
    if out and out[0] < 1:
        raise ValueError(f"ranks are 1-based, got {out[0]}")
    return out


def recall_at_k(ranks: Iterable[int], k: int) -> float:
    """Success@k: 1.0 when any relevant passage is ranked <= k, else 0.0.

    Averaged over questions this is the share of questions answered by the top k, i.e. ranx
    "hit_rate@k" (not ranx "recall@k", which divides by the number of relevant documents: a
    count we do not know, since any passage that contains the evidence is relevant).
    """
    return 1.0 if any(r <= k for r in _clean(ranks)) else 0.0


def mrr_at_k(ranks: Iterable[int], k: int) -> float:
    """Reciprocal rank of the first relevant passage if it is in the top k, else 0.0 (ranx "mrr@k")."""
    found = [r for r in _clean(ranks) if r <= k]
    return 1.0 / found[0] if found else 0.0


def ndcg_at_k(ranks: Iterable[int], k: int, n_relevant: int | None = None) -> float:
    """nDCG@k with binary gains: DCG = sum over relevant ranks r <= k of 1 / log2(r + 1), divided
    by the DCG of an ideal list holding min(n_relevant, k) relevant passages first.

    `n_relevant` is the number of relevant passages known for the question; by default the
    number of ranks given (the relevant passages found in the judged list). Equals ranx
    "ndcg@k" with qrels holding `n_relevant` relevant documents of relevance 1.
    """
    clean = _clean(ranks)
    n = len(clean) if n_relevant is None else n_relevant
    if n < len(clean):
        raise ValueError(f"n_relevant={n} is smaller than the {len(clean)} relevant ranks given")
    dcg = sum(1.0 / math.log2(r + 1) for r in clean if r <= k)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(n, k) + 1))
    return dcg / ideal if ideal else 0.0


def coverage_at_k(first_ranks: Sequence[int | None], k: int) -> float:
    """Share of a question's evidence strings that some passage in the top k contains.

    `first_ranks` holds, per evidence string, the first rank whose passage contains it (None: not
    retrieved). Success@k is satisfied by any one piece of evidence; a question whose answer needs
    two documents or sentences needs them all, which this shows. No ranx counterpart.
    """
    if not first_ranks:
        raise ValueError("no evidence strings")
    return sum(1 for r in first_ranks if r is not None and r <= k) / len(first_ranks)


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean, None for no values (a metric over an empty subset is undefined, not 0)."""
    vals = list(values)
    return sum(vals) / len(vals) if vals else None


# --- answers -------------------------------------------------------------------------------


def answer_correct(answer_text: str, groups: Sequence[Sequence[str]]) -> bool:
    """True when every group has at least one acceptable string inside the answer, both folded.

    Groups are AND-ed, strings within a group OR-ed: [["7个", "七个"], ["暗访组"]] needs a count
    and the 暗访组. No groups means nothing is asked of the text (vacuously True); callers that
    grade unanswerable questions look at abstention instead.
    """
    folded = fold(answer_text)
    for group in groups:
        alternatives = [fold(s) for s in group if s.strip()]
        if not alternatives:
            raise ValueError(f"empty answer group in {groups!r}")
        if not any(a in folded for a in alternatives):
            return False
    return True


def supports(cited_text: str, evidence: Sequence[str]) -> bool:
    """A cited quote supports a gold answer when, folded, it contains an evidence string or is part
    of one (a quote is usually one sentence; evidence may be shorter or span a few sentences).
    A quote shorter than 4 folded characters counts only by containing an evidence string: inside
    a long evidence string a fragment that short proves nothing."""
    quote = fold(cited_text).strip()
    if not quote:
        return False
    for ev in evidence:
        e = fold(ev).strip()
        if e and (e in quote or (len(quote) >= 4 and quote in e)):
            return True
    return False


def citation_precision(cited_texts: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of cited quotes (or passages) that support the gold evidence (see `supports`).
    None when nothing is cited: precision of an empty set is undefined, and abstentions and
    citation-less answers are graded by the other answer metrics."""
    if not cited_texts:
        return None
    return sum(supports(t, evidence) for t in cited_texts) / len(cited_texts)


def abstention_accuracy(abstained_on_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions where the system abstained (higher is better)."""
    return mean(1.0 if a else 0.0 for a in abstained_on_unanswerable)


def false_abstention_rate(abstained_on_answerable: Sequence[bool]) -> float | None:
    """Share of answerable questions where the system abstained anyway (lower is better)."""
    return mean(1.0 if a else 0.0 for a in abstained_on_answerable)
