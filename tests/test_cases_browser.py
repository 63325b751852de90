"""The 案例 tab in a real browser (Playwright + Debian's Chromium, as tests/test_ui_browser.py): the
table lists the seeds' cases, a filter narrows it, a row opens its sources, and English relabels it."""

from __future__ import annotations

import shutil

import pytest

from rag.config import Settings
from rag.index.embedding import HashEmbedder
from rag.web import app as ui
from rag.web.library import prepare_pipeline

from .test_ui_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, WAIT_MS, free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("cases_browser")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    pipeline = prepare_pipeline(
        root / "index", [corpus], root / "uploads", Settings(embedder="hash"), HashEmbedder(), progress=False
    )
    app = ui.build_app(pipeline, root / "uploads", root / "reports")
    url = ui.launch(app, port=free_port(), block=False)
    yield url, pipeline
    app.close()


@pytest.fixture
def page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(WAIT_MS)
        yield pg
        browser.close()


def _rows(page) -> list[str]:
    return page.locator("#cases-table details.case").evaluate_all("els => els.map(e => e.dataset.key)")


def test_the_cases_tab_filters_and_opens_a_cases_sources(served, page, tmp_path):
    url, pipeline = served
    n_cases = sum(len(c.cases) for c in pipeline.snapshot.cases.values())
    page.goto(url)
    page.get_by_role("tab", name="案例").click()
    page.wait_for_selector("#cases-table details.case")
    assert len(_rows(page)) == n_cases

    place = page.locator("#cases-place textarea, #cases-place input").first
    place.fill("天津")
    place.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#cases-table details.case').length === 2")
    assert sorted(_rows(page)) == sorted(["王增田", "某公司"])

    row = page.locator('#cases-table details.case[data-key="王增田"]')
    sentence = row.locator(".case-sentence").first
    assert not sentence.is_visible()  # closed until the row is clicked
    row.locator("summary").click()
    sentence.wait_for(state="visible")
    text = row.locator(".case-sources").inner_text()
    doc = pipeline.snapshot.documents["004_691348453c868709.txt"].text
    case = next(c for c in pipeline.snapshot.cases["004_691348453c868709.txt"].cases if c.key == "王增田")
    a, b = case.sanctions[0].sentence
    assert doc[a:b].strip() in text  # the sentence as the document writes it
    assert row.locator(".case-sources mark").first.inner_text() == "王增田"
    page.screenshot(path=str(tmp_path / "cases.png"), full_page=True)
    assert page.locator(".toast-body.error").count() == 0  # no event of the page failed

    page.goto(url + "?lang=en")
    page.get_by_role("tab", name="Cases").click()
    page.wait_for_function("() => document.querySelector('#cases-table').innerText.includes('Showing')")
    assert page.locator(".toast-body.error").count() == 0
