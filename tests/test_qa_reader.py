"""The fine-tuned span reader (rag.answer.qa_reader): how answers use it (a stand-in reader, fast), the
`span_reader` setting, and the real reader built from the bundled model (model tests)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from rag.answer import choose
from rag.answer.extractive import ExtractiveAnswerer, answer
from rag.answer.qa_reader import ReadSpan
from rag.answer.short_first import ShortFirst
from rag.config import load_settings
from rag.zh.lexicon import lexicon
from tests.test_short_first import NAME, NUMBER, passage

REAL_SPAN_READER = choose.span_reader  # taken before the autouse fixture stands it aside
# margins of the span reader's start+end over "no answer here": the learned decision
# (rag.answer.read_decision) shows a name read this surely and not one read this unsurely
SURE, UNSURE = 12.0, -8.0


class StandInReader:
    """Answers every question with the given span of the quote, as sure as `margin`."""

    def __init__(self, text: str, margin: float) -> None:
        self.text, self.margin, self.asked = text, margin, []

    def read(self, question: str, passage: str) -> ReadSpan | None:
        self.asked.append((question, passage))
        a = passage.find(self.text)
        return ReadSpan(self.text, a, a + len(self.text), 5.0 + self.margin, 5.0)


def test_a_sure_reader_leads_the_answer_with_its_span_of_the_quote():
    hit, docs = passage(NAME[0])
    plain = answer(ExtractiveAnswerer(), NAME[1], [hit], docs)
    reader = StandInReader("罗尔德·阿蒙森", margin=SURE)
    led = answer(ShortFirst(ExtractiveAnswerer(), reader), NAME[1], [hit], docs)
    assert reader.asked == [(NAME[1], plain.citations[0].quote)]
    assert led.short_answer == "罗尔德·阿蒙森"
    assert led.text == f"「罗尔德·阿蒙森」{plain.text}"
    assert led.citations == plain.citations


def test_an_unsure_reader_leaves_the_choice_to_the_feature_span_model():
    hit, docs = passage(NUMBER[0])
    without = answer(ShortFirst(ExtractiveAnswerer()), NUMBER[1], [hit], docs)
    unsure = StandInReader("成人", margin=UNSURE)
    assert answer(ShortFirst(ExtractiveAnswerer(), unsure), NUMBER[1], [hit], docs) == without


def test_without_the_decision_s_model_file_the_feature_span_model_decides(monkeypatch, tmp_path):
    import rag.answer.short_first as short_first

    hit, docs = passage(NUMBER[0])
    without = answer(ShortFirst(ExtractiveAnswerer()), NUMBER[1], [hit], docs)
    monkeypatch.setattr(short_first, "READ_MODEL_PATH", tmp_path / "missing.json")
    sure = StandInReader("成人", margin=SURE)
    assert answer(ShortFirst(ExtractiveAnswerer(), sure), NUMBER[1], [hit], docs) == without


def test_a_reader_quoting_the_whole_sentence_adds_no_short_answer():
    hit, docs = passage(NAME[0])
    plain = answer(ExtractiveAnswerer(), NAME[1], [hit], docs)
    whole = StandInReader(plain.citations[0].quote, margin=10)
    led = answer(ShortFirst(ExtractiveAnswerer(), whole), NAME[1], [hit], docs)
    without = answer(ShortFirst(ExtractiveAnswerer()), NAME[1], [hit], docs)
    assert led == without  # the feature span model decides, as without a reader


def test_a_span_reader_that_cannot_be_built_is_said_once_and_answers_go_on_without_it(
    monkeypatch, tmp_path, capsys
):
    calls = []

    def full_disk(model_cache):
        calls.append(model_cache)
        raise OSError("No space left on device")

    monkeypatch.setattr("rag.answer.qa_reader.qa_reader", full_disk)
    monkeypatch.setattr(choose, "span_reader", REAL_SPAN_READER)
    choose._span_reader_or_none.cache_clear()
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path))
    settings = load_settings()
    hit, docs = passage(NUMBER[0])
    try:
        first = answer(choose.make_answerer(settings, "combined"), NUMBER[1], [hit], docs)
        second = answer(choose.make_answerer(settings, "extractive"), NUMBER[1], [hit], docs)
    finally:
        choose._span_reader_or_none.cache_clear()
    assert "18" in first.text and first.citations and not first.abstained
    assert "18" in second.text and second.citations
    assert calls == [str(tmp_path)]  # one failed build, not one per answerer
    err = capsys.readouterr().err
    assert err.count("span reader could not be built") == 1 and "No space left on device" in err


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("false", False), ("on", True), ("1", True)])
def test_the_span_reader_setting_reads_true_and_false_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("RAG_SPAN_READER", value)
    assert load_settings().span_reader is expected


def test_a_bad_span_reader_value_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("RAG_SPAN_READER", "maybe")
    with pytest.raises(ValueError, match="RAG_SPAN_READER"):
        load_settings()


@pytest.mark.model
def test_the_adapter_is_added_to_the_converted_weights(model_cache):
    from safetensors import safe_open
    from safetensors.numpy import load_file

    from rag.answer.qa_reader import ADAPTER_PATH, merged_state
    from rag.index.e5convert import ensure_default_model

    source = ensure_default_model(model_cache)
    base = load_file(str(source / "model.safetensors"))
    merged = merged_state(source)
    name = "encoder.layer.3.attention.self.query"
    with safe_open(str(ADAPTER_PATH), "np") as f:
        scaling = float(f.metadata()["scaling"])
        delta = scaling * f.get_tensor(name + ".lora_B").astype(np.float32) @ f.get_tensor(name + ".lora_A")
    assert np.abs(delta).max() > 0  # the adapter changes the layer
    np.testing.assert_allclose(merged["bert." + name + ".weight"], base[name + ".weight"] + delta, atol=1e-6)
    np.testing.assert_array_equal(
        merged["bert.embeddings.word_embeddings.weight"], base["embeddings.word_embeddings.weight"]
    )
    assert merged["qa_outputs.weight"].shape == (2, base[name + ".weight"].shape[0])


@pytest.mark.model
def test_the_built_reader_finds_the_name_and_the_number_a_question_asks_for(model_cache):
    from rag.answer.qa_reader import qa_reader

    reader = qa_reader(str(model_cache))
    name = reader.read(
        "第一個乘船通過整個西北水道的人是誰？",
        "1906年，挪威探險家羅爾德·阿蒙森成為第一個乘船通過整個西北水道的人。",
    )
    assert name is not None and "阿蒙森" in name.text and len(name.text) <= 10
    number = reader.read(
        "新生儿一天要睡超过多少个小时？", "新生儿每天需要睡超过18个小时，成人每天需要睡七到八个小时。"
    )
    assert number is not None and "18" in number.text and "七" not in number.text
    assert reader.read("谁？", "   ") is None


@pytest.mark.model
def test_question_and_passage_are_tokenised_as_the_whole_tokenizer_does(model_cache):
    from tokenizers import Tokenizer

    from rag.answer.qa_reader import MAX_TOKENS, QAReader, qa_reader

    reader = qa_reader(str(model_cache))
    whole = Tokenizer.from_file(str(reader._folder / "tokenizer.json"))
    whole.enable_truncation(MAX_TOKENS, strategy="only_second")
    pairs = [
        ("砲身右侧有什么？", "砲身右侧有OFCS（Optronic Fire-control System）第三代光电射控系统。"),
        ("谁获得了一等奖？", "一等奖由退休教师陈秀兰获得，奖金 5,000 元。" * 40),  # cut at MAX_TOKENS
        ("<mask>是什么？", "这里有一个<mask>。"),  # an added token: the whole tokenizer reads it
    ]
    small = QAReader(reader._folder)  # fresh: small tokenizers until a text holds an added token
    loaded = QAReader(reader._folder)  # a long-lived page loads the whole tokenizer once it can answer
    loaded.load_full_tokenizer()
    for tokenised in (small, loaded):
        for question, text in pairs:
            enc, ids = tokenised._encode(question, text)
            expected = whole.encode(question, text)
            assert ids == expected.ids
            assert enc.offsets == expected.offsets and enc.sequence_ids == expected.sequence_ids


@pytest.mark.model
def test_the_onnx_graph_gives_the_merged_torch_model_s_logits_at_other_lengths(model_cache):
    import torch
    from transformers import BertConfig, BertForQuestionAnswering

    from rag.answer.qa_reader import merged_state, qa_reader
    from rag.index.e5convert import ensure_default_model

    source = ensure_default_model(model_cache)
    model = BertForQuestionAnswering(BertConfig.from_pretrained(str(source), num_labels=2)).eval()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in merged_state(source).items()})
    reader = qa_reader(str(model_cache))
    for question, text in [
        ("谁？", "王海山。"),
        ("新生儿一天要睡超过多少个小时？", "新生儿每天需要睡超过18个小时。" * 6),
    ]:
        _, ids = reader._encode(question, text)  # 2 x 8 tokens were traced: these are 9 and ~90
        x = np.array([ids], dtype=np.int64)
        start, end = reader._session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})
        with torch.no_grad():
            out = model(input_ids=torch.from_numpy(x), attention_mask=torch.ones_like(torch.from_numpy(x)))
        np.testing.assert_allclose(start, out.start_logits.numpy(), atol=2e-3)
        np.testing.assert_allclose(end, out.end_logits.numpy(), atol=2e-3)


SALT_LAKE = ("鹹海位於中亞。1987年，鹹海分成南、北兩部份，稱為南鹹海和北鹹海。此後湖面繼續縮小。",
             "鹹海在哪一年分成了南北兩部份?")  # fmt: skip


@pytest.fixture
def confirm_from_half(tmp_path):
    """The lexicon with reader.combined_confirm_probability 0.5: this question's decline-model P is
    0.58, below the shipped 0.8, and the extractive reader declines it."""
    from rag.zh.lexicon import use_lexicon

    extra = tmp_path / "confirm.toml"
    extra.write_text("[reader]\ncombined_confirm_probability = 0.5\n", encoding="utf-8")
    use_lexicon([extra])
    yield
    use_lexicon([])


def _combined(spans):
    from rag.answer.combined import CombinedAnswerer

    hit, docs = passage(SALT_LAKE[0])
    return answer(CombinedAnswerer(spans=spans), SALT_LAKE[1], [hit], docs), hit, docs


def test_where_the_extractive_reader_declines_a_span_reader_finding_an_answer_confirms_the_learned_one(
    confirm_from_half,
):
    hit, docs = passage(SALT_LAKE[0])
    assert answer(ExtractiveAnswerer(), SALT_LAKE[1], [hit], docs).abstained
    sure = StandInReader("1987年", margin=lexicon().number("reader.combined_confirm_margin") + 2)
    confirmed, _, _ = _combined(sure)
    assert not confirmed.abstained
    assert "1987年，鹹海分成南、北兩部份" in confirmed.citations[0].quote
    assert sure.asked and sure.asked[0][1].startswith("1987年")


def test_a_span_reader_finding_no_answer_or_no_span_reader_leaves_the_refusal(confirm_from_half):
    unsure = StandInReader("1987年", margin=lexicon().number("reader.combined_confirm_margin") - 2)
    assert _combined(unsure)[0].abstained
    assert _combined(None)[0].abstained


def test_below_the_confirm_probability_a_refusal_the_extractive_checks_made_stays():
    sure = StandInReader("1987年", margin=10)
    assert _combined(sure)[0].abstained  # P 0.58 < 0.8 (reader.toml); 哪一年…南北 is unknown to it


@dataclass(frozen=True)
class NearRefusal(ExtractiveAnswerer):
    """The extractive reader, its best sentence scoring `near` (None: its checks stopped it)."""

    near: float | None = None

    def best_score(self, query, hits, documents):
        return self.near


@pytest.mark.parametrize(
    ("near", "p", "margin", "answered"),
    [
        (0.05, 0.05, 1, True),  # above each bar: the learned reader's answer
        (-0.05, 0.05, 1, False),  # the extractive reader's best was too far from an answer
        (None, 0.05, 1, False),  # its checks stopped it (a word no document mentions…)
        (0.05, -0.05, 1, False),  # the decline model is not sure enough
        (0.05, 0.05, -1, False),  # the span reader is not sure enough
    ],
)
def test_a_refusal_that_came_close_is_answered_where_all_three_readers_agree(
    monkeypatch, near, p, margin, answered
):
    from rag.answer.combined import CombinedAnswerer
    from rag.answer.learned import LearnedReader

    words = lexicon()
    score = None if near is None else words.number("reader.combined_rescue_score") + near
    prob = words.number("reader.combined_rescue_probability") + p
    reader = StandInReader("1987年", margin=words.number("reader.combined_rescue_margin") + margin)
    monkeypatch.setattr(CombinedAnswerer, "decision", lambda self, query, hits, found: ([], prob))
    monkeypatch.setattr(LearnedReader, "declines", lambda self, row: False)
    hit, docs = passage(SALT_LAKE[0])
    got = answer(CombinedAnswerer(first=NearRefusal(near=score), spans=reader), SALT_LAKE[1], [hit], docs)
    assert got.abstained is not answered
    if answered:
        assert got.citations[0].quote.startswith("1987年")


def test_the_reader_keeps_its_last_reads_and_forgets_them_on_request():
    import threading
    from collections import OrderedDict

    from rag.answer.qa_reader import RECENT_READS, QAReader

    reader = object.__new__(QAReader)  # no model: the pass itself is counted instead
    reader._lock, reader._recent, passes = threading.Lock(), OrderedDict(), []

    def one_pass(question, passage):
        passes.append((question, passage))
        return ReadSpan(passage[:2], 0, 2, float(len(passes)), 0.0)

    reader._read = one_pass
    first = reader.read("问", "一句话。")
    assert reader.read("问", "一句话。") is first and len(passes) == 1
    for i in range(RECENT_READS):
        reader.read("问", f"第{i}句。")
    assert reader.read("问", "一句话。") is not first  # pushed out by newer reads
    reader.forget()
    reader.read("问", "一句话。")
    assert len(passes) == RECENT_READS + 3


@pytest.mark.model
def test_a_confirmed_answer_reads_its_sentence_once_for_the_decision_and_the_short_answer(
    model_cache, confirm_from_half, monkeypatch
):
    from rag.answer.qa_reader import qa_reader

    reader = qa_reader(str(model_cache))
    reader.forget()
    passes = []
    real = reader._read
    monkeypatch.setattr(reader, "_read", lambda q, s: passes.append(s) or real(q, s))
    confirmed, _, _ = _combined(reader)
    assert not confirmed.abstained and confirmed.short_answer == "1987年"
    assert passes == ["1987年，鹹海分成南、北兩部份，稱為南鹹海和北鹹海。"]


class ReaderByPassage:
    """Reads each passage as `sure` says: {a piece of the passage: (span, margin)}; margin -10 elsewhere."""

    def __init__(self, sure: dict[str, tuple[str, float]]) -> None:
        self.sure, self.asked = sure, []

    def read(self, question: str, passage: str) -> ReadSpan | None:
        self.asked.append(passage)
        span, margin = next((v for k, v in self.sure.items() if k in passage), (passage[:2], -10.0))
        a = max(passage.find(span), 0)
        return ReadSpan(span, a, a + len(span), 5.0 + margin, 5.0)


# the extractive reader quotes the first sentence; the learned reader ranks the second next (P 0.3)
WHERE = ("鹹海位於中亞。1987年，鹹海分成南、北兩部份，稱為南鹹海和北鹹海。此後湖面繼續縮小。",
         "鹹海位於哪裡?")  # fmt: skip


def _doubt(quote_margin: float, other_margin: float):
    from rag.answer.combined import CombinedAnswerer

    hit, docs = passage(WHERE[0])
    reader = ReaderByPassage({"位於中亞": ("中亞", quote_margin), "1987年": ("南鹹海", other_margin)})
    return answer(CombinedAnswerer(spans=reader), WHERE[1], [hit], docs), reader


def test_a_quote_the_span_reader_doubts_gives_way_to_a_runner_up_it_clearly_answers():
    words = lexicon()
    hit, docs = passage(WHERE[0])
    assert answer(ExtractiveAnswerer(), WHERE[1], [hit], docs).citations[0].quote == "鹹海位於中亞。"
    doubted = words.number("reader.combined_doubt_margin") - 1
    clear = words.number("reader.combined_alternative_margin") + 1
    switched, reader = _doubt(doubted, clear)
    assert switched.citations[0].quote.startswith("1987年")
    assert reader.asked[0] == "鹹海位於中亞。"  # the quote's read, then the runner-up's
    # the runner-up's short answer is the span reader's when it is sure enough for one (read_decision)
    led, _ = _doubt(doubted, max(clear, SURE))
    assert led.short_answer == "南鹹海" and led.text.startswith("「南鹹海」1987年")


def test_a_quote_the_span_reader_answers_or_an_unclear_runner_up_keeps_the_extractive_quote():
    words = lexicon()
    sure_quote, reader = _doubt(words.number("reader.combined_doubt_margin") + 1, 10.0)
    assert sure_quote.citations[0].quote == "鹹海位於中亞。"
    assert all("1987年" not in p for p in reader.asked)  # the runner-up is not even read
    unclear, _ = _doubt(-10.0, words.number("reader.combined_alternative_margin"))
    assert unclear.citations[0].quote == "鹹海位於中亞。"
    hit, docs = passage(WHERE[0])
    from rag.answer.combined import CombinedAnswerer

    assert answer(CombinedAnswerer(spans=None), WHERE[1], [hit], docs).citations[0].quote == "鹹海位於中亞。"


@pytest.mark.parametrize(
    ("quote_below", "p_below", "declined"),
    [(True, True, True), (True, False, False), (False, True, False)],
)
def test_an_extractive_answer_is_declined_only_where_both_learned_models_reject_it(
    monkeypatch, quote_below, p_below, declined
):
    from rag.answer.combined import CombinedAnswerer

    words = lexicon()
    margin = words.number("reader.combined_unsupported_margin") + (-1 if quote_below else 1)
    p = words.number("reader.combined_unsupported_probability") + (-0.01 if p_below else 0.01)
    monkeypatch.setattr(CombinedAnswerer, "decision", lambda self, query, hits, found: ([], p))
    ans, _ = _doubt(margin, -10.0)  # the runner-up is not answered either: the quote stays
    assert ans.abstained is declined
    if not declined:
        assert ans.citations[0].quote == "鹹海位於中亞。"


def test_the_extractive_reader_says_how_close_its_best_sentence_came():
    from rag.query.analysis import analyse

    hit, docs = passage(SALT_LAKE[0])
    reader = ExtractiveAnswerer()
    assert reader.best_score(analyse(SALT_LAKE[1]), [hit], docs) is None  # 南北: a word it never saw
    answered = analyse("鹹海的湖面是在哪一年分成兩個部份的?")
    assert not answer(reader, answered, [hit], docs).abstained
    assert reader.best_score(answered, [hit], docs) >= reader.min_score


def _repick(question: str, quoted: float, runner_up: float, margins: tuple[float, float]):
    """CombinedAnswerer.repicked on WHERE's passage: the quote (its first sentence, learned probability
    `quoted`) against the second (probability `runner_up`), read with these span margins."""
    from rag.answer.combined import CombinedAnswerer
    from rag.answer.learned import Candidate
    from rag.query.analysis import as_query

    hit, _ = passage(WHERE[0])
    first, second = "鹹海位於中亞。", "1987年，鹹海分成南、北兩部份，稱為南鹹海和北鹹海。"
    at = [(WHERE[0].index(s), WHERE[0].index(s) + len(s)) for s in (first, second)]
    ranked = [Candidate(quoted, 0, at[0], ()), Candidate(runner_up, 0, at[1], ())]
    reader = ReaderByPassage({"位於中亞": ("中亞", margins[0]), "1987年": ("南鹹海", margins[1])})
    got = CombinedAnswerer(spans=reader).repicked(as_query(question), first, quoted, [hit], ranked)
    return got, reader


def test_a_quote_both_models_doubt_gives_way_to_the_runner_up_the_span_reader_prefers():
    doubted = lexicon().number("reader.combined_repick_probability") - 0.2
    got, reader = _repick(WHERE[1], doubted, 0.3, (-4.0, 3.0))
    assert got is not None and got.probability == 0.3
    assert len(reader.asked) == 2  # the quote and the runner-up
    # margin + ln(probability) decides: a runner-up read as surely but far less likely loses
    assert _repick(WHERE[1], doubted, 0.06, (2.0, 3.0))[0] is None


@pytest.mark.parametrize(
    ("question", "quoted", "runner_up"),
    [
        (WHERE[1], 0.95, 0.3),  # the learned model is sure of the quote
        (WHERE[1], 0.3, 0.01),  # the runner-up is below the floor
        ("鹹海為什麼分成南、北兩部份?", 0.3, 0.3),  # a reason is no span
        ("鹹海的變化有哪四個方面?", 0.3, 0.3),  # nor is a list
    ],
)
def test_a_quote_is_kept_where_the_repick_does_not_apply(question, quoted, runner_up):
    got, reader = _repick(question, quoted, runner_up, (-4.0, 8.0))
    assert got is None and reader.asked == []  # not even read
