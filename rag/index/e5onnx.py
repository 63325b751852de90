"""An ONNX Runtime build of a converted sentence-transformers BERT folder (rag.index.e5convert), for CPU.

Why not sentence-transformers' own `backend="onnx"`: it goes through `optimum-onnx`, whose only release
pins transformers < 4.58 and would downgrade the transformers 5 that sentence-transformers 6 needs. The
same three steps are done here with onnx and onnxruntime alone:

  1. export BertModel + mean pooling + L2 normalisation as one graph (torch.onnx, TorchScript exporter);
  2. fuse it with onnxruntime's BERT optimiser (attention, LayerNorm, GELU become single kernels);
  3. for "int8": dynamic quantisation of the MatMul and fused-attention weights (per output channel,
     signed 8-bit; activations are quantised per batch at run time). The embedding table stays float32.

The build is written into a temporary folder beside its destination and renamed into place, as the
conversion is, and is made offline from the local folder: nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from rag.index.kept_folder import publish_folder

# Bump when the produced graph changes, so builds of an older exporter are redone (and, as the
# embedder's name carries it, indexes are re-embedded rather than mixed).
EXPORT_VERSION = 1
PRECISIONS = ("fp32", "int8")
MODEL_FILE = "model.onnx"
DONE_FILE = "onnx_build.json"  # written last: marks a finished build
OPSET = 17


def onnx_dirname(source: Path, precision: str) -> str:
    return f"{Path(source).name}-onnx-{precision}-x{EXPORT_VERSION}"


def is_built(folder: Path) -> bool:
    return (Path(folder) / DONE_FILE).is_file() and (Path(folder) / MODEL_FILE).is_file()


def _export(source: Path, out: Path) -> None:
    """BertModel -> pooled, normalised sentence vectors, with dynamic batch and sequence axes."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    bert = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager")
    export_graph(Pooled(bert), out, ["sentence_embedding"])


def export_graph(model, out: Path, output_names: list[str]) -> None:
    """Export a torch module taking (input_ids, attention_mask), with dynamic batch and sequence axes."""
    import torch

    model = model.eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    # the tracer's warnings (a Python bool taken from a tensor, advanced indexing) concern shapes this
    # export fixes on purpose; the built graphs are checked against torch by the tests
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=output_names,
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}},
            opset_version=OPSET,
            dynamo=False,
        )


def optimise_graph(path: Path, out: Path, heads: int, hidden: int) -> None:
    from onnxruntime.transformers import optimizer

    opt = optimizer.optimize_model(str(path), model_type="bert", num_heads=heads, hidden_size=hidden)
    opt.save_model_to_file(str(out))


def _quantise(path: Path, out: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(path),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Attention"],
        # shape inference cannot type the outputs of the fused (com.microsoft) operators: they are float
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )


def build_onnx(source: Path, dest: Path, precision: str) -> Path:
    """Build `dest` (a folder with model.onnx and tokenizer.json) from the sentence-transformers folder
    `source`. Returns `dest`."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}")
    source, dest = Path(source), Path(dest)
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))

    def fill(model_dir: Path) -> None:
        work = model_dir.parent / "work"  # scratch beside the new folder, removed with it
        work.mkdir()
        _export(source, work / "raw.onnx")
        fused = work / "fused.onnx"
        optimise_graph(work / "raw.onnx", fused, config["num_attention_heads"], config["hidden_size"])
        if precision == "int8":
            _quantise(fused, model_dir / MODEL_FILE)
        else:
            shutil.copyfile(fused, model_dir / MODEL_FILE)
        for name in ("tokenizer.json", "tokenizer_config.json", "config_sentence_transformers.json"):
            shutil.copyfile(source / name, model_dir / name)
        info = {"source": str(source), "precision": precision, "export_version": EXPORT_VERSION}
        (model_dir / DONE_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(work)

    # another process may finish the same build first: its folder is kept
    publish_folder(dest, fill, is_built)
    return dest


def ensure_onnx_model(source: Path, precision: str) -> Path:
    """The ONNX build of `source` beside it in the model cache, building it on first use."""
    dest = Path(source).parent / onnx_dirname(source, precision)
    if is_built(dest):
        return dest
    return announced_build(
        dest, f"the {precision} ONNX Runtime model", lambda: build_onnx(source, dest, precision)
    )


def announced_build(dest: Path, what: str, build: Callable[[], object]) -> Path:
    """Run `build` (it fills `dest`), saying on stderr what is built where, and how long it took."""
    print(f"rag: building {what} into {dest} (first use only, about a minute)", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    build()
    print(f"rag: {what} built in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return dest
