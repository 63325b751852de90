"""What the chat tab shows of an answer: the chat message with clickable citations, the sources panel
with the cited sentence highlighted in its passage, and the whole document with the span highlighted.

Offsets are into Document.text, as everywhere else. The HTML comes from templates (autoescaped, see
rag.web.markup); the chat message is Markdown, its text escaped by md_text. No gradio here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from rag.query import smalltalk
from rag.types import Answer, Citation, Document, Hit
from rag.web.i18n import ANSWER_LANG, lang_of, strings, t
from rag.web.markup import esc, highlight, macro, md_text, render
from rag.zh.lexicon import lexicon
from rag.zh.text import has_han

_MARKER = re.compile(r"\[(\d{1,3})\]")


# ----- chat messages -----
def notice(question: str, text: str, abstained: bool, lang: str) -> str | None:
    """What the page says instead of the answerer's own words, in the page's language: the reply to
    small talk, that nothing was found (the answerers write Chinese), that questions should be Chinese."""
    kind = smalltalk.kind_of(question)
    if kind is not None:
        return t(lang, f"smalltalk_{kind}")
    if not abstained and not text.startswith(lexicon().text("answers.not_found_prefix")):
        return None
    if not has_han(question):  # an English question found nothing: say how to ask
        return t(lang, "ask_in_chinese")
    return t(lang, "not_found") if lang_of(lang) != ANSWER_LANG else None


def partial_markdown(question: str, partial: str, lang: str) -> str:
    """The answer while it streams in (the notice at once when there will be one)."""
    said = notice(question, partial, False, lang)
    return esc(said) if said is not None else md_text(partial)


def answer_markdown(answer: Answer, lang: str = "zh") -> str:
    """The answer as a chat message: text escaped, each [n] with a citation turned into a link to
    source n (its title attribute shows the quoted sentence on hover), and the rewritten query shown
    when it differs from the question."""
    said = notice(answer.question, answer.text, answer.abstained and not answer.citations, lang)
    if said is not None:
        return esc(said)
    cite = macro("chat.html", "cite")
    by_n = {c.n: c for c in answer.citations}
    out, pos = [], 0
    for m in _MARKER.finditer(answer.text):
        c = by_n.get(int(m.group(1)))
        if c is None:
            continue
        out.append(md_text(answer.text[pos : m.start()]))
        page = f" · {t(lang, 'cite_page', n=c.page)}" if c.page else ""
        out.append(cite(c.n, f"{t(lang, 'cite_title', n=c.n, title=c.title)}{page}\n{c.quote}"))
        pos = m.end()
    out.append(md_text(answer.text[pos:]))
    body = "".join(out)
    rewritten = answer.rewritten_query.strip()
    if rewritten and rewritten != answer.question.strip():
        note = macro("chat.html", "rewritten")(t(lang, "searched_for"), Markup(md_text(rewritten)))
        body = f"{note}\n\n{body}"
    return body


def user_markdown(question: str) -> str:
    return md_text(question)


# ----- the sources panel -----
@dataclass(frozen=True)
class Card:
    """One passage in the sources panel; start..end is what "open document" highlights."""

    n: int  # the citation number; 0 for a nearest passage
    title: str
    doc_id: str
    doc: Document | None
    passage: Markup  # escaped, the cited sentence marked
    hit: Hit | None  # for its score, when the passage is a retrieved chunk
    start: int
    end: int
    page: int = 0  # the cited sentence's page in a paged document (PDF); 0 when not paged


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


def citation_card(c: Citation, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Card:
    text, offset, hit = _passage_of(c, hits, documents)
    doc = documents.get(c.doc_id)
    title = c.title or (doc.title if doc else c.doc_id)
    passage = highlight(text, [(c.start - offset, c.end - offset)])
    return Card(c.n, title, c.doc_id, doc, passage, hit, c.start, c.end, c.page)


def nearest_card(h: Hit, documents: Mapping[str, Document]) -> Card:
    doc_id = h.chunk.doc_id
    passage = highlight(h.chunk.text, [])
    return Card(0, h.title or doc_id, doc_id, documents.get(doc_id), passage, h, h.chunk.start, h.chunk.end)


def sources_html(
    answer: Answer | None, documents: Mapping[str, Document], lang: str = "zh", show_scores: bool = False
) -> str:
    """The sources panel: one card per citation (title, source, date, the passage with the cited
    sentence in <mark>), or the nearest passages when the answer abstained."""
    nearest = answer is not None and not answer.citations
    if answer is None:
        cards = []
    elif answer.citations:
        cards = [citation_card(c, answer.hits, documents) for c in answer.citations]
    else:
        cards = [nearest_card(h, documents) for h in answer.hits]
    return str(
        render(
            "sources.html",
            s=strings()[lang_of(lang)],
            answered=answer is not None and bool(answer.hits or answer.citations or answer.abstained),
            cards=cards,
            nearest=nearest,
            show_scores=show_scores,
        )
    )


# ----- the document view -----
def document_html(doc: Document | None, span: tuple[int, int] | None = None, lang: str = "zh") -> str:
    """The whole document, escaped, with `span` (offsets into doc.text) in <mark id="doc-mark">."""
    body = highlight(doc.text, [span] if span else [], mark_id="doc-mark") if doc else ""
    return str(render("document.html", s=strings()[lang_of(lang)], doc=doc, body=body))
