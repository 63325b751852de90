"""Small talk: a message that is only a greeting, thanks, a goodbye or an acknowledgement ("你好",
"谢谢！", "好的") is answered with a short reply and no search, and is never treated as a follow-up.

The phrases and replies live in rag/zh/data/smalltalk.toml.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from rag.types import Answer
from rag.zh.lexicon import lexicon, lexicon_cached
from rag.zh.text import fold

KINDS = {  # kind -> its table of phrases
    "greeting": "smalltalk.greetings",
    "thanks": "smalltalk.thanks",
    "goodbye": "smalltalk.goodbyes",
    "acknowledgement": "smalltalk.acknowledgements",
}


@lexicon_cached
@lru_cache(maxsize=1)
def _tables() -> tuple[re.Pattern[str], dict[str, str]]:
    """(the noise pattern, {folded phrase: its kind}); a phrase may end with a particle (你好啊)."""
    lex = lexicon()
    phrases = {}
    for kind, key in KINDS.items():
        for phrase in lex.words(key):
            phrases.setdefault(_squeeze(phrase, lex.pattern("smalltalk.noise")), kind)
    return lex.pattern("smalltalk.noise"), phrases


def _squeeze(text: str, noise: re.Pattern[str]) -> str:
    return noise.sub(" ", fold(text).lower()).strip()


def kind_of(message: str) -> str | None:
    """ "greeting", "thanks", "goodbye" or "acknowledgement" when the message is only that (or several
    such phrases: "你好，谢谢" is a greeting); None for anything else, a question included."""
    noise, phrases = _tables()
    particles = lexicon().text("smalltalk.particles")
    pieces = [p.rstrip(particles) or p for p in _squeeze(message, noise).split(" ") if p]
    if not pieces:
        return None
    kinds = [phrases.get(p) for p in pieces]
    if None not in kinds:
        return kinds[0]
    whole = " ".join(pieces)  # "thank you", "good morning": phrases of several words
    return phrases.get(whole) or phrases.get(whole.rstrip(particles))


def is_smalltalk(message: str) -> bool:
    return kind_of(message) is not None


def reply(kind: str) -> str:
    """The short reply to a kind of small talk (in Chinese, as the rest of the answers)."""
    return lexicon().text(f"smalltalk.replies.{kind}")


def stream(message: str) -> Iterator[str | Answer]:
    """The reply as an answer stream (its text, then the Answer: no citations, no passages); an empty
    message is refused."""
    text = message.strip()
    kind = kind_of(text)
    if not text:
        raise ValueError("the question is empty")
    if kind is None:
        raise ValueError(f"not small talk: {text!r}")
    yield reply(kind)
    yield Answer(question=text, text=reply(kind), abstained=False, rewritten_query=text)


AnswerStream = Callable[..., Iterator[str | Answer]]


def answered_first(ask_stream: AnswerStream) -> AnswerStream:
    """Wraps an answer stream (Pipeline.ask_stream): small talk is replied to without a search, and an
    empty question is refused, before the wrapped stream is called."""

    @functools.wraps(ask_stream)
    def wrapper(owner: Any, question: str, *args: Any, **kwargs: Any) -> Iterator[str | Answer]:
        if not question.strip() or kind_of(question):
            return stream(question)
        return ask_stream(owner, question, *args, **kwargs)

    return wrapper
