"""The documents tab in a real browser (Playwright + Debian's Chromium, as tests/test_ui_browser.py): upload
two files at once, see them in the table (also on a fresh page), preview one, ask about each and open the
citation, delete one through its row (it asks first), and check at 1366x768 that the table's last column
is inside the window (DOM and screenshot).

The files are made by the test: .txt and .md always; a two-page PDF (fpdf2, a CJK font) and a .docx
(python-docx) once ingestion accepts them (the `office` case is skipped until then, saying why)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.config import Settings
from rag.index.embedding import HashEmbedder
from rag.web import app as ui
from rag.web.library import prepare_pipeline, supported_suffixes

from .test_ui_browser import ROOT, ask, bot_messages, browser, free_port, open_page  # noqa: F401

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1366, 768
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# what each uploaded file says: a title, a first part, and the part (page 2 of the PDF) a question asks about
FIRST = (
    "周志强违纪问题通报",
    "某市纪委监委近日通报一起违纪问题。",
    "经查，周志强违规收受礼金。市纪委监委给予周志强党内严重警告处分。",
)
SECOND = (
    "吴建华违纪问题通报",
    "某县纪委监委通报一起违规问题。",
    "经查，吴建华违规使用公车。县纪委监委给予吴建华政务记过处分。",
)


def make_txt(folder: Path, name: str, parts) -> Path:
    path = folder / name
    path.write_text(f"{parts[0]}\n\n{parts[1]}\n{parts[2]}\n", encoding="utf-8")
    return path


def make_md(folder: Path, name: str, parts) -> Path:
    path = folder / name
    path.write_text(f"# {parts[0]}\n\n{parts[1]}\n\n{parts[2]}\n", encoding="utf-8")
    return path


def make_pdf(folder: Path, name: str, parts) -> Path:
    """Two pages: the title and first part on page 1, the part asked about on page 2."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("cjk", "", CJK_FONT)
    pdf.set_font("cjk", size=14)
    pdf.set_title(parts[0])
    pdf.add_page()
    pdf.multi_cell(0, 10, f"{parts[0]}\n{parts[1]}")
    pdf.add_page()
    pdf.multi_cell(0, 10, parts[2])
    path = folder / name
    pdf.output(str(path))
    return path


def make_docx(folder: Path, name: str, parts) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(parts[0], level=1)
    document.add_paragraph(parts[1])
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "地区", "某县"
    document.add_paragraph(parts[2])
    path = folder / name
    document.save(str(path))
    return path


# (id, the two files' makers and names); `office` waits for ingestion of .pdf/.docx (issue 12, part 1)
CASES = {
    "text": ((make_txt, "upload_first.txt"), (make_md, "upload_second.md")),
    "office": ((make_pdf, "upload_first.pdf"), (make_docx, "upload_second.docx")),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs_browser")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    uploads = root / "uploads"
    pipeline = prepare_pipeline(
        root / "index", [corpus], uploads, Settings(embedder="hash"), HashEmbedder(), progress=False
    )
    app = ui.build_app(pipeline, uploads, root / "reports")
    url = ui.launch(app, port=free_port(), block=False)
    yield url, pipeline, uploads
    app.close()


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def docs_tab(page) -> None:
    page.get_by_role("tab", name="文档").click()
    page.locator("#docs-table").wait_for()


def row(page, doc_id: str):
    return page.locator(f'#docs-table tr.doc-row[data-doc="{doc_id}"]')


def check_last_column_fits(page, shot: Path) -> None:
    """The header of the last column (actions) ends inside the window, and the screenshot shows it."""
    from PIL import Image

    last = page.locator("#docs-table th").last
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    overflow = page.evaluate(
        "() => { const e = document.querySelector('#docs-table .rag-docs');"
        " return e.scrollWidth - e.clientWidth; }"
    )
    assert overflow <= 1, overflow  # the table needs no sideways scrolling
    page.screenshot(path=str(shot))
    image = Image.open(shot)
    assert image.size == (WIDTH, HEIGHT)
    cell = image.convert("L").crop(
        (int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
    )
    low, high = cell.getextrema()
    assert high - low > 60, (low, high)  # the header's text is drawn there, not cut off


@pytest.mark.parametrize("case", list(CASES))
def test_upload_preview_ask_and_delete(page, served, tmp_path, case):
    (make_a, name_a), (make_b, name_b) = CASES[case]
    wanted = {Path(name_a).suffix, Path(name_b).suffix}
    if not wanted <= set(supported_suffixes()):
        pytest.skip(f"ingestion does not accept {' '.join(sorted(wanted))} yet")
    url, pipeline, uploads = served
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    files = [make_a(incoming, name_a, FIRST), make_b(incoming, name_b, SECOND)]

    open_page(page, url)
    docs_tab(page)
    box = page.locator("#upload").inner_text()
    assert "Drop File Here" not in box and "拖放" in box, box  # Gradio's own words in the page's language
    page.locator("#upload input[type=file]").set_input_files([str(f) for f in files])
    page.wait_for_function(
        "(names) => names.every(n =>"
        " document.querySelector('#docs-status').innerText.includes('已加入索引：' + n))",
        arg=[name_a, name_b],
    )
    for name, parts in ((name_a, FIRST), (name_b, SECOND)):
        assert (uploads / name).read_bytes() == (incoming / name).read_bytes()
        assert parts[0] in row(page, name).inner_text()
    check_last_column_fits(page, tmp_path / "docs-tab-1366.png")

    # a fresh page lists them too (no refresh needed)
    open_page(page, url)
    docs_tab(page)
    row(page, name_a).wait_for()
    row(page, name_b).wait_for()

    # a click on a row shows the document's text; a paged one with a marker per page
    row(page, name_a).locator("td").nth(1).click()
    preview = page.locator(f'#doc-preview article[data-doc="{name_a}"]')
    preview.wait_for()
    assert FIRST[2] in preview.inner_text().replace("\n", "")
    pages = len(pipeline.document(name_a).pages)
    assert preview.locator(".page-mark").count() == pages

    # ask about each; open the citation's document
    page.get_by_role("tab", name="问答").click()
    for name, person in ((name_a, "周志强"), (name_b, "吴建华")):
        answer = ask(page, f"{person}受到了什么处分？", expect_doc=name)
        assert person in answer and "[1]" in answer, answer
        card = page.locator("#sources .src", has_text=name).first
        cited = pipeline.document(name)
        if cited.pages:  # the cited sentence is on page 2 of the PDF
            assert "第2页" in card.locator(".src-head").inner_text()
        card.locator("button.open-doc").click()
        page.locator(f'#doc-view article[data-doc="{name}"] mark#doc-mark').wait_for()
    assert len(bot_messages(page).all()) == 2

    # delete the second through its row: it asks first; "cancel" keeps it
    docs_tab(page)
    target = row(page, name_b)
    target.locator("button.doc-del").click()
    target.locator("button.doc-no").click()
    assert target.locator("button.doc-del").is_visible() and name_b in {d.id for d in pipeline.documents()}
    target.locator("button.doc-del").click()
    assert target.locator(".doc-confirm").is_visible()
    target.locator("button.doc-yes").click()
    page.wait_for_function(
        '(n) => !document.querySelector(`#docs-table tr.doc-row[data-doc="${n}"]`)', arg=name_b
    )
    assert name_b in page.locator("#docs-status").inner_text()
    assert name_b not in {d.id for d in pipeline.documents()} and row(page, name_a).count() == 1
    assert (uploads / ".removed" / name_b).read_bytes() == (incoming / name_b).read_bytes()  # never lost
    assert not (uploads / name_b).exists()
    page.screenshot(path=str(tmp_path / "docs-tab-after-delete.png"))

    pipeline.remove_documents([name_a])  # the next case starts from the seeds again
