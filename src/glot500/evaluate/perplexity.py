"""Pseudo-perplexity (Salazar et al., 2020), normalised per character, with characters under ``<unk>`` charged.

Every token is masked in turn (many masked copies per forward pass) and ``log P(token | rest)`` summed over
the sentence: the pseudo-log-likelihood (PLL). Per-token perplexity is not comparable across models whose
vocabularies cut text differently (an extended vocabulary makes fewer, harder tokens), so the sum over a
language is divided by its number of characters. Characters, not words, because words are undefined for
scripts without spaces (Han, Thai, Japanese ...). Characters are those of the text the tokens cover (a sentence
cut at the model's length limit counts only its covered part).

**The <unk> charge.** A tokenizer that does not know a script turns a whole unseen word into one ``<unk>``, which
is easy to predict: scored as is, pseudo-perplexity looks *better* for knowing less. So a ``<unk>`` token's own
log-probability is not counted; instead every character it covers is charged ``log V`` nats, where ``V`` is the
language's character inventory: the number of distinct characters in the text scored for that language. A model
that cannot represent a character can at best guess it uniformly among the characters the language uses, so
that is the cheapest honest price for it (and it is paid by any model whose tokenizer loses the character)::

    ppl_per_char     = exp(-(sum of log P over tokens other than <unk> - unk_chars * log V) / chars)
    ppl_per_char_raw = exp(-sum of log P over all tokens / chars)          # <unk> scored like any token

``ppl_per_char_raw`` is the uncharged figure, kept for comparison only (it rewards ``<unk>``); each language also
gets ``unk_char_share``, the share of its characters covered by ``<unk>``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

from glot500.core.results import ResultRow
from glot500.evaluate.base import RowMaker, TaskData, load_languages, score_each_language
from glot500.evaluate.config import EvalConfig
from glot500.evaluate.data import ENGLISH, LanguageDataError, read_lines
from glot500.evaluate.encoder import Encoder, SentenceLikelihood

logger = logging.getLogger(__name__)


def character_inventory(sentences: Sequence[str], likelihoods: Sequence[SentenceLikelihood]) -> int:
    """``V``: distinct characters in the scored text of a language (each sentence's part the tokens cover)."""
    return len(set().union(*(set(text[: item.chars]) for text, item in zip(sentences, likelihoods, strict=True))))


def unk_charge(inventory: int) -> float:
    """Nats charged per character under ``<unk>``: ``-log(1 / V)``, a uniform guess among the language's ``V``."""
    return math.log(max(inventory, 1))


def ppl_per_char(likelihoods: Sequence[SentenceLikelihood], unk_cost: float) -> float:
    """``exp(-(sum log P over non-<unk> tokens - unk_chars * unk_cost) / sum characters)`` over sentences."""
    chars = _chars(likelihoods)
    total = sum(item.log_prob - item.unk_log_prob - item.unk_chars * unk_cost for item in likelihoods)
    return math.exp(-total / chars)


def ppl_per_char_raw(likelihoods: Sequence[SentenceLikelihood]) -> float:
    """``exp(-sum log P / sum characters)``, ``<unk>`` scored like any token: rewards ``<unk>``, never a headline."""
    return math.exp(-sum(item.log_prob for item in likelihoods) / _chars(likelihoods))


def _chars(likelihoods: Sequence[SentenceLikelihood]) -> int:
    chars = sum(item.chars for item in likelihoods)
    if chars == 0:
        raise LanguageDataError("no characters to score")
    return chars


class PseudoPerplexityTask:
    task_type = "pseudo_perplexity"
    metrics = ("ppl_per_char", "ppl_per_char_raw", "unk_char_share")
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
        scored = self._score_all_at_once(encoder, data)

        def score_one(lang: str, sentences: list[str]) -> list[ResultRow]:
            likelihoods = scored.get(lang) or encoder.pseudo_log_likelihoods(sentences, self.config.ppl_batch_size)
            chars = _chars(likelihoods)
            cost = unk_charge(character_inventory(sentences, likelihoods))
            unk_share = sum(item.unk_chars for item in likelihoods) / chars
            return [
                rows.value(lang, "ppl_per_char", ppl_per_char(likelihoods, cost), len(sentences)),
                rows.value(lang, "ppl_per_char_raw", ppl_per_char_raw(likelihoods), len(sentences)),
                rows.value(lang, "unk_char_share", unk_share, len(sentences)),
            ]

        return score_each_language(self, encoder, data, self.config, score_one)

    def _score_all_at_once(self, encoder: Encoder, data: TaskData) -> dict[str, list[SentenceLikelihood]]:
        """Every language's sentences in one call: full batches across languages, one progress bar. Should that
        fail, each language is scored on its own (so one bad language becomes its own error row)."""
        langs = sorted(data.languages)
        flat = [sentence for lang in langs for sentence in data.languages[lang]]
        try:
            likelihoods = encoder.pseudo_log_likelihoods(flat, self.config.ppl_batch_size) if flat else []
        except Exception as error:  # one language may be the cause: retried one by one
            if self.config.fail_fast:
                raise
            logger.warning("%s: pseudo-perplexity over all languages failed (%s); per language", encoder.name, error)
            return {}
        out, start = {}, 0
        for lang in langs:
            out[lang] = likelihoods[start : start + len(data.languages[lang])]
            start += len(data.languages[lang])
        return out
