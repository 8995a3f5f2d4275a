"""Per-language agreement of AutoTokenizer with SentencePiece on a whole corpus, NFC and NFD, before/after repair.

Usage:
    .venv/bin/python benchmarks/tokenizer_fidelity.py --tokenizer /tmp/vocab/val/merged_tok \
        --corpus ../shared/data/corpus/bible [--max-sentences 0] [--json out.json]

"before" is the folder as glot500 wrote it until issue 14 (``Precompiled`` normaliser only, loaded as
``XLMRobertaTokenizer``), made in a temporary copy; "after" is the folder after ``make_lossless`` (what
``vocab train``/``vocab extend`` write now). For both, SentencePiece gets the text itself (not its NFC), so
the figures also test the claim that NFC first changes nothing for SentencePiece. "bulk" compares "after"
with SentencePiece on the NFC of the text: the shard builder's bulk encoder. One thread.
"""

from __future__ import annotations

import os

os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def read_corpus(corpus: Path, max_sentences: int) -> dict[str, list[str]]:
    from glot500.corpus.reader import discover_languages, iter_texts

    limit = max_sentences or None
    return {label: list(iter_texts(files, limit)) for label, files in sorted(discover_languages(corpus).items())}


def old_style_copy(folder: Path, work: Path) -> Path:
    """The folder with the normaliser and class of before: Precompiled alone, XLMRobertaTokenizer."""
    copy = Path(shutil.copytree(folder, work / "before"))
    payload = json.loads((copy / "tokenizer.json").read_text(encoding="utf-8"))
    normalizer = payload["normalizer"]
    steps = normalizer.get("normalizers", [normalizer]) if normalizer.get("type") == "Sequence" else [normalizer]
    payload["normalizer"] = next(step for step in steps if step["type"] == "Precompiled")
    (copy / "tokenizer.json").write_text(json.dumps(payload), encoding="utf-8")
    config = json.loads((copy / "tokenizer_config.json").read_text(encoding="utf-8"))
    config["tokenizer_class"] = "XLMRobertaTokenizer"
    (copy / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return copy


def summarize(rows: list, name: str) -> dict:
    out: dict = {}
    for form in ("NFC", "NFD"):
        mine = [row for row in rows if row.form == form]
        worst = sorted(mine, key=lambda row: row.agreement)[:12]
        below = [row for row in mine if row.agreement < 1]
        lost: dict[str, int] = {}
        for row in mine:
            for char, count in row.lost_by_fast.items():
                lost[char] = lost.get(char, 0) + count
        spm_lost: dict[str, int] = {}
        for row in mine:
            for char, count in row.lost_by_spm.items():
                spm_lost[char] = spm_lost.get(char, 0) + count
        out[form] = {
            "languages": len(mine), "lines": sum(r.lines for r in mine), "identical": sum(r.identical for r in mine),
            "min_agreement": min(r.agreement for r in mine), "languages_below_100": len(below),
            "worst": {r.label: round(r.agreement, 4) for r in worst if r.agreement < 1},
            "lost_by_fast": dict(sorted(lost.items(), key=lambda kv: -kv[1])[:10]),
            "lost_by_spm": dict(sorted(spm_lost.items(), key=lambda kv: -kv[1])[:10]),
        }  # fmt: skip
        s = out[form]
        print(f"{name:6s} {form}: {s['identical']:,}/{s['lines']:,} lines identical "
              f"({s['identical'] / s['lines']:.4%}); min per language {s['min_agreement']:.2%}; "
              f"{s['languages_below_100']} of {s['languages']} languages below 100%")  # fmt: skip
        if s["worst"]:
            print(f"       worst: {s['worst']}")
        if s["lost_by_fast"]:
            print(f"       lost by the fast tokenizer: {s['lost_by_fast']}")
        if s["lost_by_spm"]:
            print(f"       lost by sentencepiece (too): {s['lost_by_spm']}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--max-sentences", type=int, default=0, help="per language-script (0: all)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from glot500.vocab.fidelity import check_fidelity, load_pair, make_lossless

    texts = read_corpus(args.corpus, args.max_sentences)
    print(f"{len(texts)} language-scripts, {sum(map(len, texts.values())):,} lines")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        before = old_style_copy(args.tokenizer, Path(tmp))
        after = Path(shutil.copytree(args.tokenizer, Path(tmp) / "after"))
        print("repair of the copy:", make_lossless(after) or "already lossless")
        for name, folder, nfc_first in (("before", before, False), ("after", after, False), ("bulk", after, True)):
            started = time.perf_counter()
            tokenizer, processor = load_pair(folder)
            rows = check_fidelity(tokenizer, processor, texts, nfc_first=nfc_first)
            results[name] = summarize(rows, name)
            print(f"       ({type(tokenizer).__name__}, {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
