"""Read a corpus the way downstream stages (vocab, train, report) see it: ``{label: [files]}`` and texts.

Two layouts are accepted:

* a built corpus (``glot500 corpus build`` output): ``DIR/data/<label>/*.parquet`` with a ``text`` column;
* a folder of plain-text files, one chunk per line: ``DIR/<label>.txt`` (also ``.gz``, ``.xz``, ``.bz2``,
  ``.zst``; subfolders too, the file name giving the label), or a single such file. This is how raw corpora
  such as the eBible dump are passed.

Text files are read by the rules every stage shares (:mod:`glot500.core.textio`): lines with NUL bytes or
invalid UTF-8 are left out, BOMs removed, lone CRs are line breaks, truncated compressed files give the lines
before the damage and then raise :class:`InputError`. What was left out or repaired is logged per file; files
that are not read are logged too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from glot500.core.errors import InputError, LanguageCodeError
from glot500.core.paths import list_input_files
from glot500.core.textio import COMPRESSED_SUFFIXES, TextAccount, clean_lines, strip_compression
from glot500.languages import LangScript

logger = logging.getLogger(__name__)


def discover_languages(path: str | Path, skipped: list[tuple[Path, str]] | None = None) -> dict[str, list[Path]]:
    """Map each language-script label found under ``path`` to its files (sorted, deterministic).

    Args:
        skipped: when given, a file or folder whose name is not a language-script label is appended here as
            ``(path, reason)`` and left out, instead of raising (one bad name never stops a run over many).

    Raises:
        InputError: ``path`` does not exist or holds no corpus files, or (without ``skipped``) a bad name.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"corpus not found: {path}")
    if path.is_file():
        return {_label_of_text_file(path): [path]}
    data_dir = path / "data"
    found: dict[str, list[Path]] = {}
    if data_dir.is_dir():
        for lang_dir in sorted(p for p in data_dir.iterdir() if p.is_dir()):
            files = sorted(lang_dir.glob("*.parquet"))
            if files:
                try:
                    found[str(LangScript.parse(lang_dir.name))] = files
                except LanguageCodeError as error:
                    if skipped is None:
                        raise InputError(f"{lang_dir}: not a language-script label ({error})") from None
                    skipped.append((lang_dir, f"not a language-script label ({error})"))
    else:
        files, not_read = list_input_files(path)
        for file in files:
            if not _is_text_file(file):
                not_read.append((file, "skipped: not a <label>.txt[.gz|.xz|.bz2|.zst] file"))
                continue
            try:
                found.setdefault(_label_of_text_file(file), []).append(file)
            except InputError as error:
                if skipped is None:
                    raise
                skipped.append((file, str(error).removeprefix(f"{file}: ")))
        for file, reason in not_read:
            logger.warning("%s: %s", file, reason)
        if skipped is not None:
            skipped.extend(not_read)
    if not found:
        not_read = f"; not read: {skipped[0][0].name} ({skipped[0][1]})" if skipped else ""
        more = f" and {len(skipped) - 1} more" if skipped and len(skipped) > 1 else ""
        raise InputError(
            f"{path}: no corpus files (expected data/<label>/*.parquet or <label>.txt[.xz|.gz|.zst]){not_read}{more}"
        )
    return found


def iter_texts(files: list[Path], limit: int | None = None) -> Iterator[str]:
    """Non-empty chunks of the given corpus files, in file order (``limit`` stops early)."""
    count = 0
    for file in files:
        for text in _iter_file(file):
            if not text.strip():
                continue
            yield text
            count += 1
            if limit is not None and count >= limit:
                return


def read_language(path: str | Path, label: str, limit: int | None = None) -> list[str]:
    """All (or the first ``limit``) chunks of one language-script of a corpus."""
    files = discover_languages(path).get(label)
    if files is None:
        raise InputError(f"{path}: no data for language-script {label!r}")
    return list(iter_texts(files, limit))


def count_chunks(path: str | Path) -> dict[str, int]:
    """Non-empty chunks per label (parquet row counts come from metadata, without reading text)."""
    counts: dict[str, int] = {}
    for label, files in discover_languages(path).items():
        counts[label] = sum(_count_file(file) for file in files)
    return counts


def _iter_file(file: Path) -> Iterator[str]:
    if file.suffix == ".parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(file)
        for batch in parquet.iter_batches(columns=["text"], batch_size=4096):
            yield from (text for text in batch.column(0).to_pylist() if text is not None)
    else:
        yield from _iter_text_lines(file)


def _iter_text_lines(file: Path) -> Iterator[str]:
    """Usable lines of a text file by the rules of :mod:`glot500.core.textio`; what was left out or repaired is
    logged (as a warning).

    Raises:
        InputError: after the last recoverable line, when the file is truncated, corrupt or unreadable, so that
            a caller that keeps a record per file (training shards) reports it.
    """
    from glot500.corpus.sources.base import Problems
    from glot500.corpus.sources.text import report_counts

    account = TextAccount()
    try:
        yield from clean_lines(file, account)
    except InputError:
        if account.read_error is not None:
            report_counts(file, account.counts, Problems(), empty=False)
        raise
    report_counts(file, account.counts, Problems(), empty=False)  # Problems logs each record as a warning


def _count_file(file: Path) -> int:
    if file.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(file).metadata.num_rows
    return sum(1 for line in _iter_text_lines(file) if line.strip())


def _is_text_file(file: Path) -> bool:
    return strip_compression(file.name).endswith(".txt") and (
        file.suffix == ".txt" or file.suffix in COMPRESSED_SUFFIXES
    )


def _label_of_text_file(file: Path) -> str:
    stem = strip_compression(file.name)
    stem = stem[: -len(".txt")] if stem.endswith(".txt") else stem
    try:
        return str(LangScript.parse(stem))
    except LanguageCodeError as error:
        raise InputError(
            f"{file}: the file name must be a language-script label such as deu_Latn.txt ({error})"
        ) from None
