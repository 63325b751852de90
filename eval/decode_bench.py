"""How often ingestion reads legacy-encoded Chinese text right, and when it warns.

Every paragraph of DRCD dev (Traditional) is written as Big5 (cp950) and every CMRC 2018 trial paragraph as
GBK, then read back with rag.ingest.decode.decode_file and, for comparison, charset-normalizer alone.
Paragraphs a codec cannot encode are left out (counted). Also: a UTF-8 line followed by a GBK line
(mixed). Prints the figures; nothing is asserted.

    PYTHONPATH=. python eval/decode_bench.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag.ingest.decode import decode_file

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def paragraphs(name: str) -> list[str]:
    data = json.loads((DATA / name).read_text(encoding="utf-8"))["data"]
    return [p["context"] for art in data for p in art["paragraphs"]]


def bench(texts: list[str], codec: str, limit: int) -> None:
    from charset_normalizer import from_bytes

    ok = warned = wrong = silent_wrong = unencodable = cn_ok = 0
    done = 0
    for text in texts[:limit]:
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            unencodable += 1
            continue
        done += 1
        text = data.decode(codec)  # what the bytes hold: cp950 writes "•" as its "‧", say
        got = decode_file(data)
        right = got.text == text
        ok += right
        warned += bool(got.warning)
        wrong += not right
        silent_wrong += (not right) and not got.warning
        best = from_bytes(data).best()
        cn_ok += best is not None and str(best) == text
    print(
        f"{codec}: {done} paragraphs ({unencodable} not encodable, left out): read right {ok / done:.3f}, "
        f"warned {warned}, wrong {wrong} (silently wrong {silent_wrong}); "
        f"charset-normalizer alone right {cn_ok / done:.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=10_000)
    args = ap.parse_args()
    drcd, cmrc_all = paragraphs("drcd_dev.json"), paragraphs("cmrc2018_trial.json")
    bench(drcd, "cp950", args.limit)
    bench(cmrc_all, "gbk", args.limit)
    print("short files (the first 20 characters of each paragraph):")
    bench([t[:20] for t in drcd], "cp950", args.limit)
    bench([t[:20] for t in cmrc_all], "gbk", args.limit)
    cmrc = paragraphs("cmrc2018_trial.json")[: args.limit]
    mixed_ok = 0
    for a, b in zip(cmrc, cmrc[1:], strict=False):
        got = decode_file(a.encode() + b"\n" + b.encode("gbk", errors="ignore"))
        mixed_ok += got.text.split("\n")[0] == a and "mixed" in got.warning
    print(f"mixed UTF-8 + GBK pairs: {mixed_ok}/{len(cmrc) - 1} read line by line with a warning")


if __name__ == "__main__":
    main()
