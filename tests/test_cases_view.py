"""The 案例 tab's table without a browser: filters, sorting, sources with the field's words marked,
escaping, and the strings both languages need."""

from __future__ import annotations

from rag.cases.select import CaseQuery
from rag.cases.stored import read_document
from rag.types import Document
from rag.web.cases_view import case_rows, cases_html, sanction_choices
from rag.web.i18n import strings

TEXT = """某县通报典型问题<b>

1.2022年4月8日，经县纪委监委研究决定，给予某县交通运输局局长张建国党内严重警告处分。

2.2021年3月2日，某县柳林镇党委书记孔德明<script>x</script>履职不力，被诫勉谈话。
"""


def _table():
    doc = Document(id="r.txt", title="某县通报<b>", text=TEXT)
    return {doc.id: read_document(doc)}, {doc.id: doc}


def test_rows_filter_sort_and_mark_their_sources():
    table, docs = _table()
    rows = case_rows(table, docs, CaseQuery(), "doc", "zh")
    assert [r.who for r in rows] == ["张建国", "孔德明"]
    assert [r.who for r in case_rows(table, docs, CaseQuery(), "date", "zh")] == ["孔德明", "张建国"]
    only = case_rows(table, docs, CaseQuery(sanction="诫勉谈话"), "doc", "zh")
    assert [r.who for r in only] == ["孔德明"]
    assert sanction_choices(table) == sorted(["严重警告", "诫勉谈话"])
    name = next(src for src in rows[0].sources if src.value == "张建国")
    assert "<mark>张建国</mark>" in str(name.sentence)
    html = str(cases_html(rows, "zh", 2))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert html.count('<details class="case"') == 2


def test_both_languages_have_the_tabs_strings():
    zh, en = strings()["zh"], strings()["en"]
    keys = [k for k in zh if k.startswith(("case", "sort_", "tab_cases"))]
    assert len(keys) > 20 and all(k in en for k in keys)
    assert zh["tab_cases"] == "案例" and en["tab_cases"] == "Cases"
