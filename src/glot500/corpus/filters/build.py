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
STEP_NAMES = (
    "script_consistency",
    "length",
    "special_characters",
    "character_repetition",
    "word_repetition",
    "lid",
    "decontamination",
)


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
    if config.script.enabled:
        filters.append(
            ScriptConsistencyFilter(
                action=config.script.action,
                keep_scriptless=config.script.keep_scriptless,
                exclusion_writer=factory(ScriptConsistencyFilter.name),
            )
        )
    if config.length.enabled:
        filters.append(
            LengthFilter(config.length.min_words, config.length.min_chars, exclusion_writer=factory(LengthFilter.name))
        )
    if config.special_characters.enabled:
        filters.append(
            SpecialCharactersFilter(
                config.special_characters.max_ratio,
                config.special_characters.attached_marks_are_letters,
                exclusion_writer=factory(SpecialCharactersFilter.name),
            )
        )
    if config.character_repetition.enabled:
        section = config.character_repetition
        filters.append(
            CharacterRepetitionFilter(
                section.ngram,
                section.max_ratio,
                section.roots_exact,
                exclusion_writer=factory(CharacterRepetitionFilter.name),
            )
        )
    if config.word_repetition.enabled:
        section = config.word_repetition
        filters.append(
            WordRepetitionFilter(
                section.ngram,
                section.max_ratio,
                section.spaceless_ngram,
                exclusion_writer=factory(WordRepetitionFilter.name),
            )
        )
    if config.lid.enabled:
        section = config.lid
        filters.append(
            LanguageIdFilter(
                section.model,
                threshold=section.threshold,
                unknown_labels=section.unknown_labels,
                macrolanguage_match=section.macrolanguage_match,
                max_chars=section.max_chars,
                exclusion_writer=factory(LanguageIdFilter.name),
                batch_size=section.batch_size,
            )
        )
    if config.decontamination.enabled:
        section = config.decontamination
        filters.append(
            DecontaminationFilter(
                section.task_dirs,
                section.ngram,
                section.spaceless_ngram,
                cache_dir=section.cache_dir,
                exclusion_writer=factory(DecontaminationFilter.name),
            )
        )
    return filters
