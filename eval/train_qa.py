"""Fine-tune the bundled multilingual-e5-small into a span reader (start/end logits over a passage)
and write its LoRA factors and answer head.

    PYTHONPATH=$PWD python eval/train_qa.py [--data ../shared/data] [--out qa-training]
        [--adapter rag/answer/qa_adapter.safetensors] [--epochs 1.5] [--rank 16] [--max-len 160]
        [--negatives 0.2] [--keep-empty 0.2] [--resume PEFT_FOLDER | ADAPTER.safetensors]

Trained on the `tune` articles of DRCD dev and the CMRC 2018 trial set only (rag.evaluate.squad.split_of;
nothing held out or removed is read). Each question is tokenised with its gold paragraph in
windows of --max-len tokens (overlapping by a quarter); a window without the answer points at the
first token, as SQuAD 2.0 readers learn "no answer here" (a share --keep-empty of them is kept).
A share (--negatives) of the questions also gets the paragraph of another tune article that shares
most character bigrams with it, labelled "no answer", so the reader learns to doubt passages about
something else. A share (--swaps) of the questions is asked again with one person, place or
organisation it names (rag.query.rewrite.entities) replaced by another of the same kind from another
tune question of the same set, against its own paragraph, labelled "no answer": a collection of
similar reports answers 天津市… with a sentence about 安居区…, so the reader learns that the
question's names must be the passage's.

The embeddings stay frozen; every linear layer of the encoder learns a rank --rank update (LoRA,
with the `peft` library of the `train` extra) and the answer head is trained whole. Only those
are written (a few MB, float16): rag.answer.qa_reader adds them to the converted model when it
builds its ONNX graph, so the product never needs peft or torch at question time.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, split_of

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]


@dataclass(frozen=True)
class Example:
    question: str
    context: str
    answer_start: int  # -1: the context does not answer
    answer_text: str


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def named(question: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the people, places and organisations `question` names, as offsets into
    it; [] when folding changes its length (the offsets of the folded text would not fit)."""
    from rag.query.rewrite import entities
    from rag.zh.text import fold

    folded = fold(question)
    if len(folded) != len(question):
        return []
    out = []
    for e in entities(question):
        at = folded.find(e.text)
        if at >= 0:
            out.append((at, at + len(e.text), e.kind))
    return out


def swapped(question: str, context: str, pool: dict[str, list[str]], rng: random.Random) -> str | None:
    """`question` with one name that `context` holds replaced by another of its kind from `pool` that
    `context` does not hold; None when there is none to replace."""
    from rag.zh.text import fold

    folded = fold(context)
    spans = [(a, b, k) for a, b, k in named(question) if fold(question[a:b]) in folded]
    if not spans:
        return None
    a, b, kind = rng.choice(spans)
    others = [n for n in pool.get(kind, []) if fold(n) not in folded and n != question[a:b]]
    return question[:a] + rng.choice(others) + question[b:] if others else None


def tune_examples(
    data: Path, negatives: float, rng: random.Random, balance: bool = False, swaps: float = 0.0
) -> list[Example]:
    """The tune questions of both sets (and their other-article and swapped-name negatives);
    `balance`: the smaller set's examples repeated until each set gives about as many (DRCD has 3.5
    times CMRC's questions, and its answers are shorter: unbalanced, the reader learns DRCD's short
    spans)."""
    per_set: list[list[Example]] = []
    for name in PUBLIC_SETS:
        out: list[Example] = []
        raw = json.loads((data / name).read_text(encoding="utf-8"))["data"]
        paragraphs = [
            (art["title"], p) for art in raw if split_of(art["title"]) == "tune" for p in art["paragraphs"]
        ]
        grams = [bigrams(p["context"]) for _, p in paragraphs]
        pool: dict[str, list[str]] = {}
        if swaps:
            for _, p in paragraphs:
                for qa in p["qas"]:
                    for a, b, kind in named(qa.get("question", "")):
                        pool.setdefault(kind, []).append(qa["question"][a:b])
        for title, p in paragraphs:
            for qa in p["qas"]:
                if not qa.get("question", "").strip() or not qa.get("answers"):
                    continue
                a = qa["answers"][0]
                out.append(Example(qa["question"], p["context"], int(a["answer_start"]), a["text"]))
                if rng.random() < negatives:
                    q = bigrams(qa["question"])
                    others = [j for j, (t, _) in enumerate(paragraphs) if t != title]
                    j = max(others, key=lambda j: len(q & grams[j]))
                    out.append(Example(qa["question"], paragraphs[j][1]["context"], -1, ""))
                if swaps and rng.random() < swaps:
                    other = swapped(qa["question"], p["context"], pool, rng)
                    if other is not None:
                        out.append(Example(other, p["context"], -1, ""))
        per_set.append(out)
    most = max(len(x) for x in per_set)
    return [e for x in per_set for e in (x * max(1, round(most / len(x))) if balance else x)]


def features(tokenizer, examples: list[Example], max_len: int, keep_empty: float, rng: random.Random):
    """Token windows with start/end labels (0, 0 when the window does not hold the answer); of the
    windows without the answer, a share `keep_empty` is kept (most windows hold no answer)."""
    import torch

    enc = tokenizer(
        [e.question for e in examples],
        [e.context for e in examples],
        truncation="only_second",
        max_length=max_len,
        stride=max_len // 4,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="max_length",
    )
    kept, starts, ends = [], [], []
    for w, offsets in enumerate(enc["offset_mapping"]):
        ex = examples[enc["overflow_to_sample_mapping"][w]]
        seq = enc.sequence_ids(w)
        s = e = 0
        if ex.answer_start >= 0:
            a, b = ex.answer_start, ex.answer_start + len(ex.answer_text)
            ctx = [i for i, sid in enumerate(seq) if sid == 1]
            if ctx and offsets[ctx[0]][0] <= a and offsets[ctx[-1]][1] >= b:
                s = next(i for i in ctx if offsets[i][1] > a)
                e = next(i for i in reversed(ctx) if offsets[i][0] < b)
        if s == 0 and rng.random() >= keep_empty:
            continue
        kept.append(w)
        starts.append(s)
        ends.append(e)
    return (
        torch.tensor(enc["input_ids"])[kept],
        torch.tensor(enc["attention_mask"])[kept],
        torch.tensor(starts),
        torch.tensor(ends),
    )


def shipped_name(saved: str) -> str:
    """The shipped file's name of a tensor peft saved: "encoder.layer.0.attention.self.query.lora_A" for
    a LoRA factor, "qa_outputs.weight" / ".bias" for the answer head."""
    name = saved.removeprefix("base_model.model.").removeprefix("bert.").removesuffix(".weight")
    if not name.endswith((".lora_A", ".lora_B")):
        name = saved.removeprefix("base_model.model.")
    return name


def trained_name(shipped: str) -> str:
    """The parameter of a live peft model (adapter "default") that a shipped tensor fills."""
    if shipped.startswith("qa_outputs."):
        return "base_model.model.qa_outputs.modules_to_save.default." + shipped.removeprefix("qa_outputs.")
    return f"base_model.model.bert.{shipped}.default.weight"


def write_adapter(peft_dir: Path, out: Path) -> None:
    """peft's saved adapter as the file rag.answer.qa_reader reads: LoRA factors named after the
    converted model's weights ("encoder.layer.0.attention.self.query.lora_A") and the answer head,
    float16, with the LoRA scaling in the metadata."""
    from safetensors.numpy import load_file, save_file

    config = json.loads((peft_dir / "adapter_config.json").read_text(encoding="utf-8"))
    tensors = {
        shipped_name(key): value.astype(np.float16)
        for key, value in load_file(str(peft_dir / "adapter_model.safetensors")).items()
    }
    scaling = config["lora_alpha"] / config["r"]
    save_file(tensors, str(out), metadata={"scaling": str(scaling), "rank": str(config["r"])})


def load_adapter(model, adapter: Path) -> None:
    """Put a shipped adapter file (write_adapter's format) into a fresh peft model, so training can
    continue from it when peft's own folder is gone."""
    import torch
    from safetensors.numpy import load_file

    params = dict(model.named_parameters())
    with torch.no_grad():
        for key, value in load_file(str(adapter)).items():
            params[trained_name(key)].copy_(torch.from_numpy(value.astype(np.float32)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--out", type=Path, default=Path("qa-training"), help="peft's folder and the log")
    ap.add_argument("--adapter", type=Path, default=ROOT / "rag/answer/qa_adapter.safetensors")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache/rag", help="converted model cache")
    ap.add_argument("--epochs", type=float, default=1.5)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--lr", type=float, default=8e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--negatives", type=float, default=0.2)
    ap.add_argument("--swaps", type=float, default=0.0, help="share of questions asked with a name swapped")
    ap.add_argument("--keep-empty", type=float, default=0.2, help="share of windows without the answer kept")
    ap.add_argument("--balance", action="store_true", help="repeat CMRC's examples to match DRCD's count")
    ap.add_argument(
        "--resume",
        type=Path,
        default=None,
        help="continue training this peft folder or shipped adapter file (.safetensors)",
    )
    ap.add_argument("--limit", type=int, default=None, help="train on this many examples (a quick check)")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model
    from tqdm import tqdm
    from transformers import AutoTokenizer, BertForQuestionAnswering, get_linear_schedule_with_warmup

    from rag.index.e5convert import ensure_default_model

    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    model_dir = ensure_default_model(args.cache)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    examples = tune_examples(args.data, args.negatives, rng, args.balance, args.swaps)
    rng.shuffle(examples)
    if args.limit:
        examples = examples[: args.limit]
    ids, mask, starts, ends = features(tokenizer, examples, args.max_len, args.keep_empty, rng)
    print(
        f"{len(examples)} examples ({sum(e.answer_start < 0 for e in examples)} without an answer), "
        f"{len(ids)} windows, {int((starts > 0).sum())} holding the answer"
    )

    base = BertForQuestionAnswering.from_pretrained(str(model_dir))
    config = LoraConfig(
        r=args.rank,
        lora_alpha=2 * args.rank,
        lora_dropout=0.05,
        target_modules=TARGETS,
        modules_to_save=["qa_outputs"],
    )
    if args.resume and args.resume.suffix == ".safetensors":
        model = get_peft_model(base, config)
        load_adapter(model, args.resume)
    elif args.resume:
        from peft import PeftModel

        model = PeftModel.from_pretrained(base, str(args.resume), is_trainable=True)
    else:
        model = get_peft_model(base, config)
    model.print_trainable_parameters()
    steps = int(args.epochs * len(ids) / args.batch)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(opt, int(0.06 * steps), steps)
    model.train()
    started = time.time()
    order: list[int] = []
    losses: list[float] = []
    for _ in tqdm(range(steps), desc="training", unit="step"):
        if len(order) < args.batch:
            order += rng.sample(range(len(ids)), len(ids))
        batch, order = order[: args.batch], order[args.batch :]
        # trim the padding the whole batch shares
        width = int(mask[batch].sum(1).max())
        out = model(
            input_ids=ids[batch, :width],
            attention_mask=mask[batch, :width],
            start_positions=starts[batch],
            end_positions=ends[batch],
        )
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        schedule.step()
        opt.zero_grad()
        losses.append(out.loss.item())
        if len(losses) % 25 == 0:
            tqdm.write(f"step {len(losses)}: loss {sum(losses[-25:]) / 25:.3f}")

    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(args.out))
    meta = {
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "base": model_dir.name,
        "examples": len(examples),
        "windows": len(ids),
        "epochs": args.epochs,
        "rank": args.rank,
        "lr": args.lr,
        "max_len": args.max_len,
        "negatives": args.negatives,
        "swaps": args.swaps,
        "balance": args.balance,
        "resumed_from": str(args.resume) if args.resume else None,
        "keep_empty": args.keep_empty,
        "seconds": round(time.time() - started),
        "final_loss": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4),
    }
    (args.out / "training.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta))
    write_adapter(args.out, args.adapter)
    print(f"wrote {args.adapter} ({args.adapter.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
