"""The open-domain sentence picker: training examples from the passages `rag ask` reads
(eval/train_reader.py --open-dir), the comparison script (eval/reader_open.py), and the combined
answerer's switch to the learned reader's sentence (rag.answer.combined, switch_margin)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from eval.reader_open import MARGINS, PICK, figures
from eval.train_reader import OpenRead, open_examples, read_open
from rag.answer.combined import CombinedAnswerer
from rag.answer.extractive import answer
from rag.answer.learned import LearnedReader, ReaderModel
from rag.answer.reader_features import FEATURES
from rag.types import Answer, Chunk, Citation, Document, Hit

TEXT = "今天天气很好，大家去公园散步。贝尔于1847年出生在苏格兰的爱丁堡。他后来移居加拿大。"
QUESTION = "贝尔出生在什么地方？"


def collection() -> tuple[Hit, dict[str, Document]]:
    doc = Document(id="doc.txt", title="贝尔", text="贝尔\n\n" + TEXT)
    start = doc.text.index(TEXT)
    return Hit(Chunk("c1", "doc.txt", TEXT, start, start + len(TEXT)), 1.0, 1, ("bm25",), "贝尔"), {
        "doc.txt": doc
    }


def stub_pipeline():
    """What asked_passages reads of a Pipeline: search, settings.answer_passages, the documents."""
    hit, docs = collection()
    return SimpleNamespace(
        snapshot=SimpleNamespace(documents=docs),
        settings=SimpleNamespace(answer_passages=5),
        search=lambda info, k, doc_ids=None: [hit],
    )


def test_an_open_read_labels_every_sentence_of_the_passages_by_the_gold_answer():
    read = read_open(stub_pipeline(), QUESTION, ["爱丁堡"])
    assert len(read.rows) == len(read.labels) == 3 and all(len(r) == len(FEATURES) for r in read.rows)
    quoted = [TEXT[a:b] for _, a, b in read.sentences]
    assert [("爱丁堡" in s) for s in quoted] == [bool(x) for x in read.labels]
    assert read.extractive_hit == (not read.extractive_declined and "爱丁堡" in quoted[read.labels.index(1)])


def test_open_examples_leave_out_questions_no_sentence_answers():
    right = read_open(stub_pipeline(), QUESTION, ["爱丁堡"])
    nowhere = read_open(stub_pipeline(), QUESTION, ["伦敦"])
    x, y, groups = open_examples([right, nowhere, right])
    assert x.shape == (2 * len(right.rows), len(FEATURES))
    assert y.sum() == 2 and set(groups) == {0, 1}
    assert open_examples([nowhere])[0].shape == (0, len(FEATURES))


def one_feature_model(name: str, weight: float = 8.0) -> ReaderModel:
    n = len(FEATURES)
    coef = [weight if f == name else 0.0 for f in FEATURES]
    return ReaderModel(FEATURES, (0.0,) * n, (1.0,) * n, tuple(coef), -weight / 2, 0.0)


def synthetic(extractive_hit: bool, declined: bool = False) -> OpenRead:
    """Two sentences: the first is the extractive reader's (wrong), the second is right and has the
    higher `bigram_share`."""
    rows = [[0.0] * len(FEATURES) for _ in range(2)]
    rows[0][PICK], rows[1][FEATURES.index("bigram_share")] = 1.0, 1.0
    return OpenRead("q", ["x"], rows, [0, 1], extractive_hit, declined, ())


def test_the_policy_switches_only_beyond_the_margin_and_never_where_the_extractive_reader_declines():
    model = one_feature_model("bigram_share")
    f = figures(model, [synthetic(False), synthetic(False, declined=True)])
    assert f["extractive"] == 0.0 and f["learned"] == 1.0
    assert f[f"policy {MARGINS[0]}"] == 0.5  # the declined question stays declined
    assert f[f"policy {MARGINS[-1]}"] == 0.0  # a margin above 1 never switches


@dataclass(frozen=True)
class Quoting:
    """An extractive reader stand-in that quotes the first sentence of the passage."""

    def build(self, query, hits, documents) -> Answer:
        hit = hits[0]
        end = TEXT.index("。") + 1
        cite = Citation(
            1, hit.chunk.id, hit.chunk.doc_id, "贝尔", TEXT[:end], hit.chunk.start, hit.chunk.start + end
        )
        return Answer(query.rewritten, f"{cite.quote}[1]", False, "", (cite,), tuple(hits))


def test_combined_quotes_the_learned_sentence_only_when_it_wins_by_the_margin(tmp_path):
    model = one_feature_model("bigram_share")
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    hit, docs = collection()
    second = LearnedReader(model_path=path)
    switched = answer(
        CombinedAnswerer(first=Quoting(), second=second, switch_margin=0.0), QUESTION, [hit], docs
    )
    assert "爱丁堡" in switched.citations[0].quote
    kept = answer(CombinedAnswerer(first=Quoting(), second=second, switch_margin=1.0), QUESTION, [hit], docs)
    assert kept.citations[0].quote.startswith("今天天气")
    assert np.isclose(model.probability([0.0] * len(FEATURES)), 1 / (1 + np.exp(4.0)))
