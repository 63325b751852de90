"""An ONNX Runtime session that starts in a tenth of a second: the model's graph, optimised once, is kept
beside the model with its weights in a separate file that ONNX Runtime memory-maps.

Why: a session on `model.onnx` parses the whole 400-470 MB protobuf (the weights are inside it) and
runs the graph optimisers on it, about 1-1.6 s of a cold start holding Python's lock most of the time.
The kept copy (graph a few tens of kB, weights in `model.data`) loads in about 0.1 s and gives the
same vectors, bit for bit (tests/test_ort_cache.py). Measured in docs/speed-checks.md.

The copy is optimised at ORT_ENABLE_EXTENDED (fusions that hold on any CPU: no layout changes for this
machine's instruction set, so a cache folder shared between machines stays right) and loaded with the
caller's options, whose optimisation level runs again over the already-fused graph in milliseconds.
It is named by ONNX Runtime's version and the model file's size and modification time: a new build or
another ONNX Runtime is a new folder (older ones are removed). Written into a temporary folder and
renamed into place; an unwritable folder or an unreadable copy means loading `model.onnx` as before.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from rag.index.kept_folder import publish_folder

KEPT_DIR = "ort-optimised"  # beside model.onnx
KEPT_FORMAT = 1  # bump when what is kept changes
GRAPH, WEIGHTS, DONE = "model.onnx", "model.data", "done"


def kept_folder(model: Path) -> Path:
    import onnxruntime as ort

    stat = model.stat()
    key = repr([KEPT_FORMAT, ort.__version__, model.name, stat.st_size, stat.st_mtime_ns])
    return model.parent / KEPT_DIR / hashlib.sha256(key.encode()).hexdigest()[:16]


def _save_optimised(model: Path, options: Any, dest: Path) -> None:
    """Write the ORT_ENABLE_EXTENDED graph of `model` and its weights into `dest`, atomically."""
    import onnxruntime as ort

    def fill(copy: Path) -> None:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(copy / GRAPH)
        prefix = "session.optimized_model_external_initializers_"  # weights of 1 kB and more: model.data
        options.add_session_config_entry(prefix + "file_name", WEIGHTS)
        options.add_session_config_entry(prefix + "min_size_in_bytes", "1024")
        ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        (copy / DONE).write_text(ort.__version__ + "\n", encoding="utf-8")  # last: marks a finished copy
        for old in dest.parent.iterdir():  # copies for an older build or ONNX Runtime: never read again
            if old.is_dir() and not old.name.startswith(".") and old.name != dest.name:
                shutil.rmtree(old, ignore_errors=True)

    publish_folder(dest, fill, lambda d: (d / DONE).is_file())


def encoder_options() -> Any:
    """Session options for a BERT encoder on the CPU (the embedder, the span reader)."""
    import onnxruntime as ort

    from rag.index.threads import encoder_threads

    options = ort.SessionOptions()
    options.intra_op_num_threads = encoder_threads()  # its own pool: faiss's OpenMP setting leaves it
    options.inter_op_num_threads = 1
    # idle pool threads sleep instead of spinning: a spinning thread holds a core the other threads
    # (or other processes) need; measured on 2 busy cores, one query 150 -> 79 ms, 16 passages
    # 3.3 -> 2.9 s (eval/bench_query_threads.py)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def fast_session(model: Path, make_options: Any) -> Any:
    """An InferenceSession for `model` with the options `make_options()` returns (a fresh object each
    call), read from the kept optimised copy, made on first use."""
    import onnxruntime as ort

    model = Path(model)
    try:
        kept = kept_folder(model)
        if not (kept / DONE).is_file():
            _save_optimised(model, make_options(), kept)
    except Exception:  # noqa: BLE001 - e.g. an unwritable folder: the model itself, as before
        return ort.InferenceSession(str(model), make_options(), providers=["CPUExecutionProvider"])
    try:
        return ort.InferenceSession(str(kept / GRAPH), make_options(), providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - a damaged copy: made again at the next start
        shutil.rmtree(kept, ignore_errors=True)
        return ort.InferenceSession(str(model), make_options(), providers=["CPUExecutionProvider"])
