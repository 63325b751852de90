"""Ingest: the five seeds (titles, metadata, boilerplate gone, every sentence kept), encodings,
errors, file collection."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rag.ingest.cleaning import clean_page
from rag.ingest.documents import (
    SUPPORTED_SUFFIXES,
    IngestError,
    collect_files,
    iter_documents,
    load_document,
)
from rag.zh.text import fold, strip_artefacts

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

EXPECTED = {
    "000": ("安居区纪委监委:疫情防控不放松 监督执纪不缺位", "四川新闻网", ""),  # dateline 3月22日 has no year
    # titles and sources are shown without the converter's pinyin (監(jiān)督 -> 監督); the text keeps it
    "001": ("資源縣:強化監督檢查 壓實疫情防控責任落實", "資源縣紀委監委", ""),
    "002": ("防控一线践初心", "青海日报", "2021-11-12"),
    "003": ("一線視點丨河北區紀委監委推進疫情防控監督不松勁", "", ""),
    "004": ("【廉洁“微课堂”】天津:吹响督战号角 助力决战必胜", "《中国纪检监察》杂志", "2020-02-22"),
}

# Lines (or parts of lines) that are navigation, furniture or footers, per seed.
BOILERPLATE = {
    "000": ["分享到", "相關文章"],
    "001": ["所在位置", "首頁", "正文", "全州縣務實求效", "小小說丨干鞋", "清廉桂林", "官方微博", "返回頂部"],
    "002": [
        "当前位置",
        "要闻动态",
        "【字体",
        "【刷新】",
        "相关链接",
        "跟进监督压实责任",
        "巡察全覆盖",
        "常态化约谈提醒",
        "知行合一",
    ],
    "003": ["熱門(mén)關(guān)注", "所在位置", "要聞關(guān)注"],
    "004": ["当前位置", "医院概况", "[字体", "阅读:1", "2020.02.22 18:23:45"],
}

# Article sentences that must survive, including subheadings and the last sentences.
KEPT = {
    "000": [
        "四川新闻网遂宁3月22日讯(袁小春 杨雪)根据省卫生健康委首次公布的全省183个县(市、区)疫情分区分级情况",
        "监督检查紧跟疫情防控步伐",
        "“疫情不结束,我们不退出!”安居区纪检监察干部这样说。",
        "为推动安居经济社会发展保驾护航。",
    ],
    "001": [
        "作者:鄒雨芯",
        "來源:資源縣紀委監(jiān)委",
        "資源縣紀委監(jiān)委督查組在中峰鎮(zhèn)車田灣村對疫情防控“值守”情況進行督查。\xa0莫畏雄/攝",
        "該縣紀委監(jiān)委負責人表示。",
        "運用“第一種形態(tài)”批評教育6人,實現(xiàn)了全縣疫情病例“零報告”。",
    ],
    "002": [
        "来源:青海日报 发布时间:2021年11月12日",
        "  强化政治监督",
        "  “督战”更“助战”",
        "截至目前,全省在疫情防控中问责36人,通报曝光10起典型问题。",
        "同样坚守在封控区的纪检监察干部纷纷表示,“疫情不退,我们不退!”",
    ],
    "003": [
        "“請(qǐng)問(wèn)咱們點(diǎn)位上核酸檢測(cè)相關(guān)物資是否充足?",
        "“日督查、日?qǐng)?bào)告、日匯總、日例會(huì)”工作機(jī)制",
        "以監(jiān)督效力凝聚防控合力?!焙颖眳^(qū)紀(jì)委監(jiān)委相關(guān)負(fù)責(zé)同志表示。",
    ],
    "004": [
        "坚决保障打赢疫情防控阻击战,是纪检监察机关当前的头等大事。",
        "闻令而动 令出行随",
        "何谓“战时状态”?就是非常规,就是*********,就是全员发动",
        "畅通疫情防控监督“最后一公里”。",
        "来源:《中国纪检监察》杂志",
    ],
}


def _seed_path(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="module")
def seed_docs():
    return {d.id[:3]: d for d in iter_documents([SEEDS])}


def test_all_seeds_load_with_ids_relative_to_root(seed_docs):
    assert sorted(seed_docs) == sorted(EXPECTED)
    for prefix, doc in seed_docs.items():
        assert doc.id == _seed_path(prefix).name
        assert doc.content_hash == hashlib.sha256(_seed_path(prefix).read_bytes()).hexdigest()


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_title_source_date(seed_docs, prefix):
    doc = seed_docs[prefix]
    assert (doc.title, doc.source, doc.date) == EXPECTED[prefix]
    # the headline opens the text (shown there as written, artefacts and all)
    assert strip_artefacts(doc.text.split("\n")[0].strip()) == doc.title


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_boilerplate_removed(seed_docs, prefix):
    text = seed_docs[prefix].text
    for junk in BOILERPLATE[prefix]:
        assert junk not in text, junk
    assert "X" not in text.split("\n")


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_article_kept_as_original_lines(seed_docs, prefix):
    doc = seed_docs[prefix]
    raw_lines = _seed_path(prefix).read_text(encoding="utf-8").split("\n")
    # Only whole original lines, and blank lines between paragraphs.
    assert all(line in raw_lines for line in doc.text.split("\n") if line)
    assert "\n\n\n" not in doc.text and doc.text == doc.text.strip("\n")
    for sentence in KEPT[prefix]:
        assert sentence in doc.text, sentence
    # Every line of the file that ends a sentence is article content and survives.
    enders = [
        line for line in raw_lines if line.strip() and line.rstrip().rstrip('”’」』)"')[-1:] in "。！？!?"
    ]
    assert enders and all(line in doc.text for line in enders)


def test_dateline_source_and_year_less_date():
    page = "某某标题\n\n人民网北京5月3日电 今日,某某召开会议。会议强调,要做好工作。\n"
    art = clean_page(page)
    assert (art.title, art.source, art.date) == ("某某标题", "人民网", "")


def test_generic_news_page_rules():
    page = "\n".join(
        [
            "网站首页 | 新闻中心",
            "您的位置:首页 > 新闻中心 > 正文",
            "某县纪委监委开展专项监督",
            "發布時間:2022-03-05 09:10  來源:某某日報  瀏覽次數:35",
            "【字体:大 中 小】【打印】【关闭】",
            "",
            "3月4日,某县纪委监委开展专项监督检查。检查发现问题5个。",
            "",
            "下一步,该县将持续跟进。",
            "",
            "责任编辑:张三",
            "上一篇:某镇召开会议",
            "下一篇:某村开展活动",
            "附件下载",
        ]
    )
    art = clean_page(page)
    assert art.title == "某县纪委监委开展专项监督"
    assert art.source == "某某日報"
    assert art.date == "2022-03-05"
    assert art.text == "\n".join(
        [
            "某县纪委监委开展专项监督",
            "發布時間:2022-03-05 09:10  來源:某某日報  瀏覽次數:35",
            "",
            "3月4日,某县纪委监委开展专项监督检查。检查发现问题5个。",
            "",
            "下一步,该县将持续跟进。",
            "",
            "责任编辑:张三",
        ]
    )


def test_share_marker_before_the_body_does_not_cut_the_article():
    page = "标题在此\n分享到:\n正文第一句。正文第二句。\n正文最后一句。\n分享到:\n相关文章"
    art = clean_page(page)
    assert art.text == "标题在此\n正文第一句。正文第二句。\n正文最后一句。"


def test_markdown_keeps_everything_and_uses_heading(tmp_path):
    md = "# 天津市纪委监委\n\n当前位置:首页 > 不是网页\n\n天津市纪委监委召开会议。\n"
    (tmp_path / "a.md").write_text(md, encoding="utf-8")
    doc = load_document(tmp_path / "a.md", tmp_path)
    assert doc.title == "天津市纪委监委"
    assert doc.text == md.strip("\n")


def test_title_falls_back_to_file_name(tmp_path):
    (tmp_path / "note.txt").write_text("这是一段没有标题的正文,它以句号结束,而且相当长。\n", encoding="utf-8")
    assert load_document(tmp_path / "note.txt", tmp_path).title == "note"


# --- encodings -------------------------------------------------------------------------------


def test_gb18030_file(tmp_path):
    text = "疫情防控监督检查\n\n天津市纪委监委召开全市纪检监察系统疫情防控监督检查工作视频会议。\n"
    data = text.encode("gb18030")
    (tmp_path / "gb.txt").write_bytes(data)
    doc = load_document(tmp_path / "gb.txt", tmp_path)
    assert doc.title == "疫情防控监督检查"
    assert "视频会议。" in doc.text
    assert doc.content_hash == hashlib.sha256(data).hexdigest()


def test_big5_file(tmp_path):
    text = "資源縣強化監督檢查\n\n據統計,資源縣共派出督查組10餘個,發現問題20餘個。\n"
    (tmp_path / "b5.txt").write_bytes(text.encode("big5"))
    doc = load_document(tmp_path / "b5.txt", tmp_path)
    assert doc.title == "資源縣強化監督檢查"
    assert "發現問題20餘個。" in doc.text


def test_traditional_text_in_gb18030(tmp_path):
    text = "資源縣強化監督檢查\n\n據統計,資源縣共派出督查組10餘個。\n"
    (tmp_path / "t.txt").write_bytes(text.encode("gb18030"))
    assert load_document(tmp_path / "t.txt", tmp_path).title == "資源縣強化監督檢查"


def test_utf8_bom_and_crlf(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeff标题\r\n\r\n正文一句。\r\n".encode())
    doc = load_document(tmp_path / "bom.txt", tmp_path)
    assert doc.title == "标题"
    assert doc.text == "标题\n\n正文一句。"


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t ", "\ufeff".encode()])
def test_empty_file_is_clear_error(tmp_path, content):
    (tmp_path / "empty.txt").write_bytes(content)
    with pytest.raises(IngestError, match=r"empty\.txt.*empty"):
        load_document(tmp_path / "empty.txt", tmp_path)


def test_undecodable_file_is_clear_error(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\x80\xff\x80\xff" * 10)
    with pytest.raises(IngestError, match=r"bad\.txt.*cannot decode"):
        load_document(tmp_path / "bad.txt", tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(IngestError, match=r"bin\.txt.*binary"):
        load_document(tmp_path / "bin.txt", tmp_path)


def test_unsupported_suffix_is_clear_error(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match=r"a\.xlsx.*unsupported"):
        collect_files([tmp_path / "a.xlsx"])
    with pytest.raises(IngestError, match=r"a\.xlsx.*unsupported"):
        load_document(tmp_path / "a.xlsx", tmp_path)


def test_missing_path_is_clear_error(tmp_path):
    with pytest.raises(IngestError, match=r"nothing-here.*no such file or folder"):
        collect_files([tmp_path / "nothing-here"])
    with pytest.raises(IngestError):
        list(iter_documents([tmp_path / "nothing-here"]))


def test_ingest_error_is_value_error():
    assert issubclass(IngestError, ValueError)


# --- collecting files ------------------------------------------------------------------------


def _write(path: Path, text: str = "标题\n\n正文。\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_collect_files_folder_recursive_sorted_skips_hidden_and_unsupported(tmp_path):
    corpus = tmp_path / "corpus"
    _write(corpus / "b.txt")
    _write(corpus / "a.md")
    _write(corpus / "sub" / "c.TXT")
    _write(corpus / ".hidden.txt")
    _write(corpus / ".git" / "x.txt")
    _write(corpus / "notes.xlsx")
    pairs = collect_files([corpus])
    assert [(f.relative_to(corpus).as_posix(), r) for f, r in pairs] == [
        ("a.md", corpus),
        ("b.txt", corpus),
        ("sub/c.TXT", corpus),
    ]
    assert [d.id for d in iter_documents([corpus])] == ["a.md", "b.txt", "sub/c.TXT"]


def test_collect_files_single_file_uses_parent_as_root(tmp_path):
    f = _write(tmp_path / "x" / "one.txt")
    assert collect_files([f]) == [(f, f.parent)]
    assert collect_files([f, f]) == [(f, f.parent)]  # given twice, read once
    assert [d.id for d in iter_documents([f])] == ["one.txt"]


def test_duplicate_ids_are_clear_error(tmp_path):
    a = _write(tmp_path / "a" / "same.txt")
    b = _write(tmp_path / "b" / "same.txt")
    with pytest.raises(IngestError, match="same.txt"):
        list(iter_documents([a, b]))


def test_supported_suffixes():
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}


def test_fold_of_source_matches_simplified(seed_docs):
    assert fold(seed_docs["001"].source) == "资源县纪委监委"


def test_sentence_starting_like_a_footer_marker_is_kept():
    page = "标题\n\n正文第一句。\n上一篇报道中提到的问题已经全部整改。\n最后一句。"
    assert clean_page(page).text == page


def test_footer_markers_come_from_the_lexicon(tmp_path):
    from rag.zh.lexicon import use_lexicon

    page = "标题在此\n正文第一句。正文第二句。\n正文最后一句。\n更多精彩:某某新闻网\n别的文章的摘要一句。"
    assert "更多精彩" in clean_page(page).text
    mine = tmp_path / "mine.toml"
    mine.write_text('[ingest]\nfooter_markers = ["更多精彩"]\n', encoding="utf-8")
    try:
        use_lexicon([mine])
        assert clean_page(page).text == "标题在此\n正文第一句。正文第二句。\n正文最后一句。"
    finally:
        use_lexicon([])
    assert "更多精彩" in clean_page(page).text
