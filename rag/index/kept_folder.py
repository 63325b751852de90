"""A folder made whole or not at all: written in a private sibling, then renamed into place.

Model builds (rag.index.e5onnx), the kept optimised ONNX graph (rag.index.ort_cache) and the kept
tokenizer pieces (rag.index.query_tokenizer) are all made this way, so that a process stopped half-way
never leaves a folder that looks finished, and processes starting together may race: the first
rename wins and the others keep its folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def publish_folder(dest: Path, fill: Callable[[Path], None], finished: Callable[[Path], bool]) -> None:
    """`fill(folder)` writes the new folder's content, then it is renamed to `dest`. If the rename
    fails because another process finished `dest` first (`finished(dest)`), that one is kept.
    `fill` may use `folder.parent` (private, removed afterwards) for scratch files."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.tmp-"))
    folder = tmp / "copy"  # mkdtemp's own folder is private (0700): the copy gets the usual mode
    try:
        folder.mkdir()
        fill(folder)
        try:
            os.rename(folder, dest)
        except OSError:
            if not finished(dest):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
