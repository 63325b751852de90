"""Conversations kept on disk per browser: a small SQLite file beside the index (the standard library's
sqlite3), with a list, rename, delete, feedback and a Markdown export with the citations and their quotes.

A browser is known by a random id it keeps in its local storage; every read and write names it, so one
browser never sees or changes another's conversations. Answers are stored as the JSON of rag.jsonview
(read back into rag.types), so a reloaded conversation shows the same citations and sources.
No gradio here.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from rag.jsonview import answer_to_dict
from rag.types import Answer, Chunk, Citation, Hit
from rag.web.i18n import t

FILE_NAME = "conversations.sqlite3"
TITLE_CHARS = 40  # a new conversation is titled by its first question, cut to this length
MAX_TITLE = 120  # a title given by hand is cut to this length

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, browser TEXT NOT NULL, title TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_browser ON conversations (browser, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, feedback INTEGER,
    PRIMARY KEY (conversation, position)
);
"""

Turn = tuple[str, Answer]


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    updated: float


def store_beside(index_dir: Path | str) -> Path:
    """Where the conversations of the page over `index_dir` are kept: a file next to the index folder."""
    index_dir = Path(index_dir).resolve()
    return index_dir.parent / f"{index_dir.name}-{FILE_NAME}"


def answer_from_dict(data: dict) -> Answer:
    """The inverse of rag.jsonview.answer_to_dict."""
    hits = tuple(
        Hit(
            Chunk(h["chunk_id"], h["doc_id"], h["text"], h["start"], h["end"]),
            h["score"],
            h["rank"],
            tuple(h["via"]),
            h["title"],
        )
        for h in data.get("hits", [])
    )
    citations = tuple(Citation(**c) for c in data.get("citations", []))
    return Answer(
        data["question"], data["answer"], data["abstained"], data["rewritten_query"], citations, hits
    )


def new_browser_id() -> str:
    return uuid.uuid4().hex


class ConversationStore:
    """The conversations of every browser, in one SQLite file (created on first use)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One connection per operation (the page's events run on several threads); one transaction."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            db.execute("PRAGMA foreign_keys = ON")
            db.executescript(_SCHEMA)
            with db:
                yield db

    def _owned(self, db: sqlite3.Connection, browser: str, conversation: str) -> bool:
        row = db.execute(
            "SELECT 1 FROM conversations WHERE id = ? AND browser = ?", (conversation, browser)
        ).fetchone()
        return row is not None

    def list(self, browser: str) -> list[Conversation]:
        """The browser's conversations, the most recent first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, title, updated FROM conversations WHERE browser = ? ORDER BY updated DESC",
                (browser,),
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def save(self, browser: str, conversation: str | None, turns: Sequence[Turn]) -> str:
        """Store the conversation's turns (all of them: a regenerated or edited answer replaces the old
        one); a new conversation (conversation None or not this browser's) is titled by its first
        question. Returns the conversation's id."""
        if not browser:
            raise ValueError("no browser id")
        now = time.time()
        with self._db() as db:
            if not conversation or not self._owned(db, browser, conversation):
                conversation = uuid.uuid4().hex
                title = turns[0][0].strip()[:TITLE_CHARS] if turns else ""
                db.execute(
                    "INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                    (conversation, browser, title, now, now),
                )
            # feedback stays with an answer whose question is unchanged (not with an edited one)
            before = db.execute(
                "SELECT position, question, feedback FROM turns WHERE conversation = ?", (conversation,)
            )
            kept = {(p, q): f for p, q, f in before.fetchall()}
            db.execute("DELETE FROM turns WHERE conversation = ?", (conversation,))
            rows = [
                (conversation, i, q, json.dumps(answer_to_dict(a), ensure_ascii=False), kept.get((i, q)))
                for i, (q, a) in enumerate(turns)
            ]
            db.executemany("INSERT INTO turns VALUES (?, ?, ?, ?, ?)", rows)
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation))
        return conversation

    def load(self, browser: str, conversation: str) -> list[Turn]:
        """The conversation's turns; [] when it is not this browser's (or no longer exists)."""
        with self._db() as db:
            if not self._owned(db, browser, conversation):
                return []
            rows = db.execute(
                "SELECT question, answer FROM turns WHERE conversation = ? ORDER BY position", (conversation,)
            ).fetchall()
        return [(q, answer_from_dict(json.loads(a))) for q, a in rows]

    def title(self, browser: str, conversation: str) -> str:
        with self._db() as db:
            row = db.execute(
                "SELECT title FROM conversations WHERE id = ? AND browser = ?", (conversation, browser)
            ).fetchone()
        return row[0] if row else ""

    def rename(self, browser: str, conversation: str, title: str) -> bool:
        title = " ".join(title.split())[:MAX_TITLE]
        if not title:
            return False
        with self._db() as db:
            done = db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND browser = ?",
                (title, conversation, browser),
            )
            return done.rowcount == 1

    def delete(self, browser: str, conversation: str) -> bool:
        with self._db() as db:
            done = db.execute(
                "DELETE FROM conversations WHERE id = ? AND browser = ?", (conversation, browser)
            )
            return done.rowcount == 1

    def feedback(self, browser: str, conversation: str, position: int, liked: bool | None) -> bool:
        """Record 👍 (True), 👎 (False) or nothing (None) for the answer of turn `position`."""
        value = None if liked is None else int(liked)
        with self._db() as db:
            if not self._owned(db, browser, conversation):
                return False
            done = db.execute(
                "UPDATE turns SET feedback = ? WHERE conversation = ? AND position = ?",
                (value, conversation, position),
            )
            return done.rowcount == 1

    def feedbacks(self, browser: str, conversation: str) -> dict[int, bool]:
        with self._db() as db:
            if not self._owned(db, browser, conversation):
                return {}
            rows = db.execute(
                "SELECT position, feedback FROM turns WHERE conversation = ? AND feedback IS NOT NULL",
                (conversation,),
            ).fetchall()
        return {p: bool(f) for p, f in rows}


def export_markdown(title: str, turns: Sequence[Turn], lang: str) -> str:
    """The conversation as Markdown: each question, its answer with its [n] markers, and under it the
    cited sources with their quotes (the words around them in the page's language)."""
    out = [f"# {title or t(lang, 'untitled')}", ""]
    for question, answer in turns:
        out += [f"## {t(lang, 'question_label')}: {question}", "", answer.text.strip(), ""]
        if answer.citations:
            out += [f"**{t(lang, 'sources')}**", ""]
        for c in answer.citations:
            quote = " ".join(c.quote.split())
            out += [f"[{c.n}] {c.title} ({c.doc_id}, {c.start}–{c.end})", "", f"> {quote}", ""]
    return "\n".join(out).rstrip() + "\n"
