"""The answerer a setting names: the extractive reader, or an LLM behind an OpenAI-compatible
endpoint that falls back to it."""

from __future__ import annotations

from rag.answer.extractive import Answerer, ExtractiveAnswerer
from rag.config import Settings


def make_answerer(settings: Settings, name: str | None = None) -> Answerer:
    """`name` ("extractive" or "llm"; the `answerer` setting when None)."""
    name = name or settings.answerer
    extractive = ExtractiveAnswerer()
    if name == "extractive":
        return extractive
    if name == "learned":
        from rag.answer.learned import LearnedReader

        return LearnedReader()
    if name == "llm":
        from rag.answer.llm import OpenAICompatibleAnswerer

        if not settings.llm_base_url or not settings.llm_model:
            raise ValueError("answerer 'llm' needs llm_base_url and llm_model (rag.toml or RAG_LLM_* env)")
        return OpenAICompatibleAnswerer(
            settings.llm_base_url,
            settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            fallback=extractive,
        )
    raise ValueError(f"unknown answerer {name!r}; choose extractive, learned or llm")
