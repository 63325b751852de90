"""rag.evaluate.metrics on hand-computed examples, and against ranx on a hand-made and a random case."""

from __future__ import annotations

import math
import random

import pytest

from rag.evaluate.metrics import (
    abstention_accuracy,
    answer_correct,
    citation_precision,
    coverage_at_k,
    false_abstention_rate,
    mean,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    supports,
)


def test_recall_is_success_at_k():
    # relevant passages at ranks 3 and 7: not in the top 1 or 2, found from k = 3 on
    assert recall_at_k([3, 7], 1) == 0.0
    assert recall_at_k([3, 7], 2) == 0.0
    assert recall_at_k([3, 7], 3) == 1.0
    assert recall_at_k([7, 3], 10) == 1.0  # order does not matter
    # two relevant passages in the top 5 still count once: success, not the share of passages
    assert recall_at_k([1, 2], 5) == 1.0
    assert recall_at_k([], 10) == 0.0


def test_mrr():
    # first relevant at rank 3 -> 1/3; cut at k = 2 -> 0
    assert mrr_at_k([7, 3], 10) == pytest.approx(1 / 3)
    assert mrr_at_k([3, 7], 2) == 0.0
    assert mrr_at_k([1], 1) == 1.0
    assert mrr_at_k([], 10) == 0.0
    # mean over three questions at ranks 1, 2, (none): (1 + 0.5 + 0) / 3 = 0.5
    assert mean(mrr_at_k(r, 10) for r in ([1], [2], [])) == pytest.approx(0.5)


def test_ndcg_binary_gains():
    # relevant at ranks 1 and 3, two relevant known:
    # DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5; IDCG = 1/log2(2) + 1/log2(3) = 1 + 0.6309298 = 1.6309298
    # nDCG = 1.5 / 1.6309298 = 0.9197208
    assert ndcg_at_k([1, 3], 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([1, 3], 10) == pytest.approx(0.9197208, abs=1e-6)
    # one relevant at rank 2: DCG = 1/log2(3) = 0.6309298; IDCG = 1 -> 0.6309298
    assert ndcg_at_k([2], 10) == pytest.approx(0.6309298, abs=1e-6)
    # k = 2 cuts rank 3 off: DCG = 1; IDCG = 1 + 0.6309298 (two relevant, both fit in k) -> 0.6131472
    assert ndcg_at_k([1, 3], 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # three relevant known but only rank 2 retrieved: DCG = 0.6309298;
    # IDCG = 1 + 0.6309298 + 0.5 = 2.1309298 -> 0.2960819
    assert ndcg_at_k([2], 10, n_relevant=3) == pytest.approx(0.6309298 / 2.1309298, abs=1e-6)
    # perfect ranking is 1, nothing found is 0
    assert ndcg_at_k([1, 2, 3], 10) == pytest.approx(1.0)
    assert ndcg_at_k([], 10) == 0.0
    assert ndcg_at_k([], 10, n_relevant=4) == 0.0


def test_coverage_at_k():
    # two evidence strings, first found at ranks 2 and 8: 1 of 2 in the top 5, both in the top 10
    assert coverage_at_k([2, 8], 5) == 0.5
    assert coverage_at_k([2, 8], 10) == 1.0
    assert coverage_at_k([None, 3, 4], 5) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        coverage_at_k([], 5)


def test_rank_validation():
    with pytest.raises(ValueError, match="1-based"):
        recall_at_k([0, 2], 5)
    with pytest.raises(ValueError, match="n_relevant"):
        ndcg_at_k([1, 2, 3], 10, n_relevant=2)


def test_mean_of_nothing_is_undefined():
    assert mean([]) is None
    assert mean([1.0, 0.0, 0.0, 1.0]) == 0.5


# --- answers -------------------------------------------------------------------------------


def test_answer_correct_needs_every_group():
    groups = [["7个", "七个"], ["暗访组"]]
    assert answer_correct("成立了7个专项监督检查组和1个暗访组。", groups)
    assert answer_correct("共七个检查组，另有暗访组", groups)  # alternative within a group
    assert not answer_correct("成立了7个专项监督检查组。", groups)  # second group missing
    assert not answer_correct("", groups)
    assert answer_correct("anything", [])  # nothing asked


def test_answer_correct_folds_both_sides():
    # a Traditional answer with a conversion artefact matches a Simplified gold string ...
    assert answer_correct("強化監(jiān)督檢查", [["监督检查"]])
    # ... and a Simplified answer matches a Traditional gold string; full-width digits are NFKC-folded
    assert answer_correct("成立了７个专项组", [["7個"]])


def test_answer_correct_rejects_empty_group():
    with pytest.raises(ValueError, match="empty answer group"):
        answer_correct("x", [[]])


def test_citation_precision():
    evidence = ["成立了7个专项监督检查组和1个暗访组"]
    quotes = [
        "該縣紀委監(jiān)委成立了7個專項監督檢查組和1個暗訪組，采取有力措施。",  # contains evidence (folded)
        "成立了7个专项监督检查组",  # part of the evidence
        "疫情就是命令。",  # unrelated
        "暗访",  # too short to count by being inside the evidence
    ]
    assert [supports(q, evidence) for q in quotes] == [True, True, False, False]
    # 2 of 4 cited quotes support the evidence -> 0.5
    assert citation_precision(quotes, evidence) == 0.5
    assert citation_precision([], evidence) is None


def test_abstention_rates():
    # unanswerable: abstained on 3 of 4 -> 0.75
    assert abstention_accuracy([True, True, False, True]) == 0.75
    # answerable: abstained on 1 of 5 -> 0.2
    assert false_abstention_rate([False, True, False, False, False]) == 0.2
    assert abstention_accuracy([]) is None


# --- against ranx ----------------------------------------------------------------------------


def _ranx_scores(cases: list[tuple[list[int], int, int]], ks: tuple[int, ...]) -> dict[str, list[float]]:
    """cases: (relevant ranks, n_relevant, list length). Builds ranx qrels/run with documents
    d1..dN ranked in order, relevant ones at the given ranks plus unretrieved relevant ones."""
    from ranx import Qrels, Run, evaluate

    qrels, run = {}, {}
    for i, (ranks, n_relevant, length) in enumerate(cases):
        q = f"q{i:05d}"  # zero-padded: ranx returns per-query scores in sorted id order
        run[q] = {f"d{r}": float(length - r + 1) for r in range(1, length + 1)}
        rel = {f"d{r}": 1 for r in ranks}
        # relevant passages the run did not retrieve (ranx needs at least one relevant per query)
        rel.update({f"missing{j}": 1 for j in range(max(n_relevant, 1) - len(ranks))})
        qrels[q] = rel
    names = [f"hit_rate@{k}" for k in ks] + [f"mrr@{k}" for k in ks] + [f"ndcg@{k}" for k in ks]
    scores = evaluate(Qrels(qrels), Run(run), names, return_mean=False, make_comparable=True)
    return {name: [float(v) for v in values] for name, values in scores.items()}


def _check_against_ranx(cases: list[tuple[list[int], int, int]], ks: tuple[int, ...]) -> None:
    ranx = _ranx_scores(cases, ks)
    for k in ks:
        assert [recall_at_k(r, k) for r, _, _ in cases] == pytest.approx(ranx[f"hit_rate@{k}"])
        assert [mrr_at_k(r, k) for r, _, _ in cases] == pytest.approx(ranx[f"mrr@{k}"])
        assert [ndcg_at_k(r, k, max(n, 1)) for r, n, _ in cases] == pytest.approx(ranx[f"ndcg@{k}"])


def test_against_ranx_hand_made():
    cases = [
        ([1], 1, 10),  # perfect
        ([3, 7], 2, 10),
        ([2], 3, 10),  # two relevant passages never retrieved
        ([], 1, 10),  # nothing found
        ([10], 1, 10),
        ([1, 2, 3, 4, 5, 6], 6, 10),
    ]
    _check_against_ranx(cases, (1, 3, 5, 10))


def test_against_ranx_random():
    rng = random.Random(20240517)
    cases = []
    for _ in range(300):
        length = rng.randint(1, 30)
        found = sorted(rng.sample(range(1, length + 1), rng.randint(0, min(length, 6))))
        cases.append((found, len(found) + rng.randint(0, 3), length))
    _check_against_ranx(cases, (1, 2, 3, 5, 10, 20))
