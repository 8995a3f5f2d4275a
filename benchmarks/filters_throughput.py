"""Throughput of each cleaning filter and of the whole chain, in MB/s and chunks/s on one core.

    .venv/bin/python benchmarks/filters_throughput.py --corpus ../shared/data/corpus/bible --languages 80

Reads up to ``--per-language`` verses of every ``--languages``-th language (a varied sample of scripts),
then times each filter alone on all chunks, the whole chain (without LID unless ``--lid-model``), and two
baselines on the same chunks (all figures from CPU time of this one process, i.e. per core): GlotScript's ``sp()`` against our table-based script detector, and
datatrove's stock ``GopherRepetitionFilter`` against our two repetition filters.
"""

from __future__ import annotations

import argparse
import string
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from datatrove.data import Document

from glot500.corpus.filters import CleaningConfig, build_cleaning_filters
from glot500.corpus.reader import discover_languages, iter_texts

ROOTS_STRIP = string.punctuation + string.digits + string.whitespace + "«»“”‘’–—…"


def load_chunks(corpus: Path, languages: int, per_language: int) -> list[Document]:
    found = discover_languages(corpus)
    labels = sorted(found)
    step = max(1, len(labels) // languages)
    docs = []
    for label in labels[::step][:languages]:
        for index, text in enumerate(iter_texts(found[label], limit=per_language)):
            docs.append(Document(text=text, id=f"{label}/{index}", metadata={"lang": label, "source": "bible"}))
    return docs


def fresh(docs: list[Document]) -> list[Document]:
    return [Document(text=doc.text, id=doc.id, metadata=dict(doc.metadata)) for doc in docs]


def timed(run: Callable[[], object]) -> float:
    """CPU seconds of this process: on a shared machine, wall time mostly measures the neighbours."""
    start = time.process_time()
    run()
    return time.process_time() - start


def run_chain(filters: list, docs: list[Document]) -> int:
    stream = iter(docs)
    for step in filters:
        stream = step(stream)
    return sum(1 for _ in stream)


def report(name: str, seconds: float, megabytes: float, chunks: int, baseline: float | None = None) -> None:
    ratio = f"  x{baseline / seconds:6.1f} vs baseline" if baseline else ""
    print(f"{name:28s} {megabytes / seconds:8.2f} MB/s {chunks / seconds:10.0f} chunks/s{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/corpus/bible"))
    parser.add_argument("--languages", type=int, default=80)
    parser.add_argument("--per-language", type=int, default=1000)
    parser.add_argument("--lid-model", type=Path, default=None, help="include LID with this fastText model")
    parser.add_argument("--eval-tasks", type=Path, nargs="*", default=[], help="include decontamination")
    args = parser.parse_args()

    docs = load_chunks(args.corpus, args.languages, args.per_language)
    megabytes = sum(len(doc.text.encode()) for doc in docs) / 1e6
    print(f"{len(docs)} chunks, {megabytes:.1f} MB, {len({d.metadata['lang'] for d in docs})} language-scripts")
    config = CleaningConfig.model_validate(
        {
            "lid": {"enabled": args.lid_model is not None, "model": args.lid_model},
            "decontamination": {"enabled": bool(args.eval_tasks), "task_dirs": args.eval_tasks},
        }
    )
    filters = build_cleaning_filters(config, lambda _step: None)
    for step in filters:  # warm-up: tables, models and indexes load on first use, outside the timings
        run_chain([step], fresh(docs[:300]))
    for step in filters:
        batch = fresh(docs)
        report(step.name, timed(lambda step=step, batch=batch: run_chain([step], batch)), megabytes, len(docs))
    batch = fresh(docs)
    report("whole chain", timed(lambda: run_chain(filters, batch)), megabytes, len(docs))
    baselines(docs, megabytes)


def baselines(docs: list[Document], megabytes: float) -> None:
    from GlotScript import sp

    from glot500.corpus.filters import CharacterRepetitionFilter, WordRepetitionFilter
    from glot500.lid import script_detector

    sample = docs[: min(len(docs), 20000)]
    share = len(sample) / len(docs)
    texts = [doc.text for doc in sample]
    glotscript = timed(lambda: [sp(text) for text in texts])
    report("baseline GlotScript sp()", glotscript, megabytes * share, len(sample))
    detector = script_detector()
    ours = timed(lambda: [detector.detect(text) for text in texts])
    report("script table, per text", ours, megabytes * share, len(sample), glotscript)
    ours = timed(lambda: [detector.detect_many(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    report("script table, batches of 256", ours, megabytes * share, len(sample), glotscript)

    reference = timed(lambda: [roots_repetition(text) for text in texts])
    report("baseline ROOTS repetition", reference, megabytes * share, len(sample))
    ours = timed(lambda: run_chain([CharacterRepetitionFilter(), WordRepetitionFilter()], fresh(sample)))
    report("char+word repetition", ours, megabytes * share, len(sample), reference)


def roots_repetition(text: str) -> tuple[float, float]:
    """BigScience ROOTS's per-document character (10-gram) and word (5-gram) repetition ratios, as published."""
    from glot500.corpus.filters.measures import character_repetition_ratio

    words = [word.strip(ROOTS_STRIP).lower() for word in text.split()]
    words = [word for word in words if word]
    grams = [" ".join(words[i : i + 5]) for i in range(len(words) - 4)]
    counts = Counter(grams)
    word_ratio = sum(freq for freq in counts.values() if freq > 1) / sum(counts.values()) if counts else 0.0
    return character_repetition_ratio(text, 10, roots_exact=True), word_ratio


if __name__ == "__main__":
    main()
