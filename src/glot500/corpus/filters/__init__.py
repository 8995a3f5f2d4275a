"""Per-chunk cleaning steps of the corpus stage, each a datatrove filter (docs/cleaning.md).

>>> filters = build_cleaning_filters(CleaningConfig(), exclusion_writer_factory=lambda step: None)
>>> [f.name for f in filters]
['script_consistency', 'length', 'special_characters', 'character_repetition', 'word_repetition']

Documents follow the corpus conventions: ``doc.text``, ``doc.id``, ``doc.metadata["lang"]`` (``deu_Latn``),
``doc.metadata["source"]``. A filter returns ``True`` to keep a chunk or ``(False, reason)`` to drop it;
datatrove stores the reason in ``doc.metadata["filter_reason"]`` of the dropped chunk.
"""

from glot500.corpus.filters.base import ChunkFilter
from glot500.corpus.filters.build import STEP_NAMES, build_cleaning_filters
from glot500.corpus.filters.config import (
    CharacterRepetitionConfig,
    CleaningConfig,
    DecontaminationConfig,
    LanguageIdConfig,
    LengthConfig,
    ScriptConsistencyConfig,
    SpecialCharactersConfig,
    WordRepetitionConfig,
)
from glot500.corpus.filters.decontamination import DecontaminationFilter, EvalNgramIndex
from glot500.corpus.filters.lid import LanguageIdFilter, train_lid_from_corpus
from glot500.corpus.filters.quality import (
    CharacterRepetitionFilter,
    LengthFilter,
    SpecialCharactersFilter,
    WordRepetitionFilter,
)
from glot500.corpus.filters.script import ScriptConsistencyFilter

__all__ = [
    "STEP_NAMES",
    "CharacterRepetitionConfig",
    "CharacterRepetitionFilter",
    "ChunkFilter",
    "CleaningConfig",
    "DecontaminationConfig",
    "DecontaminationFilter",
    "EvalNgramIndex",
    "LanguageIdConfig",
    "LanguageIdFilter",
    "LengthConfig",
    "LengthFilter",
    "ScriptConsistencyConfig",
    "ScriptConsistencyFilter",
    "SpecialCharactersConfig",
    "SpecialCharactersFilter",
    "WordRepetitionConfig",
    "WordRepetitionFilter",
    "build_cleaning_filters",
    "train_lid_from_corpus",
]
