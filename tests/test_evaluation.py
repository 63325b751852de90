"""rag.evaluate.evaluation with a fake pipeline: question loading, relevance, metrics, report files."""

from __future__ import annotations

import json
import math

import pytest

from rag.config import Settings
from rag.evaluate.command import eval_command
from rag.evaluate.evaluation import evaluate
from rag.evaluate.questions import QuestionFileError, evidence_in, load_questions
from rag.evaluate.report import failures, format_table, write_report
from rag.types import Answer, Chunk, Citation, Document, Hit


def _q(**kw) -> dict:
    base = {
        "id": "q1",
        "question": "资源县成立了几个专项监督检查组？",
        "doc_ids": ["b.txt"],
        "evidence": ["成立了7个专项监督检查组"],
        "answers": [["7个", "七个"]],
        "tags": ["number"],
        "question_script": "simplified",
        "paraphrase": False,
        "split": "tune",
    }
    base.update(kw)
    return base


def _write(path, rows) -> None:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows))


# --- load_questions ----------------------------------------------------------------------------


def test_load_questions_reads_every_field(tmp_path):
    f = tmp_path / "q.jsonl"
    _write(f, [_q(), "", _q(id="q2", doc_ids=[], evidence=[], answers=[], tags=["unanswerable"])])
    qs = load_questions(f)
    assert [q.id for q in qs] == ["q1", "q2"]
    assert qs[0].answers == (("7个", "七个"),) and qs[0].doc_ids == ("b.txt",)
    assert qs[0].answerable and not qs[1].answerable
    with pytest.raises(AttributeError):
        qs[0].id = "x"  # frozen


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{not json", "Expecting property name"),
        (_q(split="train"), "'split' must be one of"),
        (_q(question_script="cantonese"), "'question_script'"),
        (_q(paraphrase="yes"), "'paraphrase'"),
        (_q(answers=["7个"]), "each answer group"),
        (_q(answers=[[]]), "answer group is empty"),
        (_q(evidence=[]), "needs at least one evidence"),
        (_q(doc_ids=[], answers=[]), "unanswerable question"),
        (_q(question=" "), "'question' must be a non-empty string"),
        ({k: v for k, v in _q().items() if k != "evidence"}, "missing keys \\['evidence'\\]"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_load_questions_errors_name_the_line(tmp_path, bad, message):
    f = tmp_path / "q.jsonl"
    _write(f, [_q(id="ok1"), _q(id="ok2"), bad])
    with pytest.raises(QuestionFileError, match=rf"q\.jsonl:3: .*{message}"):
        load_questions(f)


def test_load_questions_duplicate_and_empty(tmp_path):
    f = tmp_path / "q.jsonl"
    _write(f, [_q(), _q(id="q2"), _q()])
    with pytest.raises(QuestionFileError, match=r":3: duplicate id 'q1' \(first on line 1\)"):
        load_questions(f)
    _write(f, ["", "  "])
    with pytest.raises(QuestionFileError, match="no questions"):
        load_questions(f)
    with pytest.raises(FileNotFoundError):
        load_questions(tmp_path / "missing.jsonl")


# --- relevance ---------------------------------------------------------------------------------


def test_evidence_in_folds_and_checks_the_document(tmp_path):
    f = tmp_path / "q.jsonl"
    _write(f, [_q(), _q(id="u", doc_ids=[], evidence=[], answers=[])])
    q, unanswerable = load_questions(f)
    trad = "該縣紀委監(jiān)委成立了7個專項監督檢查組和1個暗訪組。"
    assert evidence_in(trad, q) == (True,)
    assert evidence_in(trad, q, doc_id="b.txt") == (True,)
    assert evidence_in(trad, q, doc_id="corpus/b.md") == (True,)  # compared by file stem
    assert evidence_in(trad, q, doc_id="a.txt") == (False,)
    assert evidence_in("成立了6个专项监督检查组", q) == (False,)
    assert evidence_in(trad, unanswerable) == ()


# --- evaluate + report with a fake pipeline ------------------------------------------------------

DOC_A = "安居区纪委监委出台八条禁令。疫情就是命令。区纪委监委开展监督检查。"  # Simplified
DOC_B = "資源縣紀委監(jiān)委成立了7個專項監督檢查組和1個暗訪組。各組緊盯問題，嚴肅問責。"  # Traditional


def _chunk(doc_id: str, text: str, n: int) -> Chunk:
    return Chunk(id=f"{doc_id}#{n}", doc_id=doc_id, text=text, start=0, end=len(text))


RELEVANT_B = _chunk("b.txt", "成立了7個專項監督檢查組和1個暗訪組", 0)
RELEVANT_A = _chunk("a.txt", "安居区纪委监委出台八条禁令", 0)
FILLER = [_chunk("a.txt", f"疫情就是命令{i}", i + 1) for i in range(12)]
# same words as RELEVANT_B but in the other document: must not count as relevant
DECOY = _chunk("a.txt", "成立了7个专项监督检查组和1个暗访组", 99)


class FakePipeline:
    """Rankings per (question, mode): the relevant chunk sits at a chosen position."""

    settings = Settings(weight_bm25=2.5)

    def __init__(self, positions: dict[tuple[str, str], tuple[Chunk, int | None]]) -> None:
        self.positions = positions
        self.requested_k: list[int] = []

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        self.requested_k.append(k)
        relevant, pos = self.positions[(query, mode)]
        chunks = [DECOY, *FILLER]
        if pos is not None:
            chunks.insert(pos - 1, relevant)
        return [Hit(chunk=c, score=1 / i, rank=i, via=(mode,)) for i, c in enumerate(chunks[:k], start=1)]

    def ask(self, question: str, history=()) -> Answer:
        if question == "Q1":  # right, cites the evidence
            cit = Citation(1, RELEVANT_B.id, "b.txt", "B", "該縣成立了7個專項監督檢查組和1個暗訪組。", 0, 9)
            # the [1] marker splits the gold "7个": markers are removed before matching
            return Answer(question, "成立了7[1]個專項監督檢查組", False, question, (cit,))
        if question == "Q2":  # wrong answer, citing an unrelated sentence
            cit = Citation(1, FILLER[0].id, "a.txt", "A", "疫情就是命令。", 0, 7)
            return Answer(question, "疫情就是命令[1]", False, question, (cit,))
        if question == "Q3":  # a false abstention
            return Answer(question, "没有找到相关内容。", True, question)
        return Answer(question, "没有找到相关内容。", True, question)  # unanswerable: abstains


def _questions(tmp_path):
    f = tmp_path / "q.jsonl"
    rows = [
        _q(id="q1", question="Q1", split="tune"),
        _q(
            id="q2",
            question="Q2",
            doc_ids=["a.txt"],
            evidence=["八条禁令"],
            answers=[["八条"]],
            split="heldout",
            paraphrase=True,
        ),
        _q(id="q3", question="Q3", split="heldout", question_script="traditional"),
        _q(id="q4", question="Q4", doc_ids=[], evidence=[], answers=[], tags=["unanswerable"]),
    ]
    _write(f, rows)
    return load_questions(f)


def _fake() -> FakePipeline:
    return FakePipeline(
        {
            # hybrid: q1 at rank 1, q2 at rank 2, q3 at rank 7 (a failure: not in the top 5)
            ("Q1", "hybrid"): (RELEVANT_B, 1),
            ("Q2", "hybrid"): (RELEVANT_A, 2),
            ("Q3", "hybrid"): (RELEVANT_B, 7),
            # bm25: q1 at rank 3, q2 not found, q3 at rank 12 (beyond k = 10, within depth)
            ("Q1", "bm25"): (RELEVANT_B, 3),
            ("Q2", "bm25"): (RELEVANT_A, None),
            ("Q3", "bm25"): (RELEVANT_B, 12),
        }
    )


def test_evaluate_metrics_by_hand(tmp_path):
    pipe = _fake()
    result = evaluate(pipe, _questions(tmp_path), modes=("bm25", "hybrid"), k=10, depth=20)
    assert set(pipe.requested_k) == {20}  # searched `depth` deep; unanswerable q4 never searched
    assert len(pipe.requested_k) == 6

    hybrid = result.metrics["hybrid"]["all"]
    assert hybrid["n"] == 3  # the unanswerable question is left out of retrieval metrics
    # ranks 1, 2, 7
    assert hybrid["R@1"] == pytest.approx(1 / 3)
    assert hybrid["R@3"] == pytest.approx(2 / 3)
    assert hybrid["R@5"] == pytest.approx(2 / 3)
    assert hybrid["R@10"] == pytest.approx(1.0)
    # MRR = (1 + 1/2 + 1/7) / 3 = (42 + 21 + 6) / 126 = 69 / 126 = 0.547619
    assert hybrid["MRR@10"] == pytest.approx(69 / 126)
    # nDCG, one relevant each: (1 + 1/log2(3) + 1/log2(8)) / 3 = (1 + 0.6309298 + 0.3333333) / 3
    assert hybrid["nDCG@10"] == pytest.approx((1 + 1 / math.log2(3) + 1 / 3) / 3)
    assert result.curves["hybrid"] == pytest.approx([1 / 3] + [2 / 3] * 5 + [1.0] * 4)

    bm25 = result.metrics["bm25"]["all"]
    # ranks 3, none, 12 (beyond k): R@3 = 1/3, R@10 = 1/3; MRR = (1/3 + 0 + 0) / 3 = 1/9
    assert bm25["R@1"] == 0.0
    assert bm25["R@3"] == pytest.approx(1 / 3)
    assert bm25["R@10"] == pytest.approx(1 / 3)
    assert bm25["MRR@10"] == pytest.approx(1 / 9)
    runs = {r.question_id: r for r in result.retrieval["bm25"]}
    assert runs["q3"].ranks == (12,) and runs["q2"].ranks == ()
    assert len(runs["q1"].top_ids) == 10  # top k kept, not the whole depth

    # subsets: b.txt is Traditional (detected from the hits), a.txt Simplified
    assert result.doc_scripts == {"a": "simplified", "b": "traditional"}
    assert result.subsets["traditional"] == ("q1", "q3")
    assert result.subsets["simplified"] == ("q2",)
    assert result.subsets["asked_traditional"] == ("q3",)
    assert result.subsets["paraphrase"] == ("q2",)
    assert result.subsets["tune"] == ("q1", "q4")
    assert result.subsets["heldout"] == ("q2", "q3")
    trad = result.metrics["hybrid"]["traditional"]
    # q1 rank 1, q3 rank 7: R@1 = 1/2, MRR = (1 + 1/7) / 2 = 4/7
    assert trad["n"] == 2 and trad["R@1"] == 0.5 and trad["MRR@10"] == pytest.approx(4 / 7)
    assert result.metrics["hybrid"]["simplified"]["R@1"] == 0.0  # q2 at rank 2
    assert result.metrics["hybrid"]["tune"]["n"] == 1  # q4 is unanswerable
    assert result.metrics["hybrid"]["tune"]["R@1"] == 1.0

    # answers: q1 right, q2 wrong, q3 falsely abstained, q4 rightly abstained
    a = result.answer_metrics["all"]
    assert a["n_answerable"] == 3 and a["n_unanswerable"] == 1
    assert a["accuracy"] == pytest.approx(1 / 3)
    assert a["false_abstention"] == pytest.approx(1 / 3)
    assert a["abstention_accuracy"] == 1.0
    # citation precision per answer with citations: q1 1.0, q2 0.0 -> 0.5
    assert a["citation_precision"] == 0.5
    assert result.answer_metrics["tune"]["accuracy"] == 1.0
    assert result.answer_metrics["heldout"]["accuracy"] == 0.0
    assert result.settings["weight_bm25"] == 2.5


def test_evaluate_without_ask_and_script_override(tmp_path):
    class SearchOnly:
        def __init__(self):
            self.inner = _fake()

        def search(self, query, k=5, mode="hybrid"):
            return self.inner.search(query, k, mode)

    qs = _questions(tmp_path)
    result = evaluate(SearchOnly(), qs, modes=("hybrid",), k=5, doc_scripts={"b.txt": "simplified"})
    assert result.answers == () and result.answer_metrics == {}
    assert result.subsets["traditional"] == ()
    assert result.metrics["hybrid"]["traditional"]["R@1"] is None  # empty subset: undefined, not 0
    assert set(result.metrics["hybrid"]["all"]) == {"n", "R@1", "R@3", "R@5", "MRR@5", "nDCG@5", "Cov@5"}
    with pytest.raises(ValueError, match="no ask"):
        evaluate(SearchOnly(), qs, modes=("hybrid",), answers=True)


def test_write_report(tmp_path):
    result = evaluate(_fake(), _questions(tmp_path), modes=("bm25", "hybrid"), k=10, depth=20)
    out = tmp_path / "report"
    report = write_report(result, out)
    assert report == out / "report.md"

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["metrics"]["hybrid"]["all"]["MRR@10"] == pytest.approx(69 / 126)
    rows = {row["id"]: row for row in data["questions"]}
    assert rows["q3"]["retrieval"]["hybrid"]["ranks"] == [7]
    assert rows["q3"]["retrieval"]["hybrid"]["top_ids"][0] == DECOY.id
    assert rows["q2"]["retrieval"]["bm25"]["first_rank"] is None
    assert rows["q1"]["answer"]["correct"] is True and rows["q2"]["answer"]["correct"] is False
    assert rows["q4"]["retrieval"] == {} and rows["q4"]["answer"]["abstained"] is True
    assert data["curves"]["hybrid"][6] == pytest.approx(1.0)

    png = (out / "recall.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000

    md = report.read_text(encoding="utf-8")
    assert "| hybrid | all | 3 | 0.333 | 0.667 | 0.667 | 1.000 | 0.548 |" in md
    assert "| bm25 | all | 3 | 0.000 | 0.333 | 0.333 | 0.333 | 0.111 |" in md
    assert "| hybrid | traditional | 2 | 0.500 |" in md
    assert "| all | 3 | 0.333 | 0.500 |" in md  # answers: n_answerable, accuracy, citation precision
    # failures: only q3 (rank 7) misses the top 5 of hybrid; its top hit is the decoy in a.txt
    assert [q.id for q, _ in failures(result)] == ["q3"]
    failure_lines = md.split("## Failures")[1].split("##")[0]
    assert "| q3 |" in failure_lines and "| 7 | a.txt |" in failure_lines
    assert "| q1 |" not in failure_lines
    assert '"weight_bm25": 2.5' in md
    assert result.created in md


def test_format_table(tmp_path):
    result = evaluate(_fake(), _questions(tmp_path), modes=("hybrid",), k=10, depth=20)
    table = format_table(result)
    lines = table.splitlines()
    header = ["mode", "subset", "n", "R@1", "R@3", "R@5", "R@10", "MRR@10", "nDCG@10", "Cov@5"]
    assert lines[0].split() == header
    # Cov@5: evidence of q1 (rank 1) and q2 (rank 2) in the top 5, q3's (rank 7) not -> 2/3
    assert lines[1].split() == [
        "hybrid",
        "all",
        "3",
        "0.333",
        "0.667",
        "0.667",
        "1.000",
        "0.548",
        "0.655",
        "0.667",
    ]
    assert "abstention_accuracy" in table


def test_eval_command(tmp_path, monkeypatch, capsys):
    import rag.pipeline

    fake = _fake()
    loaded = []

    def load(index_dir, settings=None):
        loaded.append(index_dir)
        return fake

    monkeypatch.setattr(rag.pipeline.Pipeline, "load", staticmethod(load))
    f = tmp_path / "q.jsonl"
    _questions(tmp_path)  # writes q.jsonl
    result = eval_command(tmp_path / "index", f, ["hybrid"], 10, tmp_path / "out", None)
    assert loaded == [tmp_path / "index"]  # one load for the whole run
    assert result.metrics["hybrid"]["all"]["R@5"] == pytest.approx(2 / 3)
    printed = capsys.readouterr().out
    assert "hybrid  all" in printed and str(tmp_path / "out" / "report.md") in printed
    assert (tmp_path / "out" / "results.json").exists()


def test_scripts_from_pipeline_documents(tmp_path):
    class WithDocuments(FakePipeline):
        def documents(self):
            return [
                Document(id="a.txt", title="A", text=DOC_A),
                Document(id="b.txt", title="B", text=DOC_B),
                Document(id="c.txt", title="C", text=DOC_B),  # never retrieved, still classified
            ]

    pipe = WithDocuments(_fake().positions)
    result = evaluate(pipe, _questions(tmp_path), modes=("hybrid",), k=10)
    assert result.doc_scripts == {"a": "simplified", "b": "traditional", "c": "traditional"}
    assert set(pipe.requested_k) == {10}  # default depth: k


def test_evidence_coverage_for_multi_document_questions(tmp_path):
    f = tmp_path / "q.jsonl"
    _write(
        f,
        [
            _q(
                id="m",
                question="M",
                doc_ids=["a.txt", "b.txt"],
                evidence=["八条禁令", "成立了7个专项监督检查组"],
            )
        ],
    )

    class TwoDocs:
        def search(self, query, k=5, mode="hybrid"):
            # a.txt's evidence at rank 1, b.txt's at rank 8 (evidence counts in any of the
            # question's documents: the format does not say which document holds which string)
            chunks = [RELEVANT_A, *FILLER[:6], RELEVANT_B, *FILLER[6:]][:k]
            return [Hit(chunk=c, score=1 / i, rank=i) for i, c in enumerate(chunks, start=1)]

    result = evaluate(TwoDocs(), load_questions(f), modes=("hybrid",), k=10, answers=False)
    (run,) = result.retrieval["hybrid"]
    assert run.ranks == (1, 8) and run.evidence_ranks == (1, 8)
    m = result.metrics["hybrid"]["all"]
    # success@5 needs one piece of evidence (rank 1); coverage@5 finds 1 of the 2 strings
    assert m["R@5"] == 1.0 and m["Cov@5"] == 0.5
    assert m["nDCG@10"] == pytest.approx((1 + 1 / math.log2(9)) / (1 + 1 / math.log2(3)))
