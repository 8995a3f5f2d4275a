"""The task-folder layout (``shared/README.md``): discovery, task-type detection and strict readers.

``TASK_DIR/<lang_Script>/...`` per language, optional ``TASK_DIR/labels.txt``:

- retrieval: ``<lang>.txt`` + ``eng_Latn.txt`` aligned by line (optionally ``vref.txt`` / ``ids.txt``);
- classification: ``train/dev/test.tsv``, ``text<TAB>label``;
- tagging: ``train/dev/test.conll``, ``token<TAB>tag``, a blank line between sentences;
- pseudo-perplexity: ``<lang>.txt`` alone.

Readers raise :class:`LanguageDataError` naming the file, line and reason; tasks turn it into an error row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from glot500.core.errors import InputError
from glot500.core.textio import split_lines

ENGLISH = "eng_Latn"
TASK_TYPES = ("retrieval", "classification", "tagging", "pseudo_perplexity", "roundtrip")
ID_FILES = ("vref.txt", "ids.txt")


class LanguageDataError(InputError):
    """One language's data cannot be used (missing, misaligned, empty, not UTF-8, malformed)."""


@dataclass(frozen=True)
class TaggedSentence:
    words: list[str]
    tags: list[str]


def language_dirs(task_dir: Path) -> list[Path]:
    """The language folders of a task folder, sorted (hidden folders skipped)."""
    if not task_dir.is_dir():
        raise InputError(f"task folder not found: {task_dir}")
    return sorted(p for p in task_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def detect_task_type(task_dir: Path) -> str | None:
    """The task type most language folders look like (one broken folder does not change it), else ``None``."""
    votes = Counter(kind for kind in map(_folder_kind, language_dirs(task_dir)) if kind)
    return votes.most_common(1)[0][0] if votes else None


def _folder_kind(lang_dir: Path) -> str | None:
    names = {p.name for p in lang_dir.iterdir() if p.is_file()}
    if any(name.endswith(".conll") for name in names):
        return "tagging"
    if names & {"train.tsv", "dev.tsv", "test.tsv"}:
        return "classification"
    if f"{lang_dir.name}.txt" in names and ENGLISH + ".txt" in names:
        return "retrieval"
    if f"{lang_dir.name}.txt" in names:
        return "pseudo_perplexity"
    return None


def read_labels(task_dir: Path) -> list[str] | None:
    """``labels.txt`` (one label a line) when present."""
    path = task_dir / "labels.txt"
    if not path.is_file():
        return None
    return [line.strip() for line in read_lines(path) if line.strip()]


def read_lines(path: Path, allow_empty: bool = False) -> list[str]:
    """Lines without their line ends; a missing, empty or non-UTF-8 file raises :class:`LanguageDataError`."""
    if not path.is_file():
        raise LanguageDataError(f"{path}: file missing")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LanguageDataError(f"{path}:{line}: not valid UTF-8 ({error.reason} at byte {error.start})") from None
    lines = split_lines(text.removeprefix("\ufeff"))  # never str.splitlines(): U+2028 etc. are text
    if not allow_empty and not any(line.strip() for line in lines):
        raise LanguageDataError(f"{path}: file is empty")
    return lines


def read_parallel(lang_dir: Path, lang: str, english: str = ENGLISH) -> tuple[list[str], list[str], list[str] | None]:
    """``(target, english, ids)`` of a retrieval folder; the files must have the same number of lines."""
    target = read_lines(lang_dir / f"{lang}.txt")
    source = read_lines(lang_dir / f"{english}.txt")
    ids = next((read_lines(lang_dir / name) for name in ID_FILES if (lang_dir / name).is_file()), None)
    counts = {f"{lang}.txt": len(target), f"{english}.txt": len(source)}
    if ids is not None:
        counts["ids"] = len(ids)
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"{name} {count}" for name, count in counts.items())
        raise LanguageDataError(f"{lang_dir}: misaligned files, line counts differ ({detail})")
    return target, source, ids


def read_tsv(path: Path, labels: list[str] | None = None) -> tuple[list[str], list[str]]:
    """``(texts, labels)`` of a ``text<TAB>label`` file; a malformed line or unknown label raises."""
    texts, tags = [], []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        text, sep, label = line.rpartition("\t")
        if not sep or not text.strip() or not label.strip():
            raise LanguageDataError(f"{path}:{number}: expected 'text<TAB>label'")
        label = label.strip()
        if labels is not None and label not in labels:
            raise LanguageDataError(f"{path}:{number}: label {label!r} is not in labels.txt")
        texts.append(text.strip())
        tags.append(label)
    return texts, tags


def read_conll(path: Path, labels: list[str] | None = None) -> list[TaggedSentence]:
    """Sentences of a ``token<TAB>tag`` file (blank line between sentences).

    Every token line must have the column count of the file's first one (the tag is the last column): a line with
    a column more or less is a :class:`LanguageDataError` naming ``file:line``, never a tag read from the wrong
    column.
    """
    sentences: list[TaggedSentence] = []
    words: list[str] = []
    tags: list[str] = []
    columns: int | None = None
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            if words:
                sentences.append(TaggedSentence(words, tags))
            words, tags = [], []
            continue
        parts = line.split("\t")
        columns = columns or len(parts)
        if len(parts) != columns:
            raise LanguageDataError(
                f"{path}:{number}: {len(parts)} tab-separated columns where the file's lines have {columns} "
                "(expected 'token<TAB>tag')"
            )
        if len(parts) < 2 or not parts[0].strip() or not parts[-1].strip():
            raise LanguageDataError(f"{path}:{number}: expected 'token<TAB>tag'")
        tag = parts[-1].strip()
        if labels is not None and tag not in labels:
            raise LanguageDataError(f"{path}:{number}: tag {tag!r} is not in labels.txt")
        words.append(parts[0].strip())
        tags.append(tag)
    if words:
        sentences.append(TaggedSentence(words, tags))
    return sentences
