"""Would Milvus's own BM25 (jieba analyzer, over the folded chunk text) do as well as the local
word BM25? Prints the gold set's retrieval figures for `bm25` and `hybrid` both ways, on an index
built with `rag index --store milvus` (docs/milvus.md explains why the store keeps the local one).

    python eval/milvus_bm25.py --milvus-uri /tmp/p15/milvus.db [--index index] [--questions FILE]

The engine-side collection is a throwaway Milvus Lite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rag.config import load_settings
from rag.evaluate.evaluation import evaluate
from rag.evaluate.questions import load_questions
from rag.pipeline import Pipeline
from rag.zh.text import fold

FIGURES = ("R@1", "R@5", "MRR@10", "nDCG@10")


class EngineBM25:
    """The LexicalIndex interface (search -> [(chunk_id, score)]) over a Milvus BM25 function."""

    def __init__(self, chunks: dict, folder: Path) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        self.client = MilvusClient(str(folder / "bm25.db"))
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field(
            "text",
            DataType.VARCHAR,
            max_length=65535,
            enable_analyzer=True,
            analyzer_params={"tokenizer": "jieba"},
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        params = self.client.prepare_index_params()
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        self.client.create_collection("bm25", schema=schema, index_params=params)
        self.client.insert("bm25", [{"key": cid, "text": fold(c.text)} for cid, c in chunks.items()])

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        found = self.client.search(
            "bm25", data=[fold(query)], anns_field="sparse", limit=k, output_fields=["key"]
        )
        # best first as Milvus returns them; Milvus Lite reports BM25 scores negated
        return [(hit["key"], abs(float(hit["distance"]))) for hit in found[0]]


def _row(result, mode: str) -> str:
    m = result.metrics[mode]["all"]
    return " ".join(f"{name} {m[name]:.3f}" for name in FIGURES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milvus-uri", required=True)
    parser.add_argument("--index", default="index")
    parser.add_argument("--questions", default="eval/questions.jsonl")
    args = parser.parse_args()
    settings = load_settings(store="milvus", milvus_uri=args.milvus_uri)
    pipeline = Pipeline.load(args.index, settings)
    questions = load_questions(args.questions)
    modes = ("bm25", "hybrid")
    local = evaluate(pipeline, questions, modes, 10, answers=False)
    with tempfile.TemporaryDirectory() as tmp:
        pipeline.snapshot.lexical["bm25"] = EngineBM25(pipeline.snapshot.chunks, Path(tmp))
        engine = evaluate(pipeline, questions, modes, 10, answers=False)
    for mode in modes:
        print(f"{mode:7s} local bm25s  : {_row(local, mode)}")
        print(f"{mode:7s} Milvus BM25  : {_row(engine, mode)}")


if __name__ == "__main__":
    main()
