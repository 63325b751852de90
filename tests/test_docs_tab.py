"""The documents tab without a browser: the table's cells and HTML, the preview's page markers, the
citation's page, the chat's document filter, and the listing after uploads and removals."""

from __future__ import annotations

import re

import pytest

from rag.types import Answer, Citation, Document
from rag.web import answers, i18n, library_view
from rag.web.entries import Entry, entry_of
from rag.web.limits import PageError


def _entries():
    return [
        Entry("a.txt", "标题<b>", "来源", "2020-02-22", 3, False, kind="txt", size=2048, chars=1234),
        Entry("up/x.pdf", "上传", "", "", 1, True, kind="pdf", size=5 * 1024**2, pages=2, chars=99),
        Entry("old.md", "", "", "", 1, False),  # what an index written before issue 12 knows
    ]


def test_table_cells_in_each_language():
    headers, rows = library_view.documents_table(_entries(), "en")
    assert headers == [i18n.t("en", k) for k in library_view.COLUMNS] and headers[-1] == "Actions"
    a, x, old = rows
    assert (a.kind, a.size, a.length, a.published, a.origin) == (
        "TXT",
        "2.0 KB",
        "1,234 characters",
        "2020-02-22",
        "corpus",
    )
    assert (x.kind, x.size, x.length, x.origin) == ("PDF", "5.0 MB", "2 pages", "upload")
    empty = library_view.EMPTY
    assert (old.title, old.size, old.added, old.source, old.published) == (
        "old.md",
        empty,
        empty,
        empty,
        empty,
    )
    _, zh = library_view.documents_table(_entries(), "zh")
    assert zh[1].length == i18n.t("zh", "length_pages", n=2) and zh[0].origin == i18n.t("zh", "origin_corpus")


def test_entry_from_a_document():
    doc = Document("d/r.pdf", "报告", "一二三四五", pages=(0, 3), size=10, added="2025-01-02T03:04:05+00:00")
    e = entry_of(doc, 2, True)
    assert (e.kind, e.pages, e.chars, e.size, e.chunks, e.uploaded) == ("pdf", 2, 5, 10, 2, True)
    assert entry_of(Document("notes.MD", "t", "x"), 1, False).kind == "md"  # not recorded: from the name
    assert library_view.added_at(doc.added) == "2025-01-02 03:04"


def test_table_html_escapes_and_has_a_confirmed_delete_per_row():
    html = library_view.documents_html(_entries(), "zh")
    assert "<b>" not in html and "标题&lt;b&gt;" in html
    rows = re.findall(r'<tr class="doc-row" data-doc="([^"]+)"', html)
    assert rows == [e.id for e in _entries()]
    assert html.count('class="doc-del"') == html.count('class="doc-yes"') == len(rows)
    assert i18n.t("zh", "delete_confirm") in html and i18n.t("zh", "cancel") in html
    assert html.count("<th scope") == len(library_view.COLUMNS) and html.count("<col ") == len(
        library_view.COLUMNS
    )
    assert i18n.t("en", "docs_empty") in library_view.documents_html([], "en")


def test_preview_marks_each_page_of_a_paged_document():
    text = "第一页的内容。\n第二页的内容。\n第三页。"
    starts = (0, text.index("第二页"), text.index("第三页"))
    html = library_view.preview_html(Document("r.pdf", "报告", text, pages=starts), "zh")
    assert re.findall(r'data-page="(\d+)"', html) == ["1", "2", "3"]
    assert i18n.t("zh", "page_marker", n=3) in html
    bodies = re.findall(r'<div class="doc-text">(.*?)</div>', html, re.S)
    assert "".join(bodies) == text  # every character once, in order
    plain = library_view.preview_html(Document("a.txt", "文", "没有分页<script>"), "en")
    assert "data-page" not in plain and "&lt;script&gt;" in plain
    assert i18n.t("en", "preview_empty") in library_view.preview_html(None, "en")


def test_citations_name_the_page():
    doc = Document("r.pdf", "报告", "甲乙丙丁。戊己庚辛。", pages=(0, 5))
    cite = Citation(1, "c1", "r.pdf", "报告", "戊己庚辛。", 5, 10, page=2)
    answer = Answer("问", "戊己庚辛。[1]", False, "问", (cite,))
    for lang in ("zh", "en"):
        said = i18n.t(lang, "cite_page", n=2)
        assert said in answers.answer_markdown(answer, lang)  # the [1] link's title
        assert said in answers.sources_html(answer, {doc.id: doc}, lang)
    unpaged = Answer(
        "问", "戊己庚辛。[1]", False, "问", (Citation(1, "c1", "r.pdf", "报告", "戊己庚辛。", 5, 10),)
    )
    assert i18n.t("en", "cite_page", n=0) not in answers.sources_html(unpaged, {doc.id: doc}, "en")


# ----- the page's methods over a real index (fake embedder) -----
@pytest.fixture
def page(tmp_path, small_corpus, fake_embedder):
    from rag.config import Settings
    from rag.web.library import prepare_pipeline
    from rag.web.page import ChatPage

    settings = Settings(embedder=fake_embedder.name)
    uploads = tmp_path / "uploads"
    pipeline = prepare_pipeline(tmp_path / "index", [small_corpus], uploads, settings, fake_embedder, False)
    return ChatPage(pipeline, uploads, tmp_path / "reports")


def test_listing_follows_uploads_and_removals(page, tmp_path):
    before = page.docs_view("zh")
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "new.txt").write_text("刘明远受处分\n\n经查，刘明远收受礼金。给予刘明远警告处分。\n", "utf-8")
    page.upload([str(incoming / "new.txt")], "zh")
    after = page.docs_view("zh")
    assert 'data-doc="new.txt"' in after.table and 'data-doc="new.txt"' not in before.table
    assert ("new.txt" in dict((v, k) for k, v in after.choices)) and after.count != before.count
    assert "刘明远" in page.preview("new.txt", "zh")
    page.remove("new.txt", "zh")
    assert 'data-doc="new.txt"' not in page.docs_view("zh").table
    assert (page.uploads / ".removed" / "new.txt").is_file()  # never lost
    assert i18n.t("zh", "preview_empty") in page.preview("new.txt", "zh")  # gone since


def test_chat_filter_settings(page):
    ids = {d.id for d in page.pipeline.documents()}
    assert page.filter_ids([], "", "", "") is None
    assert page.filter_ids(["b.txt"]) == {"b.txt"}
    assert page.filter_ids(["b.txt", "removed-since.txt"]) == {"b.txt"}
    with pytest.raises(PageError) as bad:
        page.filter_ids(None, "", "2021-02-30", "")
    assert bad.value.code == "filter_bad_date"
    with pytest.raises(PageError) as reversed_:
        page.filter_ids(None, "", "2022", "2021")
    assert reversed_.value.code == "filter_reversed"
    with pytest.raises(PageError) as none:
        page.filter_ids(None, "", "2000-01-01", "")  # the small corpus states no dates: none match
    assert none.value.code == "filter_none"
    assert page.filter_note(["a.txt", "c.md"], "", "", "", "en") == i18n.t("en", "filter_note", n=2)
    assert page.filter_note(None, "", "nonsense", "", "zh") == i18n.t(
        "zh", "err_filter_bad_date", date="nonsense"
    )
    assert len(ids) == 3

    # the chat and the API search only the chosen documents
    steps = list(
        page.chat(
            "王增田受到了什么处分？", [], "hybrid", 3, "extractive", False, "zh", (["b.txt"], "", "", "")
        )
    )
    final = steps[-1].shown
    assert final is not None and all(h.chunk.doc_id == "b.txt" for h in final.hits)
    found = page.search("王增田 处分", k=3, docs=["c.md"])
    assert found["hits"] and {h["doc_id"] for h in found["hits"]} == {"c.md"}
    steps = list(
        page.chat("王增田受到了什么处分？", [], "hybrid", 3, "extractive", False, "en", ([], "", "x", ""))
    )
    assert i18n.t("en", "err_filter_bad_date", date="x") in steps[-1].messages[-1]["content"]
