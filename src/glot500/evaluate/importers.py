"""Importers from the original distributions into the task-folder layout (``glot500 eval import FORMAT SRC``).

- ``tatoeba``: LASER's ``tatoeba.<xxx>-eng.<xxx>`` / ``tatoeba.<xxx>-eng.eng`` pairs -> retrieval folders.
- ``sib200``: SIB-200's ``data/annotated/<lang_Script>/{train,dev,test}.tsv`` (``index_id, category, text``).
- ``taxi1500``: Taxi1500 TSVs with a header naming a text column (``text``/``verse``) and a label column
  (``label``/``classification``/``category``), one folder per language, splits named by ``train/dev/test``.
- ``conllu``: Universal Dependencies treebanks (``*-ud-{train,dev,test}.conllu``) -> POS tagging folders.
- ``masakhaner``: MasakhaNER's ``<lang>/{train,dev,test}.txt`` (``token TAG``) -> NER tagging folders.

Language codes are normalised to ``xxx_Scrp`` labels (the script detected from the text when the code has
none); a file whose language cannot be told is skipped with a warning.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import defaultdict
from pathlib import Path

from glot500.core.errors import InputError, LanguageCodeError
from glot500.core.textio import split_lines
from glot500.evaluate.data import ENGLISH

logger = logging.getLogger(__name__)
SPLITS = ("train", "dev", "test")
_TEXT_COLUMNS = ("text", "verse", "sentence")
_LABEL_COLUMNS = ("label", "classification", "category", "topic")


def _label(code: str, sample: str) -> str | None:
    from glot500.languages import normalize

    try:
        return normalize(code, text=sample)
    except LanguageCodeError as error:
        logger.warning("skipped language %r: %s", code, error)
        return None


def _write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line.replace("\n", " ") + "\n" for line in lines), encoding="utf-8")


def _write_labels(output: Path, labels: set[str]) -> None:
    if labels:
        _write_lines(output / "labels.txt", sorted(labels))


def import_tatoeba(src: Path, output: Path) -> list[str]:
    """LASER Tatoeba test files -> ``OUT/<lang>/<lang>.txt`` + ``eng_Latn.txt``. Returns the labels written."""
    written = []
    for target_file in sorted(src.glob("tatoeba.*-eng.*")):
        match = re.fullmatch(r"tatoeba\.(\w+)-eng\.(\w+)", target_file.name)
        if not match or match.group(2) == "eng":
            continue
        english_file = target_file.with_name(f"tatoeba.{match.group(1)}-eng.eng")
        if not english_file.is_file():
            logger.warning("%s: no English side %s, skipped", target_file, english_file.name)
            continue
        target = split_lines(target_file.read_text(encoding="utf-8"))
        english = split_lines(english_file.read_text(encoding="utf-8"))
        label = _label(match.group(1), " ".join(target[:20]))
        if label is None:
            continue
        if len(target) != len(english):
            logger.warning("%s: %d lines but the English side has %d, skipped", target_file, len(target), len(english))
            continue
        _write_lines(output / label / f"{label}.txt", target)
        _write_lines(output / label / f"{ENGLISH}.txt", english)
        written.append(label)
    return written


def _read_header_tsv(path: Path) -> list[tuple[str, str]]:
    """``(text, label)`` rows of a TSV with a header row naming its text and label columns."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        text_col = next((f for f in _TEXT_COLUMNS if f in fields), None)
        label_col = next((f for f in _LABEL_COLUMNS if f in fields), None)
        if text_col is None or label_col is None:
            raise InputError(
                f"{path}: header {reader.fieldnames} names no text column {_TEXT_COLUMNS} "
                f"and label column {_LABEL_COLUMNS}"
            )
        names = dict(zip(fields, reader.fieldnames or [], strict=True))
        return [
            (row[names[text_col]].strip(), row[names[label_col]].strip())
            for row in reader
            if row.get(names[text_col]) and row.get(names[label_col])
        ]


def _split_of(name: str) -> str | None:
    return next((s for s in SPLITS if re.search(rf"(^|[_.-]){s}([_.-]|$)", name)), None)


def import_classification_tsv(src: Path, output: Path) -> list[str]:
    """SIB-200 / Taxi1500 style ``<lang>/<...split...>.tsv`` with a header -> ``OUT/<lang>/<split>.tsv``."""
    written, labels = [], set()
    lang_dirs = [p for p in sorted(src.rglob("*")) if p.is_dir() and any(p.glob("*.tsv"))]
    for lang_dir in lang_dirs:
        files = {_split_of(f.stem): f for f in sorted(lang_dir.glob("*.tsv")) if _split_of(f.stem)}
        if not files:
            continue
        rows = {split: _read_header_tsv(path) for split, path in files.items()}
        sample = " ".join(text for split_rows in rows.values() for text, _ in split_rows[:20])
        label = _label(lang_dir.name, sample)
        if label is None:
            continue
        for split, split_rows in rows.items():
            _write_lines(output / label / f"{split}.tsv", [f"{t.replace(chr(9), ' ')}\t{y}" for t, y in split_rows])
            labels.update(y for _, y in split_rows)
        written.append(label)
    _write_labels(output, labels)
    return written


def _write_conll(path: Path, sentences: list[list[tuple[str, str]]]) -> None:
    blocks = ["\n".join(f"{token}\t{tag}" for token, tag in sentence) for sentence in sentences if sentence]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def import_conllu(src: Path, output: Path) -> list[str]:
    """UD treebanks -> ``OUT/<lang>/{split}.conll`` (form, UPOS); treebanks of one language are concatenated;
    multi-word tokens and empty nodes are left out (their syntactic words are kept)."""
    import conllu

    per_lang: dict[tuple[str, str], list[list[tuple[str, str]]]] = defaultdict(list)
    tags: set[str] = set()
    for path in sorted(src.rglob("*.conllu")):
        split = _split_of(path.stem)
        code = path.name.split("_")[0]
        if split is None:
            continue
        with open(path, encoding="utf-8") as handle:
            sentences = [
                [(tok["form"], tok["upos"]) for tok in sentence if isinstance(tok["id"], int)]
                for sentence in conllu.parse_incr(handle)
            ]
        label = _label(code, " ".join(form for sentence in sentences[:20] for form, _ in sentence))
        if label is None:
            continue
        per_lang[(label, split)].extend(sentences)
        tags.update(tag for sentence in sentences for _, tag in sentence)
    for (label, split), sentences in per_lang.items():
        _write_conll(output / label / f"{split}.conll", sentences)
    _write_labels(output, tags)
    return sorted({label for label, _ in per_lang})


def import_masakhaner(src: Path, output: Path) -> list[str]:
    """MasakhaNER ``<lang>/{train,dev,test}.txt`` (``token TAG`` per line) -> ``OUT/<lang>/{split}.conll``."""
    written, tags = [], set()
    for lang_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        files = {split: lang_dir / f"{split}.txt" for split in SPLITS if (lang_dir / f"{split}.txt").is_file()}
        if not files:
            continue
        parsed = {split: _read_space_conll(path) for split, path in files.items()}
        sample = " ".join(tok for sentences in parsed.values() for s in sentences[:30] for tok, _ in s)
        label = _label(lang_dir.name, sample)
        if label is None:
            continue
        for split, sentences in parsed.items():
            _write_conll(output / label / f"{split}.conll", sentences)
            tags.update(tag for s in sentences for _, tag in s)
        written.append(label)
    _write_labels(output, tags)
    return written


def _read_space_conll(path: Path) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        parts = line.split()
        if len(parts) < 2:
            raise InputError(f"{path}:{number}: expected 'token TAG'")
        current.append((parts[0], parts[-1]))
    if current:
        sentences.append(current)
    return sentences


IMPORTERS = {
    "tatoeba": import_tatoeba,
    "sib200": import_classification_tsv,
    "taxi1500": import_classification_tsv,
    "conllu": import_conllu,
    "masakhaner": import_masakhaner,
}


def import_dataset(fmt: str, src: str | Path, output: str | Path) -> list[str]:
    """Convert ``src`` (format ``fmt``) into the task-folder layout under ``output``; returns the labels."""
    if fmt not in IMPORTERS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(IMPORTERS)}")
    src, output = Path(src), Path(output)
    if not src.exists():
        raise InputError(f"source not found: {src}")
    labels = IMPORTERS[fmt](src, output)
    if not labels:
        raise InputError(f"{src}: no {fmt} files found (see docs/evaluate.md for the expected names)")
    return labels
