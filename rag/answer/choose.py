"""The answerer a setting names: `combined` (the default: the extractive reader, and where it finds
no good sentence the learned reader when its decline model is confident; rag.answer.combined), the
extractive reader (hand rules, led by its short answer: rag.answer.short_first), the learned reader
(rag.answer.learned: trained on public question sets; docs/reader.md), or an LLM behind an
OpenAI-compatible endpoint that falls back to the extractive reader; each behind the guard that
refuses instructions and gibberish."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from rag.answer.extractive import Answerer, ExtractiveAnswerer
from rag.answer.guard import GuardedAnswerer
from rag.answer.short_first import ShortFirst
from rag.config import Settings

if TYPE_CHECKING:
    from rag.answer.qa_reader import QAReader


def make_answerer(settings: Settings, name: str | None = None) -> Answerer:
    """`name` ("extractive", "combined", "learned" or "llm"; the `answerer` setting when None), guarded
    (rag.answer.guard)."""
    return GuardedAnswerer(_answerer(settings, name))


def span_reader(settings: Settings) -> QAReader | None:
    """The fine-tuned span reader of the bundled model (built in the model cache on first use), or None
    when the `span_reader` setting turns it off: short answers then come from the feature span model."""
    if not settings.span_reader:
        return None
    return _span_reader_or_none(str(settings.resolved_model_cache()))


@lru_cache(maxsize=2)
def _span_reader_or_none(model_cache: str) -> QAReader | None:
    """The span reader, or None (said once on stderr) when it cannot be built or loaded, e.g. on a full
    disk: answers then keep the feature span model's short answers instead of every question failing."""
    from rag.answer.qa_reader import qa_reader

    try:
        return qa_reader(model_cache)
    except Exception as exc:  # noqa: BLE001 - any failure of an optional part; the answer goes on without it
        print(
            f"warning: the span reader could not be built ({type(exc).__name__}: {exc}); "
            "short answers come from the feature span model",
            file=sys.stderr,
            flush=True,
        )
        return None


def _answerer(settings: Settings, name: str | None) -> Answerer:
    name = name or settings.answerer
    extractive = ExtractiveAnswerer()
    if name == "extractive":
        # the quote as before, led by its short answer when confident
        return ShortFirst(extractive, span_reader(settings))
    if name == "combined":
        from rag.answer.combined import CombinedAnswerer

        return CombinedAnswerer(spans=span_reader(settings))
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
    raise ValueError(f"unknown answerer {name!r}; choose extractive, combined, learned or llm")


def make_case_answerer(settings: Settings, name: str | None = None, snapshot=None) -> Answerer:
    """The named answerer, with counting/listing questions answered from `snapshot`'s case table."""
    from rag.answer.counting import CaseTableAnswerer

    return CaseTableAnswerer(make_answerer(settings, name), snapshot)
