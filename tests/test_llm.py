"""The OpenAI-compatible answerer against a small chat-completions server started in the test
(http.server in a thread, on a free port), so the real HTTP and streaming code runs."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.answer.extractive import NOT_FOUND_PREFIX, ExtractiveAnswerer
from rag.answer.llm import OpenAICompatibleAnswerer, verify_answer
from rag.types import Answer, Chunk, Document, Hit

P1 = "截至目前，安居区处理疫情防控违纪问题48起，问责党员干部89人。"
P2 = "日前，中兴镇五香庙村党员刘仁甫因擅离职守受到谈话诫勉。"
TEXT = f"安居区纪委监委\n\n{P1}\n\n{P2}\n"
DOCS = {"a.txt": Document(id="a.txt", title="安居区纪委监委", text=TEXT)}


def _hits() -> list[Hit]:
    hits = []
    for n, p in enumerate((P1, P2), start=1):
        start = TEXT.index(p)
        chunk = Chunk(id=f"c{n}", doc_id="a.txt", text=p, start=start, end=start + len(p))
        hits.append(Hit(chunk=chunk, score=1.0 / n, rank=n, via=("bm25",), title="安居区纪委监委"))
    return hits


def _sse(content: str, pieces: int = 4) -> list[bytes]:
    step = max(1, len(content) // pieces)
    events = []
    for i in range(0, len(content), step):
        choice = {"index": 0, "delta": {"content": content[i : i + step]}, "finish_reason": None}
        delta = {"choices": [choice]}
        events.append(f"data: {json.dumps(delta, ensure_ascii=False)}\n\n".encode())
    events.append(b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n')
    events.append(b"data: [DONE]\n\n")
    return events


class FakeChatServer:
    """Answers each POST /v1/chat/completions with the next scripted behaviour."""

    def __init__(self) -> None:
        self.script: list[dict] = []
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append(json.loads(body))
                server.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                step = server.script.pop(0)
                kind = step["kind"]
                if kind == "sleep":
                    time.sleep(step["seconds"])
                    kind = "stream"
                if kind == "status":
                    self.send_error(step["code"], "model not loaded")
                    return
                events = _sse(step.get("content", ""))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                if kind == "drop":
                    # promise more than is sent, then close: the client sees a cut-off body
                    events = events[: step.get("after", 2)]
                    self.send_header("Content-Length", str(sum(map(len, events)) + 500))
                self.end_headers()
                for e in events:
                    self.wfile.write(e)
                    self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with FakeChatServer() as s:
        yield s


def _run(answerer, question: str = "安居区问责了多少党员干部？") -> tuple[str, Answer]:
    streamed, final = [], None
    for item in answerer.stream(question, _hits(), DOCS):
        if isinstance(item, Answer):
            final = item
        else:
            streamed.append(item)
    assert final is not None
    return "".join(streamed), final


def _answerer(server: FakeChatServer, **kw) -> OpenAICompatibleAnswerer:
    kw.setdefault("fallback", ExtractiveAnswerer())
    return OpenAICompatibleAnswerer(server.base_url, "tiny-model", api_key="sk-test", **kw)


def test_correct_answer_with_correct_citation(server):
    server.script.append({"kind": "stream", "content": "安居区问责党员干部89人。[1]"})
    streamed, ans = _run(_answerer(server))
    assert streamed == "安居区问责党员干部89人。[1]"  # raw tokens, as they came
    assert not ans.abstained
    assert ans.text == "安居区问责党员干部89人。[1]"
    (c,) = ans.citations
    assert c.chunk_id == "c1" and c.quote == TEXT[c.start : c.end] and "89人" in c.quote
    # the request: streamed, the model named, the key sent, the passages numbered
    req = server.requests[0]
    assert req["model"] == "tiny-model" and req["stream"] is True
    assert server.headers[0]["Authorization"] == "Bearer sk-test"
    user = req["messages"][-1]["content"]
    assert "[1]" in user and "[2]" in user and P2 in user and "安居区问责了多少党员干部？" in user


def test_wrong_citation_number_is_replaced(server):
    server.script.append({"kind": "stream", "content": "刘仁甫受到谈话诫勉。[1]"})
    _, ans = _run(_answerer(server), "刘仁甫受到了什么处理？")
    assert ans.text == "刘仁甫受到谈话诫勉。[1]"
    assert [c.chunk_id for c in ans.citations] == ["c2"]  # the passage that says it, not passage 1


def test_claim_with_a_number_not_in_the_passage_is_dropped(server):
    server.script.append({"kind": "stream", "content": "安居区问责党员干部48人。[1]处理违纪问题48起。[1]"})
    _, ans = _run(_answerer(server))
    assert "48人" not in ans.text
    assert ans.text == "处理违纪问题48起。[1]"
    assert ans.citations[0].chunk_id == "c1"


def test_answer_with_no_supported_claim_falls_back(server):
    server.script.append({"kind": "stream", "content": "安居区问责党员干部48人。[1]"})
    streamed, ans = _run(_answerer(server))
    assert "48人" in streamed  # what the model said was shown while streaming...
    assert "89人" in ans.text and "48人" not in ans.text  # ...but the final answer is the extractive one
    assert "证实" in ans.text
    assert ans.citations and "89人" in ans.citations[0].quote


def test_model_that_finds_nothing_defers_to_the_extractive_answerer(server):
    server.script.append({"kind": "stream", "content": f"{NOT_FOUND_PREFIX}相关内容。"})
    _, ans = _run(_answerer(server))
    assert "89人" in ans.text and ans.citations


def test_dropped_connection_falls_back_with_a_message(server):
    server.script.append({"kind": "drop", "content": "安居区问责党员干部89人。[1]", "after": 2})
    streamed, ans = _run(_answerer(server))
    assert "连接" in streamed and "中断" in streamed
    assert not ans.abstained and "89人" in ans.text
    assert "连接" in ans.text  # the final answer says why it is extractive
    assert ans.citations[0].quote == TEXT[ans.citations[0].start : ans.citations[0].end]


def test_timeout_falls_back_with_a_message(server):
    server.script.append({"kind": "sleep", "seconds": 1.5, "content": "安居区问责党员干部89人。[1]"})
    started = time.perf_counter()
    streamed, ans = _run(_answerer(server, timeout=0.3))
    assert time.perf_counter() - started < 1.4
    assert "超时" in streamed and "超时" in ans.text
    assert "89人" in ans.text and ans.citations


def test_server_error_without_fallback_abstains(server):
    server.script.append({"kind": "status", "code": 500})
    streamed, ans = _run(_answerer(server, fallback=None))
    assert ans.abstained and ans.text.startswith(NOT_FOUND_PREFIX)
    assert "500" in ans.text and ans.citations == ()


def test_connection_refused_falls_back():
    with FakeChatServer() as s:
        url = s.base_url
    answerer = OpenAICompatibleAnswerer(url, "tiny-model", timeout=2.0, fallback=ExtractiveAnswerer())
    streamed, ans = _run(answerer)
    assert "连接" in streamed and "89人" in ans.text


def test_verify_answer_keeps_markers_in_order_of_first_use():
    checked = verify_answer("刘仁甫受到谈话诫勉。[2]安居区问责党员干部89人。[1]", _hits(), DOCS)
    assert checked.text == "刘仁甫受到谈话诫勉。[1]安居区问责党员干部89人。[2]"
    assert [c.chunk_id for c in checked.citations] == ["c2", "c1"]
    assert checked.dropped == () and checked.fixed == 0
