"""A folder of real-world files through the pipeline: bad files are reported and skipped while the rest is
indexed and nothing already indexed is lost; metadata survives the store; boilerplate repeated across a
folder goes; a PDF citation names its page in `rag ask --json`."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rag.config import Settings
from rag.ingest.corpus import read_corpus
from rag.pipeline import Pipeline

from .test_cli import run
from .test_formats import ARTICLE, HTML, REPORT_PAGES, write_docx, write_pdf


def _settings() -> Settings:
    return Settings(embedder="fake-bigram-32")


def _good_folder(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "page.html").write_text(HTML.format(*ARTICLE), encoding="utf-8")
    write_pdf(corpus / "sub" / "report.pdf", REPORT_PAGES, title="某某市纪委监委工作报告")
    write_docx(corpus / "brief.docx")
    (corpus / "gbk.txt").write_bytes("某县通报\n\n经查，刘明远违规收受礼金。".encode("gbk"))
    (corpus / "big5.txt").write_bytes("某縣通報\n\n經查，劉明遠違規收受禮金。".encode("big5"))
    (corpus / "utf16.txt").write_bytes("某县通报二\n\n经查，张某违规操办婚宴。".encode("utf-16"))
    (corpus / ".hidden.txt").write_text("不应被读取。", encoding="utf-8")
    (corpus / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    return corpus


GOOD = {"page.html", "sub/report.pdf", "brief.docx", "gbk.txt", "big5.txt", "utf16.txt"}


def test_bad_files_are_reported_and_the_rest_stays_indexed(tmp_path, fake_embedder):
    corpus = _good_folder(tmp_path)
    p = Pipeline.build([corpus], tmp_path / "index", _settings(), fake_embedder)
    assert set(p.snapshot.documents) == GOOD
    first_added = {d.id: d.added for d in p.documents()}
    assert all(first_added.values())

    good_pdf = (corpus / "sub" / "report.pdf").read_bytes()
    (corpus / "broken.pdf").write_bytes(good_pdf[: len(good_pdf) // 3])
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    with open(corpus / "huge.txt", "wb") as fh:  # 50 MB of text: over the default limit, said so
        fh.write("正文内容。".encode() * (50 * 1024 * 1024 // 15 + 1))
    (corpus / "mixed.txt").write_bytes("混合编码通报\n".encode() + "经查，李某违规收受礼金。\n".encode("gbk"))
    time.sleep(1.1)  # `added` has one-second resolution: a re-stamp would show
    report = p.sync([corpus])

    reasons = {s.doc_id: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.pdf", "empty.txt", "binary.txt", "huge.txt", ""}  # "" : sheet.xlsx
    assert reasons["broken.pdf"].startswith("not a readable PDF")
    assert reasons["empty.txt"] == "the file is empty"
    assert "binary" in reasons["binary.txt"]
    assert reasons["huge.txt"].startswith("file too large (50.0 MB; the limit is max_file_mb = 20")
    assert report.added == ("mixed.txt",) and report.removed == ()
    assert any("mixed.txt" in w and "mixed encodings" in w for w in report.warnings)
    assert set(p.snapshot.documents) == GOOD | {"mixed.txt"}  # nothing lost
    assert {d.id: d.added for d in p.documents() if d.id in GOOD} == first_added  # kept across updates


def test_metadata_survives_the_store(tmp_path, fake_embedder):
    corpus = _good_folder(tmp_path)
    Pipeline.build([corpus], tmp_path / "index", _settings(), fake_embedder)
    docs = Pipeline.load(tmp_path / "index", _settings(), fake_embedder).snapshot.documents
    pdf = docs["sub/report.pdf"]
    assert pdf.kind == "pdf" and isinstance(pdf.pages, tuple) and len(pdf.pages) == 2
    assert pdf.size == (corpus / "sub" / "report.pdf").stat().st_size
    assert {d.kind for d in docs.values()} == {"html", "pdf", "docx", "txt"}
    assert docs["brief.docx"].author == "李四" and docs["page.html"].date == "2022-03-05"


def test_an_index_written_before_the_new_fields_loads_and_updates(tmp_path, fake_embedder):
    corpus = _good_folder(tmp_path)
    Pipeline.build([corpus], tmp_path / "index", _settings(), fake_embedder)
    index = tmp_path / "index"
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    rows_file = index / manifest["generation"] / "documents.jsonl"
    old_keys = ("id", "title", "text", "source", "date", "content_hash")
    rows = [json.loads(line) for line in rows_file.read_text(encoding="utf-8").splitlines()]
    rows_file.write_text(
        "".join(json.dumps({k: r[k] for k in old_keys}, ensure_ascii=False) + "\n" for r in rows),
        encoding="utf-8",
    )
    (index / "sources.json").unlink()  # nor had it the stats of its files (rag.ingest.sources)
    p = Pipeline.load(index, _settings(), fake_embedder)
    assert p.document("sub/report.pdf").pages == ()
    before = fake_embedder.embedded
    report = p.sync([corpus])
    assert set(report.changed) == GOOD  # the stored rows lack what reading gives now: refreshed
    assert fake_embedder.embedded == before  # same text: every vector is reused
    assert len(p.document("sub/report.pdf").pages) == 2


def test_lines_repeated_across_a_folder_are_dropped_as_boilerplate(tmp_path):
    corpus = tmp_path / "site"
    corpus.mkdir()
    footer = "本网站由某某市纪委监委主办 技术支持:某某公司"
    for i in range(4):
        facts = "\n".join(f"第{k}条:干部甲{i}在第{k}次检查中被发现问题。" for k in range(6 + i))
        end = f"经查，干部甲{i}违规收受礼金，给予党内警告处分。"
        body = f"第{i}号通报\n\n一、基本情况\n{facts}\n{end}\n\n{footer}\n"
        (corpus / f"n{i}.txt").write_text(body, encoding="utf-8")
    found = read_corpus([corpus])
    assert len(found.documents) == 4
    for doc in found.documents:
        assert footer not in doc.text and "给予党内警告处分" in doc.text
        assert "一、基本情况" in doc.text  # a heading shared inside the bodies is no boilerplate
    assert any("repeated" in w and footer in w for w in found.warnings)


def test_cli_pdf_citation_names_the_page(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    write_pdf(corpus / "report.pdf", REPORT_PAGES, title="某某市纪委监委工作报告", header="某某市纪委监委")
    r = run(["index", str(corpus), "--index", "idx"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "index summary:" in r.stderr and "indexed: 1 documents" in r.stderr
    r = run(["ask", "2021年全年共受理信访举报多少件?", "--index", "idx", "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["citations"], out
    cite = out["citations"][0]
    assert cite["doc_id"] == "report.pdf" and cite["page"] == 1 and "1200" in cite["quote"]
    r = run(["ask", "2022年将持续开展什么?", "--index", "idx", "--json"], tmp_path)
    pages = {c["page"] for c in json.loads(r.stdout)["citations"] if "专项" in c["quote"]}
    assert pages == {2}
