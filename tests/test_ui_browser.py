"""The chat page in a real browser: Playwright drives Debian's Chromium (never a downloaded one) against
the real app, served in this process over a copy of the seeds with its own index.

Screenshots go to each test's tmp_path (pytest keeps the last runs' folders), never into the repo."""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from rag.config import Settings  # noqa: E402
from rag.index.embedding import HashEmbedder  # noqa: E402
from rag.web import app as ui  # noqa: E402
from rag.web.library import prepare_pipeline  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 60_000

UPLOAD_NAME = "upload_case.txt"
UPLOAD_TEXT = (
    "紫金县纪委监委通报一起违纪案例\n\n"
    "2022年3月15日，紫金县纪委监委对县交通运输局原局长刘明远严重违纪违法问题进行了审查。"
    "经查，刘明远违规收受管理服务对象礼金。县纪委监委给予刘明远开除党籍处分。\n"
)
XSS_NAME = "xss_case.md"
XSS_TITLE = '赵志刚违纪问题通报<img src=y onerror="window.__xss=5">'
XSS_TEXT = (
    f"# {XSS_TITLE}\n\n"
    "2022年5月，某县纪委监委对赵志刚的问题进行了调查<script>window.__xss=1</script>。"
    '经查，赵志刚<img src=x onerror="window.__xss=2">违规收受礼金。县纪委监委给予赵志刚党内警告处分。\n'
    "模板字符串${window.__xss=3}与{{constructor.constructor('window.__xss=4')()}}也应原样显示。\n"
)


def write_report(folder: Path) -> None:
    """A small evaluation report as `rag eval` writes it: results.json and recall.png."""
    import json

    from PIL import Image

    results = {
        "created": "2026-11-22T07:21:46+00:00",
        "questions_file": "eval/questions.jsonl",
        "k": 10,
        "questions": [{"id": "q1"}, {"id": "q2"}],
        "metrics": {"hybrid": {"all": {"n": 2.0, "R@1": 0.5, "R@5": 0.93}}},
        "answer_metrics": {"all": {"n_answerable": 2.0, "accuracy": 0.5}},
    }
    (folder / "results.json").write_text(json.dumps(results), "utf-8")
    Image.new("RGB", (40, 20), "white").save(folder / "recall.png")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(url, pipeline, uploads folder) of the running app; the corpus holds the seeds plus a document
    full of HTML and script."""
    root = tmp_path_factory.mktemp("ui_browser")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    (corpus / XSS_NAME).write_text(XSS_TEXT, encoding="utf-8")
    uploads = root / "uploads"
    reports = root / "reports"
    reports.mkdir()
    write_report(reports)
    pipeline = prepare_pipeline(
        root / "index", [corpus], uploads, Settings(embedder="hash"), HashEmbedder(), progress=False
    )
    app = ui.build_app(pipeline, uploads, reports)
    url = ui.launch(app, port=free_port(), block=False)
    yield url, pipeline, uploads
    app.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    outside: list[str] = []
    pg.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None,
    )
    yield pg
    context.close()
    assert outside == [], f"the page fetched from outside: {outside}"  # everything is served locally


@pytest.fixture
def shot(page, tmp_path):
    """shot(name) saves a full-page screenshot into the test's tmp folder, to look at after a failure."""

    def take(name: str) -> None:
        page.screenshot(path=str(tmp_path / name), full_page=True)

    return take


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#question textarea")


def bot_messages(page):
    return page.locator('#chat [data-testid="bot"]')


def ask(page, question: str, expect_doc: str | None = None) -> str:
    """Type the question, press Enter, wait for the final answer (and its sources); returns its text."""
    before = bot_messages(page).count()
    box = page.locator("#question textarea")
    box.click()
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """(n) => {
             const m = document.querySelectorAll('#chat [data-testid="bot"]');
             return m.length > n && !m[m.length - 1].innerText.includes('正在检索')
                 && !m[m.length - 1].innerText.includes('Searching');
           }""",
        arg=before,
    )
    # the answer streams in sentence by sentence: it is final once it stops changing
    last = None
    while (now := bot_messages(page).last.inner_text()) != last:
        last = now
        page.wait_for_timeout(700)
    if expect_doc is not None:
        page.wait_for_function(
            "(id) => [...document.querySelectorAll('#sources .src .doc-id')].some(e => e.innerText === id)",
            arg=expect_doc,
        )
    return bot_messages(page).last.inner_text()


def test_ask_cite_open_and_upload(page, served, shot, tmp_path):
    url, pipeline, uploads = served
    open_page(page, url)
    answer = ask(page, "王增田受到了什么处分？")
    assert "王增田" in answer and re.search(r"\[1\]", answer), answer

    # the answer's [1] is a link to its source card; the card marks the cited sentence
    cite = bot_messages(page).last.locator("a.cite").first
    assert cite.get_attribute("href") == "#src-1"
    card = page.locator("#sources #src-1")
    mark = card.locator("mark").first
    mark.wait_for()
    marked = mark.inner_text()
    doc_id = card.locator(".doc-id").inner_text()
    doc = pipeline.document(doc_id)
    assert len(marked) > 5 and marked in doc.text
    assert marked in cite.get_attribute("title")  # hovering [1] shows the quote
    assert doc.title in card.inner_text()
    cite.click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'src-1'")
    shot("ui-answer.png")

    # opening the source shows the whole document with the cited span highlighted, in view
    card.locator("button.open-doc").click()
    doc_mark = page.locator("#doc-view mark#doc-mark")
    doc_mark.wait_for()
    assert doc_mark.inner_text() == marked
    assert page.locator("#doc-view article").get_attribute("data-doc") == doc_id
    text = page.locator("#doc-view .doc-text").inner_text()
    assert len(text) > len(card.locator(".passage").inner_text())  # the whole document, not the passage
    from playwright.sync_api import expect

    expect(doc_mark).to_be_in_viewport()
    shot("ui-document.png")

    # upload a document, then ask what only it answers
    upload = tmp_path / UPLOAD_NAME
    upload.write_text(UPLOAD_TEXT, encoding="utf-8")
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    page.wait_for_function("() => document.querySelector('#docs-status').innerText.includes('已加入索引')")
    assert (uploads / UPLOAD_NAME).read_text(encoding="utf-8") == UPLOAD_TEXT
    assert "紫金县纪委监委通报一起违纪案例" in page.locator("#docs-table").inner_text()
    shot("ui-documents.png")

    page.get_by_role("tab", name="问答").click()
    answer = ask(page, "刘明远受到了什么处分？", expect_doc=UPLOAD_NAME)
    assert "刘明远" in answer and "[1]" in answer, answer
    card = page.locator("#sources .src", has_text=UPLOAD_NAME).first
    assert card.locator("mark").inner_text() in UPLOAD_TEXT
    assert len(bot_messages(page).all()) == 2  # the conversation is kept
    shot("ui-upload-answer.png")


def test_document_markup_shows_as_text_and_never_runs(page, served, shot):
    url, pipeline, _ = served
    open_page(page, url)
    answer = ask(page, "赵志刚受到了什么处分？", expect_doc=XSS_NAME)
    assert "赵志刚" in answer, answer
    page.locator("#sources .src", has_text=XSS_NAME).first.locator("button.open-doc").click()
    page.locator("#doc-view mark#doc-mark").wait_for()

    sources = page.locator("#sources").inner_text()
    view = page.locator("#doc-view").inner_text()
    assert '<img src=x onerror="window.__xss=2">' in sources  # the passage, as text
    assert XSS_TITLE in sources
    assert "<script>window.__xss=1</script>" in view
    assert '<img src=x onerror="window.__xss=2">' in view
    assert "${window.__xss=3}" in view and "{{constructor.constructor('window.__xss=4')()}}" in view
    assert XSS_TITLE in view

    # the same text in the other views
    page.get_by_role("tab", name="检索测试").click()
    page.locator("#query textarea").fill("赵志刚 礼金")
    page.locator("#query textarea").press("Enter")
    page.locator("#ranked .ranked-hit", has_text="window.__xss=2").first.wait_for()
    columns = page.locator("#ranked .ranked-col").evaluate_all("cs => cs.map(c => c.dataset.retriever)")
    assert columns == ["bm25", "bigram", "dense", "hybrid"]
    assert "0.93" in page.locator("#report").inner_text()  # the latest evaluation report
    assert page.locator("#report img").count() == 1 and page.locator("#report img").is_visible()
    page.get_by_role("tab", name="文档").click()
    assert XSS_TITLE in page.locator("#docs-table").inner_text()

    page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert page.evaluate("typeof window.__xss") == "undefined"
    for where in ("#sources", "#doc-view", "#ranked", "#chat", "#docs-table"):
        assert page.locator(f"{where} script").count() == 0
        assert page.locator(f"{where} img[onerror]").count() == 0
    shot("ui-xss.png")


def test_keyboard_language_and_phone_width(page, served, shot):
    url, _, _ = served
    open_page(page, url + "?lang=en")
    page.get_by_role("tab", name="Chat").wait_for()
    page.wait_for_function("() => document.querySelector('#sources').innerText.trim().startsWith('Sources')")

    # reach the question box with Tab alone, type, send with Enter
    page.locator("body").focus()
    for _ in range(40):
        if page.evaluate("() => !!document.activeElement.closest('#question')"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the question box")
    page.keyboard.type("西宁市纪委监委开展了多少次监督检查？")
    page.keyboard.press("Enter")
    page.locator("#sources .src mark").first.wait_for()
    assert "1446" in bot_messages(page).last.inner_text()

    # the next Tab stop is the send button, with a visible focus ring
    page.locator("#question textarea").focus()
    page.keyboard.press("Tab")
    focus = page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return [e.closest('#send') !== null, s.outlineStyle, s.outlineWidth]; }"""
    )
    assert focus[0] and focus[1] != "none" and focus[2] != "0px", focus

    # the language switch relabels the page, the sources panel included
    page.get_by_label("中文").check()
    page.get_by_role("tab", name="问答").wait_for()
    page.locator("#sources .panel-title", has_text="来源").wait_for()

    # settings: scores on demand; the LLM answerer is off when no endpoint is configured
    page.get_by_text("设置", exact=True).click()
    assert page.get_by_label("大语言模型").is_disabled()
    assert page.locator("#sources .score").count() == 0
    page.get_by_label("显示检索分数").check()
    page.locator("#sources .score").first.wait_for()

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392  # no sideways scrolling
    assert page.locator("#question textarea").is_visible()
    shot("ui-phone.png")
