"""The page's words in each language, loaded in one place from rag/web/strings/<lang>.toml.

A language is a strings file: adding one is adding a file with the same keys (tests check them), and
the language switch offers it. Values are format strings; `t()` fills their {fields}.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

DEFAULT_LANG = "zh"  # the page is built in it; unknown language codes fall back to it
ANSWER_LANG = "zh"  # the language the answerers write in (the documents' language)
MODES = ("hybrid", "dense", "bm25")  # the retrieval modes the chat offers
ANSWERERS = ("extractive", "llm")


@lru_cache(maxsize=1)
def strings() -> dict[str, dict]:
    """{language code: its table}, the default language first, read from the package's data files."""
    folder = resources.files("rag.web") / "strings"
    tables = {
        f.name.removesuffix(".toml"): tomllib.loads(f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".toml")
    }
    return {lang: tables[lang] for lang in sorted(tables, key=lambda code: (code != DEFAULT_LANG, code))}


def languages() -> tuple[str, ...]:
    return tuple(strings())


def lang_of(value: str | None) -> str:
    """ "en", "en-US", "English" -> "en"; anything that names no language of the page -> the default."""
    wanted = (value or "").strip().lower()
    return next((lang for lang in languages() if wanted.startswith(lang)), DEFAULT_LANG)


def t(lang: str, key: str, **values: object) -> str:
    return strings()[lang_of(lang)][key].format(**values)


# ----- labels made of several strings -----
def language_choices() -> list[tuple[str, str]]:
    """(name, code) for the language switch, each language named in itself."""
    return [(table["language_name"], lang) for lang, table in strings().items()]


def example_questions(lang: str) -> list[str]:
    return list(strings()[lang_of(lang)]["example_questions"])


def header_markdown(lang: str) -> str:
    return f"## {t(lang, 'title')}\n{t(lang, 'subtitle')}"


def mode_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, f"mode_{m}"), m) for m in MODES]


def answerer_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, f"answerer_{a}"), a) for a in ANSWERERS]


def llm_note(model: str, url: str, lang: str) -> str:
    """Which LLM answers, or (no model or url) that only extractive answers are available."""
    return t(lang, "llm_on_note", model=model, url=url) if model and url else t(lang, "llm_off_note")


# ----- Gradio's own strings -----
def gradio_locales() -> dict[str, str]:
    """{page language: Gradio's locale for it}: the page sets Gradio's locale from its own language."""
    return {lang: table["gradio_locale"] for lang, table in strings().items()}


def gradio_translations() -> dict[str, dict[str, str]]:
    """{Gradio locale: {Gradio's i18n key: text}}: the strings Gradio's own tables lack, for gr.I18n."""
    return {table["gradio_locale"]: dict(table["gradio"]) for table in strings().values()}


def gradio_aria_labels() -> dict[str, dict[str, str]]:
    """{page language: {Gradio's English aria-label: the label in the language}} for the labels Gradio
    writes outside its i18n (the page's script relabels them)."""
    return {lang: dict(table["gradio_aria"]) for lang, table in strings().items()}
