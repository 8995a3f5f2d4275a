"""Tiny report inputs written by the tests: three models (one base), head and tail languages, a missing
language, an error row, a task with a single language, a perplexity, a corpus, its stats and a vocabulary report."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from glot500.core.results import ResultRow, write_results

BASE = "xlm-roberta-base"
SMALL = "runs/glot500-small"
LARGE = "runs/glot500-large"
MODELS = (BASE, SMALL, LARGE)
SIZES = {BASE: 278e6, SMALL: 290e6, LARGE: 560e6}
HEAD = ("eng_Latn", "deu_Latn", "rus_Cyrl", "hin_Deva", "fra_Latn")
TAIL = ("yor_Latn", "quy_Latn", "mhr_Cyrl", "bod_Tibt", "dzo_Tibt", "div_Thaa", "hat_Latn", "sah_Cyrl")
KEPT = {lang: 50 + 40 * i for i, lang in enumerate(HEAD + TAIL)}
MISSING = (SMALL, "taxi1500", "quy_Latn")  # no row at all
ERROR = (LARGE, "retrieval_tatoeba", "div_Thaa", "misaligned: 12 vs 11 lines")
ONE_LANGUAGE_DATASET = "pos"
NO_CORPUS_TEXT = "sah_Cyrl"  # in the stats but without text in the corpus folder: no n-gram neighbours


def _score(model: str, lang: str, rng: random.Random) -> float:
    """Scores that grow with corpus size and model, so every factor has something to find."""
    bonus = (
        {BASE: 0.0, SMALL: 0.08, LARGE: 0.14}[model] if lang in TAIL else {BASE: 0.0, SMALL: 0.01, LARGE: 0.03}[model]
    )
    base = 0.25 + 0.2 * math.log10(KEPT[lang]) / 3 + (0.2 if lang in HEAD else 0.0)
    return min(0.99, max(0.01, base + bonus + rng.uniform(-0.03, 0.03)))


def make_rows(seed: int = 0) -> list[ResultRow]:
    rng = random.Random(seed)
    rows = []
    for model in MODELS:
        for lang in HEAD + TAIL:
            head = lang in HEAD
            hits = [1.0 if rng.random() < _score(model, lang, rng) else 0.0 for _ in range(40)]
            failed = (model, "retrieval_tatoeba", lang) == ERROR[:3]
            rows.append(
                ResultRow(
                    model=model,
                    task="retrieval",
                    dataset="retrieval_tatoeba",
                    lang=lang,
                    metric="top1",
                    value=None if failed else sum(hits) / len(hits),
                    n=0 if failed else len(hits),
                    head=head,
                    error=ERROR[3] if failed else None,
                    items=None if failed else hits,
                )
            )
            if (model, "taxi1500", lang) != MISSING:
                rows.append(
                    ResultRow(
                        model=model,
                        task="classification",
                        dataset="taxi1500",
                        lang=lang,
                        metric="macro_f1",
                        value=round(_score(model, lang, rng), 4),
                        n=100 + KEPT[lang] % 50,
                        head=head,
                    )
                )
            rows.append(
                ResultRow(
                    model=model,
                    task="pseudo_perplexity",
                    dataset="pseudo_perplexity",
                    lang=lang,
                    metric="ppl_per_char",
                    value=round(1.5 + 3 * (1 - _score(model, lang, rng)), 3),
                    n=500,
                    head=head,
                    higher_is_better=False,
                )
            )
        rows.append(
            ResultRow(
                model=model,
                task="tagging",
                dataset=ONE_LANGUAGE_DATASET,
                lang="eng_Latn",
                metric="f1",
                value=round(0.80 + 0.02 * MODELS.index(model), 3),
                n=250,
                head=True,
            )
        )
    return rows


def write_stats(path: Path) -> Path:
    languages = {
        lang: {
            "script": lang.split("_")[1],
            "head": lang in HEAD,
            "chunks_in": kept + 5,
            "bytes_in": 1000 * kept,
            "kept": kept,
            "kept_bytes": 900 * kept,
            "dropped": {"dedup:duplicate": 5},
            "excluded": False,
            "sources": {},
        }
        for lang, kept in KEPT.items()
    }
    languages["xyz_Latn"] = {
        "script": "Latn",
        "head": False,
        "chunks_in": 3,
        "bytes_in": 30,
        "kept": 3,
        "kept_bytes": 30,
        "dropped": {},
        "excluded": True,
        "sources": {},
    }
    path.write_text(
        json.dumps({"schema_version": 1, "languages": languages, "totals": {}, "errors": []}), encoding="utf-8"
    )
    return path


def write_vocab_report(path: Path) -> Path:
    lines = ["tokenizer\tlang\tfertility\tunk_share"]
    for lang in HEAD + TAIL:
        unseen = lang.split("_")[1] in ("Tibt", "Thaa")
        lines.append(f"{BASE}\t{lang}\t1.5\t{0.4 if unseen else 0.001}")
        lines.append(f"{SMALL}\t{lang}\t1.3\t0.0")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_corpus(folder: Path) -> Path:
    """A folder of <label>.txt: related languages share made-up syllables so n-gram neighbours are meaningful."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    for i, lang in enumerate(HEAD + TAIL):
        if lang == NO_CORPUS_TEXT:
            continue
        syllables = [f"{chr(97 + (i % 5) + k)}{chr(101 + (i % 3))}" for k in range(6)]
        text = "\n".join(" ".join(rng.choice(syllables) * 2 for _ in range(8)) for _ in range(30))
        (folder / f"{lang}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def write_inputs(folder: Path) -> dict[str, Path]:
    return {
        "results": write_results(make_rows(), folder / "eval" / "results.jsonl"),
        "stats": write_stats(folder / "stats.json"),
        "vocab": write_vocab_report(folder / "vocab_report.tsv"),
        "corpus": write_corpus(folder / "corpus"),
    }
