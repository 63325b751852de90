"""Real files of each format, made by the test itself: an HTML page with navigation and a share bar, a
two-page Chinese PDF (fpdf2 with the machine's CJK font), a .docx with a table, GBK / Big5 / UTF-16 text;
and the metadata and cleaning rules every format shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.index.docrow import document_from_row
from rag.ingest.documents import IngestError, load_document, read_document
from rag.ingest.pages import page_of
from rag.types import Document

CJK_FONTS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
]

ARTICLE = [
    "3月4日,某县纪委监委开展专项监督检查,重点检查疫情防控责任落实情况。检查组深入乡镇、村社区,发现问题5个。",
    "下一步,该县纪委监委将持续跟进整改,对整改不力的严肃追责问责。",
]

HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>某县纪委监委开展专项监督_新闻中心_某某新闻网</title>
<meta property="og:site_name" content="某某新闻网">
<meta property="article:published_time" content="2022-03-05T09:10:00+08:00"></head>
<body><nav><a href="/">首页</a> &gt; <a href="/news">新闻中心</a> &gt; 正文</nav>
<header><ul><li><a href="/">网站首页</a></li><li><a href="/v">视频频道</a></li></ul></header>
<article><h1>某县纪委监委开展专项监督</h1>
<p>来源:某某日报 记者 张三</p>
<p>{0}</p>
<p>{1}</p>
<div class="share">分享到: <a>微信</a> <a>微博</a> <a>QQ空间</a></div>
</article>
<aside><h3>相关文章</h3><ul><li><a href="/1">某镇召开工作会议</a></li>
<li><a href="/2">某村开展活动</a></li></ul></aside>
<footer>版权所有 某某新闻网 京ICP备12345678号</footer></body></html>
"""


def _font() -> Path:
    found = next((f for f in CJK_FONTS if f.is_file()), None)
    if found is None:
        pytest.skip("no CJK font on this machine to write a Chinese PDF with (fc-list :lang=zh)")
    return found


def write_pdf(path: Path, pages: list[list[str]], title: str = "", header: str = "") -> Path:
    """A real PDF, one list of paragraphs per page, with a running header and page numbers."""
    from fpdf import FPDF

    class Pdf(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("cjk", size=9)
                self.cell(0, 8, header, align="C", new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("cjk", size=9)
            self.cell(0, 8, f"第 {self.page_no()} 页", align="C")

    pdf = Pdf()
    pdf.add_font("cjk", fname=str(_font()))
    if title:
        pdf.set_title(title)
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_font("cjk", size=12)
        for p in paragraphs:
            pdf.multi_cell(0, 8, p, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


REPORT_PAGES = [
    [
        "一、总体情况",
        "2021年,全市纪检监察机关坚持以习近平新时代中国特色社会主义思想为指导,认真贯彻落实中央纪委全会"
        "精神,全面从严治党取得新成效。全年共受理信访举报1200件,立案审查调查300件。",
    ],
    [
        "二、下一步工作",
        "2022年,全市纪检监察机关将继续深化正风肃纪反腐,紧盯群众身边的不正之风和腐败问题,持续开展专项"
        "整治,推动全面从严治党向纵深发展。",
    ],
]


def write_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = ""
    d.add_heading("某县纪检监察工作简报", level=1)
    d.add_paragraph("作者:李四")
    d.add_paragraph("发布时间:2023年5月6日")
    d.add_heading("一、处分情况", level=2)
    d.add_paragraph("今年以来,全县共处分党员干部12人,其中乡科级干部3人。")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["姓名", "职务", "处分"], ["王五", "某镇副镇长", "党内警告"], ["赵六", "某局科员", "政务记过"]]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("以上处分均已送达本人。")
    d.save(str(path))
    return path


# --- HTML ------------------------------------------------------------------------------------


def test_html_page_article_title_date_source_author(tmp_path):
    (tmp_path / "page.html").write_text(HTML.format(*ARTICLE), encoding="utf-8")
    doc = load_document(tmp_path / "page.html", tmp_path)
    assert doc.kind == "html" and doc.size == (tmp_path / "page.html").stat().st_size
    assert doc.title == "某县纪委监委开展专项监督"
    assert doc.date == "2022-03-05"
    assert doc.source in ("某某日报", "某某新闻网")  # the stated publisher, else the site
    assert doc.author == "张三"
    assert all(p in doc.text for p in ARTICLE)
    for furniture in ("网站首页", "新闻中心", "分享到", "微博", "相关文章", "某镇召开工作会议", "版权所有"):
        assert furniture not in doc.text, furniture


def test_html_without_article_text_is_a_clear_message(tmp_path):
    nav = '<nav><a href="/">首页</a> &gt; <a href="/n">新闻中心</a> &gt; 正文</nav><div>分享到: 微信</div>'
    (tmp_path / "empty.html").write_text(f"<html><body>{nav}</body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match=r"empty\.html.*no article text"):
        load_document(tmp_path / "empty.html", tmp_path)


# --- PDF -------------------------------------------------------------------------------------


def test_two_page_pdf_text_pages_header_footer_and_joined_lines(tmp_path):
    pdf = write_pdf(
        tmp_path / "report.pdf",
        REPORT_PAGES,
        title="某某市纪委监委工作报告",
        header="某某市纪委监委 内部资料",
    )
    doc = load_document(pdf, tmp_path)
    assert doc.kind == "pdf" and doc.title == "某某市纪委监委工作报告"
    assert len(doc.pages) == 2 and doc.pages[0] == 0
    assert doc.text[doc.pages[1] :].startswith("二、下一步工作")
    # the long paragraphs wrapped over several lines in the PDF; they come back whole (no space inside)
    for paragraphs in REPORT_PAGES:
        for p in paragraphs:
            assert p in doc.text
    assert "内部资料" not in doc.text and "第 1 页" not in doc.text and "第 2 页" not in doc.text
    assert "一、总体情况\n" in doc.text  # a heading is not glued to its paragraph
    first, second = doc.text.index("全年共受理"), doc.text.index("持续开展专项")
    assert (page_of(doc, first), page_of(doc, second), page_of(doc, 0)) == (1, 2, 1)


def test_pdf_without_text_layer_and_damaged_pdf_are_clear(tmp_path):
    from fpdf import FPDF

    scan = FPDF()
    scan.add_page()
    scan.rect(10, 10, 100, 100, style="F")  # an image-like page: drawing, no text
    scan.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(IngestError, match=r"scan\.pdf: no text layer; scanned PDFs need OCR"):
        load_document(tmp_path / "scan.pdf", tmp_path)
    good = write_pdf(tmp_path / "good.pdf", REPORT_PAGES).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(good[: len(good) // 3])
    with pytest.raises(IngestError, match=r"cut\.pdf: not a readable PDF"):
        load_document(tmp_path / "cut.pdf", tmp_path)


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_and_table_rows(tmp_path):
    doc = load_document(write_docx(tmp_path / "brief.docx"), tmp_path)
    assert doc.kind == "docx" and doc.pages == ()
    assert doc.title == "某县纪检监察工作简报"
    assert doc.author == "李四" and doc.date == "2023-05-06"
    lines = doc.text.split("\n")
    assert "姓名 | 职务 | 处分" in lines and "王五 | 某镇副镇长 | 党内警告" in lines
    assert (
        lines.index("一、处分情况")
        < lines.index("姓名 | 职务 | 处分")
        < lines.index("以上处分均已送达本人。")
    )


def test_not_a_docx_is_clear(tmp_path):
    (tmp_path / "fake.docx").write_bytes(b"PK\x03\x04 this is not a word file")
    with pytest.raises(IngestError, match=r"fake\.docx: not a readable \.docx"):
        load_document(tmp_path / "fake.docx", tmp_path)


# --- encodings -------------------------------------------------------------------------------

NOTICE = "某县纪委监委通报\n\n经查，刘明远违规收受礼金，给予党内警告处分。"
NOTICE_TRAD = "某縣紀委監委通報\n\n經查，劉明遠違規收受禮金，給予黨內警告處分。"


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("gbk", NOTICE),
        ("big5", NOTICE_TRAD),
        ("utf-16", NOTICE),
        ("utf-16-le", NOTICE),
        ("utf-8-sig", NOTICE),
    ],
)
def test_encodings_decode_right_without_warning(tmp_path, codec, text):
    (tmp_path / "n.txt").write_bytes(text.encode(codec))
    loaded = read_document(tmp_path / "n.txt", tmp_path)
    assert loaded.document.text == text and loaded.warnings == ()
    assert loaded.document.title == text.split("\n")[0]


def test_mixed_encodings_are_read_line_by_line_with_a_warning(tmp_path):
    data = "某县纪委监委通报\n".encode() + "经查，刘明远违规收受礼金。\n".encode("gbk")
    (tmp_path / "mixed.txt").write_bytes(data)
    loaded = read_document(tmp_path / "mixed.txt", tmp_path)
    assert loaded.document.text == "某县纪委监委通报\n经查，刘明远违规收受礼金。"
    assert len(loaded.warnings) == 1 and "mixed.txt" in loaded.warnings[0]
    assert "mixed encodings" in loaded.warnings[0] and "gb18030" in loaded.warnings[0]


def test_damaged_characters_are_said(tmp_path):
    damaged = "某县通报\n\n经查，锟斤拷锟斤拷刘某违规收受礼金\ufffd\ufffd。"
    (tmp_path / "m.txt").write_text(damaged, encoding="utf-8")
    loaded = read_document(tmp_path / "m.txt", tmp_path)
    assert len(loaded.warnings) == 1 and "2 runs of damaged characters" in loaded.warnings[0]
    (tmp_path / "ok.txt").write_text("某县通报\n\n经查，刘某违规收受礼金。", encoding="utf-8")
    assert read_document(tmp_path / "ok.txt", tmp_path).warnings == ()


def test_an_unsure_reading_says_what_was_assumed(tmp_path):
    # Latin-1 French: neither GB18030 nor Big5 reads it as Chinese; read, and said so
    (tmp_path / "fr.txt").write_bytes(
        "Le comité a décidé: élève, café, naïve, où, déjà.\n".encode("latin-1") * 5
    )
    loaded = read_document(tmp_path / "fr.txt", tmp_path)
    assert loaded.warnings and "fr.txt" in loaded.warnings[0] and "encoding not certain" in loaded.warnings[0]


# --- metadata and cleaning shared by all formats ---------------------------------------------


def test_year_less_date_takes_the_year_the_title_states(tmp_path):
    page = "2021年全县纪检监察工作会议召开\n\n某某网3月22日讯 今日,全县纪检监察工作会议召开。\n\n会议强调。"
    (tmp_path / "a.txt").write_text(page, encoding="utf-8")
    assert load_document(tmp_path / "a.txt", tmp_path).date == "2021-03-22"
    body_year = "全县纪检监察工作会议召开\n\n某某网3月22日讯 今日,会议回顾了2003年以来的工作。\n"
    (tmp_path / "b.txt").write_text(body_year, encoding="utf-8")
    assert load_document(tmp_path / "b.txt", tmp_path).date == ""  # a year in the body is no publication year


@pytest.mark.parametrize("kind", ["txt", "html", "docx"])
def test_titles_are_shown_without_conversion_artefacts(tmp_path, kind):
    title = "資源縣:強化監(jiān)督檢查"
    body = "資源縣紀委監(jiān)委開展專項檢查,發(fā)現(xiàn)問題20餘個,已督促整改完畢。"
    if kind == "txt":
        (tmp_path / "a.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    elif kind == "html":
        (tmp_path / "a.html").write_text(
            f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>{body}</p><p>{body}</p></body></html>",
            encoding="utf-8",
        )
    else:
        import docx

        d = docx.Document()
        d.add_heading(title, level=1)
        d.add_paragraph(body)
        d.save(str(tmp_path / "a.docx"))
    doc = load_document(tmp_path / f"a.{kind}", tmp_path)
    assert doc.title == "資源縣:強化監督檢查" and "(jiān)" not in doc.title
    assert "監(jiān)委" in doc.text  # the text stays as written: citations point into it


def test_plain_text_that_is_no_web_page_keeps_its_last_sections(tmp_path):
    manual = "\n".join(
        [
            "设备使用手册",
            "",
            "第一章 安装",
            "将设备接通电源,按下开关。",
            "",
            "附录",
            "常见问题",
            "术语表",
            "联系方式",
        ]
    )
    (tmp_path / "manual.txt").write_text(manual, encoding="utf-8")
    doc = load_document(tmp_path / "manual.txt", tmp_path)
    assert doc.text == manual and doc.title == "设备使用手册"


def test_a_page_that_would_clean_to_nothing_is_kept_as_written_with_a_warning(tmp_path):
    stub = "首页 > 新闻中心 > 正文\n分享到:\n相关文章"
    (tmp_path / "stub.txt").write_text(stub, encoding="utf-8")
    loaded = read_document(tmp_path / "stub.txt", tmp_path)
    assert loaded.document.text == stub
    assert len(loaded.warnings) == 1 and "indexed as written" in loaded.warnings[0]


def test_too_large_file_is_a_clear_message(tmp_path):
    (tmp_path / "big.txt").write_bytes("正文。".encode() * 200_000)  # 1.8 MB
    with pytest.raises(
        IngestError, match=r"big\.txt: file too large \(1\.7 MB; the limit is max_file_mb = 1\)"
    ):
        load_document(tmp_path / "big.txt", tmp_path, max_file_mb=1)


# --- stored rows and pages -------------------------------------------------------------------


def test_rows_written_before_the_new_fields_still_load_and_pages_come_back_as_a_tuple():
    old = document_from_row(
        {"id": "a.txt", "title": "t", "text": "x", "source": "", "date": "", "content_hash": "h"}
    )
    assert (old.kind, old.pages, old.added, old.size) == ("", (), "", 0)
    new = document_from_row({"id": "a.pdf", "title": "t", "text": "abcdef", "pages": [0, 3], "future": 1})
    assert new.pages == (0, 3) and isinstance(new.pages, tuple)
    assert [page_of(new, i) for i in range(6)] == [1, 1, 1, 2, 2, 2]
    assert page_of(Document(id="a.txt", title="t", text="abc"), 2) == 0
