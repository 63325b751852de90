"""The combined answerer: the extractive reader first (hand rules: precise on the kind of documents
it was written for, and it declines what they do not answer); only when it declines for lack of a
good sentence is the learned reader (rag.answer.learned, with its decline model) asked, and its
answer used unless it declines too. Where the extractive reader answers, it has decided THAT the
passages answer; WHICH sentence to quote is left to the learned sentence model (trained on the
passages `rag ask` reads) when it ranks another sentence clearly above the extractive one
(`switch_margin`). Instructions and gibberish never get this far: the guard (rag.answer.guard)
refuses them before any reader runs. Whichever reader answers, the answer is declined when the
documents it cites hardly mention what the question is about (`off_topic`), or when the accept model
(rag.answer.accept) finds it unlikely to be right (`doubtful`). docs/reader.md has the figures."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.answer.accept import ACCEPT_FEATURES, ACCEPT_MODEL_PATH, cited_share, doubted, quoted_run
from rag.answer.decline import DECLINE_FEATURES
from rag.answer.extractive import ExtractiveAnswerer, stream_built
from rag.answer.learned import Candidate, LearnedReader, citation_marks, load_model
from rag.answer.reader_features import FEATURES
from rag.answer.short_decision import asks_reason
from rag.answer.short_first import asks_one_thing, with_short_answer, without_short_answer
from rag.query.analysis import Query, as_query
from rag.types import Answer, Document, Hit
from rag.zh.lexicon import lexicon
from rag.zh.text import fold

if TYPE_CHECKING:
    from rag.answer.qa_reader import QAReader

_PICK = FEATURES.index("extractive_pick")


def _first_reader() -> ExtractiveAnswerer:
    """The extractive reader with the combined answerer's bar (reader.combined_extractive_min_score):
    below its own, as the topic check (`off_topic`) declines what a lower bar lets through from
    articles about something else."""
    return ExtractiveAnswerer(min_score=lexicon().number("reader.combined_extractive_min_score"))


@dataclass(frozen=True)
class CombinedAnswerer:
    """Extractive (led by its short answer) or the learned sentence it is switched for, else
    learned, else the extractive refusal."""

    name: str = "combined"
    first: ExtractiveAnswerer = field(default_factory=_first_reader)
    second: LearnedReader = field(default_factory=LearnedReader)
    # the learned reader's answer is used when the decline model's P(the passages answer) is at
    # least this; None: reader.combined_min_probability (rag/zh/data/reader.toml)
    min_probability: float | None = None
    # where the extractive reader answers, the learned reader's best sentence replaces its answer when
    # its probability exceeds that of the best sentence the extractive reader quotes by more than
    # this; None: reader.combined_switch_margin (rag/zh/data/reader.toml); 1 or more: never
    switch_margin: float | None = None
    # the fine-tuned span reader for short answers (rag.answer.qa_reader); None: the feature span model
    spans: QAReader | None = None
    # the accept model (rag.answer.accept); None: answers are not put to it (eval/train_accept.py)
    accept_path: Path | None = ACCEPT_MODEL_PATH

    def stream(
        self, question: Query | str, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Iterator[str | Answer]:
        yield from stream_built(self.build(as_query(question), hits, documents))

    def build(self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        ans = self.answered(query, hits, documents)
        if ans.abstained:
            return ans
        if self.off_topic(query, ans, documents) or self.doubtful(query, ans, hits, documents):
            return self.first.abstain(query.rewritten, hits)
        return ans

    def answered(self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document]) -> Answer:
        """The answer before the topic check (`off_topic`) and the accept model (`doubtful`)."""
        first = self.first.build(query, hits, documents)
        if not first.abstained:
            ans = self.switched(query, first, hits, documents) or with_short_answer(query, first, self.spans)
            rejected = self.unsupported(query, ans, hits, documents)
            return self.first.abstain(query.rewritten, hits) if rejected else ans
        # one reading of the passages serves both the decision and the learned answer
        found = self.second.read(query, hits, documents)
        if found is None:
            return first
        row, p = self.decision(query, hits, found)
        sure = p >= self.threshold() and not self.second.declines(row)
        if not (
            sure
            or self.confirmed(query, hits, found[0], p)
            or self.rescued(query, hits, documents, found[0], row, p)
        ):
            return first
        return self.learned_answer(query, hits, documents, found)

    def decision(self, query: Query, hits: Sequence[Hit], found) -> tuple[list[float], float]:
        """The decline model's row and P(the passages answer), from the learned reader's reading."""
        row = self.second.decline_features(query.whole, *found, hits)
        return row, load_model(self.second.decline_path, DECLINE_FEATURES).probability(row)

    @staticmethod
    def off_topic(query: Query, ans: Answer, documents: Mapping[str, Document]) -> bool:
        """Whether the documents the answer cites (text and title) mention at most
        reader.combined_topic_share of the question's topic words: an answer taken from an article
        about something else, because the one it asks about is not in the collection, unless the
        quotes repeat reader.combined_topic_run characters of the question in a row (docs/reader.md,
        "Answers whose sources do not mention the question's topic")."""
        share = cited_share(query, ans, documents)
        if share is None or share > lexicon().number("reader.combined_topic_share"):
            return False
        # jieba may split the very name the question asks about (漢地十八省 -> 是从, 开始, 产生, 省):
        # a quote that repeats a long run of the question is about what it names
        return quoted_run(query, ans) < lexicon().number("reader.combined_topic_run")

    def doubtful(
        self, query: Query, ans: Answer, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> bool:
        """Whether the accept model (`accept_path`, rag.answer.accept) gives the answer a P(right) below
        its threshold; never without the span reader (one of its signals) or the model file."""
        path = self.accept_path
        if self.spans is None or not ans.citations or path is None or not path.exists():
            return False
        return doubted(load_model(path, ACCEPT_FEATURES), self, query, ans, hits, documents)

    def unsupported(
        self, query: Query, ans: Answer, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> bool:
        """Whether both learned models reject the extractive reader's answer: the span reader finds
        clearly no answer in its quote (start+end fall short of "no answer" by more than
        -reader.combined_unsupported_margin) and the decline model's P(the passages answer) is below
        reader.combined_unsupported_probability. Either alone also rejects right answers on news
        reports, the models being trained on Wikipedia (docs/reader.md, "Where both models reject the
        quote"). Only where the short answer reads the quote anyway (one thing asked)."""
        # `ans` is the extractive answer or its switch, never a refusal
        if self.spans is None or not ans.citations or not asks_one_thing(query):
            return False
        words = lexicon()
        read = self.spans.read(query.rewritten, ans.citations[0].quote)
        if read is None or read.margin >= words.number("reader.combined_unsupported_margin"):
            return False
        found = self.second.read(query, hits, documents)
        if found is None:
            return False
        return self.decision(query, hits, found)[1] < words.number("reader.combined_unsupported_probability")

    def confirmed(self, query: Query, hits: Sequence[Hit], ranked: Sequence[Candidate], p: float) -> bool:
        """Whether the span reader finds an answer in the learned reader's sentence (start+end beat "no
        answer" by more than reader.combined_confirm_margin) where the decline model is fairly sure
        (reader.combined_confirm_probability): on near-miss questions of similar reports the decline
        model is sure too, but the span reader finds no answer (docs/reader.md)."""
        if self.spans is None or p < lexicon().number("reader.combined_confirm_probability"):
            return False
        read = self.spans.read(query.rewritten, ranked[0].text(hits))
        return read is not None and read.margin > lexicon().number("reader.combined_confirm_margin")

    def rescued(
        self,
        query: Query,
        hits: Sequence[Hit],
        documents: Mapping[str, Document],
        ranked: Sequence[Candidate],
        row: Sequence[float],
        p: float,
    ) -> bool:
        """Whether a refusal that came close is answered after all: the extractive reader's checks
        passed and its best sentence scores at least reader.combined_rescue_score (below its own
        bars), the decline model's P is at least reader.combined_rescue_probability and the span
        reader clearly finds an answer (by more than reader.combined_rescue_margin) in the learned
        reader's sentence. The seeds' near-miss questions fail the extractive reader's checks or score
        lower (docs/reader.md, "A refusal that came close")."""
        words = lexicon()
        if self.spans is None or p < words.number("reader.combined_rescue_probability"):
            return False
        if self.second.declines(row):
            return False
        # the extractive reader's scoring (a few ms) before the span reader's pass (tens of ms)
        best = self.first.best_score(query, hits, documents)
        if best is None or best < words.number("reader.combined_rescue_score"):
            return False
        read = self.spans.read(query.rewritten, ranked[0].text(hits))
        return read is not None and read.margin > words.number("reader.combined_rescue_margin")

    def learned_answer(
        self, query: Query, hits: Sequence[Hit], documents: Mapping[str, Document], found
    ) -> Answer:
        """The learned reader's quote (or the runner-up the span reader prefers, `repicked`), its short
        answer decided as for the extractive reader's answers (the decision was trained so)."""
        ranked = found[0]
        alternative = self.repicked(query, ranked[0].text(hits), ranked[0].probability, hits, ranked)
        if alternative is not None:
            found = ([alternative, *(c for c in ranked if c is not alternative)], None)
        return with_short_answer(
            query, without_short_answer(self.second.quote(query, hits, documents, *found)), self.spans
        )

    def switched(
        self, query: Query, first: Answer, hits: Sequence[Hit], documents: Mapping[str, Document]
    ) -> Answer | None:
        """The learned reader's answer instead of the extractive one, when the learned model ranks
        another sentence clearly above the ones the extractive reader quotes (docs/reader.md,
        "Open-domain sentence picker"), or the span reader doubts the quote (`doubted`); None to keep
        the extractive answer."""
        margin = self.switch_margin
        if margin is None:
            margin = lexicon().number("reader.combined_switch_margin")
        if margin >= 1:
            return None
        # the extractive answer is the learned reader's `extractive_pick` feature: no second build;
        # the span reader is asked only when the model keeps the extractive quote (`doubted`)
        ranked = self.second.rank(query, hits, documents, citation_marks(first))
        if not ranked:
            return None
        quoted = max((c.probability for c in ranked if c.row[_PICK]), default=0.0)
        quote = first.citations[0].quote if first.citations else ""  # "": nothing to repick
        if ranked[0].probability - quoted > margin:
            best = ranked
        elif (alternative := self.doubted(query, first, hits, ranked)) is not None or (
            alternative := self.repicked(query, quote, quoted, hits, ranked)
        ) is not None:
            best = [alternative, *(c for c in ranked if c is not alternative)]
        else:
            return None
        return with_short_answer(query, self.second.quote(query, hits, documents, best, None), self.spans)

    def doubted(
        self, query: Query, first: Answer, hits: Sequence[Hit], ranked: Sequence[Candidate]
    ) -> Candidate | None:
        """The learned reader's sentence to quote instead of the extractive one, when the span reader
        finds no answer in the extractive quote (start+end do not beat "no answer" by more than
        reader.combined_doubt_margin) but does, clearly (by more than
        reader.combined_alternative_margin), in one of the learned reader's two best sentences that
        the extractive reader does not quote (with probability at least
        reader.combined_alternative_probability); None to keep the extractive answer. The quote's
        read is the one its short answer uses, so only the alternative costs a pass."""
        # only where the short answer reads the quote anyway (one thing asked)
        if self.spans is None or not asks_one_thing(query) or not first.citations:
            return None
        words = lexicon()
        read = self.spans.read(query.rewritten, first.citations[0].quote)
        if read is not None and read.margin > words.number("reader.combined_doubt_margin"):
            return None
        least = words.number("reader.combined_alternative_probability")
        other = next((c for c in ranked[:2] if not c.row[_PICK] and c.probability >= least), None)
        if other is None:
            return None
        found = self.spans.read(query.rewritten, other.text(hits))
        sure = found is not None and found.margin > words.number("reader.combined_alternative_margin")
        return other if sure else None

    def repicked(
        self, query: Query, quote: str, quoted: float, hits: Sequence[Hit], ranked: Sequence[Candidate]
    ) -> Candidate | None:
        """Where the learned model doubts the quote too (its probability `quoted` is below
        reader.combined_repick_probability), the span reader compares it with the learned reader's
        best other sentences (among its first reader.combined_repick_depth, of probability at least
        reader.combined_repick_floor): the one whose span margin + reader.combined_repick_weight x
        ln(probability) is highest is quoted; None keeps the quote. docs/reader.md, "The span reader
        compares the doubtful quote with the runners-up"."""
        info, words = query.whole, lexicon()
        if self.spans is None or not quote or not asks_one_thing(query):
            return None
        if info.multi or info.listing or asks_reason(info):
            return None  # a list, a reason or a way is no span for the reader to find
        if quoted >= words.number("reader.combined_repick_probability"):
            return None
        floor, own = words.number("reader.combined_repick_floor"), fold(quote).strip()
        top = ranked[: int(words.number("reader.combined_repick_depth"))]
        others = [c for c in top if c.probability >= floor and fold(c.text(hits)).strip() != own]
        if not others:
            return None
        weight = words.number("reader.combined_repick_weight")

        def worth(text: str, probability: float) -> float:
            read = self.spans.read(query.rewritten, text)
            margin = read.margin if read is not None else -math.inf
            return margin + weight * math.log(max(probability, 1e-4))

        value, best = max(((worth(c.text(hits), c.probability), c) for c in others), key=lambda vc: vc[0])
        return best if value > worth(quote, quoted) else None

    def threshold(self) -> float:
        if self.min_probability is not None:
            return self.min_probability
        # never below the decline model's own threshold
        own = load_model(self.second.decline_path, DECLINE_FEATURES).threshold
        return max(own, lexicon().number("reader.combined_min_probability"))
