"""The retrieval-test tab's evaluation report, in the page's language: the summary, the retrieval and
answer tables read from the committed report's results.json, and its recall plot.

The plot is inlined (a data: URL) rather than linked: a relative link in report.md resolves against the
page's address and answers 404, and a second component showed the plot twice. No gradio here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from rag.evaluate.report import ANSWER_COLUMNS
from rag.web.i18n import lang_of, strings, t
from rag.web.markup import render

RETRIEVAL_METRICS = ("R@1", "R@3", "R@5", "R@10", "MRR@10", "nDCG@10", "Cov@5")


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _cell(value: object) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and value > 1 else f"{value:.3f}"
    return str(value)


def _label(lang: str, prefix: str, name: str) -> str:
    """A subset's or metric's name in the language, else as the report names it."""
    return strings()[lang_of(lang)].get(f"{prefix}_{name}", name)


def retrieval_table(results: dict, lang: str) -> Table:
    headers = (t(lang, "col_mode"), t(lang, "col_subset"), t(lang, "col_n"), *RETRIEVAL_METRICS)
    rows = []
    for mode, subsets in results.get("metrics", {}).items():
        for subset, m in subsets.items():
            cells = [_cell(m.get(name, "")) for name in ("n", *RETRIEVAL_METRICS)]
            rows.append((_label(lang, "mode", mode), _label(lang, "subset", subset), *cells))
    return Table(headers, tuple(rows))


def answer_table(results: dict, lang: str) -> Table:
    headers = (t(lang, "col_subset"), *(_label(lang, "metric", m) for m in ANSWER_COLUMNS))
    rows = [
        (_label(lang, "subset", subset), *(_cell(m.get(name, "")) for name in ANSWER_COLUMNS))
        for subset, m in results.get("answer_metrics", {}).items()
    ]
    return Table(headers, tuple(rows))


def plot_url(png: Path) -> str | None:
    if not png.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def report_html(folder: Path | str, lang: str) -> str:
    """The report of `folder` (results.json + recall.png, as `rag eval` writes them), or a note saying
    how to make one."""
    folder = Path(folder)
    path = folder / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = None
    s = strings()[lang_of(lang)]
    if not isinstance(results, dict):
        return str(render("report.html", s=s, missing=t(lang, "report_missing", path=path)))
    answerable = results.get("answer_metrics", {}).get("all", {}).get("n_answerable", "?")
    questions = results.get("questions", [])
    summary = t(
        lang,
        "report_summary",
        date=str(results.get("created", ""))[:10],
        file=results.get("questions_file", ""),
        n=len(questions),
        answerable=_cell(answerable),
        k=results.get("k", ""),
    )
    return str(
        render(
            "report.html",
            s=s,
            missing="",
            summary=summary,
            retrieval=retrieval_table(results, lang),
            answers=answer_table(results, lang),
            plot=plot_url(folder / "recall.png"),
        )
    )
