"""``publish``: a run folder or a model folder -> a folder ready for the Hugging Face Hub.

Output layout (``output``)::

    README.md              the model card (YAML metadata + Markdown body; huggingface_hub.ModelCard)
    config.json            the model's config
    *.safetensors          the weights (safetensors only; never pickled files)
    tokenizer files        tokenizer.json, tokenizer_config.json, special_tokens_map.json, sentencepiece.bpe.model ...

Nothing leaves the machine unless ``push`` names a repository.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from glot500.core.errors import InputError
from glot500.publish.card import CardInputs, build_card
from glot500.publish.evidence import pick_model, read_corpus, read_rows
from glot500.publish.files import check_model_dir, copy_model_files
from glot500.publish.source import PublishSource, resolve_source

logger = logging.getLogger(__name__)
CARD_NAME = "README.md"


@dataclass
class Published:
    folder: Path
    files: list[str]
    url: str | None = None  # the Hub repository, when pushed


def publish(
    source: str | Path,
    output: str | Path,
    *,
    push: str | None = None,
    private: bool = False,
    license: str | None = None,
    base_model: str | None = None,
    name: str | None = None,
    results: str | Path | None = None,
    results_model: str | None = None,
    results_base: str | None = None,
    corpus: str | Path | None = None,
    recipe: str | None = None,
    datasets: list[str] | None = None,
    overwrite: bool = False,
) -> Published:
    """Write weights, tokenizer and a model card for ``source`` into ``output``; upload it when ``push`` is given.

    Args:
        source: a run folder (``glot500 run`` / ``demo``: its extended model ``glot/final`` is published, with the
            run's results, corpus card and recipe) or a model folder (``config.json`` + safetensors + tokenizer).
        output: the folder to write (must be empty or absent unless ``overwrite``).
        push: a Hub repository id (``user/name``) to upload the folder to.
        private: create the repository as private (with ``push``).
        license: the model's licence id for the card (default ``other``: the base model's licence usually applies).
        base_model: the Hub id of the model it was extended from (default: from the run's records).
        name: the model's name in the card's title (default: the repository id or the output folder's name).
        results, results_model, results_base: a ``results.jsonl`` and the names of this model and of the base in it
            (a run folder supplies all three).
        corpus: a corpus folder (its ``README.md`` card and ``stats.json``): languages, sources and licences.
        recipe: how the model was made, in a sentence (a run folder supplies it).
        datasets: Hub dataset ids to add to the card's ``datasets:``.
        overwrite: write into a non-empty ``output`` (files of the same name are replaced, no other file is removed).

    Raises:
        InputError: a missing or corrupt input, a non-empty output folder, a refused upload.
    """
    found = resolve_source(source)
    _apply_overrides(found, results, results_model, results_base, corpus, recipe, base_model)
    out = _check_output(Path(output), overwrite)
    config = check_model_dir(found.model_dir)
    for note in found.notes:
        logger.warning("%s", note)
    card = build_card(_card_inputs(found, config, license, name or push or out.name, datasets or [], push))
    names = copy_model_files(found.model_dir, out)  # only now is anything written
    card.save(out / CARD_NAME)
    logger.info("published %s into %s (%d files and %s)", found.model_dir, out, len(names), CARD_NAME)
    published = Published(out, [*names, CARD_NAME])
    if push:
        from glot500.publish.hub import push_folder

        published.url = push_folder(out, push, private=private)
    return published


def _apply_overrides(
    found: PublishSource,
    results: str | Path | None,
    results_model: str | None,
    results_base: str | None,
    corpus: str | Path | None,
    recipe: str | None,
    base_model: str | None,
) -> None:
    if results is not None:
        path = Path(results)
        found.results = path / "results.jsonl" if path.is_dir() else path
    found.model_name = results_model or found.model_name
    found.base_name = results_base or found.base_name
    if corpus is not None:
        folder = Path(corpus)
        if not folder.is_dir():
            raise InputError(f"{folder}: corpus folder not found (expected the folder with README.md and stats.json)")
        found.corpus_card = folder / "README.md" if (folder / "README.md").is_file() else None
        found.corpus_stats = folder / "stats.json" if (folder / "stats.json").is_file() else None
        if found.corpus_card is None and found.corpus_stats is None:
            raise InputError(f"{folder}: no corpus card (README.md) or stats.json in it")
    found.recipe = recipe or found.recipe
    if base_model:
        found.base_model, found.base_note = base_model, None


def _check_output(out: Path, overwrite: bool) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"{out}: not empty; choose a new folder or pass --overwrite")
    return out


def _card_inputs(
    found: PublishSource, config: dict, license: str | None, name: str, datasets: list[str], repo_id: str | None
) -> CardInputs:
    rows = read_rows(found.results) if found.results is not None else []
    model = pick_model(rows, found.model_name, found.base_name, found.results) if rows else None
    if rows and found.base_name and not any(row.model == found.base_name for row in rows):
        logger.warning("%s: no rows for the base %r: the card compares with nothing", found.results, found.base_name)
    if license is None:
        logger.warning("no --license given: the card says 'other' (the base model's licence usually applies)")
    return CardInputs(
        name=name,
        config=config,
        corpus=read_corpus(found.corpus_card, found.corpus_stats),
        rows=rows,
        model=model,
        base=found.base_name,
        base_model=found.base_model,
        base_note=found.base_note,
        license=license,
        recipe=found.recipe,
        extra_datasets=datasets,
        repo_id=repo_id,
    )
