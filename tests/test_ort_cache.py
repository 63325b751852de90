"""The kept optimised ONNX Runtime graph (rag.index.ort_cache): the same outputs as a session on the
model itself, made once and then read, made again when damaged, and the model itself when the folder
cannot be written. A tiny graph stands in for the embedding model (the model test is in
tests/test_onnx_embedder.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper, save_model

import rag.index.ort_cache as oc


def tiny_model(path: Path) -> Path:
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((16, 32)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.standard_normal(32).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.standard_normal((32, 8)).astype(np.float32), "w2")
    nodes = [  # MatMul + Add fuse (an ORT_ENABLE_EXTENDED optimisation), the rest stays
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Add", ["h", "b1"], ["hb"]),
        helper.make_node("Relu", ["hb"], ["r"]),
        helper.make_node("MatMul", ["r", "w2"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 8])],
        [w1, b1, w2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save_model(model, str(path))
    return path


def options() -> ort.SessionOptions:
    o = ort.SessionOptions()
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return o


def run(session: ort.InferenceSession) -> np.ndarray:
    x = np.random.default_rng(1).standard_normal((5, 16)).astype(np.float32)
    return session.run(None, {"x": x})[0]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return tiny_model(tmp_path / "model.onnx")


def test_kept_copy_gives_the_same_outputs_and_is_read_next_time(model, monkeypatch):
    want = run(ort.InferenceSession(str(model), options(), providers=["CPUExecutionProvider"]))
    got = run(oc.fast_session(model, options))
    kept = oc.kept_folder(model)
    assert (kept / oc.DONE).is_file() and (kept / oc.GRAPH).is_file()
    np.testing.assert_array_equal(got, want)

    def no_saving(*args):
        raise AssertionError("optimised again instead of reading the kept copy")

    monkeypatch.setattr(oc, "_save_optimised", no_saving)
    np.testing.assert_array_equal(run(oc.fast_session(model, options)), want)


def test_new_model_file_is_a_new_copy_and_the_old_one_goes(model):
    oc.fast_session(model, options)
    old = oc.kept_folder(model)
    tiny_model(model)  # rebuilt: another modification time
    model.touch()
    oc.fast_session(model, options)
    assert oc.kept_folder(model) != old and not old.exists()
    assert [p.name for p in (model.parent / oc.KEPT_DIR).iterdir()] == [oc.kept_folder(model).name]


def test_damaged_copy_falls_back_and_is_made_again(model):
    want = run(oc.fast_session(model, options))
    kept = oc.kept_folder(model)
    (kept / oc.GRAPH).write_bytes(b"not a graph")
    np.testing.assert_array_equal(run(oc.fast_session(model, options)), want)  # the model itself
    assert not kept.exists()  # removed: made again next time
    np.testing.assert_array_equal(run(oc.fast_session(model, options)), want)
    assert (kept / oc.DONE).is_file()


def test_unwritable_folder_loads_the_model_itself(model, monkeypatch):
    want = run(ort.InferenceSession(str(model), options(), providers=["CPUExecutionProvider"]))

    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    import rag.index.kept_folder as kept_folder  # where the copy's private folder is made

    monkeypatch.setattr(kept_folder.tempfile, "mkdtemp", refuse)
    np.testing.assert_array_equal(run(oc.fast_session(model, options)), want)
    assert not oc.kept_folder(model).exists()
