"""The command line as a user runs it: a subprocess, a fresh index, JSON out, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def run(args, cwd: Path, stdin: str | None = None, embedder: str = "hash") -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_EMBEDDER": embedder, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_index_search_json_and_stdin(tmp_path, small_corpus):
    r = run(["index", str(small_corpus), "--index", "idx"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "3 added" in r.stdout

    r = run(["index", "--index", "idx"], tmp_path)  # no path: the corpus recorded in the manifest
    assert r.returncode == 0, r.stderr
    assert "nothing to embed" in r.stdout

    r = run(["search", "王增田受到了什么处分？", "--index", "idx", "--json", "--k", "2"], tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["query"] == "王增田受到了什么处分？"
    top = out["hits"][0]
    assert set(top) == {"rank", "score", "chunk_id", "doc_id", "title", "text", "start", "end", "via"}
    assert top["doc_id"] == "a.txt" and top["rank"] == 1 and "王增田" in top["text"]
    doc = (small_corpus / "a.txt").read_text(encoding="utf-8")
    assert doc[top["start"] : top["end"]] == top["text"]

    r = run(
        ["search", "-", "--index", "idx", "--mode", "bm25"], tmp_path, stdin="資源縣委書記是誰\n\n视频会议\n"
    )
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["query"] for x in lines] == ["資源縣委書記是誰", "视频会议"]
    assert lines[0]["hits"][0]["doc_id"] == "b.txt" and lines[0]["hits"][0]["via"] == ["bm25"]


def test_clear_errors(tmp_path, small_corpus):
    r = run(["search", "x", "--index", "nowhere"], tmp_path)
    assert r.returncode == 2 and "rag index" in r.stderr and "Traceback" not in r.stderr

    r = run(["index", str(tmp_path / "missing"), "--index", "idx"], tmp_path)
    assert r.returncode == 2 and "missing" in r.stderr and "Traceback" not in r.stderr

    assert run(["index", str(small_corpus), "--index", "idx"], tmp_path).returncode == 0
    r = run(["search", "x", "--index", "idx"], tmp_path, embedder="hash-16")
    assert r.returncode == 2 and "rag index --rebuild" in r.stderr

    r = run(["search", "x", "--index", "idx", "--k", "0"], tmp_path)
    assert r.returncode == 2 and "k must be" in r.stderr


def test_import_rag_is_light():
    code = (
        "import sys, rag; rag.Settings; "
        "mods = ('torch', 'sentence_transformers', 'gradio', 'transformers', 'faiss'); "
        "heavy = [m for m in mods if m in sys.modules]; "
        "print(heavy)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
