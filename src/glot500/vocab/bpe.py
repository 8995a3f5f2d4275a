"""Train BPE pieces in a base tokenizer's family, with its normaliser and pre-tokeniser (HF ``tokenizers``).

``vocab train --like BASE`` learns merges on the extension corpus exactly as the base tokenizer will see the
text: the trainer runs the base's own normaliser and pre-tokeniser, so every piece it learns is a piece the
merged tokenizer can produce. Per family:

* ``byte-level-bpe`` (Llama 3, Qwen): the initial alphabet is the 256 byte symbols
  (``pre_tokenizers.ByteLevel.alphabet()``), as the base's, so no character is ever unknown;
* ``bpe-byte-fallback`` (Llama 2, Gemma): characters are the alphabet, bytes ``<0x00>``..``<0xFF>`` the
  fallback. A base without a pre-tokeniser (Llama 2 puts ``▁`` in with its normaliser) is trained with
  SentencePiece's own boundaries (:func:`sentencepiece_like_split`): no merge crosses a word start, joins
  letters with punctuation, or joins digits.

Without a base (``--family``) the tokenizer is a standalone one of that family, lossless like Llama 2 and GPT-2
(no normaliser; the family's usual pre-tokeniser and decoder), with ``<unk> <s> </s>`` (and the 256 byte tokens for byte fallback) first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.vocab.family import TokenizerFamily

logger = logging.getLogger(__name__)

STANDALONE_SPECIALS = ("<unk>", "<s>", "</s>")
BYTE_TOKENS = tuple(f"<0x{value:02X}>" for value in range(256))
WORD_START = "\u2581"  # SentencePiece's ▁


def trainer_tokenizer(family: TokenizerFamily, base_json: dict[str, Any] | None) -> Any:
    """An untrained ``tokenizers.Tokenizer`` with the base's (or the family's) normaliser, pre-tokeniser, decoder."""
    from tokenizers import Tokenizer, models

    if family is TokenizerFamily.UNIGRAM:
        raise ValueError("unigram pieces are trained with SentencePiece (glot500.vocab.spm.train_spm)")
    byte_fallback = family is TokenizerFamily.BPE_BYTE_FALLBACK
    tokenizer = Tokenizer(models.BPE(byte_fallback=byte_fallback, unk_token="<unk>" if byte_fallback else None))
    if base_json is None:
        _standalone_pipeline(tokenizer, family)
        return tokenizer
    base = Tokenizer.from_str(json.dumps({**base_json, "added_tokens": []}))
    for part in ("normalizer", "pre_tokenizer", "decoder"):
        if getattr(base, part) is not None:
            setattr(tokenizer, part, getattr(base, part))
    if byte_fallback and tokenizer.pre_tokenizer is None:
        tokenizer.pre_tokenizer = sentencepiece_like_split()
    return tokenizer


def sentencepiece_like_split() -> Any:
    """Word starts (``▁``), runs of punctuation/symbols and single digits apart, as SentencePiece's trainer does.

    SentencePiece never learns a piece across a word start, across letters and punctuation (its per-script
    split), or over two digits (Llama 2's ``split_digits``); a pre-tokeniser-free base relied on that, and
    pieces such as ``us,`` would re-segment its head-language text for no gain.
    """
    from tokenizers import Regex
    from tokenizers.pre_tokenizers import Sequence, Split

    return Sequence([Split(WORD_START, behavior="merged_with_next"),
                     Split(Regex(rf"\p{{N}}|[^\p{{L}}\p{{M}}\p{{N}}{WORD_START}]+"), behavior="isolated")])  # fmt: skip


def _standalone_pipeline(tokenizer: Any, family: TokenizerFamily) -> None:
    """GPT-2's byte-level pipeline, or Llama 2's ``▁`` scheme: no normaliser, so both are lossless on any text."""
    from tokenizers import Regex, decoders, normalizers, pre_tokenizers

    if family is TokenizerFamily.BYTE_LEVEL_BPE:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tokenizer.decoder = decoders.ByteLevel()
        return
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Prepend(WORD_START), normalizers.Replace(Regex(" "), WORD_START)]
    )
    tokenizer.pre_tokenizer = sentencepiece_like_split()
    tokenizer.decoder = decoders.Sequence([decoders.Replace(WORD_START, " "), decoders.ByteFallback(), decoders.Fuse(),
                                           decoders.Strip(" ", 1, 0)])  # fmt: skip


def train_bpe(
    texts: Iterator[str],
    family: TokenizerFamily,
    vocab_size: int,
    base_json: dict[str, Any] | None = None,
    min_frequency: int = 2,
    length: int | None = None,
) -> Any:
    """Learn ``vocab_size`` tokens (alphabet + merges) on ``texts``; returns the trained ``tokenizers.Tokenizer``.

    Args:
        base_json: the base's parsed ``tokenizer.json`` (train like it), or ``None`` (a standalone tokenizer).
        min_frequency: a pair seen fewer times is never merged (keeps one-off typos out of the vocabulary).
    """
    from tokenizers import trainers
    from tokenizers.pre_tokenizers import ByteLevel

    tokenizer = trainer_tokenizer(family, base_json)
    alphabet = ByteLevel.alphabet() if family is TokenizerFamily.BYTE_LEVEL_BPE else []
    byte_fallback = family is TokenizerFamily.BPE_BYTE_FALLBACK
    specials = list(STANDALONE_SPECIALS) if base_json is None else (["<unk>"] if byte_fallback else [])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  initial_alphabet=alphabet, special_tokens=specials)  # fmt: skip
    tokenizer.train_from_iterator(texts, trainer, length=length)
    if tokenizer.get_vocab_size() <= len(specials) + len(alphabet):
        raise InputError("BPE training learnt no merge: the sample is too small or too uniform")
    return _with_byte_tokens(tokenizer, specials) if byte_fallback else tokenizer


def _with_byte_tokens(tokenizer: Any, specials: list[str]) -> Any:
    """Put ``<0x00>``..``<0xFF>`` after the specials (SentencePiece's layout): the fallback needs them."""
    from tokenizers import Tokenizer

    data = json.loads(tokenizer.to_str())
    vocab: dict[str, int] = data["model"]["vocab"]
    learnt = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    order = list(specials) + list(BYTE_TOKENS)
    known = set(order)
    order += [token for token in learnt if token not in known]
    data["model"]["vocab"] = {token: index for index, token in enumerate(order)}
    for added in data.get("added_tokens", []):
        added["id"] = data["model"]["vocab"][added["content"]]
    return Tokenizer.from_str(json.dumps(data))


def save_bpe_folder(tokenizer: Any, out_dir: Path, base_folder: Path | None, model_max_length: int = 512) -> Path:
    """An HF tokenizer folder (``tokenizer.json`` + ``tokenizer_config.json``) loadable with ``AutoTokenizer``."""
    from transformers import PreTrainedTokenizerFast

    specials = {} if base_folder is not None else {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"}
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, model_max_length=model_max_length, **specials)
    wrapped.save_pretrained(str(out_dir))
    return out_dir
