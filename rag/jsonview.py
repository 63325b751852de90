"""The JSON shapes of hits and answers, shared by the CLI (--json) and the web page's API."""

from __future__ import annotations

from rag.types import Answer, Citation, Hit


def hit_to_dict(hit: Hit) -> dict:
    c = hit.chunk
    return {
        "rank": hit.rank,
        "score": round(float(hit.score), 6),
        "chunk_id": c.id,
        "doc_id": c.doc_id,
        "title": hit.title,
        "text": c.text,
        "start": c.start,
        "end": c.end,
        "via": list(hit.via),
    }


def citation_to_dict(citation: Citation) -> dict:
    out = {
        "n": citation.n,
        "chunk_id": citation.chunk_id,
        "doc_id": citation.doc_id,
        "title": citation.title,
        "quote": citation.quote,
        "start": citation.start,
        "end": citation.end,
    }
    if citation.page:  # a paged document (PDF): the 1-based page the quote starts on
        out["page"] = citation.page
    return out


def search_to_dict(query: str, hits: list[Hit]) -> dict:
    return {"query": query, "hits": [hit_to_dict(h) for h in hits]}


def answer_to_dict(answer: Answer) -> dict:
    out = {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "rewritten_query": answer.rewritten_query,
        "citations": [citation_to_dict(c) for c in answer.citations],
        "hits": [hit_to_dict(h) for h in answer.hits],
    }
    if answer.short_answer:  # the span the answer leads with (「羅爾德·阿蒙森」), without its brackets
        out["short_answer"] = answer.short_answer
    return out
