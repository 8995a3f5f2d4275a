"""Pseudo-perplexity (Salazar et al., 2020), normalised per character.

Every token is masked in turn (many masked copies per forward pass) and ``log P(token | rest)`` summed over
the sentence: the pseudo-log-likelihood (PLL). Per-token perplexity is not comparable across models whose
vocabularies cut text differently (an extended vocabulary makes fewer, harder tokens), so the sum over a
language is divided by its number of characters: ``ppl_per_char = exp(-sum PLL / sum chars)``. Characters,
not words, because words are undefined for scripts without spaces (Han, Thai, Japanese ...). Characters are
those of the text the tokens cover (a sentence cut at the model's length limit counts only its covered part).

A tokenizer that does not know a script turns a whole unseen word into one ``<unk>``, which is easy to predict:
its pseudo-perplexity looks *better* for knowing less. Each language therefore also gets ``unk_char_share``,
the share of its characters covered by ``<unk>``; compare ``ppl_per_char`` only where that share is ~0.
"""

from __future__ import annotations

import math
from pathlib import Path

from glot500.core.results import ResultRow
from glot500.evaluate.base import RowMaker, TaskData, load_languages, score_each_language
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import ENGLISH, LanguageDataError, read_lines
from glot500.evaluate.encoder import Encoder, SentenceLikelihood


def ppl_per_char(likelihoods: list[SentenceLikelihood]) -> float:
    """``exp(-sum log P / sum characters)`` over sentences."""
    chars = sum(item.chars for item in likelihoods)
    if chars == 0:
        raise LanguageDataError("no characters to score")
    return math.exp(-sum(item.log_prob for item in likelihoods) / chars)


class PseudoPerplexityTask:
    task_type = "pseudo_perplexity"
    metrics = ("ppl_per_char", "unk_char_share")
    higher_is_better = False

    def __init__(self, config: EvalConfig | None = None) -> None:
        self.config = config or EvalConfig()

    def load(self, folder: Path) -> TaskData:
        """``<lang>/<lang>.txt`` per language (the target side of a retrieval folder works too)."""

        def read(lang_dir: Path, lang: str) -> list[str]:
            lines = [line.strip() for line in read_lines(lang_dir / f"{lang}.txt") if line.strip()]
            return lines[: self.config.ppl_max_sentences]

        return load_languages(Path(folder), read, skip=(ENGLISH,))

    def score(self, encoder: Encoder, data: TaskData) -> list[ResultRow]:
        rows = RowMaker(self, encoder.name, data)

        def score_one(lang: str, sentences: list[str]) -> list[ResultRow]:
            likelihoods = encoder.pseudo_log_likelihoods(sentences, self.config.ppl_batch_size)
            chars = sum(item.chars for item in likelihoods)
            unk_share = sum(item.unk_chars for item in likelihoods) / chars if chars else 0.0
            return [
                rows.value(lang, "ppl_per_char", ppl_per_char(likelihoods), len(sentences)),
                rows.value(lang, "unk_char_share", unk_share, len(sentences)),
            ]

        return score_each_language(self, encoder, data, self.config, score_one)
