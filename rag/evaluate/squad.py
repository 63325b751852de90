"""SQuAD-format question sets (DRCD, CMRC 2018, or any file of that shape) as documents and questions.

One document per article (CMRC 2018 repeats a title over several entries: they are grouped), its
paragraphs joined by blank lines, so a question's gold paragraph is a span of its document. Articles
are split by a hash of their title, never by question, so that no article is in two splits:
- `tune`: what settings and models may be tuned or trained on;
- `heldout`: reported apart, never tuned on;
- `removed`: left out of the open-domain index; their questions must be declined.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("tune", "heldout", "removed")
REMOVED_SHARE = 0.1  # of articles: enough decline probes without starving the index
HELDOUT_SHARE = 0.4  # of the rest
# the public question sets that the eval/ scripts train and report on, and where they lie beside the
# checkout (../shared/data: the scripts' default --data)
PUBLIC_SETS = ("drcd_dev.json", "cmrc2018_trial.json")
PUBLIC_DATA = Path(__file__).resolve().parents[2].parent / "shared/data"


class SquadError(ValueError):
    """A file that is not in SQuAD format."""


@dataclass(frozen=True)
class Article:
    id: str  # a file-name-safe id: squad-<hash of the title>
    title: str
    text: str  # paragraphs joined by blank lines
    paragraphs: tuple[tuple[int, int], ...]  # (start, end) of each paragraph in `text`
    split: str


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]  # gold answer strings, as written
    article_id: str
    paragraph: int  # index into the article's paragraphs
    split: str


@dataclass(frozen=True)
class SquadSet:
    name: str
    articles: tuple[Article, ...]
    questions: tuple[SquadQuestion, ...]
    skipped: tuple[str, ...] = ()  # ids of entries with no question text (CMRC 2018 trial has two)

    def article(self, article_id: str) -> Article:
        return next(a for a in self.articles if a.id == article_id)


def split_of(title: str) -> str:
    """The split an article belongs to, from its title alone: stable across runs and machines."""
    h = int(hashlib.sha256(title.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    if h < REMOVED_SHARE:
        return "removed"
    return "heldout" if (h - REMOVED_SHARE) / (1 - REMOVED_SHARE) < HELDOUT_SHARE else "tune"


def _article_id(title: str) -> str:
    return "squad-" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:12]


def load_squad(path: Path | str) -> SquadSet:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["data"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SquadError(f"{path}: not a SQuAD-format JSON file ({type(exc).__name__}: {exc})") from None
    grouped: dict[str, list[tuple[str, list[dict]]]] = {}
    for entry in entries:
        title = str(entry.get("title") or entry.get("id") or "untitled")
        for para in entry.get("paragraphs", []):
            if "context" not in para:
                raise SquadError(f"{path}: a paragraph of {title!r} has no context")
            grouped.setdefault(title, []).append((para["context"], para.get("qas", [])))
    articles: list[Article] = []
    questions: list[SquadQuestion] = []
    skipped: list[str] = []
    for title, paras in grouped.items():
        aid, split = _article_id(title), split_of(title)
        spans, pieces, pos = [], [], 0
        for context, _ in paras:
            spans.append((pos, pos + len(context)))
            pieces.append(context)
            pos += len(context) + 2
        articles.append(Article(aid, title, "\n\n".join(pieces), tuple(spans), split))
        for i, (_, qas) in enumerate(paras):
            for qa in qas:
                golds = tuple(dict.fromkeys(a["text"] for a in qa.get("answers", []) if a.get("text")))
                if golds and not str(qa.get("question") or "").strip():
                    skipped.append(str(qa.get("id")))
                elif golds:
                    questions.append(SquadQuestion(str(qa["id"]), qa["question"], golds, aid, i, split))
    if not questions:
        raise SquadError(f"{path}: no answerable questions found")
    return SquadSet(path.stem, tuple(articles), tuple(questions), tuple(skipped))


def sample(
    questions: Sequence[SquadQuestion], limit: int | None, splits: Sequence[str]
) -> list[SquadQuestion]:
    """The questions of `splits`, at most `limit` of each split, spread evenly over the file (a
    deterministic sample: every run scores the same questions)."""
    out: list[SquadQuestion] = []
    for split in splits:
        mine = [q for q in questions if q.split == split]
        if limit and len(mine) > limit:
            step = len(mine) / limit
            mine = [mine[int(i * step)] for i in range(limit)]
        out.extend(mine)
    return out
