"""Turn a :class:`CleaningConfig` into datatrove filter blocks, in pipeline order."""

from __future__ import annotations

from collections.abc import Callable

from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from glot500.corpus.filters.config import CleaningConfig
from glot500.corpus.filters.decontamination import DecontaminationFilter
from glot500.corpus.filters.lid import LanguageIdFilter
from glot500.corpus.filters.quality import (
    CharacterRepetitionFilter,
    LengthFilter,
    SpecialCharactersFilter,
    WordRepetitionFilter,
)
from glot500.corpus.filters.script import ScriptConsistencyFilter

ExclusionWriterFactory = Callable[[str], DiskWriter | None]

# Pipeline order: the label is settled first (script relabelling changes it, and the spaceless rule and
# LID read it), then the cheap quality measures, then LID (the costliest), then decontamination.
# Each entry: (CleaningConfig section, filter class); a section's fields are the class's keyword arguments.
STEPS: tuple[tuple[str, type[BaseFilter]], ...] = (
    ("script", ScriptConsistencyFilter),
    ("length", LengthFilter),
    ("special_characters", SpecialCharactersFilter),
    ("character_repetition", CharacterRepetitionFilter),
    ("word_repetition", WordRepetitionFilter),
    ("lid", LanguageIdFilter),
    ("decontamination", DecontaminationFilter),
)
STEP_NAMES = tuple(cls.name for _, cls in STEPS)
_RENAMED = {"model": "model_path"}  # config key -> constructor argument, where they differ


def build_cleaning_filters(
    config: CleaningConfig, exclusion_writer_factory: ExclusionWriterFactory | None = None
) -> list[BaseFilter]:
    """The enabled cleaning steps of ``config`` as datatrove filters, in pipeline order.

    Args:
        config: the validated cleaning configuration.
        exclusion_writer_factory: ``step_name -> DiskWriter | None``; each filter writes the chunks it drops
            there, with ``doc.metadata["filter_reason"]``.
    """
    factory = exclusion_writer_factory or (lambda _name: None)
    filters: list[BaseFilter] = []
    for section_name, filter_class in STEPS:
        section = getattr(config, section_name)
        if not section.enabled:
            continue
        kwargs = {_RENAMED.get(key, key): value for key, value in section.model_dump(exclude={"enabled"}).items()}
        filters.append(filter_class(**kwargs, exclusion_writer=factory(filter_class.name)))
    return filters
