"""Tables derived from large shipped data (jieba's dictionary, the thesaurus) kept as JSON in the user's
cache folder, so that a cold process reads a small file instead of deriving them again. A file is named
by a hash of everything it was derived from: a change of the data or of the code's version is a new
name, never a stale read. Unreadable or unwritable: derived again, nothing is lost."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def user_cache_folder(name: str) -> Path | None:
    """rag-zh/<name> in the user's cache folder (XDG_CACHE_HOME), made if missing; None if unwritable."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "rag-zh" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def cache_folder() -> Path | None:
    """rag-zh/tables in the user's cache folder: the derived tables."""
    return user_cache_folder("tables")


def cached_json(name: str, key: object, derive: Callable[[], Any]) -> Any:
    """derive(), or what an earlier derive() with the same `name` and `key` (JSON-serialisable) gave."""
    folder = cache_folder()
    if folder is None:
        return derive()
    digest = hashlib.sha256(json.dumps(key, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]
    path = folder / f"{name}-{digest}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # not kept yet, or damaged: derive again
    value = derive()
    keep_file(path, json.dumps(value, ensure_ascii=False).encode("utf-8"))
    return value


def keep_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a kept copy: a failure only means deriving it
    again next time); processes starting together may both write it."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
