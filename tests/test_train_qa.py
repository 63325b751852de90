"""The span reader's training examples (eval/train_qa.py): questions asked again with a name swapped
are "no answer" examples for their own paragraph."""

from __future__ import annotations

import random

from eval.train_qa import named, swapped

CONTEXT = "截至目前，安居区问责党员干部89人，通报曝光典型案例4起。"
QUESTION = "安居区一共问责了多少名党员干部？"


def test_the_names_a_question_holds_are_found_with_their_offsets():
    found = [(QUESTION[a:b], kind) for a, b, kind in named(QUESTION)]
    assert ("安居区", "place") in found
    trad = "王增田受到了什麼處分？"
    assert ("王增田", "person") in [(trad[a:b], kind) for a, b, kind in named(trad)]


def test_a_name_the_paragraph_holds_is_replaced_by_one_it_does_not():
    pool = {"place": ["安居区", "天津市", "武侯区"], "person": ["王增田"]}
    seen = set()
    for seed in range(20):
        other = swapped(QUESTION, CONTEXT, pool, random.Random(seed))
        assert other is not None and other != QUESTION
        assert other.endswith("一共问责了多少名党员干部？")  # only the name changes
        assert "安居区" not in other
        seen.add(other[: -len("一共问责了多少名党员干部？")])
    assert seen == {"天津市", "武侯区"}


def test_no_swap_without_a_name_of_the_paragraph_or_a_replacement():
    pool = {"place": ["天津市"]}
    assert swapped("天津市一共问责了多少名党员干部？", CONTEXT, pool, random.Random(0)) is None
    assert swapped(QUESTION, CONTEXT, {"place": ["安居区"]}, random.Random(0)) is None
    assert swapped("一共问责了多少名党员干部？", CONTEXT, pool, random.Random(0)) is None


def _saved_by_peft(live: str) -> str:
    """How peft names a live parameter in the folder it saves: without the adapter's name."""
    return live.replace(".modules_to_save.default", "").replace(".default", "")


def test_a_shipped_adapter_maps_onto_the_parameters_training_resumes_from():
    from safetensors import safe_open

    from eval.train_qa import shipped_name, trained_name
    from rag.answer.qa_reader import ADAPTER_PATH

    with safe_open(str(ADAPTER_PATH), "np") as f:
        shipped = list(f.keys())
    assert "qa_outputs.weight" in shipped and "encoder.layer.0.attention.self.query.lora_A" in shipped
    live = [trained_name(k) for k in shipped]
    assert len(set(live)) == len(shipped)
    assert trained_name("encoder.layer.3.output.dense.lora_B") == (
        "base_model.model.bert.encoder.layer.3.output.dense.lora_B.default.weight"
    )
    assert trained_name("qa_outputs.bias") == "base_model.model.qa_outputs.modules_to_save.default.bias"
    # written back the way write_adapter names peft's saved tensors, each comes home
    assert [shipped_name(_saved_by_peft(name)) for name in live] == shipped
