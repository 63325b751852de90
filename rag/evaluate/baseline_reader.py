"""The reference reader a learned answerer has to beat: the sentence of the passages sharing the most
character bigrams with the question, quoted and cited, never declining. Ten lines of idea, kept as an
Answerer so that `rag eval --squad ... --answerer baseline` scores it exactly like the real one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from rag.types import Answer, Citation, Document, Hit
from rag.zh.sentences import split_sentences
from rag.zh.text import fold
from rag.zh.words import pair_bigrams


class BigramBaselineReader:
    name = "baseline"

    def stream(
        self, question, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        text = question if isinstance(question, str) else question.text
        asked = pair_bigrams(fold(text))
        best: tuple[int, Hit, tuple[int, int]] | None = None
        for hit in hits:
            for a, b in split_sentences(hit.chunk.text):
                shared = len(asked & pair_bigrams(fold(hit.chunk.text[a:b])))
                if best is None or shared > best[0]:
                    best = (shared, hit, (a, b))
        if best is None:
            yield Answer(text, "", True, text, (), tuple(hits))
            return
        _, hit, (a, b) = best
        quote = hit.chunk.text[a:b]
        start = hit.chunk.start + a
        cite = Citation(1, hit.chunk.id, hit.chunk.doc_id, hit.title, quote, start, start + len(quote))
        yield Answer(text, f"{quote}[1]", False, text, (cite,), tuple(hits))
