"""The page's views (rag.web.answers, ranked, library_view, markup, i18n) on hand-made inputs: all document
text is escaped, marks land on the cited span, every language has every string."""

from __future__ import annotations

import html
import re

import pytest

from rag.types import Answer, Chunk, Citation, Document, Hit
from rag.web import answers, i18n, library_view, markup, ranked

EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
TEXT = f"标题{EVIL}\n\n经查，王增田擅离职守。区纪委给予王增田党内警告处分。其他内容 & 更多。"


def _doc(text: str = TEXT, doc_id: str = 'a<b>"c.txt') -> Document:
    return Document(id=doc_id, title=f"标题{EVIL}", text=text, source="来源<b>", date="2020-02-22")


def _hit(doc: Document, start: int, end: int, rank: int = 1, via=("bm25", "dense")) -> Hit:
    chunk = Chunk(id=f"c{start}", doc_id=doc.id, text=doc.text[start:end], start=start, end=end)
    return Hit(chunk=chunk, score=0.5 / rank, rank=rank, via=via, title=doc.title)


def _citation(doc: Document, quote: str, n: int = 1, chunk_id: str = "c0") -> Citation:
    start = doc.text.index(quote)
    return Citation(n, chunk_id, doc.id, doc.title, quote, start, start + len(quote))


def _no_live_markup(out: str) -> None:
    assert "<script" not in out
    assert "<img" not in out
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in out


def test_highlight_escapes_and_marks_the_span():
    text = "a<b>c & d"
    out = markup.highlight(text, [(1, 4)])
    assert out == "a<mark>&lt;b&gt;</mark>c &amp; d"


def test_highlight_clips_merges_and_ids_only_the_first_mark():
    out = markup.highlight("0123456789", [(8, 20), (2, 4), (3, 6), (-5, 1)], mark_id="m")
    assert out == '<mark id="m">0</mark>1<mark>2345</mark>67<mark>89</mark>'
    assert markup.highlight("abc", [(2, 2), (5, 9)]) == "abc"  # empty and out-of-range spans vanish


def test_md_text_neutralises_markdown_and_html():
    out = markup.md_text("*强调* [链接](javascript:x) <b>粗</b> $x$ # 标题")
    assert "<b>" not in out and "&lt;b&gt;" in out
    # every Markdown-special ASCII character is backslash-escaped, so it renders as itself
    assert re.search(r"(?<!\\)[*\[\]()$#]", out) is None


def test_answer_markdown_links_only_real_citations():
    doc = _doc()
    quote = "区纪委给予王增田党内警告处分。"
    answer = Answer(
        question="王增田受到了什么处分？",
        text=f"{quote}[1]另见[7]。",
        abstained=False,
        rewritten_query="王增田受到了什么处分？",
        citations=(_citation(doc, quote),),
    )
    out = answers.answer_markdown(answer, "zh")
    assert out.count('<a class="cite" href="#src-1"') == 1
    assert "\\[7\\]" in out  # not a citation: stays text
    title = re.search(r'title="([^"]*)"', out).group(1)
    assert quote in html.unescape(title) and EVIL in html.unescape(title)  # hover shows the quote
    _no_live_markup(out)
    assert "rewritten" not in out  # same as the question: no note


def test_answer_markdown_shows_a_rewritten_query():
    answer = Answer("他受到了什么处分？", "没有。", False, "王增田受到了什么处分？")
    out = answers.answer_markdown(answer, "en")
    assert 'class="rewritten"' in out and "Searched for" in out and "王增田受到了什么处分？" in out


def test_sources_html_marks_the_cited_sentence_inside_its_passage():
    doc = _doc()
    quote = "区纪委给予王增田党内警告处分。"
    hit = _hit(doc, 0, len(doc.text))
    answer = Answer("q", f"{quote}[1]", False, "q", (_citation(doc, quote),), (hit,))
    out = answers.sources_html(answer, {doc.id: doc}, "zh", show_scores=True)
    marks = re.findall(r"<mark>(.*?)</mark>", out, flags=re.S)
    assert marks == [html.escape(quote)]
    assert 'id="src-1"' in out
    assert "来源：来源&lt;b&gt;" in out and "2020-02-22" in out
    assert "分数 0.5000" in out and "bm25 + dense" in out
    data_doc = re.search(r'data-doc="([^"]*)"', out).group(1)  # the id's quote is escaped: all of it is here
    assert html.unescape(data_doc) == doc.id and "<" not in data_doc
    start = doc.text.index(quote)
    assert f'data-start="{start}" data-end="{start + len(quote)}"' in out
    _no_live_markup(out)
    assert "分数" not in answers.sources_html(answer, {doc.id: doc}, "zh", show_scores=False)


def test_sources_html_falls_back_to_the_paragraph_when_the_chunk_is_not_a_hit():
    doc = _doc()
    quote = "区纪委给予王增田党内警告处分。"
    answer = Answer("q", f"{quote}[1]", False, "q", (_citation(doc, quote, chunk_id="elsewhere"),), ())
    out = answers.sources_html(answer, {doc.id: doc}, "en")
    assert re.findall(r"<mark>(.*?)</mark>", out) == [html.escape(quote)]
    assert "经查" in out and "标题" not in out.split("passage")[1]  # just the paragraph, not the title line


def test_sources_html_offers_nearest_passages_when_abstaining():
    doc = _doc()
    hits = (_hit(doc, 0, 20), _hit(doc, 20, len(doc.text), rank=2))
    answer = Answer("q", "没有找到。", True, "q", (), hits)
    out = answers.sources_html(answer, {doc.id: doc}, "zh")
    assert "最接近的段落" in out
    assert out.count('class="open-doc"') == 2 and "<mark" not in out
    assert "没有找到相关段落" in answers.sources_html(Answer("q", "无", True, "q"), {}, "zh")
    assert "提问后" in answers.sources_html(None, {}, "zh")


def test_document_html_escapes_everything_and_marks_the_span():
    doc = _doc()
    quote = "区纪委给予王增田党内警告处分。"
    start = doc.text.index(quote)
    out = answers.document_html(doc, (start, start + len(quote)), "zh")
    assert f'<mark id="doc-mark">{quote}</mark>' in out
    _no_live_markup(out)
    # what the browser shows is exactly the document text
    body = re.search(r'<div class="doc-text">(.*)</div></article>', out, flags=re.S).group(1)
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", body)) == doc.text
    assert "<mark" not in answers.document_html(doc, None, "zh")
    assert "打开全文" in answers.document_html(None, None, "zh")


def test_ranked_lists_html_shows_scores_and_which_retrievers_found_each_passage():
    doc = _doc()
    a, b = _hit(doc, 0, 10), _hit(doc, 10, 30, rank=2)
    lists = {
        "bm25": [a, b],
        "bigram": [a],
        "dense": [b],
        "hybrid": [a, b],
    }
    out = ranked.ranked_lists_html(lists, "en")
    cols = re.findall(r'<section class="ranked-col" data-retriever="(\w+)">', out)
    assert cols == ["bm25", "bigram", "dense", "hybrid"]
    hybrid = out.split('data-retriever="hybrid"')[1]
    first, second = hybrid.split('<li class="ranked-hit"')[1:3]
    assert re.findall(r"badge b-(\w+)", first) == ["bm25", "bigram"]
    assert re.findall(r"badge b-(\w+)", second) == ["bm25", "dense"]
    assert "score 0.5000" in first and "score 0.2500" in second
    _no_live_markup(out)
    assert "side by side" in ranked.ranked_lists_html({}, "en")


def test_every_language_has_every_string_with_the_same_fields():
    from string import Formatter

    tables = i18n.strings()
    assert {"zh", "en"} <= set(tables) and i18n.languages()[0] == i18n.DEFAULT_LANG
    keys = set(tables[i18n.DEFAULT_LANG])
    for lang, table in tables.items():
        assert set(table) == keys, (lang, set(table) ^ keys)
        for extra in ("gradio", "gradio_aria"):  # Gradio's strings its tables lack: per language
            table_ = table[extra]
            assert isinstance(table_, dict) and all(isinstance(v, str) and v.strip() for v in table_.values())
        for key, value in table.items():
            if key in ("gradio", "gradio_aria"):
                continue
            values = value if isinstance(value, list) else [value]
            assert values and all(isinstance(v, str) and v.strip() for v in values), (lang, key)
            if isinstance(value, str):  # the same {fields} to fill in every language
                fields = {f for _, f, _, _ in Formatter().parse(value) if f}
                default = tables[i18n.DEFAULT_LANG][key]
                assert fields == {f for _, f, _, _ in Formatter().parse(default) if f}, (lang, key)
    assert [code for _, code in i18n.language_choices()] == list(tables)


@pytest.mark.parametrize(
    ("value", "lang"), [("en", "en"), ("en-US", "en"), ("EN", "en"), ("zh", "zh"), (None, "zh"), ("fr", "zh")]
)
def test_lang_of(value, lang):
    assert i18n.lang_of(value) == lang


# ----- the documents tab's messages (from rag.web.library's results; its table: test_docs_tab.py) -----
def test_upload_and_removal_messages():
    from pathlib import Path

    from rag.web.library import Added, DuplicateContent, Removed, UnreadableFile, UnsupportedType

    assert library_view.upload_messages(Added("a.txt", "a.txt", 2), "zh") == ["已加入索引：a.txt（2 个段落）"]
    renamed = library_view.upload_messages(Added("a.txt", "a-2.txt", 1), "en")
    assert renamed[0] == "A document named a.txt exists already; the new file was saved as a-2.txt."
    assert renamed[1].startswith("Indexed a-2.txt") and len(renamed) == 2
    bad = library_view.upload_messages(UnsupportedType("t.exe", (".txt", ".md")), "en")
    assert bad == ["t.exe: unsupported file type; supported: .txt .md"]
    dup = library_view.upload_messages(DuplicateContent("b.txt", "a.txt"), "en")
    assert dup == ["b.txt has the same content as the indexed a.txt; not added again."]
    unreadable = library_view.upload_messages(UnreadableFile("e.txt", ValueError("empty document")), "zh")
    assert unreadable == ["e.txt：无法读取：empty document"]

    moved = Path("uploads/.removed/a.txt")
    assert library_view.removal_message(Removed("a.txt", moved, None), "en") == (
        f"Removed a.txt from the index; the file was moved to {moved}."
    )
    kept = library_view.removal_message(Removed("b.txt", None, Path("corpus/b.txt")), "zh")
    assert kept.startswith("已从索引移除 b.txt。原文件 corpus/b.txt 未改动")
    assert "原文件 c.txt 未改动" in library_view.removal_message(Removed("c.txt", None, None), "zh")


def test_page_text_helpers():
    assert i18n.header_markdown("en") == f"## {i18n.t('en', 'title')}\n{i18n.t('en', 'subtitle')}"
    assert [v for _, v in i18n.mode_choices("zh")] == list(i18n.MODES)
    assert [v for _, v in i18n.answerer_choices("en")] == ["extractive", "llm"]
    assert i18n.llm_note("m", "http://x/v1", "zh") == "大语言模型：m（http://x/v1）"
    assert i18n.llm_note("m", "", "en") == i18n.t("en", "llm_off_note")
    out = library_view.bullet_list(["a*b <script>", "第二条"])
    assert out == "- a\\*b &lt;script&gt;\n- 第二条"


def test_templates_and_static_files_come_from_the_package():
    from importlib import resources

    templates = [
        f.name for f in (resources.files("rag.web") / "templates").iterdir() if f.name.endswith(".html")
    ]
    assert {"sources.html", "document.html", "ranked.html", "highlight.html"} <= set(templates)
    for name in templates:
        markup.environment().get_template(name)  # each one parses
    assert markup.render("document.html", s=i18n.strings()["en"], doc=None, body="") == answers.document_html(
        None, None, "en"
    )
    assert str(markup.highlight("<b>", [])) == "&lt;b&gt;"  # autoescape is on
    for name in ("cards.css", "page.css", "citations.js", "sources.js", "doc_view.js"):
        assert markup.static_text(name).strip(), name


# ----- issue 16: notices in the page's language, streaming pieces, the report -----
def test_notices_speak_the_pages_language():
    from rag.web.answers import answer_markdown, partial_markdown

    found = Answer("王增田是谁？", "资料中没有找到可靠的答案。", True, "王增田是谁？")
    assert answer_markdown(found, "en") == i18n.t("en", "not_found")
    assert "资料中没有找到" in answer_markdown(found, "zh")  # the answerer's own words in its language
    english = Answer("Who is Wang?", "资料中没有找到可靠的答案。", True, "Who is Wang?")
    assert answer_markdown(english, "en") == markup.esc(i18n.t("en", "ask_in_chinese"))
    assert answer_markdown(english, "zh") == markup.esc(i18n.t("zh", "ask_in_chinese"))
    hello = Answer("你好", "你好！", False, "你好")
    assert answer_markdown(hello, "en") == markup.esc(i18n.t("en", "smalltalk_greeting"))
    assert partial_markdown("你好", "你好！", "en") == markup.esc(i18n.t("en", "smalltalk_greeting"))
    assert partial_markdown("王增田是谁？", "资料中没有找到", "en") == i18n.t("en", "not_found")
    assert partial_markdown("王增田是谁？", "王增田*是*", "en") == markup.md_text("王增田*是*")
    # small talk has no sources: the panel says what it will show, not that nothing was found
    assert i18n.t("en", "sources_empty") in answers.sources_html(hello, {}, "en")


def test_stream_pieces_cut_after_sentences_and_keep_markers():
    from rag.web.streaming import paced, pieces

    text = "经查，王增田擅离职守。[1] 区纪委监委给予他处分。[2][3]尾"
    assert pieces(text) == ["经查，王增田擅离职守。[1]", " 区纪委监委给予他处分。[2][3]", "尾"]
    assert "".join(pieces(text)) == text and pieces("") == [] and pieces("一个词") == ["一个词"]
    assert list(paced(text, pause=0)) == pieces(text)


def test_report_html_in_each_language(tmp_path):
    import json

    from PIL import Image

    from rag.web.report_view import report_html

    missing = report_html(tmp_path, "en")
    assert "No evaluation report yet" in missing and "<img" not in missing
    results = {
        "created": "2026-11-22T07:21:46+00:00",
        "questions_file": "q.jsonl",
        "k": 10,
        "questions": [{}, {}, {}],
        "metrics": {"hybrid": {"all": {"n": 3.0, "R@1": 0.5}, "tune": {"n": 2.0, "R@1": 1.0}}},
        "answer_metrics": {"all": {"n_answerable": 3.0, "accuracy": 0.6667}},
    }
    (tmp_path / "results.json").write_text(json.dumps(results), "utf-8")
    Image.new("RGB", (4, 2), "white").save(tmp_path / "recall.png")
    zh, en = report_html(tmp_path, "zh"), report_html(tmp_path, "en")
    assert "调参集" in zh and "混合" in zh and "0.500" in zh and "0.667" in zh and "共 3 个问题" in zh
    assert "tune" in en and "Hybrid" in en and "3 questions" in en
    assert zh.count("<img") == 1 and 'src="data:image/png;base64,' in zh  # inlined: no URL to 404
    (tmp_path / "results.json").write_text("{not json", "utf-8")
    assert "No evaluation report yet" in report_html(tmp_path, "en")  # a broken file is no crash
