# ruff: noqa: F811  (the fixtures imported from test_ui_browser are used as arguments)
"""The chat page people expect, in a real browser (the Playwright setup of test_ui_browser): a streamed
answer growing in place, a conversation surviving a reload and exported, the report tab's plot (no 404),
one language per page, and "你好" answered without a search."""

from __future__ import annotations

import re

import pytest

from tests.test_ui_browser import ask, bot_messages, browser, open_page, page, served  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

# Latin words the Chinese page's chrome may hold: the language switch's "English", names of things
# (BM25, bigram, Markdown, API), metric names in the report's table heads, and the question file's path
ALLOWED_LATIN = {
    "English",
    "BM25",
    "bm25",
    "bigram",
    "Markdown",
    "API",
    "Recall@k",
    "eval",
    "questions",
    "jsonl",
}
ALLOWED_LATIN |= {"n", "txt", "md", "html", "htm", "pdf", "docx"}  # [n], the upload suffixes
ALLOWED_LATIN |= {"R@1", "R@3", "R@5", "R@10", "MRR@10", "nDCG@10", "Cov@5"}


def test_streamed_answer_grows_in_place(page, served):
    url, _, _ = served
    open_page(page, url)
    page.evaluate(
        """() => { window.__lengths = [];
                   new MutationObserver(() => {
                     const m = document.querySelectorAll('#chat [data-testid="bot"]');
                     if (m.length) window.__lengths.push([m.length, m[m.length - 1].innerText.length]);
                   }).observe(document.querySelector('#chat'),
                              {subtree: true, childList: true, characterData: true}); }"""
    )
    answer = ask(page, "西宁市纪委监委开展了多少次监督检查？")
    assert "1446" in answer
    lengths = page.evaluate("window.__lengths")
    grown = sorted({n for count, n in lengths if count == 1 and n > 10})
    assert len(grown) >= 2, lengths  # the one answer message showed at least two lengths before the last
    assert max(count for count, _ in lengths) == 1  # in place: never a second answer message


def test_conversation_survives_a_reload_and_exports(page, served, tmp_path):
    url, _, _ = served
    open_page(page, url)
    answer = ask(page, "王增田受到了什么处分？")
    quote = page.locator("#sources #src-1 mark").first.inner_text()
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=bot]').length === 1")
    assert bot_messages(page).last.inner_text() == answer
    page.locator("#conversations").get_by_text("对话记录").first.click()
    assert "王增田受到了什么处分" in page.locator("#conv-list").inner_text()
    export = page.locator("#conv-export")
    page.wait_for_function("() => !document.querySelector('#conv-export').disabled")
    with page.expect_download() as got:
        export.click()
    text = tmp_path / "export.md"
    got.value.save_as(text)
    md = text.read_text(encoding="utf-8")
    assert "王增田受到了什么处分？" in md and "[1]" in md
    assert " ".join(quote.split()) in md  # the cited quote travels with the answer


def test_report_tab_shows_its_plot_without_404(page, served):
    url, _, _ = served
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    open_page(page, url)
    page.get_by_role("tab", name="检索测试").click()
    img = page.locator("#report img")
    img.wait_for()
    assert img.count() == 1 and img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert "召回" in page.locator("#report").inner_text() or "检索" in page.locator("#report").inner_text()
    assert failed == []


CHROME = """() => {
  const parts = [...document.querySelectorAll(
      'label, button, [role=tab], #header, footer, [placeholder], .panel-title, .empty, .nearest-note,' +
      ' #report p, #report h4, #report th, #report figcaption')]
    .filter(e => !e.closest('#chat [data-testid=bot], #chat [data-testid=user], #conv-list, #docs-table'))
    .filter(e => e.getClientRects().length > 0);  // shown (a hidden element's innerText is its source)
  const texts = parts.map(e => [e.innerText || '', e.getAttribute('aria-label') || '', e.title || '',
                                e.getAttribute('placeholder') || ''].join(' '));
  return texts.join('\\n');
}"""


def chrome_text(page) -> str:
    """The page's own words: labels, buttons (with their aria-labels and titles), tabs, header, panels,
    placeholders, footer; not the conversation's messages, the example questions or the documents."""
    return page.evaluate(CHROME)


def visit_tabs(page, names: list[str]) -> str:
    seen = []
    for name in names:
        page.get_by_role("tab", name=name).click()
        page.wait_for_timeout(500)
        seen.append(chrome_text(page))
    return "\n".join(seen)


def test_one_language_per_page(page, served):
    url, _, _ = served
    open_page(page, url)
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")  # Gradio's own strings too
    ask(page, "王增田受到了什么处分？")  # the answer's buttons (copy, retry, like) are chrome too
    chrome = visit_tabs(page, ["文档", "检索测试", "问答"])
    chrome = "\n".join(line for line in chrome.splitlines() if not re.search(r"[{};]\s*$", line))  # svg css
    words = set(re.findall(r"[A-Za-z][A-Za-z_0-9@]*", chrome)) - ALLOWED_LATIN
    lines = [line for line in chrome.splitlines() if set(re.findall(r"[A-Za-z][A-Za-z_0-9@]*", line)) & words]
    assert words == set(), "\n".join(sorted(set(lines)))
    page.get_by_role("tab", name="文档").click()
    assert "Drop File Here" not in page.locator("body").inner_text()

    open_page(page, url + "?lang=en")
    page.get_by_role("tab", name="Chat").wait_for()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.wait_for_function("() => document.querySelector('#sources').innerText.trim().startsWith('Sources')")
    chrome = visit_tabs(page, ["Documents", "Retrieval test", "Chat"])
    han = re.findall(r"[\u4e00-\u9fff]+", chrome.replace("中文", ""))  # the language switch names itself
    assert han == [], han
    # an English question: told clearly that questions should be Chinese, in English
    answer = ask(page, "Who is the party secretary of Ziyuan county?")
    assert "ask your question in Chinese" in answer, answer


def test_hello_is_answered_without_a_search(page, served, monkeypatch):
    from rag.pipeline import Pipeline

    url, _, _ = served
    open_page(page, url)
    searched: list[str] = []
    original = Pipeline.search

    def spy(self, query, *a, **kw):
        searched.append(str(query))
        return original(self, query, *a, **kw)

    monkeypatch.setattr(Pipeline, "search", spy)  # every pipeline the page configures
    ask(page, "王增田受到了什么处分？")
    before = len(searched)
    reply = ask(page, "你好")
    assert "你好" in reply and len(searched) == before
    assert before > 0
    assert "青石" not in reply and "王增田受到了" not in reply


def test_regenerate_feedback_theme_and_delete(page, served, monkeypatch):
    import sqlite3

    from rag.pipeline import Pipeline
    from rag.web.conversations import store_beside

    url, pipeline, _ = served
    open_page(page, url)
    question = "刘仁甫受到了什么处分？"
    answer = ask(page, question)
    searched: list[str] = []
    original = Pipeline.search

    def spy(self, query, *a, **kw):
        searched.append(str(query))
        return original(self, query, *a, **kw)

    monkeypatch.setattr(Pipeline, "search", spy)
    page.get_by_role("button", name="重试").click()  # regenerate: asked again, the answer replaced
    page.wait_for_timeout(1500)
    assert searched and bot_messages(page).count() == 1
    assert bot_messages(page).last.inner_text() == answer

    db = store_beside(pipeline.index_dir)

    def feedback() -> list:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT feedback FROM turns WHERE question = ?", (question,)).fetchall()

    page.get_by_role("button", name="赞").click()
    page.wait_for_timeout(800)
    assert (1,) in feedback()

    page.locator("#theme-toggle").click()
    assert page.evaluate("document.body.classList.contains('dark')")
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_function("() => document.body.classList.contains('dark')")  # remembered

    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=bot]').length === 1")
    page.locator("#conversations").get_by_text("对话记录").first.click()
    page.get_by_role("button", name="删除此对话").click()
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=bot]').length === 0")
    page.wait_for_timeout(500)
    assert question not in page.locator("#conv-list").inner_text()
    assert feedback() == []  # gone from the file too


def test_edit_a_question_asks_again_from_there(page, served):
    url, _, _ = served
    open_page(page, url)
    ask(page, "刘仁甫受到了什么处分？")
    page.locator('#chat [data-testid="user"]').last.hover()
    page.locator("#chat").get_by_role("button", name="编辑").last.click()
    editor = page.locator("#chat textarea").last
    editor.fill("王增田受到了什么处分？")
    page.locator("#chat").get_by_role("button", name="发送").click()
    page.wait_for_function(
        """() => { const m = document.querySelectorAll('#chat [data-testid=bot]');
                   return m.length === 1 && m[0].innerText.includes('王增田'); }"""
    )
    assert page.locator('#chat [data-testid="user"]').count() == 1
    assert "王增田受到了什么处分" in page.locator('#chat [data-testid="user"]').inner_text()
