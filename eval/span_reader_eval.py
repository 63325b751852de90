"""How well the span reader alone marks answers, apart from every choice the answerers make around it.

    PYTHONPATH=$PWD python eval/span_reader_eval.py [--data ../shared/data] [--limit 300]
        [--window 150] [--cache MODEL_CACHE] [--splits tune heldout removed]

For each sampled question of DRCD dev and the CMRC 2018 trial set (the same deterministic sample as
`rag eval --squad --limit`), the reader of this checkout (rag/answer/qa_adapter.safetensors) reads
- the gold sentence: the sentence of the gold paragraph holding the first gold answer, as the
  answerers hand it a quoted sentence;
- the gold paragraph (cut at the model's 512 positions), as a reader of passages would;
- the gold paragraph in runs of whole sentences of at most --window characters (the length it was
  trained on), the span with the best score of all runs;
and the span it marks is scored with the CMRC 2018 measures (exact match, character F1, after
folding), per split. `sure` is the share whose span beats "no answer here" (margin > 0). Compare two
adapters by running this from two checkouts: the graph is built per adapter in the model cache.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

from tqdm import tqdm

from rag.answer.qa_reader import qa_reader
from rag.config import default_model_cache
from rag.evaluate.span_metrics import char_f1, exact_match
from rag.evaluate.squad import PUBLIC_DATA, PUBLIC_SETS, SPLITS, SquadQuestion, SquadSet, load_squad, sample
from rag.evaluate.squad_run import gold_paragraph
from rag.zh.sentences import split_sentences
from rag.zh.text import fold


def contexts(squad: SquadSet, q: SquadQuestion) -> tuple[str, str] | None:
    """The gold sentence and the gold paragraph; None when no gold answer is written in the paragraph."""
    paragraph = gold_paragraph(squad, q)[1].chunk.text
    folded = fold(paragraph)
    for gold in q.answers:
        at = folded.find(fold(gold))
        if at >= 0:
            for s, e in split_sentences(paragraph):
                if s <= at < e:
                    return paragraph[s:e], paragraph
    return None


def windows(paragraph: str, most: int) -> list[str]:
    """The paragraph as runs of whole sentences of at most `most` characters (a longer sentence
    alone), each run starting at the next sentence: the passages of about the length it was trained on."""
    spans = split_sentences(paragraph)
    out = []
    for i, (a, end) in enumerate(spans):
        for _, e in spans[i + 1 :]:
            if e - a > most:
                break
            end = e
        out.append(paragraph[a:end])
        if end == spans[-1][1]:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=PUBLIC_DATA)
    ap.add_argument("--limit", type=int, default=300, help="questions per split and set")
    ap.add_argument("--window", type=int, default=150, help="characters of a run of sentences")
    ap.add_argument("--cache", default=default_model_cache(), help="model cache holding the converted model")
    # removed: the articles the open-domain runs leave out; never trained on, so a check of the reader
    # that is neither its training articles (tune) nor the held-out ones reported
    ap.add_argument(
        "--splits", nargs="+", default=list(SPLITS[:2]), choices=SPLITS, help="default: tune heldout"
    )
    args = ap.parse_args()

    reader = qa_reader(args.cache)
    if reader is None:
        raise SystemExit("no span reader ships in this checkout (rag/answer/qa_adapter.safetensors)")
    reader.load_full_tokenizer()
    columns = ["sentence EM", "sentence F1", "sentence sure", "paragraph EM", "paragraph F1"]
    columns += ["windows EM", "windows F1", "reads"]
    print("| set | split | n | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 3) + "|")
    for name in PUBLIC_SETS:
        squad = load_squad(args.data / name)
        for split in args.splits:
            rows = []
            for q in tqdm(sample(squad.questions, args.limit, [split]), desc=f"{name} {split}", leave=False):
                found = contexts(squad, q)
                if found is None:
                    continue
                sentence, paragraph = found
                on_sentence = reader.read(q.question, sentence)
                on_paragraph = reader.read(q.question, paragraph)
                runs = windows(paragraph, args.window)
                best = max((reader.read(q.question, w) for w in runs), key=lambda r: r.score)
                rows.append(
                    (
                        exact_match(on_sentence.text, q.answers),
                        char_f1(on_sentence.text, q.answers),
                        on_sentence.margin > 0,
                        exact_match(on_paragraph.text, q.answers),
                        char_f1(on_paragraph.text, q.answers),
                        exact_match(best.text, q.answers),
                        char_f1(best.text, q.answers),
                        len(runs),
                    )
                )
            cells = " | ".join(f"{mean(col):.3f}" for col in zip(*rows, strict=True))
            print(f"| {Path(name).stem} | {split} | {len(rows)} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
