"""Small talk: greetings and thanks get a short reply and no search, and are never glued to the
previous question by the follow-up rewrite."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.pipeline import Pipeline
from rag.query.rewrite import rewrite_followup
from rag.query.smalltalk import kind_of, reply
from rag.types import Answer

PREVIOUS = [("青石镇发生了什么？", "青石镇纪委开展了监督检查。[1]")]


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("你好", "greeting"),
        ("您好啊！", "greeting"),
        ("謝謝", "thanks"),  # Traditional is folded first
        ("Thank you!", "thanks"),
        ("你好，谢谢", "greeting"),
        ("好的", "acknowledgement"),
        ("再见～", "goodbye"),
        ("你好，请问王增田受到了什么处分？", None),
        ("王增田受到了什么处分？", None),
        ("好人是谁", None),
        ("了", None),
        ("", None),
    ],
)
def test_kind_of(message, kind):
    assert kind_of(message) == kind


@pytest.mark.parametrize("message", ["你好", "你好！", "好的", "再见", "谢谢"])
def test_smalltalk_after_a_question_is_not_glued_to_it(message):
    assert rewrite_followup(message, PREVIOUS) == message


def test_a_followup_after_a_greeting_still_finds_the_question_before_it():
    history = [*PREVIOUS, ("你好", reply("greeting"))]
    assert "青石镇" in rewrite_followup("该镇的问题是什么？", history)


def test_the_pipeline_replies_to_a_greeting_without_a_search(small_corpus, tmp_path, fake_embedder):
    pipeline = Pipeline.build(
        [small_corpus], tmp_path / "index", Settings(embedder=fake_embedder.name), embedder=fake_embedder
    )
    searched: list[str] = []
    original = pipeline.search
    pipeline.search = lambda query, *a, **kw: searched.append(str(query)) or original(query, *a, **kw)
    items = list(pipeline.ask_stream("你好！", [("王增田受到了什么处分？", "党内警告处分。[1]")]))
    final = items[-1]
    assert isinstance(final, Answer) and final.text == reply("greeting") == items[0]
    assert final.hits == () and final.citations == () and not final.abstained
    assert searched == []
    pipeline.ask("王增田受到了什么处分？")  # a question is searched (the spy works)
    assert searched
    with pytest.raises(ValueError, match="empty"):
        pipeline.ask("  ")
