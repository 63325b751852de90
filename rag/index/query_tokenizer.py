"""Tokenising a few short texts (a question) without loading the model's whole tokenizer.

Why: `Tokenizer.from_file` on the bundled model's tokenizer.json (a Unigram model of 250,002 pieces)
takes 1.1 s and holds Python's lock all along, so in a cold `rag ask` nothing else moves meanwhile.
A Unigram tokenizer can only use pieces that occur inside the pre-tokenised words of the text, so a
tokenizer holding just those pieces (with their scores), plus the lowest-scoring piece (the score an
unknown character gets is derived from it), finds the same best segmentation. Its piece ids are then
mapped back to the model's. Building it takes milliseconds; the pieces are looked up in a sorted table
kept beside tokenizer.json as NumPy files read memory-mapped.

Texts that contain one of the tokenizer's added tokens (e.g. "<mask>") are not handled here (they are
matched before normalisation): the caller uses the whole tokenizer for them. tests/test_onnx_embedder.py
checks the ids are the whole tokenizer's on varied texts; docs/speed-checks.md on the public sets.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.kept_folder import publish_folder

KEPT_FORMAT = 1


def _kept_folder(tokenizer_json: Path) -> Path:
    stat = tokenizer_json.stat()
    return tokenizer_json.parent / f"pieces-{KEPT_FORMAT}-{stat.st_size}-{stat.st_mtime_ns}"


def _write_kept(tokenizer_json: Path, dest: Path) -> None:
    """The Unigram vocabulary sorted by piece (UTF-8 bytes), and the tokenizer without it."""
    config = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    model, post = config["model"], config.get("post_processor") or {}
    unigram = model.get("type") == "Unigram" and not model.get("byte_fallback")
    if not unigram or post.get("type") != "TemplateProcessing":
        raise ValueError("not a Unigram tokenizer without byte fallback, with a template post-processor")
    vocab = model.pop("vocab")
    pieces = np.array([p.encode("utf-8") for p, _ in vocab])  # fixed-width bytes: np.searchsorted
    order = np.argsort(pieces, kind="stable")
    scores = np.array([s for _, s in vocab], dtype=np.float64)
    lowest = int(np.argmin(scores))  # an unknown character scores the lowest score less a penalty

    def fill(copy: Path) -> None:
        np.save(copy / "pieces.npy", pieces[order])
        np.save(copy / "ids.npy", order.astype(np.int64))
        np.save(copy / "scores.npy", scores)
        config["kept"] = {"lowest": [lowest, vocab[lowest][0]], "unk": vocab[model["unk_id"]][0]}
        (copy / "skeleton.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        for old in dest.parent.glob("pieces-*"):  # of an older tokenizer.json
            shutil.rmtree(old, ignore_errors=True)

    publish_folder(dest, fill, lambda d: (d / "skeleton.json").is_file())


def _renumber(post: dict, new_id: dict[int, int]) -> dict:
    """The template post-processor with its special tokens' ids in the small vocabulary."""
    specials = {
        name: {**tok, "ids": [new_id[i] for i in tok["ids"]]} for name, tok in post["special_tokens"].items()
    }
    return {**post, "special_tokens": specials}


class QueryTokenizer:
    """`encode(texts)` -> the model tokenizer's ids for each text, or None when it cannot do them."""

    def __init__(self, tokenizer_json: Path, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        folder = _kept_folder(Path(tokenizer_json))
        if not (folder / "skeleton.json").is_file():
            _write_kept(Path(tokenizer_json), folder)
        self._skeleton = json.loads((folder / "skeleton.json").read_text(encoding="utf-8"))
        kept = self._skeleton.pop("kept")
        self._pieces = np.load(folder / "pieces.npy", mmap_mode="r")
        self._ids = np.load(folder / "ids.npy", mmap_mode="r")
        self._scores = np.load(folder / "scores.npy", mmap_mode="r")
        self._max_tokens = max_tokens
        self._longest = int(self._pieces.dtype.itemsize)  # bytes: no piece is longer
        # pieces every small vocabulary holds: the added tokens, the unknown token, the lowest-scoring one
        self._added = [t["content"] for t in self._skeleton["added_tokens"]]
        self._always = {t["id"]: t["content"] for t in self._skeleton["added_tokens"]}
        self._always[self._skeleton["model"]["unk_id"]] = kept["unk"]
        self._always[kept["lowest"][0]] = kept["lowest"][1]
        # the normaliser and pre-tokeniser alone: what splits a text into the words pieces are found in
        one_piece = {**self._skeleton["model"], "vocab": [[kept["unk"], 0.0]], "unk_id": 0}
        bare = {**self._skeleton, "model": one_piece}
        bare["added_tokens"], bare["post_processor"] = [], None
        self._splitter: Any = Tokenizer.from_str(json.dumps(bare))

    def added_ids(self) -> dict[str, int]:
        """The added tokens ("<pad>", ...) and their ids."""
        return {t["content"]: t["id"] for t in self._skeleton["added_tokens"]}

    def _words(self, text: str) -> list[str]:
        normalizer, pre = self._splitter.normalizer, self._splitter.pre_tokenizer
        normalized = normalizer.normalize_str(text) if normalizer else text
        return [w for w, _ in pre.pre_tokenize_str(normalized)] if pre else [normalized]

    def _found(self, candidates: set[str]) -> dict[int, str]:
        """model id -> piece, for the candidates that are pieces."""
        cands = [c for c in candidates if len(c.encode("utf-8")) <= self._longest]
        if not cands:
            return {}
        keys = np.array([c.encode("utf-8") for c in cands])
        at = np.minimum(np.searchsorted(self._pieces, keys), len(self._pieces) - 1)
        hit = self._pieces[at] == keys
        return {int(self._ids[a]): c for a, c, h in zip(at.tolist(), cands, hit.tolist(), strict=True) if h}

    def encode(self, texts: Sequence[str]) -> list[list[int]] | None:
        """The ids of each text, as the whole tokenizer gives them; None if a text holds an added token
        (matched before normalisation, not handled here)."""
        found = self.small(texts)
        if found is None:
            return None
        small, model_ids = found
        return [[model_ids[i] for i in e.ids] for e in small.encode_batch(list(texts))]

    def small(self, texts: Sequence[str]) -> tuple[Any, list[int]] | None:
        """A tokenizer holding only the pieces `texts` can use, and the model id of each of its ids
        (it encodes those texts, alone or as pairs, as the whole tokenizer does); None as for `encode`."""
        from tokenizers import Tokenizer

        if any(a in t for t in texts for a in self._added):
            return None
        candidates: set[str] = set()
        for text in texts:
            for w in self._words(text):
                for i in range(len(w)):
                    candidates.update(w[i:j] for j in range(i + 1, min(len(w), i + self._longest) + 1))
        pieces = {**self._found(candidates), **self._always}
        model_ids = sorted(pieces)  # small id -> model id
        new_id = {m: i for i, m in enumerate(model_ids)}
        config = dict(self._skeleton)
        config["model"] = {
            **config["model"],
            "vocab": [[pieces[m], float(self._scores[m])] for m in model_ids],
            "unk_id": new_id[config["model"]["unk_id"]],
        }
        config["added_tokens"] = [{**t, "id": new_id[t["id"]]} for t in config["added_tokens"]]
        config["post_processor"] = _renumber(config["post_processor"], new_id)
        small = Tokenizer.from_str(json.dumps(config, ensure_ascii=False))
        small.no_padding()
        small.enable_truncation(self._max_tokens)
        return small, model_ids
