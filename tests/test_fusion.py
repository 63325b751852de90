import pytest

from rag.retrieve.fusion import reciprocal_rank_fusion


def test_rrf_hand_computed():
    # a: 1/(1+1) + 1/(1+2) = 0.8333; b: 1/(1+2) + 1/(1+1) = 0.8333; c: 1/(1+3) = 0.25
    fused = reciprocal_rank_fusion({"x": ["a", "b", "c"], "y": ["b", "a"]}, k=1)
    scores = {item: s for item, s, _ in fused}
    assert scores["a"] == pytest.approx(1 / 2 + 1 / 3)
    assert scores["c"] == pytest.approx(1 / 4)
    assert fused[-1][0] == "c"
    assert dict((i, v) for i, _, v in fused)["c"] == ("x",)


def test_rrf_weights_change_the_winner():
    rankings = {"bm25": ["a", "b"], "dense": ["b", "a"]}
    assert reciprocal_rank_fusion(rankings, {"bm25": 2, "dense": 1})[0][0] == "a"
    assert reciprocal_rank_fusion(rankings, {"bm25": 1, "dense": 2})[0][0] == "b"


def test_zero_weight_counts_in_via_only():
    fused = reciprocal_rank_fusion({"bm25": ["a"], "dense": ["b"]}, {"bm25": 1, "dense": 0})
    assert [i for i, _, _ in fused] == ["a", "b"]
    assert fused[1][1] == 0
