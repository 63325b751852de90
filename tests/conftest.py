"""Shared fixtures: a deterministic fake embedder and small corpora, so most tests run in
milliseconds without the real model; and the session's model cache, so tests write only under
pytest's tmp folders."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The converted-model cache of this test session, instead of the user's ~/.cache: the bundled
    model is converted there the first time a test needs it, and every later test reuses it.

    The libraries' own files go to the session's tmp folder too: jieba's dictionary cache, gradio's
    uploads and torch's compile cache (the temp dir), matplotlib's font cache, ir_datasets' folder
    (imported by ranx), Chromium's profile (HOME, XDG_*). Nothing imports them before this runs:
    collection imports no heavy library."""
    folder = tmp_path_factory.mktemp("model-cache")
    user = tmp_path_factory.mktemp("user")
    patch = pytest.MonkeyPatch()
    patch.setenv("RAG_MODEL_CACHE", str(folder))  # load_settings(), and the CLI in subprocesses
    patch.setattr("rag.config.default_model_cache", lambda: str(folder))  # Settings() built in tests
    for name in ("home", "cache", "config", "data"):
        (user / name).mkdir()
    # the session's base folder, not one inside it: gradio serves files only from under the temp dir,
    # and the tests' own tmp folders must stay under it
    temp = str(tmp_path_factory.getbasetemp())
    patch.setenv("HOME", str(user / "home"))
    patch.setenv("XDG_CACHE_HOME", str(user / "cache"))
    patch.setenv("XDG_CONFIG_HOME", str(user / "config"))
    patch.setenv("XDG_DATA_HOME", str(user / "data"))
    patch.setenv("TMPDIR", temp)  # subprocesses
    patch.setattr(tempfile, "tempdir", temp)  # this process: gettempdir() is cached
    yield folder
    patch.undo()


class CountingEmbedder:
    """Hashes character bigrams into a small vector; counts how many texts it embedded."""

    def __init__(self, dim: int = 32, name: str = "fake-bigram-32") -> None:
        self.name = name
        self.dim = dim
        self.embedded = 0

    def embed(self, texts, kind="passage", show_progress=False) -> np.ndarray:
        self.embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                h = int(hashlib.md5((a + b).encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            out[i, 0] += 1e-3  # never an all-zero row
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(autouse=True)
def no_span_reader_without_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fine-tuned span reader is built from the bundled model: tests without the `model` mark
    answer without it (short answers from the feature span model), as with `span_reader = false`."""
    if request.node.get_closest_marker("model") is None:
        monkeypatch.setattr("rag.answer.choose.span_reader", lambda settings: None)


@pytest.fixture
def fake_embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "王增田受处分\n\n经查，王增田在疫情防控期间擅离职守。区纪委监委给予王增田党内警告处分。\n",
        encoding="utf-8",
    )
    (corpus / "b.txt").write_text(
        "資源縣強化監督\n\n資源縣委書記黃欽帶隊檢查疫情防控工作。檢查組共發現問題12個。\n",
        encoding="utf-8",
    )
    (corpus / "c.md").write_text(
        "# 天津市纪委监委\n\n天津市纪委监委召开视频会议，部署疫情防控监督检查工作。\n", encoding="utf-8"
    )
    return corpus
