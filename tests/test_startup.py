"""Start-up: the page serves questions before the model has loaded (they wait, saying so), and the
command line reports what it loads on stderr without touching its JSON on stdout."""

from __future__ import annotations

import json
import threading

from rag.config import Settings
from rag.index.embedding import HashEmbedder
from rag.web.i18n import t
from rag.web.library import prepare_pipeline
from rag.web.startup import StartingPage

from .test_cli import run


def test_a_question_before_the_model_is_loaded_waits_and_says_so(tmp_path, small_corpus):
    st = Settings(embedder="hash")
    pipeline = prepare_pipeline(
        tmp_path / "index", [small_corpus], tmp_path / "uploads", st, HashEmbedder(), False
    )
    ready = threading.Event()
    page = StartingPage(pipeline, tmp_path / "uploads", tmp_path / "reports", ready=ready)
    steps = page.chat("王增田受到了什么处分？", [], "hybrid", 5, "extractive", False, "en")
    first = next(steps)
    assert t("en", "loading_model") in first.messages[-1]["content"]
    waiting = threading.Thread(target=lambda: steps.__next__())
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive()  # held until the model is there
    ready.set()
    waiting.join()
    final = list(steps)[-1]
    assert final.shown is not None and "王增田" in final.shown.text
    ready_page = StartingPage(pipeline, tmp_path / "uploads", tmp_path / "reports", ready=ready)
    shown = next(ready_page.chat("王增田受到了什么处分？", [], "hybrid", 5, "extractive", False, "en"))
    assert t("en", "loading_model") not in shown.messages[-1]["content"]  # loaded: no such message


def test_search_reports_loading_on_stderr_and_keeps_stdout_json(tmp_path, small_corpus):
    r = run(["index", str(small_corpus), "--index", "idx"], tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(["search", "王增田受到了什么处分？", "--index", "idx", "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["hits"]
    assert "loading the index" in r.stderr and "ready in" in r.stderr
    r = run(["ask", "王增田受到了什么处分？", "--index", "missing"], tmp_path)
    assert r.returncode == 2 and "rag index" in r.stderr and "Traceback" not in r.stderr
