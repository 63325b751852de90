"""Issue 11, defect 7: no sign-in at all, so a page on 0.0.0.0 or a share link handed the collection to
anyone. Now Gradio's own sign-in guards every event and endpoint, and is required beyond loopback."""

from __future__ import annotations

import shutil

import httpx
import pytest

from rag.config import Settings
from rag.index.embedding import HashEmbedder
from rag.web import app as ui
from rag.web.auth import AuthError, is_loopback, page_users, parse_users
from rag.web.library import prepare_pipeline

from .conftest import ROOT
from .test_ui_api import free_port


def test_sign_in_is_required_beyond_loopback():
    assert page_users("127.0.0.1", False, None, False) is None
    assert page_users("localhost", False, None, False) is None
    for host, share in (("0.0.0.0", False), ("192.168.1.20", False), ("127.0.0.1", True)):
        with pytest.raises(AuthError, match="--auth USER:PASSWORD"):
            page_users(host, share, None, False)
        assert page_users(host, share, None, True) is None  # --no-auth: open on purpose
    assert page_users("0.0.0.0", False, "ana:s3cret:x", False) == [("ana", "s3cret:x")]
    with pytest.raises(AuthError, match="contradict"):
        page_users("0.0.0.0", False, "ana:pw", True)
    assert is_loopback("::1") and not is_loopback("0.0.0.0")


def test_users_file(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("# who may sign in\nana:pw1\n\nbo:pw2\n", encoding="utf-8")
    assert parse_users(str(users)) == [("ana", "pw1"), ("bo", "pw2")]
    users.write_text("ana\n", encoding="utf-8")
    with pytest.raises(AuthError, match="line 1: expected USER:PASSWORD"):
        parse_users(str(users))
    with pytest.raises(AuthError, match="neither"):
        parse_users("no-colon-and-no-file")


def test_serve_on_all_interfaces_without_auth_refuses_to_start(tmp_path, capsys):
    rc = ui.main(["--host", "0.0.0.0", "--index", str(tmp_path / "index"), "--uploads", str(tmp_path / "up")])
    assert rc == 2
    assert "--no-auth" in capsys.readouterr().err
    assert not (tmp_path / "index").exists()  # refused before any indexing


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    root = tmp_path_factory.mktemp("auth")
    shutil.copytree(ROOT / "seeds", root / "corpus")
    settings = Settings(embedder="hash")
    corpus, uploads = root / "corpus", root / "uploads"
    pipeline = prepare_pipeline(root / "index", [corpus], uploads, settings, HashEmbedder(), False)
    app = ui.build_app(pipeline, root / "uploads", root / "reports")
    url = ui.launch(app, port=free_port(), block=False, auth=[("ana", "pw")])
    yield url, pipeline
    app.close()


def test_without_signing_in_nothing_is_served(guarded):
    from gradio_client import Client

    url, pipeline = guarded
    before = set(pipeline.snapshot.documents)
    upload = httpx.post(f"{url}gradio_api/upload", files={"files": ("x.txt", "紫金县通报。".encode())})
    assert upload.status_code in (401, 403)
    join = httpx.post(f"{url}gradio_api/queue/join", json={"fn_index": 0, "data": [], "session_hash": "x"})
    assert join.status_code in (401, 403)
    with pytest.raises(Exception):  # noqa: B017 - the client cannot even read the API's description
        Client(url, verbose=False).predict(api_name="/documents")
    assert set(pipeline.snapshot.documents) == before
    signed_in = Client(url, auth=("ana", "pw"), verbose=False)
    assert {d["id"] for d in signed_in.predict(api_name="/documents")} == before


def test_rag_serve_beyond_loopback_without_auth_fails(tmp_path):
    from .test_cli import run

    r = run(["serve", "--host", "0.0.0.0", "--index", "idx"], tmp_path)
    assert r.returncode == 2 and "--auth USER:PASSWORD" in r.stderr
