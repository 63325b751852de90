"""Embedders without the real model: the hashing fake, load_embedder's dispatch, error messages, and the
sentence-transformers wrapper on a tiny randomly initialised model built in tmp_path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.index.embedding import EmbeddingModelError, HashEmbedder, SentenceTransformerEmbedder, load_embedder

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["纪委监委强化监督检查", "紀委監委強化監督檢查", "今天天气很好", ""]


def test_hash_embedder_shape_and_norm() -> None:
    emb = HashEmbedder()
    v = emb.embed(TEXTS)
    assert emb.name == "hash-64" and emb.dim == 64
    assert v.shape == (len(TEXTS), 64) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-6)
    assert emb.embed([]).shape == (0, 64)
    assert HashEmbedder(dim=16).embed(["x"]).shape == (1, 16)


def test_hash_embedder_is_deterministic_across_processes() -> None:
    v = HashEmbedder().embed(TEXTS[:2], kind="query")
    np.testing.assert_array_equal(v, HashEmbedder().embed(TEXTS[:2], kind="passage"))
    code = (
        "import json; from rag.index.embedding import HashEmbedder; "
        "print(json.dumps(HashEmbedder().embed(['纪委监委强化监督检查'])[0].tolist()))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    np.testing.assert_allclose(np.array(json.loads(out.stdout)), v[0], atol=1e-7)


def test_hash_embedder_similar_texts_are_close() -> None:
    v = HashEmbedder().embed(["纪委监委强化监督检查", "纪委监委加强监督检查工作", "今天天气很好"])
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2]


@pytest.mark.parametrize(("setting", "dim"), [("hash", 64), ("hash-128", 128)])
def test_load_embedder_hash(setting: str, dim: int) -> None:
    emb = load_embedder(Settings(embedder=setting))
    assert isinstance(emb, HashEmbedder) and emb.dim == dim
    assert emb.name == setting  # the name an index manifest is checked against
    assert emb.embed(["资源县"]).shape == (1, dim)


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(EmbeddingModelError, match="not found") as info:
        load_embedder(Settings(embedder=str(missing)))
    assert str(missing) in str(info.value)


def test_import_is_light() -> None:
    heavy = "{'torch', 'sentence_transformers', 'transformers'}"
    code = f"import sys, rag.index.embedding; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_uncached_hub_id_is_not_available_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # restored afterwards; the embedder sets it too
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # so the id cannot resolve to a folder by accident
    with pytest.raises(EmbeddingModelError, match="not available offline"):
        SentenceTransformerEmbedder("rag-zh-test/definitely-not-a-cached-model")


# ----------------------------------------------------------------------------- a tiny local model


def _tiny_model(folder: Path, prompts: dict[str, str] | None) -> Path:
    """A 1-layer BERT with a character WordLevel tokenizer, saved as a sentence-transformers folder."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    chars = sorted(set("".join(TEXTS) + "qpassageuery: x"))
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *chars])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    hf = folder / "hf"
    PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]"
    ).save_pretrained(hf)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16
    )
    BertModel(config).save_pretrained(hf)
    st = SentenceTransformer(
        modules=[Transformer(str(hf)), Pooling(8, "mean")], prompts=prompts, device="cpu"
    )
    st.save(str(folder / "st"), create_model_card=False)
    return folder / "st"


def test_sentence_transformer_embedder_without_prompts(tmp_path: Path) -> None:
    path = _tiny_model(tmp_path, prompts=None)
    emb = SentenceTransformerEmbedder(str(path), batch_size=2)
    assert emb.name == str(path) and emb.dim == 8
    assert emb.prompts == {"query": "", "passage": ""}
    v = emb.embed(TEXTS[:3], kind="query")
    assert v.shape == (3, 8) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)  # normalised without a module
    np.testing.assert_allclose(v, emb.embed(TEXTS[:3], kind="passage"), atol=1e-6)  # plain texts for both
    assert emb.embed([]).shape == (0, 8)


def test_sentence_transformer_embedder_uses_prompts(tmp_path: Path) -> None:
    path = _tiny_model(tmp_path, prompts={"query": "query: ", "passage": "passage: "})
    emb = SentenceTransformerEmbedder(str(path), name="tiny")
    assert emb.name == "tiny"
    plain = emb._model.encode(["query: x", "passage: x"], normalize_embeddings=True, prompt="")
    np.testing.assert_allclose(emb.embed(["x"], kind="query")[0], plain[0], atol=1e-5)
    np.testing.assert_allclose(emb.embed(["x"], kind="passage")[0], plain[1], atol=1e-5)
