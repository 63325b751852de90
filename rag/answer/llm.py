"""An answerer behind any OpenAI-compatible chat-completions endpoint (a local llama.cpp / vLLM /
Ollama server, or a hosted API), with the same verified citations as the extractive answerer.

The model gets the numbered passages and is asked for a short Chinese answer citing them as [n].
Its raw tokens are streamed as they come; the final Answer carries the *verified* text: every
claim (sentence) is checked against the passage it cites (every number with its measure word,
and most of its two-character fragments, must be there); a wrong [n] is replaced by the passage
that does support the claim, and a claim no passage supports is dropped. An answer with no
supported claim, a timeout, a refused or dropped connection, all fall back to the extractive
answerer, with a note saying why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from rag.answer.citations import (
    best_supporting_span,
    make_citation,
    renumber,
    split_claims,
    support_score,
    verify_claim,
)
from rag.answer.extractive import NOT_FOUND_PREFIX, Answerer
from rag.answer.quotes import display_text
from rag.query.analysis import Query, as_query
from rag.types import Answer, Citation, Document, Hit

SYSTEM_PROMPT = (
    "你是一个严谨的问答助手，只根据用户给出的编号资料回答问题，不使用资料以外的知识，不编造。"
    "用中文简短回答（一到三句话），直接给出答案。每句话末尾用方括号标注它依据的资料编号，例如：……。[1]"
    "数字、人名、职务、日期要与资料原文一致。"
    f"如果资料中没有答案，只回答：{NOT_FOUND_PREFIX}相关内容。"
)


class LLMError(RuntimeError):
    """The endpoint could not be used; the message is shown to the user (in Chinese)."""


def build_messages(question: str, hits: Sequence[Hit], documents: Mapping[str, Document]) -> list[dict]:
    blocks = []
    for n, hit in enumerate(hits, start=1):
        doc = documents.get(hit.chunk.doc_id)
        title = hit.title or (doc.title if doc else "")
        head = f"[{n}]《{display_text(title)}》" if title else f"[{n}]"
        blocks.append(f"{head}\n{display_text(hit.chunk.text)}")
    user = "资料：\n\n" + "\n\n".join(blocks) + f"\n\n问题：{question}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


@dataclass(frozen=True)
class Verified:
    text: str
    citations: tuple[Citation, ...]
    dropped: tuple[str, ...]  # claims no passage supports
    fixed: int  # [n] markers replaced by the passage that supports the claim


def verify_answer(raw: str, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Verified:
    """Check every claim of a model answer against the passages (numbered 1..len(hits))."""
    claims = split_claims(raw.strip())
    kept: list[tuple[str, list[int]]] = []
    cites: dict[tuple[str, int, int], Citation] = {}
    dropped: list[str] = []
    fixed = 0
    for claim, numbers in claims:
        if not re.search(r"[\w\u4e00-\u9fff]", claim):
            if kept:
                kept[-1] = (kept[-1][0] + claim, kept[-1][1])
            continue
        cited = [n for n in dict.fromkeys(numbers) if 1 <= n <= len(hits)]
        good = [n for n in cited if verify_claim(claim, hits[n - 1].chunk.text)]
        if not good:
            # the claim may be right and its number wrong: the passage that supports it best
            scores = [(support_score(claim, h.chunk.text), i + 1) for i, h in enumerate(hits)]
            score, n = max(scores, default=(0.0, 0))
            if n and verify_claim(claim, hits[n - 1].chunk.text):
                good = [n]
                fixed += 1 if cited else 0
        if not good:
            dropped.append(claim.strip())
            continue
        markers = []
        for n in good:
            hit = hits[n - 1]
            span, _ = best_supporting_span(claim, hit.chunk)
            key = (hit.chunk.id, span[0], span[1])
            if key not in cites:
                cites[key] = make_citation(len(cites) + 1, hit, span, documents)
            markers.append(cites[key].n)
        kept.append((claim, markers))
    text = "".join(
        f"{c.rstrip()}{''.join(f'[{n}]' for n in ns)}{c[len(c.rstrip()) :]}" for c, ns in kept
    ).strip()
    text, citations = renumber(text, tuple(cites.values()))
    return Verified(text=text, citations=citations, dropped=tuple(dropped), fixed=fixed)


class OpenAICompatibleAnswerer:
    """Streams an answer from `{base_url}/chat/completions` (e.g. base_url "http://localhost:8080/v1")."""

    name = "llm"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 60.0,
        fallback: Answerer | None = None,
        max_passages: int = 5,
        temperature: float = 0.0,
        max_tokens: int = 400,
    ) -> None:
        if not base_url or not model:
            raise ValueError("an OpenAI-compatible answerer needs a base URL and a model name")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.fallback = fallback
        self.max_passages = max_passages
        self.temperature = temperature
        self.max_tokens = max_tokens

    # --- the HTTP side ---------------------------------------------------------------------

    def chat_stream(self, messages: list[dict]) -> Iterator[str]:
        """Content deltas of a streamed chat completion; LLMError on any failure."""
        import httpx

        url = f"{self.base_url}/chat/completions"
        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0))
        try:
            with (
                httpx.Client(timeout=timeout) as client,
                client.stream("POST", url, json=body, headers=headers) as r,
            ):
                if r.status_code != 200:
                    detail = r.read().decode("utf-8", "replace")[:200]
                    raise LLMError(f"服务返回 HTTP {r.status_code}：{detail}")
                if "application/json" in r.headers.get("content-type", ""):
                    yield _message_content(json.loads(r.read()))  # a server that does not stream
                    return
                yield from _sse_deltas(r.iter_lines())
        except httpx.TimeoutException:
            raise LLMError(f"请求超时（{self.timeout:g} 秒）") from None
        except httpx.HTTPError as exc:
            raise LLMError(f"连接失败或中断（{type(exc).__name__}）") from None

    # --- the answerer ------------------------------------------------------------------------

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        query = as_query(question)
        passages = list(hits[: self.max_passages])
        if not passages:
            yield from self._fall_back(query, hits, documents, "没有可供回答的资料")
            return
        raw: list[str] = []
        try:
            for delta in self.chat_stream(build_messages(query.rewritten, passages, documents)):
                raw.append(delta)
                yield delta
        except LLMError as exc:
            yield from self._fall_back(query, hits, documents, f"语言模型不可用：{exc}", streamed=bool(raw))
            return
        text = "".join(raw).strip()
        if not text:
            yield from self._fall_back(query, hits, documents, "语言模型没有返回内容", streamed=False)
            return
        checked = verify_answer(text, passages, documents)
        if not checked.citations:
            reason = "语言模型的回答没有能被资料证实的内容"
            if text.startswith(NOT_FOUND_PREFIX):
                reason = "语言模型在资料中没有找到答案"
            yield from self._fall_back(query, hits, documents, reason, streamed=True)
            return
        yield Answer(
            question=query.rewritten,
            text=checked.text,
            abstained=False,
            rewritten_query="",
            citations=checked.citations,
            hits=tuple(passages),
        )

    def _fall_back(
        self,
        query: Query,
        hits: Sequence[Hit],
        documents: Mapping[str, Document],
        reason: str,
        streamed: bool = False,
    ) -> Iterator[str | Answer]:
        note = f"（{reason}；以下是直接摘自资料的回答。）"
        if self.fallback is None:
            text = f"{NOT_FOUND_PREFIX}可以核实的回答。{note.replace('以下是直接摘自资料的回答。', '')}"
            yield Answer(query.rewritten, text, True, "", (), tuple(hits[:3]))
            return
        yield ("\n\n" if streamed else "") + note + "\n"
        final = None
        for item in self.fallback.stream(query, hits, documents):
            if isinstance(item, Answer):
                final = item
            else:
                yield item
        if final is None:
            raise RuntimeError("the fallback answerer produced no Answer")
        yield replace(final, text=f"{final.text}\n{note}")


def _message_content(payload: dict) -> str:
    try:
        return payload["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise LLMError("服务返回的内容格式不对") from None


def _sse_deltas(lines: Iterator[str]) -> Iterator[str]:
    """Parse server-sent events ("data: {...}" ... "data: [DONE]") into content deltas."""
    finished = False
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError:
            raise LLMError("服务返回的数据无法解析") from None
        if "error" in chunk:
            raise LLMError(f"服务报错：{str(chunk['error'])[:200]}")
        for choice in chunk.get("choices") or []:
            delta = (choice.get("delta") or {}).get("content")
            if delta:
                yield delta
            finished = finished or bool(choice.get("finish_reason"))
    if not finished:
        raise LLMError("回答在中途断开")
