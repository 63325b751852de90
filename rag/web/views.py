"""Pure HTML and text building for the chat page: the page's strings, answers with clickable citations,
the sources panel, the document view with the cited span highlighted, the retrieval-test lists, and the
documents tab's table and messages about uploads and removals (from rag.web.library's results).

Every piece of document text goes through html.escape: a document containing HTML or <script> shows
as text, never as markup. Offsets are into Document.text, as everywhere else. No gradio here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rag.types import Answer, Citation, Document, Hit
from rag.web.library import (
    Added,
    DuplicateContent,
    Entry,
    Removed,
    UnreadableFile,
    UnsupportedType,
    UploadError,
)

LANGS = ("zh", "en")

# One dict per language; ui.py reads its labels from here too, so a missing key fails in tests.
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "文档问答",
        "subtitle": "用中文提问，答案中的编号 [n] 指向原文中被引用的句子。",
        "tab_chat": "问答",
        "tab_docs": "文档",
        "tab_retrieval": "检索测试",
        "chat_label": "对话",
        "chat_placeholder": "在下方输入问题，或点击一个示例问题。",
        "question_label": "问题",
        "question_placeholder": "输入问题，按回车发送",
        "send": "发送",
        "new_chat": "新对话",
        "settings": "设置",
        "mode": "检索方式",
        "mode_hybrid": "混合（推荐）",
        "mode_dense": "向量",
        "mode_bm25": "关键词 BM25",
        "passages": "参考段落数",
        "answerer": "回答方式",
        "answerer_extractive": "摘录原文",
        "answerer_llm": "大语言模型",
        "llm_off_note": "未配置大语言模型接口（llm_base_url、llm_model），只能使用摘录方式。",
        "llm_on_note": "大语言模型：{model}（{url}）",
        "show_scores": "显示检索分数",
        "language": "语言 / Language",
        "sources": "来源",
        "sources_empty": "提问后，这里会列出答案引用的段落。",
        "nearest": "没有找到可靠的答案。以下是最接近的段落：",
        "no_passages": "没有找到相关段落。",
        "open_doc": "打开全文",
        "doc_view": "全文",
        "doc_empty": "点击来源中的“打开全文”，在这里阅读整篇文档。",
        "source": "来源",
        "date": "日期",
        "score": "分数",
        "found_by": "检出",
        "searched_for": "检索语句",
        "cite_title": "引用 [{n}]：{title}",
        "thinking": "正在检索……",
        "error": "出错了：{error}",
        "docs_intro": "已建立索引的文档。上传的文件保存在 {uploads}，移除时移到 {removed}，不会删除。",
        "docs_table": "文档列表",
        "col_title": "标题",
        "col_source": "来源",
        "col_date": "日期",
        "col_chunks": "段落数",
        "col_id": "编号",
        "col_origin": "位置",
        "origin_upload": "上传",
        "origin_corpus": "语料",
        "upload": "上传文件（{suffixes}）",
        "remove_pick": "选择要移除的文档",
        "remove": "从索引移除",
        "refresh": "刷新",
        "indexing": "正在建立索引：{name}",
        "uploaded": "已加入索引：{name}（{chunks} 个段落）",
        "renamed": "已有同名文档 {old}，新文件保存为 {new}。",
        "duplicate": "{name} 与已索引的 {existing} 内容相同，未重复加入。",
        "bad_type": "{name}：不支持的文件类型，支持：{suffixes}",
        "bad_file": "{name}：无法读取：{error}",
        "removed_upload": "已从索引移除 {id}，文件已移到 {dest}。",
        "removed_corpus": "已从索引移除 {id}。原文件 {path} 未改动，下次按语料目录重建索引时会重新加入。",
        "remove_none": "请先选择要移除的文档。",
        "remove_unknown": "索引中没有文档 {id}。",
        "nothing_uploaded": "没有收到文件。",
        "docs_count": "共 {docs} 篇文档，{chunks} 个段落。",
        "query_label": "检索语句",
        "query_placeholder": "输入检索语句，按回车查看各检索器的排序",
        "search": "检索",
        "k_label": "每个检索器显示的段落数",
        "report": "最新评测报告",
        "report_missing": "还没有评测报告（运行 rag eval 生成 {path}）。",
        "retrieval_empty": "输入检索语句后，这里并排列出 bm25、bigram、向量和混合检索的结果。",
        "examples": "示例问题",
    },
    "en": {
        "title": "Ask the documents",
        "subtitle": "Ask in Chinese; each [n] in an answer leads to the cited sentence in its source.",
        "tab_chat": "Chat",
        "tab_docs": "Documents",
        "tab_retrieval": "Retrieval test",
        "chat_label": "Conversation",
        "chat_placeholder": "Type a question below, or click an example question.",
        "question_label": "Question",
        "question_placeholder": "Type a question, press Enter to send",
        "send": "Send",
        "new_chat": "New chat",
        "settings": "Settings",
        "mode": "Retrieval mode",
        "mode_hybrid": "Hybrid (recommended)",
        "mode_dense": "Dense",
        "mode_bm25": "Keyword BM25",
        "passages": "Passages",
        "answerer": "Answerer",
        "answerer_extractive": "Extractive (quotes)",
        "answerer_llm": "LLM",
        "llm_off_note": "No LLM endpoint is configured (llm_base_url, llm_model): only extractive answers.",
        "llm_on_note": "LLM: {model} ({url})",
        "show_scores": "Show retrieval scores",
        "language": "语言 / Language",
        "sources": "Sources",
        "sources_empty": "After you ask, the passages the answer cites are listed here.",
        "nearest": "No reliable answer was found. The nearest passages:",
        "no_passages": "No relevant passages were found.",
        "open_doc": "Open document",
        "doc_view": "Document",
        "doc_empty": "Click “Open document” on a source to read the whole document here.",
        "source": "Source",
        "date": "Date",
        "score": "score",
        "found_by": "found by",
        "searched_for": "Searched for",
        "cite_title": "Citation [{n}]: {title}",
        "thinking": "Searching…",
        "error": "Something went wrong: {error}",
        "docs_intro": "Indexed documents. Uploads are saved in {uploads}; removing one moves it to {removed} "
        "(never deleted).",
        "docs_table": "Documents",
        "col_title": "Title",
        "col_source": "Source",
        "col_date": "Date",
        "col_chunks": "Chunks",
        "col_id": "ID",
        "col_origin": "Where",
        "origin_upload": "upload",
        "origin_corpus": "corpus",
        "upload": "Upload files ({suffixes})",
        "remove_pick": "Document to remove",
        "remove": "Remove from the index",
        "refresh": "Refresh",
        "indexing": "Indexing {name}",
        "uploaded": "Indexed {name} ({chunks} chunks).",
        "renamed": "A document named {old} exists already; the new file was saved as {new}.",
        "duplicate": "{name} has the same content as the indexed {existing}; not added again.",
        "bad_type": "{name}: unsupported file type; supported: {suffixes}",
        "bad_file": "{name}: cannot be read: {error}",
        "removed_upload": "Removed {id} from the index; the file was moved to {dest}.",
        "removed_corpus": "Removed {id} from the index. The file {path} is untouched, so it comes back the "
        "next time the index is rebuilt from its folder.",
        "remove_none": "Choose a document to remove first.",
        "remove_unknown": "There is no document {id} in the index.",
        "nothing_uploaded": "No file received.",
        "docs_count": "{docs} documents, {chunks} chunks.",
        "query_label": "Query",
        "query_placeholder": "Type a query and press Enter to see each retriever's ranking",
        "search": "Search",
        "k_label": "Passages per retriever",
        "report": "Latest evaluation report",
        "report_missing": "No evaluation report yet (rag eval writes {path}).",
        "retrieval_empty": "Type a query to see the bm25, bigram, dense and hybrid rankings side by side.",
        "examples": "Example questions",
    },
}

RETRIEVERS = ("bm25", "bigram", "dense", "hybrid")
MODES = ("hybrid", "dense", "bm25")  # the retrieval modes the chat offers
_MARKER = re.compile(r"\[(\d{1,3})\]")
# ASCII punctuation that Markdown gives a meaning to; `<>&"'` are left to html.escape
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$=:])")


def lang_of(value: str | None) -> str:
    """ "en", "en-US", "English" -> "en"; anything else -> "zh" (the page's default)."""
    return "en" if (value or "").strip().lower().startswith("en") else "zh"


def t(lang: str, key: str, **values: object) -> str:
    return TEXT[lang_of(lang)][key].format(**values)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def md_text(text: str) -> str:
    """Plain text made safe for a Markdown renderer that also accepts inline HTML: Markdown
    punctuation is backslash-escaped, then HTML is escaped."""
    return esc(_MD_SPECIAL.sub(r"\\\1", text))


# ----- highlighting -----
def _merged(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    clipped = sorted((max(0, s), min(length, e)) for s, e in spans)
    out: list[tuple[int, int]] = []
    for s, e in clipped:
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def highlight(text: str, spans: Iterable[tuple[int, int]], mark_id: str | None = None) -> str:
    """`text` escaped, with each (start, end) span (offsets into `text`) wrapped in <mark>.
    Spans are clipped to the text and overlapping ones merged; the first mark gets `mark_id`."""
    out, pos = [], 0
    for i, (s, e) in enumerate(_merged(spans, len(text))):
        attr = f' id="{esc(mark_id)}"' if mark_id and i == 0 else ""
        out.append(esc(text[pos:s]))
        out.append(f"<mark{attr}>{esc(text[s:e])}</mark>")
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out)


# ----- chat messages -----
def answer_markdown(answer: Answer, lang: str = "zh") -> str:
    """The answer as a chat message: text escaped, each [n] with a citation turned into a link to
    source n (its title attribute shows the quoted sentence on hover), and the rewritten query shown
    when it differs from the question."""
    by_n = {c.n: c for c in answer.citations}
    out, pos = [], 0
    for m in _MARKER.finditer(answer.text):
        c = by_n.get(int(m.group(1)))
        if c is None:
            continue
        out.append(md_text(answer.text[pos : m.start()]))
        tip = f"{t(lang, 'cite_title', n=c.n, title=c.title)}\n{c.quote}"
        out.append(f'<a class="cite" href="#src-{c.n}" data-n="{c.n}" title="{esc(tip)}">[{c.n}]</a>')
        pos = m.end()
    out.append(md_text(answer.text[pos:]))
    body = "".join(out)
    rewritten = answer.rewritten_query.strip()
    if rewritten and rewritten != answer.question.strip():
        note = f'<span class="rewritten">{esc(t(lang, "searched_for"))}：{md_text(rewritten)}</span>'
        body = f"{note}\n\n{body}"
    return body


def user_markdown(question: str) -> str:
    return md_text(question)


# ----- the sources panel -----
def _meta_line(doc: Document | None, doc_id: str, lang: str) -> str:
    parts = []
    if doc is not None and doc.source:
        parts.append(f"{esc(t(lang, 'source'))}：{esc(doc.source)}")
    if doc is not None and doc.date:
        parts.append(f"{esc(t(lang, 'date'))}：{esc(doc.date)}")
    parts.append(f'<span class="doc-id">{esc(doc_id)}</span>')
    return " · ".join(parts)


def _open_button(doc_id: str, start: int, end: int, lang: str, n: int | None = None) -> str:
    label = t(lang, "open_doc")
    return (
        f'<button type="button" class="open-doc" data-doc="{esc(doc_id)}" data-start="{start}" '
        f'data-end="{end}" data-n="{n or 0}">{esc(label)}</button>'
    )


def _score_line(hit: Hit | None, lang: str) -> str:
    if hit is None:
        return ""
    via = " + ".join(hit.via)
    return (
        f'<div class="score">{esc(t(lang, "score"))} {hit.score:.4f} · #{hit.rank}'
        f"{' · ' + esc(via) if via else ''}</div>"
    )


def _passage_of(citation: Citation, hits: Sequence[Hit], documents: Mapping[str, Document]):
    """(passage text, its start offset, the hit) for a citation: the cited chunk when it is among the
    hits, else the cited sentence's own paragraph of the document."""
    for h in hits:
        if h.chunk.id == citation.chunk_id:
            return h.chunk.text, h.chunk.start, h
    doc = documents.get(citation.doc_id)
    if doc is None:
        return citation.quote, citation.start, None
    s = doc.text.rfind("\n", 0, citation.start) + 1
    e = doc.text.find("\n", citation.end)
    e = len(doc.text) if e < 0 else e
    return doc.text[s:e], s, None


def sources_html(
    answer: Answer | None, documents: Mapping[str, Document], lang: str = "zh", show_scores: bool = False
) -> str:
    """The sources panel: one card per citation (title, source, date, the passage with the cited
    sentence in <mark>), or the nearest passages when the answer abstained."""
    head = f'<h3 class="panel-title">{esc(t(lang, "sources"))}</h3>'
    if answer is None:
        return f'<div class="rag-sources">{head}<p class="empty">{esc(t(lang, "sources_empty"))}</p></div>'
    cards = []
    if answer.citations:
        for c in answer.citations:
            text, offset, hit = _passage_of(c, answer.hits, documents)
            doc = documents.get(c.doc_id)
            passage = highlight(text, [(c.start - offset, c.end - offset)])
            cards.append(
                f'<li class="src" id="src-{c.n}" tabindex="-1" data-n="{c.n}">'
                f'<div class="src-head"><span class="src-n">[{c.n}]</span> '
                f'<span class="src-title">{esc(c.title or (doc.title if doc else c.doc_id))}</span></div>'
                f'<div class="src-meta">{_meta_line(doc, c.doc_id, lang)}</div>'
                f'<blockquote class="passage">{passage}</blockquote>'
                f"{_score_line(hit, lang) if show_scores else ''}"
                f"{_open_button(c.doc_id, c.start, c.end, lang, c.n)}</li>"
            )
        body = f'<ol class="src-list">{"".join(cards)}</ol>'
    elif answer.hits:
        for h in answer.hits:
            doc = documents.get(h.chunk.doc_id)
            cards.append(
                f'<li class="src nearest" tabindex="-1">'
                f'<div class="src-head"><span class="src-title">{esc(h.title or h.chunk.doc_id)}</span></div>'
                f'<div class="src-meta">{_meta_line(doc, h.chunk.doc_id, lang)}</div>'
                f'<blockquote class="passage">{esc(h.chunk.text)}</blockquote>'
                f"{_score_line(h, lang) if show_scores else ''}"
                f"{_open_button(h.chunk.doc_id, h.chunk.start, h.chunk.end, lang)}</li>"
            )
        body = (
            f'<p class="nearest-note">{esc(t(lang, "nearest"))}</p><ul class="src-list">{"".join(cards)}</ul>'
        )
    else:
        body = f'<p class="empty">{esc(t(lang, "no_passages"))}</p>'
    return f'<div class="rag-sources">{head}{body}</div>'


# ----- the document view -----
def document_html(doc: Document | None, span: tuple[int, int] | None = None, lang: str = "zh") -> str:
    """The whole document, escaped, with `span` (offsets into doc.text) in <mark id="doc-mark">."""
    if doc is None:
        return f'<div class="rag-doc"><p class="empty">{esc(t(lang, "doc_empty"))}</p></div>'
    body = highlight(doc.text, [span] if span else [], mark_id="doc-mark")
    return (
        f'<article class="rag-doc" data-doc="{esc(doc.id)}">'
        f'<h3 class="doc-title">{esc(doc.title)}</h3>'
        f'<div class="src-meta">{_meta_line(doc, doc.id, lang)}</div>'
        f'<div class="doc-text">{body}</div></article>'
    )


# ----- the retrieval-test view -----
def ranked_lists_html(lists: Mapping[str, Sequence[Hit]], lang: str = "zh") -> str:
    """Each retriever's ranking in its own column, with scores and which retrievers found each passage."""
    if not lists:
        return f'<div class="rag-ranked"><p class="empty">{esc(t(lang, "retrieval_empty"))}</p></div>'
    found: dict[str, list[str]] = {}
    for name in RETRIEVERS:
        if name == "hybrid":
            continue
        for h in lists.get(name, ()):
            found.setdefault(h.chunk.id, []).append(name)
    cols = []
    for name in [n for n in RETRIEVERS if n in lists] + [n for n in lists if n not in RETRIEVERS]:
        items = []
        for h in lists[name]:
            by = found.get(h.chunk.id) or list(h.via)
            badges = "".join(f'<span class="badge b-{esc(b)}">{esc(b)}</span>' for b in by)
            items.append(
                f'<li class="ranked-hit" data-chunk="{esc(h.chunk.id)}">'
                f'<div class="hit-head"><span class="rank">#{h.rank}</span> '
                f'<span class="score">{esc(t(lang, "score"))} {h.score:.4f}</span></div>'
                f'<div class="hit-title">{esc(h.title or h.chunk.doc_id)}</div>'
                f'<div class="found">{esc(t(lang, "found_by"))}: {badges}</div>'
                f'<p class="hit-text">{esc(h.chunk.text)}</p></li>'
            )
        empty = f'<p class="empty">{esc(t(lang, "no_passages"))}</p>' if not items else ""
        cols.append(
            f'<section class="ranked-col" data-retriever="{esc(name)}"><h4>{esc(name)}</h4>'
            f"{empty}<ol>{''.join(items)}</ol></section>"
        )
    return f'<div class="rag-ranked">{"".join(cols)}</div>'


# ----- page text: header, choices, the documents tab -----
def header_markdown(lang: str) -> str:
    return f"## {t(lang, 'title')}\n{t(lang, 'subtitle')}"


def mode_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, f"mode_{m}"), m) for m in MODES]


def answerer_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "answerer_extractive"), "extractive"), (t(lang, "answerer_llm"), "llm")]


def llm_note(model: str, url: str, lang: str) -> str:
    """Which LLM answers, or (no model or url) that only extractive answers are available."""
    return t(lang, "llm_on_note", model=model, url=url) if model and url else t(lang, "llm_off_note")


def documents_table(entries: Sequence[Entry], lang: str) -> tuple[list[str], list[list]]:
    """(headers, rows) of the documents table."""
    columns = ("col_title", "col_source", "col_date", "col_chunks", "col_id", "col_origin")
    origin = {True: t(lang, "origin_upload"), False: t(lang, "origin_corpus")}
    rows = [[e.title, e.source, e.date, e.chunks, e.id, origin[e.uploaded]] for e in entries]
    return [t(lang, k) for k in columns], rows


def document_choices(entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """(label, doc id) pairs for the remove picker."""
    return [(f"{e.title} — {e.id}", e.id) for e in entries]


def documents_count(entries: Sequence[Entry], lang: str) -> str:
    return t(lang, "docs_count", docs=len(entries), chunks=sum(e.chunks for e in entries))


def upload_messages(outcome: Added | UploadError, lang: str) -> list[str]:
    """What the page says about one uploaded file: indexed (and under which name), or why not."""
    if isinstance(outcome, Added):
        renamed = [t(lang, "renamed", old=outcome.name, new=outcome.doc_id)] if outcome.renamed else []
        return [*renamed, t(lang, "uploaded", name=outcome.doc_id, chunks=outcome.chunks)]
    if isinstance(outcome, UnsupportedType):
        return [t(lang, "bad_type", name=outcome.name, suffixes=" ".join(outcome.suffixes))]
    if isinstance(outcome, DuplicateContent):
        return [t(lang, "duplicate", name=outcome.name, existing=outcome.existing)]
    error = outcome.error if isinstance(outcome, UnreadableFile) else outcome
    return [t(lang, "bad_file", name=outcome.name, error=error)]


def removal_message(removed: Removed, lang: str) -> str:
    if removed.moved_to is not None:
        return t(lang, "removed_upload", id=removed.doc_id, dest=removed.moved_to)
    return t(lang, "removed_corpus", id=removed.doc_id, path=removed.corpus_file or removed.doc_id)


@dataclass(frozen=True)
class DocumentsView:
    """Everything the documents tab shows, from one listing of the index."""

    headers: list[str]
    rows: list[list]
    choices: list[tuple[str, str]]
    count: str


def documents_view(entries: Sequence[Entry], lang: str) -> DocumentsView:
    headers, rows = documents_table(entries, lang)
    return DocumentsView(headers, rows, document_choices(entries), documents_count(entries, lang))


def bullet_list(messages: Sequence[str]) -> str:
    """Plain-text messages as a Markdown list, each made safe for the renderer."""
    return "\n".join(f"- {md_text(m)}" for m in messages)


# Styles for the markup above (ui.py passes them to the page).
CSS = """
.rag-sources, .rag-doc, .rag-ranked { font-size: 15px; line-height: 1.7; }
.rag-sources .panel-title, .rag-doc .doc-title { margin: 0 0 .4em; font-size: 1.1em; }
.rag-sources .src-list { list-style: none; padding: 0; margin: 0; }
.rag-sources .src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .8em;
  margin: 0 0 .7em; background: var(--background-fill-primary); }
.rag-sources .src.flash { outline: 3px solid #f59e0b; }
.rag-sources .src-n { font-weight: 700; color: var(--color-accent); }
.rag-sources .src-title { font-weight: 600; }
.src-meta { color: var(--body-text-color-subdued); font-size: .85em; }
.rag-sources .passage { margin: .4em 0; padding: .3em .6em; border-left: 3px solid var(--border-color-accent);
  white-space: pre-wrap; word-break: break-word; }
.rag-sources .score, .rag-ranked .score { font-size: .8em; color: var(--body-text-color-subdued); }
mark { background: #fde68a; color: #111; padding: 0 .1em; border-radius: 2px; }
.rag-sources .open-doc { margin-top: .2em; padding: .2em .8em; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--button-secondary-border-color); background: var(--button-secondary-background-fill);
  color: var(--button-secondary-text-color); }
.rag-doc .doc-text { position: relative; white-space: pre-wrap; word-break: break-word; max-height: 60vh;
  overflow-y: auto; padding: .4em .6em; border: 1px solid var(--border-color-primary); border-radius: 8px; }
.rag-ranked { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: .8em; }
.rag-ranked .ranked-col ol { list-style: none; padding: 0; margin: 0; }
.rag-ranked .ranked-col h4 { margin: 0 0 .4em; text-transform: uppercase; }
.rag-ranked .ranked-hit { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .4em .6em; margin-bottom: .5em; font-size: .9em; }
.rag-ranked .hit-text { margin: .3em 0 0; max-height: 9em; overflow-y: auto; white-space: pre-wrap; }
.rag-ranked .hit-title { font-weight: 600; }
.badge { display: inline-block; font-size: .75em; padding: 0 .4em; margin-right: .2em; border-radius: 4px;
  background: #e5e7eb; color: #111; }
.badge.b-bm25 { background: #bfdbfe; }
.badge.b-bigram { background: #ddd6fe; }
.badge.b-dense { background: #bbf7d0; }
a.cite { text-decoration: none; font-weight: 600; color: var(--color-accent) !important; }
a.cite:hover, a.cite:focus-visible { text-decoration: underline; }
.rewritten { font-size: .85em; color: var(--body-text-color-subdued); }
.empty, .nearest-note { color: var(--body-text-color-subdued); }
"""
