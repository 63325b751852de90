"""A span reader fine-tuned from the bundled e5 model (eval/train_qa.py): given a question and a short
passage, where the answer starts and ends in it.

Only the fine-tuning ships: qa_adapter.safetensors holds rank-16 LoRA factors of every encoder layer and
the answer head (float16, a few MB). The first use adds them to the converted model and builds an ONNX
Runtime graph beside it in the model cache, as rag.index.e5onnx does for the embedder, so answering
needs neither torch nor peft."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.index.e5onnx import announced_build, export_graph, optimise_graph
from rag.index.kept_folder import publish_folder

ADAPTER_PATH = Path(__file__).with_name("qa_adapter.safetensors")
BUILD_VERSION = 1  # bump when the built graph changes
MODEL_FILE = "model.onnx"
DONE_FILE = "qa_build.json"  # written last: marks a finished build
MAX_TOKENS = 512  # the model's positions; a longer passage is cut
RECENT_READS = 16  # reads kept for a second ask of the same pair


@dataclass(frozen=True)
class ReadSpan:
    text: str
    start: int  # character offsets into the passage
    end: int
    score: float  # start + end logits of the span
    null: float  # start + end logits of the first token: the reader's "no answer here"

    @property
    def margin(self) -> float:
        """How much the span beats "no answer here": above 0, the reader finds an answer."""
        return self.score - self.null


def adapter_id() -> str:
    return hashlib.sha256(ADAPTER_PATH.read_bytes()).hexdigest()[:10]


def merged_state(source: Path) -> dict[str, np.ndarray]:
    """The converted model's weights with the adapter added (W + scaling * B @ A), named as in
    transformers' BertForQuestionAnswering."""
    from safetensors import safe_open
    from safetensors.numpy import load_file

    state = {
        k: v for k, v in load_file(str(source / "model.safetensors")).items() if not k.startswith("pooler.")
    }
    with safe_open(str(ADAPTER_PATH), "np") as f:
        scaling = float(f.metadata()["scaling"])
        for key in f.keys():
            if key.endswith(".lora_A"):
                name = key.removesuffix(".lora_A")
                a = f.get_tensor(key).astype(np.float32)
                b = f.get_tensor(name + ".lora_B").astype(np.float32)
                state[name + ".weight"] = state[name + ".weight"] + scaling * (b @ a)
        head = {k: f.get_tensor(k).astype(np.float32) for k in ("qa_outputs.weight", "qa_outputs.bias")}
    return {"bert." + k: v for k, v in state.items()} | head


def _export(source: Path, out: Path) -> None:
    import torch
    from transformers import BertConfig, BertForQuestionAnswering

    config = BertConfig.from_pretrained(str(source), num_labels=2)
    config._attn_implementation = "eager"  # the ONNX exporter traces plain attention
    model = BertForQuestionAnswering(config)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in merged_state(source).items()}, strict=True)

    class Logits(torch.nn.Module):
        def __init__(self, qa: torch.nn.Module) -> None:
            super().__init__()
            self.qa = qa

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
            out = self.qa(input_ids=input_ids, attention_mask=attention_mask)
            return out.start_logits, out.end_logits

    export_graph(Logits(model), out, ["start_logits", "end_logits"])


def build_qa_model(source: Path, dest: Path) -> Path:
    """Build `dest` (model.onnx and tokenizer.json) from the converted model folder `source`."""
    source, dest = Path(source), Path(dest)
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))

    def fill(model_dir: Path) -> None:
        work = model_dir.parent / "work"
        work.mkdir()
        _export(source, work / "raw.onnx")
        optimise_graph(
            work / "raw.onnx", model_dir / MODEL_FILE, config["num_attention_heads"], config["hidden_size"]
        )
        shutil.copyfile(source / "tokenizer.json", model_dir / "tokenizer.json")
        info = {"source": str(source), "adapter": adapter_id(), "build_version": BUILD_VERSION}
        (model_dir / DONE_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(work)

    publish_folder(dest, fill, lambda d: (d / DONE_FILE).is_file() and (d / MODEL_FILE).is_file())
    return dest


def ensure_qa_model(source: Path) -> Path:
    """The span reader's ONNX build beside `source` in the model cache, built on first use."""
    dest = Path(source).parent / f"{Path(source).name}-qa-{adapter_id()}-b{BUILD_VERSION}"
    if (dest / DONE_FILE).is_file():
        return dest
    return announced_build(dest, "the span reader", lambda: build_qa_model(source, dest))


class QAReader:
    """The span reader on ONNX Runtime: `read(question, passage)` -> the best span and its scores."""

    def __init__(self, folder: Path, max_answer_tokens: int = 30) -> None:
        from tokenizers import Tokenizer

        from rag.index.ort_cache import encoder_options, fast_session
        from rag.index.query_tokenizer import QueryTokenizer

        # the graph optimised once and its weights memory-mapped, as for the embedder (rag.index.ort_cache)
        self._session = fast_session(folder / MODEL_FILE, encoder_options)
        # a tokenizer of just the pieces each question and passage can use: the whole one takes 1.1 s to
        # load (rag.index.query_tokenizer); it serves texts holding an added token ("<mask>")
        self._pieces = QueryTokenizer(folder / "tokenizer.json", MAX_TOKENS)
        self._folder = folder
        self._whole: Tokenizer | None = None
        self.max_answer_tokens = max_answer_tokens
        self._lock = threading.Lock()
        # the last few reads: an answer's sentence is read to decide whether to answer, then again
        # for its short answer
        self._recent: OrderedDict[tuple[str, str], ReadSpan | None] = OrderedDict()

    def load_full_tokenizer(self) -> None:
        """Load the whole tokenizer now (a long-lived process, after its start): each read then skips
        building its small one (3-9 ms for a sentence, more than a tenth of a warm answer)."""
        self._whole_tokenizer()

    def _whole_tokenizer(self):
        from tokenizers import Tokenizer

        if self._whole is None:  # outside the reads' lock: a race loads it twice at worst
            whole = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
            whole.no_padding()
            whole.enable_truncation(MAX_TOKENS, strategy="only_second")
            self._whole = whole
        return self._whole

    def _encode(self, question: str, passage: str):
        """The pair's encoding and the model id of each of its ids."""
        if self._whole is None:
            found = self._pieces.small([question, passage])
            if found is not None:
                small, model_ids = found
                small.enable_truncation(MAX_TOKENS, strategy="only_second")
                enc = small.encode(question, passage)
                return enc, [model_ids[i] for i in enc.ids]
        enc = self._whole_tokenizer().encode(question, passage)
        return enc, enc.ids

    def read(self, question: str, passage: str) -> ReadSpan | None:
        """The best span of `passage` (start + end logits, at most max_answer_tokens), or None when the
        passage is empty."""
        key = (question, passage)
        with self._lock:
            if key in self._recent:
                return self._recent[key]
        found = self._read(question, passage)
        with self._lock:
            self._recent[key] = found
            while len(self._recent) > RECENT_READS:
                self._recent.popitem(last=False)
        return found

    def forget(self) -> None:
        """Drop the kept reads (benchmarks time each read afresh)."""
        with self._lock:
            self._recent.clear()

    def _read(self, question: str, passage: str) -> ReadSpan | None:
        if not passage.strip():
            return None
        enc, model_ids = self._encode(question, passage)
        ctx = [i for i, s in enumerate(enc.sequence_ids) if s == 1]
        if not ctx:
            return None
        ids = np.array([model_ids], dtype=np.int64)
        starts, ends = self._session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        s, e = starts[0][ctx], ends[0][ctx]
        n = len(ctx)
        scores = s[:, None] + e[None, :]
        allowed = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(
            np.ones((n, n), dtype=bool), self.max_answer_tokens
        )
        scores = np.where(allowed, scores, -np.inf)
        i, j = divmod(int(scores.argmax()), n)
        a, b = enc.offsets[ctx[i]][0], enc.offsets[ctx[j]][1]
        while a < b and passage[a].isspace():
            a += 1  # a leading "▁" piece may cover the space before the word
        return ReadSpan(passage[a:b], a, b, float(scores[i, j]), float(starts[0][0] + ends[0][0]))


@lru_cache(maxsize=2)
def qa_reader(model_cache: str) -> QAReader | None:
    """The span reader built from the bundled model in `model_cache`; None when no adapter ships."""
    if not ADAPTER_PATH.exists():
        return None
    from rag.index.e5convert import ensure_default_model

    return QAReader(ensure_qa_model(ensure_default_model(Path(model_cache))))
