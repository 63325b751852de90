"""An E5S1 model (rag.index.e5file) as Hugging Face files: a BERT config and state dict
(multilingual-e5-small is a BertModel with an XLM-R vocabulary), and a `tokenizers` Unigram tokenizer
whose normaliser reproduces the engine's per-codepoint map."""

from __future__ import annotations

import numpy as np

from rag.index.e5file import E5File, read_tensor

MAX_SEQ_LENGTH = 512
_PROTECT_BASE = 0xF0000  # Plane-15 private use: placeholders that NFKC leaves untouched


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
