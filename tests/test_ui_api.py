"""The page's named API endpoints, driven with gradio_client like any outside program would."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from rag.config import Settings  # noqa: E402
from rag.index.embedding import HashEmbedder  # noqa: E402
from rag.web import app as ui  # noqa: E402
from rag.web.library import prepare_pipeline  # noqa: E402
from rag.web.page import ChatPage  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(root: Path, settings: Settings, embedder=None):
    """The real app over a copy of the seeds, with its own index and uploads folder under `root`."""
    corpus = root / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    pipeline = prepare_pipeline(
        root / "index", [corpus], root / "uploads", settings, embedder, progress=False
    )
    app = ui.build_app(pipeline, root / "uploads", root / "reports")
    url = ui.launch(app, port=free_port(), block=False)
    return app, url, pipeline


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    app, url, pipeline = start_app(
        tmp_path_factory.mktemp("ui_api"), Settings(embedder="hash"), HashEmbedder()
    )
    yield url, pipeline, app
    app.close()


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served[0], verbose=False)


def _check_citations(result: dict, pipeline) -> None:
    assert result["citations"], result
    for c in result["citations"]:
        assert set(c) >= {"n", "doc_id", "quote", "start", "end", "title", "chunk_id"}
        text = pipeline.document(c["doc_id"]).text
        assert 0 <= c["start"] < c["end"] <= len(text)
        assert text[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['n']}]" in result["answer"]


def test_ask_returns_the_answer_with_citations_as_data(client, served):
    result = client.predict(question="王增田受到了什么处分？", api_name="/ask")
    assert result["question"] == "王增田受到了什么处分？"
    assert result["abstained"] is False
    assert "处分" in result["answer"]
    _check_citations(result, served[1])
    assert any("王增田" in c["quote"] for c in result["citations"])
    assert result["hits"] and all("chunk_id" in h for h in result["hits"])


def test_ask_takes_history_mode_and_passages(client, served):
    result = client.predict(
        question="資源縣委書記是誰？",
        history=[["王增田受到了什么处分？", "留党察看二年处分。"]],
        mode="bm25",
        k=3,
        answerer="extractive",
        api_name="/ask",
    )
    assert len(result["hits"]) <= 3
    assert all(h["via"] == ["bm25"] for h in result["hits"])
    _check_citations(result, served[1])
    assert any("黃欽" in c["quote"] for c in result["citations"])


def test_ask_with_unconfigured_llm_is_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="llm_base_url"):
        client.predict(question="王增田受到了什么处分？", answerer="llm", api_name="/ask")


def test_search_and_documents_endpoints(client, served):
    pipeline = served[1]
    found = client.predict(query="王增田 处分", k=3, mode="hybrid", api_name="/search")
    assert found["query"] == "王增田 处分"
    assert 1 <= len(found["hits"]) <= 3
    top = found["hits"][0]
    doc = pipeline.document(top["doc_id"])
    assert doc.text[top["start"] : top["end"]] == top["text"]

    docs = client.predict(api_name="/documents")
    assert sorted(d["id"] for d in docs) == sorted(d.id for d in pipeline.documents())
    assert all(d["chunks"] > 0 and d["uploaded"] is False for d in docs)

    ranked = client.predict(query="王增田", k=4, api_name="/ranked")
    assert set(ranked["lists"]) == {"bm25", "bigram", "dense", "hybrid"}
    assert all(len(v) <= 4 for v in ranked["lists"].values())


def test_chat_internals_are_not_public_endpoints(served):
    from gradio_client import Client

    api = Client(served[0], verbose=False).view_api(print_info=False, return_format="dict")
    named = set(api["named_endpoints"])
    assert {"/ask", "/search", "/documents", "/ranked"} <= named
    assert not any("upload" in n or "remove" in n or "chat" in n for n in named), named


def test_the_language_switch_relabels_every_part_of_the_page(served):
    """Switching to English updates every component the switch declares, and none stays in Chinese
    (a component added to a tab without its label in relabel() fails here)."""
    import re

    app = served[2]
    switch = next(d for d in app.fns.values() if getattr(d.fn, "__name__", "") == "relabel")
    updates = switch.fn("en", [], None, False)
    assert set(updates) == set(switch.outputs) and len(updates) > 25
    han = re.compile(r"[\u4e00-\u9fff]")
    shown = []
    for component, update in updates.items():
        if component is switch.inputs[0]:  # the switch names both languages in their own words
            continue
        if getattr(component, "elem_id", None) == "docs-table":  # the documents' own (Chinese) titles
            assert '<th scope="col">Title</th>' in update
            continue
        if isinstance(update, str):
            shown.append(update)
        for attr in ("label", "placeholder", "value"):
            value = getattr(update, attr, None)
            if isinstance(value, str) and not isinstance(update, str):
                shown.append(value)
    assert len(shown) > 25
    assert [text for text in shown if han.search(text)] == []
    assert {"Chat", "Documents", "Retrieval test", "Send"} <= set(shown)


@pytest.mark.model
def test_ask_with_the_real_model(tmp_path):
    from gradio_client import Client

    app, url, pipeline = start_app(tmp_path, Settings())
    try:
        result = Client(url, verbose=False).predict(
            question="西宁市纪委监委开展了多少次监督检查？", api_name="/ask"
        )
        _check_citations(result, pipeline)
        assert pipeline.snapshot.embedder_name == Settings().embedder
    finally:
        app.close()


# ----- the page's own functions (no server): uploads, removal, streaming, concurrent updates -----
CASE = "紫金县纪委监委通报\n\n经查，刘明远违规收受礼金。县纪委监委给予刘明远开除党籍处分。\n"


@pytest.fixture
def page(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    pipeline = prepare_pipeline(
        tmp_path / "index",
        [corpus],
        tmp_path / "uploads",
        Settings(embedder="hash"),
        HashEmbedder(),
        progress=False,
    )
    return ChatPage(pipeline, tmp_path / "uploads", tmp_path / "reports")


def _file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_upload_saves_indexes_and_says_so(page, tmp_path):
    incoming = tmp_path / "browser-temp"
    messages = page.upload([str(_file(incoming, "case.txt", CASE))], "zh")
    assert messages == ["已加入索引：case.txt（1 个段落）"]
    assert (page.uploads / "case.txt").read_text(encoding="utf-8") == CASE
    assert {"id": "case.txt", "uploaded": True}.items() <= next(
        d for d in page.documents() if d["id"] == "case.txt"
    ).items()
    result = page.ask("刘明远受到了什么处分？")
    assert result["citations"][0]["doc_id"] == "case.txt"


def test_upload_name_clash_gets_a_free_name_and_duplicates_are_refused(page, tmp_path):
    seed_id = sorted(d["id"] for d in page.documents())[0]
    clash = _file(tmp_path / "in1", seed_id, CASE)
    messages = page.upload([str(clash)], "en")
    new_id = seed_id.replace(".txt", "-2.txt")
    assert messages[0] == f"A document named {seed_id} exists already; the new file was saved as {new_id}."
    assert messages[1].startswith(f"Indexed {new_id}")
    assert (page.uploads / new_id).is_file() and not (page.uploads / seed_id).exists()
    assert (
        page.pipeline.document(seed_id).text != page.pipeline.document(new_id).text
    )  # the seed is untouched

    again = _file(tmp_path / "in2", "other-name.txt", CASE)
    assert page.upload([str(again)], "en") == [
        f"other-name.txt has the same content as the indexed {new_id}; not added again."
    ]
    assert not (page.uploads / "other-name.txt").exists()


def test_bad_uploads_get_clear_messages_and_are_not_kept(page, tmp_path):
    before = len(page.documents())
    bad_type = _file(tmp_path / "in", "tool.exe", "MZ")
    empty = _file(tmp_path / "in", "empty.txt", "  \n")
    messages = page.upload([str(bad_type), str(empty)], "en")
    assert messages[0].startswith("tool.exe: unsupported file type; supported: .txt")
    assert messages[1].startswith("empty.txt: cannot be read:") and "empty" in messages[1]
    assert len(page.documents()) == before
    assert list(page.uploads.iterdir()) == []
    assert page.upload([], "zh") == ["没有收到文件。"]


def test_remove_moves_uploads_aside_and_explains_corpus_documents(page, tmp_path):
    page.upload([str(_file(tmp_path / "in", "case.txt", CASE))], "en")
    message = page.remove("case.txt", "en")
    moved = page.uploads / ".removed" / "case.txt"
    assert message == f"Removed case.txt from the index; the file was moved to {moved}."
    assert moved.read_text(encoding="utf-8") == CASE and not (page.uploads / "case.txt").exists()
    assert "case.txt" not in {d["id"] for d in page.documents()}

    # a second upload and removal of the same name never overwrites the first removed copy
    page.upload([str(_file(tmp_path / "in2", "case.txt", CASE + "补充。\n"))], "en")
    page.remove("case.txt", "en")
    assert sorted(p.name for p in (page.uploads / ".removed").iterdir()) == ["case-2.txt", "case.txt"]

    seed_id = sorted(d["id"] for d in page.documents())[0]
    message = page.remove(seed_id, "zh")
    assert message.startswith(f"已从索引移除 {seed_id}。原文件") and "未改动" in message
    assert (tmp_path / "corpus" / seed_id).is_file()  # corpus files are never touched
    assert page.remove(seed_id, "zh") == f"索引中没有文档 {seed_id}。"
    assert page.remove(None, "en") == "Choose a document to remove first."


def test_chat_streams_deltas_keeps_history_and_shows_sources(page, monkeypatch):
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.pipeline import Pipeline

    class Streaming:
        """Streams the extractive answer a few characters at a time, like an LLM would."""

        def stream(self, question, hits, documents):
            final = ExtractiveAnswerer().build(question, hits, documents)
            for i in range(0, len(final.text), 4):
                yield final.text[i : i + 4]
            yield final

    seen_history = []
    real_ask_stream = Pipeline.ask_stream

    def spy(self, question, history=(), **kw):
        seen_history.append(list(history))
        return real_ask_stream(self, question, history, **kw)

    monkeypatch.setattr(Pipeline, "answerer", lambda self, name=None: Streaming())
    monkeypatch.setattr(Pipeline, "ask_stream", spy)
    steps = list(page.chat("王增田受到了什么处分？", [], "hybrid", 5, "extractive", False, "zh"))
    messages, turns, shown, panel, box, doc_view = steps[-1]
    assert len(steps) >= 4  # placeholder, several deltas, final
    partials = [s[0][-1]["content"] for s in steps[1:-1]]
    assert all(len(a) < len(b) for a, b in zip(partials, partials[1:], strict=False))  # text grows
    assert steps[0][4] == ""  # the question box is cleared at once
    assert len(turns) == 1 and turns[0][1].citations and shown is turns[0][1]
    assert 'href="#src-1"' in messages[-1]["content"] and "<mark>" in panel and "rag-doc" in doc_view

    steps = list(page.chat("他后来怎样了？", turns, "hybrid", 5, "extractive", False, "zh"))
    assert len(steps[-1][1]) == 2 and len(steps[-1][0]) == 4
    assert seen_history[-1] == [("王增田受到了什么处分？", turns[0][1].text)]


def test_chat_shows_errors_in_the_conversation(page):
    steps = list(page.chat("王增田受到了什么处分？", [], "hybrid", 5, "llm", False, "en"))
    # a sentence in the page's language, not the exception's text (issue 11, defect 8)
    assert steps[-1][0][-1]["content"].startswith("The LLM answerer is not configured on this server")


def test_queries_use_the_previous_index_while_an_upload_is_indexed(page, tmp_path):
    import threading

    release, entered = threading.Event(), threading.Event()
    embedder = page.pipeline.embedder
    real_embed = embedder.embed

    def slow_embed(texts, kind="passage", show_progress=False):
        if kind == "passage":
            entered.set()
            assert release.wait(30)
        return real_embed(texts, kind=kind, show_progress=show_progress)

    embedder.embed = slow_embed
    upload = _file(tmp_path / "in", "case.txt", CASE)
    worker = threading.Thread(target=page.upload, args=([str(upload)], "zh"))
    worker.start()
    try:
        assert entered.wait(30)
        result = page.ask("王增田受到了什么处分？")  # served while the update holds the lock
        assert result["citations"] and "case.txt" not in {d["id"] for d in page.documents()}
    finally:
        release.set()
        worker.join(30)
    assert "case.txt" in {d["id"] for d in page.documents()}


def test_llm_answerer_is_offered_only_when_configured():
    from types import SimpleNamespace

    off = ChatPage(SimpleNamespace(settings=Settings(answerer="llm")), "unused")
    assert not off.llm_available() and off.default_answerer() == "extractive"
    assert "llm_base_url" in off.llm_note("en")
    with pytest.raises(ValueError, match="llm_base_url"):
        off.answerer(None, "llm")

    on = ChatPage(
        SimpleNamespace(
            settings=Settings(answerer="llm", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
        ),
        "unused",
    )
    assert on.llm_available() and on.default_answerer() == "llm"
    assert on.llm_note("zh") == "大语言模型：m（http://127.0.0.1:9/v1）"


def test_the_pages_local_choice_runs_the_configured_reader():
    from types import SimpleNamespace

    chosen: list[str] = []
    pipe = SimpleNamespace(answerer=lambda name: chosen.append(name) or name)
    for configured, expected in (("combined", "combined"), ("learned", "learned"), ("llm", "combined")):
        page = ChatPage(SimpleNamespace(settings=Settings(answerer=configured)), "unused")
        assert page.default_answerer() == "extractive"  # no LLM endpoint: the local choice
        assert page.answerer(pipe, None) == expected
    assert chosen == ["combined", "learned", "combined"]
