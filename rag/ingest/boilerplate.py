"""Boilerplate found by repetition: the same short line in many documents of one folder (a site's header,
footer or copyright line) is furniture, whatever words it uses. Works on whole lines, so the documents'
text stays made of their own lines; page offsets move with the text."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from rag.ingest.rules import ends_sentence
from rag.types import Document
from rag.zh.lexicon import lexicon
from rag.zh.text import fold, strip_artefacts


def _folder(doc: Document) -> str:
    return folder_of(doc.id)


def _edges(doc: Document) -> set[int]:
    """Indexes of the lines where headers and footers stand: before the title (when the text holds it)
    and after the last line that ends a sentence, at most `repeated_edge_lines` each. A heading shared by
    many reports stands inside their bodies and is no boilerplate."""
    k = int(lexicon().number("ingest.repeated_edge_lines"))
    lines = doc.text.split("\n")
    filled = [i for i, x in enumerate(lines) if x.strip()]
    title = next((i for i in filled if strip_artefacts(lines[i].strip()) == doc.title), -1)
    last = max((i for i in filled if ends_sentence(fold(lines[i]))), default=len(lines))
    return {i for i in filled[:k] if i < title} | {i for i in filled[-k:] if i > last}


def repeated_lines(docs: Sequence[Document]) -> dict[str, set[str]]:
    """Folder -> the stripped lines repeated across enough of its documents to be boilerplate."""
    lx = lexicon()
    min_docs, share = lx.number("ingest.repeated_min_docs"), lx.number("ingest.repeated_share")
    longest = lx.number("ingest.repeated_max_chars")
    groups: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        groups[_folder(d)].append(d)
    out: dict[str, set[str]] = {}
    for folder, members in groups.items():
        if len(members) < min_docs:
            continue
        counts = Counter(
            line
            for d in members
            for line in {x.strip() for i, x in enumerate(d.text.split("\n")) if i in _edges(d)}
            if 0 < len(line) <= longest
        )
        need = max(min_docs, share * len(members))
        lines = {line for line, c in counts.items() if c >= need}
        if lines:
            out[folder] = lines
    return out


def _drop(doc: Document, lines: set[str]) -> Document:
    kept: list[str] = []
    removed_before: list[tuple[int, int]] = []  # (old offset, chars removed up to it)
    pos = removed = 0
    edges = _edges(doc)
    for i, line in enumerate(doc.text.split("\n")):
        if i in edges and line.strip() in lines and line.strip() != doc.title.strip():
            removed += len(line) + 1
        else:
            kept.append(line)
        pos += len(line) + 1
        removed_before.append((pos, removed))
    text = "\n".join(kept).strip("\n")
    if not text.strip() or removed == 0:
        return doc
    lead = len("\n".join(kept)) - len("\n".join(kept).lstrip("\n"))

    def moved(offset: int) -> int:
        gone = max((r for p, r in removed_before if p <= offset), default=0)
        return max(0, offset - gone - lead)

    return replace(doc, text=text, pages=tuple(moved(p) for p in doc.pages))


def drop_repeated(docs: Sequence[Document]) -> tuple[list[Document], list[str]]:
    """The documents without their folder's repeated lines, and one note per folder saying what went.
    A document whose text changes so (a new file in the folder repeats one of its lines) is updated by the
    next index run: the pipeline compares the text read with the text stored (rag.ingest.added.stale)."""
    out, notes = drop_repeated_by_folder(docs)
    return out, [notes[folder] for folder in sorted(notes)]


def folder_of(doc_id: str) -> str:
    """The group a document's boilerplate is counted in: the folder part of its id."""
    return str(PurePosixPath(doc_id).parent)


def drop_repeated_by_folder(docs: Sequence[Document]) -> tuple[list[Document], dict[str, str]]:
    """drop_repeated with its notes keyed by folder: each folder is counted on its own, so a caller
    may run it on some folders only (rag.ingest.sources: the folders where a file changed)."""
    found = repeated_lines(docs)
    out = [_drop(d, found[_folder(d)]) if _folder(d) in found else d for d in docs]
    notes = {
        folder: f"{folder}: dropped {len(lines)} lines repeated across its documents (site boilerplate), "
        f"{', '.join(repr(x) for x in sorted(lines)[:3])}{' ...' if len(lines) > 3 else ''}"
        for folder, lines in found.items()
    }
    return out, notes
