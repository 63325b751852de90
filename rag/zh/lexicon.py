"""The language and domain tables (word lists, character sets, patterns), loaded in one place.

The tables ship as TOML files in `rag/zh/data/`; each file is a namespace named after its stem
(`places.toml` -> "places.suffixes"). A user adds files of their own with the `lexicon_paths`
setting: their top-level tables name the namespace they extend. Merge rule: a list extends the
shipped list (duplicates dropped, order kept), any other value replaces it.

    [places]
    suffixes = "省市区县州镇乡村盟旗"     # a string replaces
    [jieba]
    user_words = ["纪检监察组 10 nt"]     # a list extends

Code reads the tables through `lexicon()`: `words(key)` for a list, `text(key)` for a string,
`number(key)`, and `pattern(key)`, a compiled regex of a list's items joined by "|" (or of a string).
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any


class LexiconError(ValueError):
    """A lexicon file that cannot be read or does not fit the shipped tables."""


@dataclass(frozen=True)
class Lexicon:
    tables: Mapping[str, Any]  # "namespace.key" -> value
    sources: tuple[str, ...] = ()  # the user files merged in, in order
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False, repr=False)

    def value(self, key: str) -> Any:
        try:
            return self.tables[key]
        except KeyError:
            raise KeyError(f"no lexicon table {key!r}") from None

    def words(self, key: str) -> tuple[str, ...]:
        value = self.value(key)
        if not isinstance(value, list | tuple):
            raise LexiconError(f"lexicon table {key!r} is not a list")
        return tuple(value)

    def text(self, key: str) -> str:
        value = self.value(key)
        if not isinstance(value, str):
            raise LexiconError(f"lexicon table {key!r} is not a string")
        return value

    def number(self, key: str) -> float:
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LexiconError(f"lexicon table {key!r} is not a number")
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        """A sub-table: every "key.x" as x -> value."""
        prefix = key + "."
        found = {k[len(prefix) :]: v for k, v in self.tables.items() if k.startswith(prefix)}
        if not found:
            raise KeyError(f"no lexicon table {key!r}")
        return found

    def pattern(self, key: str, template: str = "{}") -> re.Pattern[str]:
        """The table as one regex: a list's items as alternatives, a string as written; `template`
        places it inside a larger pattern ("(?:{})$"). Compiled once per lexicon."""
        cache_key = f"{key}\0{template}"
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            value = self.value(key)
            body = "|".join(value) if isinstance(value, list | tuple) else str(value)
            try:
                compiled = re.compile(template.replace("{}", f"(?:{body})"))
            except re.error as exc:
                raise LexiconError(f"lexicon table {key!r} is not a valid pattern: {exc}") from None
            self._compiled[cache_key] = compiled
        return compiled


def _flatten(data: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for name, value in data.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict):
            _flatten(value, key, out)
        else:
            out[key] = value


def _read_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{origin}: not valid TOML: {exc}") from None


def shipped_tables() -> dict[str, Any]:
    tables: dict[str, Any] = {}
    folder = resources.files("rag.zh") / "data"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten(_read_toml(entry.read_text(encoding="utf-8"), entry.name), entry.name[:-5], tables)
    return tables


def merge(tables: Mapping[str, Any], extra: Mapping[str, Any], origin: str) -> dict[str, Any]:
    merged = dict(tables)
    for key, value in extra.items():
        if key not in merged:
            raise LexiconError(f"{origin}: {key!r} is not a lexicon table; known: see rag/zh/data/*.toml")
        old = merged[key]
        if isinstance(old, list):
            if not isinstance(value, list):
                raise LexiconError(f"{origin}: {key!r} must be a list, as the shipped table is")
            merged[key] = list(dict.fromkeys([*old, *value]))
        elif type(old) is not type(value) and not (isinstance(old, float) and isinstance(value, int)):
            raise LexiconError(f"{origin}: {key!r} must be a {type(old).__name__}")
        else:
            merged[key] = value
    return merged


def load_lexicon(paths: Iterable[str | Path] = ()) -> Lexicon:
    """The shipped tables with the user's files merged in, in order."""
    tables = shipped_tables()
    sources = []
    for path in paths:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise LexiconError(f"lexicon file {p}: {exc.strerror or exc}") from None
        extra: dict[str, Any] = {}
        _flatten(_read_toml(text, str(p)), "", extra)
        tables = merge(tables, extra, str(p))
        sources.append(str(p))
    return Lexicon(tables, tuple(sources))


_lock = threading.Lock()
_current: Lexicon | None = None
_dependents: list[Any] = []


def lexicon_cached(fn):
    """Decorator for an `functools.lru_cache`d function whose results depend on the tables:
    its cache is cleared when `use_lexicon` changes them."""
    _dependents.append(fn)
    return fn


def lexicon() -> Lexicon:
    """The lexicon in use: the shipped tables unless `use_lexicon` chose user files."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = load_lexicon()
    return _current


def use_lexicon(paths: Iterable[str | Path]) -> Lexicon:
    """Merge the user's files (the `lexicon_paths` setting) into the lexicon in use."""
    global _current
    paths = tuple(paths)
    if _current is not None and _current.sources == tuple(str(Path(p)) for p in paths):
        return _current
    loaded = load_lexicon(paths)
    with _lock:
        _current = loaded
    for fn in _dependents:
        fn.cache_clear()
    return loaded
