"""Inputs of the publish tests: a run-like folder as ``glot500 run`` leaves it (results, corpus card, records)."""

from __future__ import annotations

import json
from pathlib import Path

from glot500.core.results import ResultRow, write_results

BASE_HUB_ID = "FacebookAI/xlm-roberta-base"
RECIPE = "extended from base, corpus-informed init; 1 phase of 1,600 steps, new rows at 8x the lr"
HEAD = ("eng_Latn", "deu_Latn")
TAIL = ("yor_Latn", "quy_Latn", "mhr_Cyrl", "bod_Tibt")
PPL = {"eng_Latn": (3.0, 2.8), "deu_Latn": (4.0, 3.6), "yor_Latn": (10.0, 4.0), "quy_Latn": (12.0, 5.0),
       "mhr_Cyrl": (9.0, 6.0), "bod_Tibt": (8.0, 20.0)}  # fmt: skip  # (base, glot); bod_Tibt 2.5x worse
TOP10 = {"eng_Latn": (0.9, 0.9), "deu_Latn": (0.8, 0.85), "yor_Latn": (0.1, 0.1), "quy_Latn": (0.2, 0.5),
         "mhr_Cyrl": (0.3, 0.6), "bod_Tibt": (0.2, 0.4)}  # fmt: skip  # yor_Latn at chance (0.1)


def sentences() -> list[str]:
    words = ["river", "stone", "house", "light", "water", "green", "small", "bird", "дом", "вода", "свет", "река"]
    return [" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(3 + i % 5)) for i in range(300)]


def result_rows() -> list[ResultRow]:
    rows = []
    for lang in HEAD + TAIL:
        for model, index in (("base", 0), ("glot", 1)):
            rows.append(ResultRow(model=model, task="pseudo_perplexity", dataset="ppl_udhr", lang=lang,
                                  metric="ppl_per_char", value=PPL[lang][index], n=2, head=lang in HEAD,
                                  higher_is_better=False))  # fmt: skip
            rows.append(ResultRow(model=model, task="retrieval", dataset="udhr", lang=lang, metric="top10",
                                  value=TOP10[lang][index], n=40, head=lang in HEAD, chance=0.1))  # fmt: skip
    return rows


def _corpus(folder: Path) -> None:
    folder.mkdir(parents=True)
    languages = {
        lang: {"kept": 30, "excluded": False, "head": lang in HEAD, "kept_bytes": 3000} for lang in HEAD + TAIL
    }
    languages["zzz_Latn"] = {"kept": 0, "excluded": True, "head": False, "kept_bytes": 0}  # excluded: not on the card
    stats = {"schema_version": 1, "languages": languages, "totals": {"kept": 180, "kept_bytes": 18000}}
    (folder / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    (folder / "README.md").write_text(
        "# Corpus card\n\nBuilt by `glot500 corpus build` from 1 source(s): `runs/demo/udhr/text` (text).\n\n"
        "## Languages\n\n| label | language | script | head | input | kept | kept MB | dropped | excluded |\n"
        "|---|---|---|:-:|---:|---:|---:|---:|:-:|\n| yor_Latn | Yoruba | Latn |  | 30 | 30 | 0.00 | 0 |  |\n",
        encoding="utf-8",
    )


def _record(folder: Path, **record) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".glot500-stage.json").write_text(json.dumps(record), encoding="utf-8")


def make_run(run: Path, model_dir: Path) -> Path:
    """``<workdir>`` with glot/final, evaluate/results.jsonl, corpus/, and the records of model_extend and report."""
    import shutil

    shutil.copytree(model_dir, run / "glot" / "final")
    write_results(result_rows(), run / "evaluate" / "results.jsonl")
    _corpus(run / "corpus")
    _record(run / "model_extend", stage="model_extend", inputs={"base": BASE_HUB_ID, "tokenizer": "@vocab_extend"})
    _record(run / "report", stage="report", options={"base": "base", "recipes": {"glot": RECIPE}})
    return run
