"""bm25s without numba and scipy. bm25s imports both at its own import when they are installed (numba's
compiler and scipy.sparse: 1-2 s of a cold `rag ask`, more than the rest of the index), though the
numpy backends rag uses (`BM25()`, `BM25.load`, `get_scores`: backend and csc_backend "numpy") call
neither. While bm25s is imported, a finder answers "not installed" to imports made by bm25s's own
modules only: other threads (the model loading meanwhile) and other modules import them as usual."""

from __future__ import annotations

import importlib.abc
import sys
import threading
from types import ModuleType

HIDDEN = ("numba", "scipy")
_lock = threading.Lock()


def _asked_by_bm25s() -> bool:
    """Whether the import being resolved comes from a bm25s module (the nearest frame outside the
    import machinery); frames are per thread, so another thread's imports never match."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(("importlib", "_frozen_importlib")) and name != __name__:
            return name == "bm25s" or name.startswith("bm25s.")
        frame = frame.f_back
    return False


class _Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in HIDDEN and _asked_by_bm25s():
            raise ModuleNotFoundError(f"{name} is not used by rag's bm25s backends", name=name)
        return None


def import_bm25s() -> ModuleType:
    """The bm25s module, imported once without its optional accelerators."""
    with _lock:
        if "bm25s" in sys.modules:
            return sys.modules["bm25s"]
        finder = _Hide()
        sys.meta_path.insert(0, finder)
        try:
            import bm25s
        finally:
            sys.meta_path.remove(finder)
        return bm25s
