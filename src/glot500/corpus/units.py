"""Input units: the sources of a config expanded into independently readable pieces (a file, a dataset folder).

Units are listed once, in a stable order, before the pipeline starts; task ``rank`` of ``world_size`` reads
``units[rank::world_size]``. A file that cannot be a unit (e.g. not a text file in a text folder) becomes a
``problem`` unit, so that it is reported by the task that owns it, like every other bad input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from glot500.core.errors import ConfigError
from glot500.core.paths import list_input_files
from glot500.corpus.config import ReadingSettings, SourceConfig
from glot500.corpus.sources.base import UNKNOWN_LABEL, Chunk, Problems, label_for


@dataclass(frozen=True)
class InputUnit:
    source: SourceConfig
    source_name: str
    path: str  # file, folder or hub name
    label: str | None = None  # text/bible files: from the name or --lang; others: per row
    problem: str | None = None  # a problem unit reports this and yields nothing


def expand_sources(sources: list[SourceConfig]) -> list[InputUnit]:
    """All input units of ``sources``, in order.

    Raises:
        ConfigError: a source path does not exist, or its ``lang`` is not a language code.
    """
    units: list[InputUnit] = []
    for source in sources:
        if source.lang is not None and label_for(source.lang) is None:
            raise ConfigError(f"source {source.display_name()}: lang {source.lang!r} is not a language code")
        if source.type not in ("udhr", "hf_hub") and not Path(source.path or "").exists():
            raise ConfigError(f"source {source.display_name()}: path not found: {source.path}")
        units.extend(_expand(source, source.display_name()))
    return units


def _expand(source: SourceConfig, name: str) -> list[InputUnit]:
    path = Path(source.path) if source.path else None
    if source.type in ("udhr", "hf_hub"):
        return [InputUnit(source, name, source.path or "udhr")]
    if source.type == "hf_disk":
        from glot500.corpus.sources.hf import saved_dataset_folders

        folders = saved_dataset_folders(path)
        if not folders:
            return [InputUnit(source, name, str(path), problem="no save_to_disk dataset folders found")]
        return [InputUnit(source, name, str(folder)) for folder in folders]
    files, skipped = list_input_files(path) if path.is_dir() else ([path], [])
    if source.type == "bible":
        vref = Path(source.vref) if source.vref else path / "vref.txt"
        if not vref.is_file():
            raise ConfigError(f"source {name}: verse list not found: {vref} (set 'vref:')")
        files = [file for file in files if file.resolve() != vref.resolve()]
    units = [_file_unit(source, name, file) for file in files]
    return units + [InputUnit(source, name, str(file), problem=reason) for file, reason in skipped]


def _file_unit(source: SourceConfig, name: str, file: Path) -> InputUnit:
    from glot500.corpus.sources.text import is_text_file, label_stem

    if source.type == "jsonl":
        ok = ".jsonl" in file.name or file.name.endswith(".json")
    elif source.type == "parquet":
        ok = file.name.endswith(".parquet")
    else:
        ok = is_text_file(file)
    if not ok:
        return InputUnit(source, name, str(file), problem=f"skipped: not a {source.type} file name")
    label = None
    if source.type in ("text", "bible"):
        label = label_for(source.lang) if source.lang else label_for(label_stem(file))
    return InputUnit(source, name, str(file), label=label)


def read_unit(unit: InputUnit, reading: ReadingSettings, problems: Problems) -> Iterator[Chunk]:
    """The chunks of one unit (bad lines flagged, bad files reported to ``problems``)."""
    if unit.problem:
        problems.add(unit.path, unit.problem)
        return
    source, path = unit.source, Path(unit.path)
    common = {"source": _id_source(unit, path), "problems": problems}
    fields = {"text_field": source.text_field, "lang_field": source.lang_field, "fixed_lang": source.lang}
    if source.type in ("text", "bible"):
        yield from _read_labelled_file(unit, reading, problems)
    elif source.type == "jsonl":
        from glot500.corpus.sources.tabular import read_jsonl

        yield from read_jsonl(
            path, **common, **fields, max_line_bytes=reading.max_line_bytes, preview_chars=reading.preview_chars
        )
    elif source.type == "parquet":
        from glot500.corpus.sources.tabular import read_parquet

        yield from read_parquet(path, **common, **fields)
    elif source.type == "hf_disk":
        from glot500.corpus.sources.hf import read_saved_dataset

        yield from read_saved_dataset(path, **common, **fields, split=source.split)
    elif source.type == "hf_hub":
        from glot500.corpus.sources.hf import read_hub_dataset

        yield from read_hub_dataset(unit.path, **common, **fields, subset=source.subset, split=source.split)
    elif source.type == "udhr":
        yield from _read_udhr(unit, problems)


def _read_labelled_file(unit: InputUnit, reading: ReadingSettings, problems: Problems) -> Iterator[Chunk]:
    from glot500.corpus.sources.text import read_text_file

    path = Path(unit.path)
    label, unknown = unit.label, None
    if label is None:
        label, unknown = UNKNOWN_LABEL, "unknown_language"
        problems.add(
            path, "file name is not a language code (expected e.g. deu_Latn.txt); lines dropped (read:unknown_language)"
        )
    if unit.source.type == "bible":
        from glot500.corpus.sources.bible import read_bible_file, read_vref

        vref_path = Path(unit.source.vref) if unit.source.vref else Path(unit.source.path) / "vref.txt"
        yield from read_bible_file(
            path,
            label,
            unit.source_name,
            read_vref(vref_path),
            problems,
            reading.max_line_bytes,
            reading.preview_chars,
            unknown,
        )
    else:
        yield from read_text_file(
            path,
            label,
            unit.source_name,
            problems,
            reading.max_line_bytes,
            reading.preview_chars,
            id_prefix=_id_prefix(unit, path),
            unknown_reason=unknown,
        )


def _id_prefix(unit: InputUnit, path: Path) -> str | None:
    """Chunk ids of a file in a subfolder carry its relative path (``sub/deu_Latn.txt`` next to ``deu_Latn.txt``)."""
    source = _id_source(unit, path)
    return None if source == unit.source_name else f"{source}/{path.name}"


def _id_source(unit: InputUnit, path: Path) -> str:
    """The source part of chunk ids: the source name, plus the subfolder for a file below the source folder."""
    root = Path(unit.source.path or "")
    if unit.source.type in ("udhr", "hf_hub", "hf_disk") or not root.is_dir() or path.parent == root:
        return unit.source_name
    return f"{unit.source_name}/{path.parent.relative_to(root).as_posix()}"


def _read_udhr(unit: InputUnit, problems: Problems) -> Iterator[Chunk]:
    from glot500.corpus.sources.udhr import read_udhr

    skipped: list[dict[str, str]] = []
    folder = unit.source.path
    try:
        for row in read_udhr(folder, skipped=skipped):
            yield Chunk(
                f"{unit.source_name}/{row['id'].removeprefix('udhr/')}",
                row["text"],
                row["lang"],
                len(row["text"].encode("utf-8")),
            )
    except Exception as error:  # noqa: BLE001 - a failed fetch must not kill the other sources
        problems.add(folder or "udhr", f"UDHR source failed: {type(error).__name__}: {error}")
    for record in skipped:
        problems.add(record["file"], record["reason"])
