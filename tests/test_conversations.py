"""Conversations stored per browser in SQLite: save, list, load back the same answers, rename, delete,
feedback, another browser sees nothing, and the Markdown export carries the citations and quotes."""

from __future__ import annotations

from rag.types import Answer, Chunk, Citation, Hit
from rag.web.conversations import ConversationStore, export_markdown, store_beside


def _answer(question: str, quote: str) -> Answer:
    chunk = Chunk("c1", "a.txt", f"经查，{quote}", 10, 30)
    hit = Hit(chunk, 0.5, 1, ("bm25",), "王增田受处分")
    cite = Citation(1, "c1", "a.txt", "王增田受处分", quote, 13, 13 + len(quote))
    return Answer(question, f"{quote}[1]", False, question, (cite,), (hit,))


def test_save_list_load_rename_delete(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    turns = [("王增田受到了什么处分？", _answer("王增田受到了什么处分？", "给予王增田党内警告处分。"))]
    cid = store.save("browser-a", None, turns)
    assert [c.title for c in store.list("browser-a")] == ["王增田受到了什么处分？"]
    assert store.load("browser-a", cid) == turns  # the same answers, citations and hits
    more = [*turns, ("他是哪里的？", _answer("他是哪里的？", "王增田是安居区干部。"))]
    assert store.save("browser-a", cid, more) == cid
    assert store.load("browser-a", cid) == more
    # another browser neither sees nor changes it
    assert store.list("browser-b") == [] and store.load("browser-b", cid) == []
    assert not store.rename("browser-b", cid, "x") and not store.delete("browser-b", cid)
    assert store.save("browser-b", cid, turns) != cid  # a new conversation of its own
    assert store.rename("browser-a", cid, "  处分  问题 ")
    assert store.title("browser-a", cid) == "处分 问题"
    assert not store.rename("browser-a", cid, "   ")  # an empty title is refused, the old one kept
    assert store.title("browser-a", cid) == "处分 问题"
    assert store.rename("browser-a", cid, "长" * 500) and len(store.title("browser-a", cid)) == 120
    assert store.delete("browser-a", cid)
    assert store.list("browser-a") == [] and store.load("browser-a", cid) == []


def test_feedback_stays_with_an_unchanged_question(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    a = _answer("问一", "给予王增田党内警告处分。")
    cid = store.save("b", None, [("问一", a), ("问二", a)])
    assert store.feedback("b", cid, 1, False) and store.feedback("b", cid, 0, True)
    assert store.feedbacks("b", cid) == {0: True, 1: False}
    store.save("b", cid, [("问一", a), ("问二改", a)])  # the second question edited
    assert store.feedbacks("b", cid) == {0: True}
    assert not store.feedback("other", cid, 0, True)


def test_store_lives_beside_the_index(tmp_path):
    assert store_beside(tmp_path / "index") == tmp_path / "index-conversations.sqlite3"


def test_export_markdown_has_questions_answers_citations_and_quotes():
    quote = "区纪委监委给予王增田党内警告处分。"
    md = export_markdown("处分", [("王增田受到了什么处分？", _answer("王增田受到了什么处分？", quote))], "zh")
    assert md.startswith("# 处分\n")
    assert "## 问题: 王增田受到了什么处分？" in md
    assert f"{quote}[1]" in md and f"> {quote}" in md and "[1] 王增田受处分 (a.txt" in md
    assert "## Question: " in export_markdown("", [("q", _answer("q", quote))], "en")
