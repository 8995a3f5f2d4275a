"""Hugging Face datasets: local ``save_to_disk`` folders and hub names (for users who are online).

The published Glot500-c layout is one ``save_to_disk`` folder per language-script (``<root>/deu_Latn/``):
the folder name is the label unless the rows carry a language field. A ``DatasetDict`` is read split by
split (only ``split`` when it has it). Hub datasets are streamed, so nothing is downloaded up front.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from glot500.corpus.sources.base import Chunk, Problems
from glot500.corpus.sources.tabular import RowLabeller, _rows_to_chunks

_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")


def is_saved_dataset(folder: Path) -> bool:
    return folder.is_dir() and any((folder / marker).exists() for marker in _MARKERS)


def saved_dataset_folders(root: Path) -> list[Path]:
    """The dataset folders under ``root``: itself, or its sub-folders (one per language-script)."""
    if is_saved_dataset(root):
        return [root]
    return sorted(child for child in root.iterdir() if is_saved_dataset(child))


def read_saved_dataset(
    folder: Path,
    source: str,
    problems: Problems,
    text_field: str,
    lang_field: str,
    fixed_lang: str | None,
    split: str = "train",
) -> Iterator[Chunk]:
    """Rows of one ``save_to_disk`` folder; its name is the label when there is no ``fixed_lang``/lang field."""
    from datasets import Dataset, DatasetDict, load_from_disk

    try:
        loaded = load_from_disk(str(folder))
    except Exception as error:  # noqa: BLE001 - datasets raises many types for broken folders
        problems.add(folder, f"not a readable save_to_disk dataset: {type(error).__name__}: {error}")
        return
    parts: list[tuple[str, Dataset]]
    if isinstance(loaded, DatasetDict):
        parts = [(split, loaded[split])] if split in loaded else sorted(loaded.items())
    else:
        parts = [("", loaded)]
    for name, dataset in parts:
        yield from _read_dataset(
            dataset,
            f"{source}/{folder.name}{'/' + name if name else ''}",
            folder,
            problems,
            text_field,
            lang_field,
            fixed_lang or _label_of_folder(folder, dataset, lang_field),
        )


def read_hub_dataset(
    name: str,
    source: str,
    problems: Problems,
    text_field: str,
    lang_field: str,
    fixed_lang: str | None,
    subset: str | None,
    split: str,
) -> Iterator[Chunk]:
    """Stream a hub dataset (``org/name``, optional ``subset``); needs network access."""
    from datasets import load_dataset

    try:
        dataset = load_dataset(name, subset, split=split, streaming=True)
    except Exception as error:  # noqa: BLE001 - offline, missing or private datasets raise many types
        problems.add(name, f"cannot load hub dataset: {type(error).__name__}: {error}")
        return
    fixed = fixed_lang or (subset if _looks_like_label(subset) else None)  # Glot500-c subsets are labels
    yield from _read_dataset(
        dataset, f"{source}/{subset or 'default'}/{split}", name, problems, text_field, lang_field, fixed
    )


def _read_dataset(
    dataset, prefix: str, where: object, problems: Problems, text_field: str, lang_field: str, fixed_lang: str | None
) -> Iterator[Chunk]:
    columns = list(dataset.column_names or [])
    if text_field not in columns:
        problems.add(where, f"no column {text_field!r} (has {columns})")
        return
    if fixed_lang is None and lang_field not in columns:
        problems.add(where, f"no language: neither a label folder name nor a {lang_field!r} column")
        return
    labeller = RowLabeller(fixed_lang)
    wanted = [text_field] + ([lang_field] if fixed_lang is None else [])
    batches = (
        {column: batch[column] for column in wanted} for batch in dataset.select_columns(wanted).iter(batch_size=4096)
    )
    try:
        rows = yield from _rows_to_chunks(batches, prefix, text_field, lang_field, labeller)
    except Exception as error:  # noqa: BLE001 - arrow/streaming errors mid-way: keep what was read
        problems.add(where, f"read stopped: {type(error).__name__}: {error}")
        return
    if rows == 0:
        problems.add(where, "empty dataset: no rows")
    labeller.report(where, problems)


def _label_of_folder(folder: Path, dataset, lang_field: str) -> str | None:
    if lang_field in (dataset.column_names or []):
        return None
    return folder.name if _looks_like_label(folder.name) else None


def _looks_like_label(name: str | None) -> bool:
    from glot500.languages.labels import LABEL_PATTERN

    return bool(name) and bool(LABEL_PATTERN.match(name))
