"""SentencePiece training and conversion into a Hugging Face (XLM-R style) tokenizer folder.

Id conventions: our SentencePiece models use ``unk=0, bos=1, eos=2`` and no pad piece, exactly like XLM-R's
``sentencepiece.bpe.model`` (transformers 5 needs them). The HF tokenizer applies fairseq's offset:
``<s>=0, <pad>=1, </s>=2, <unk>=3``, SentencePiece id ``k >= 3`` becomes ``k + 1``, and ``<mask>`` is last.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.languages.scripts import SPIECE_UNDERLINE
from glot500.vocab.files import SPM_FILE_NAME

__all__ = ["SPM_FILE_NAME", "RareCharacters", "load_spm_proto", "rare_characters", "spm_to_hf_tokenizer", "train_spm"]

logger = logging.getLogger(__name__)

# SentencePiece's default normalisation; the trainer is given it by name so that rare_characters, which must
# count characters exactly as the trainer does, cannot drift from it.
NORMALIZATION = "nmt_nfkc"


@dataclass(frozen=True)
class RareCharacters:
    """Characters of a training file seen fewer than ``min_count`` times, and the coverage that leaves them out."""

    min_count: int
    characters: int  # distinct characters left out
    occurrences: int  # their occurrences in the file
    total: int  # all character occurrences SentencePiece counts (normalised, spaces as ▁)
    coverage: float  # the character_coverage that keeps exactly the other characters (1.0: none left out)

    def to_json(self) -> dict[str, Any]:
        return {"min_count": self.min_count, "characters_left_out": self.characters,
                "occurrences_left_out": self.occurrences, "characters_counted": self.total,
                "character_coverage": self.coverage}  # fmt: skip


def rare_characters(sample_file: Path, min_count: int) -> RareCharacters:
    """Count characters as SentencePiece's trainer does and find the ``character_coverage`` leaving out the rare.

    The trainer keeps characters from the most frequent down while the occurrences kept so far are below
    ``coverage`` of all; the threshold is set halfway into the last kept character's count, so float
    rounding cannot let one more in or keep one out.
    """
    import sentencepiece as spm

    normalizer = spm.SentencePieceNormalizer(rule_name=NORMALIZATION)
    counts: Counter[str] = Counter()
    with open(sample_file, encoding="utf-8") as handle:
        for line in handle:
            counts.update(normalizer.normalize(line.rstrip("\n")).replace(" ", SPIECE_UNDERLINE))  # ▁ counts too
    total = sum(counts.values())
    kept = [count for count in counts.values() if count >= min_count]
    left_out = len(counts) - len(kept)
    if not kept:  # every character is rare: no coverage keeps none, the caller says so
        return RareCharacters(min_count, left_out, total, total, 1.0)
    if not left_out:
        return RareCharacters(min_count, 0, 0, total, 1.0)
    kept_total = sum(kept)
    coverage = (kept_total - min(kept) / 2) / total
    return RareCharacters(min_count, left_out, total - kept_total, total, coverage)


def train_spm(
    texts: Iterable[str] | str | Path,
    out_prefix: str | Path,
    vocab_size: int,
    model_type: str = "unigram",
    character_coverage: float = 1.0,
    byte_fallback: bool = False,
    num_threads: int = 2,
    input_sentence_size: int = 0,
    seed_sentencepiece_size: int = 1_000_000,
    hard_vocab_limit: bool = False,
) -> Path:
    """Train a SentencePiece model with XLM-R's special-id layout; returns ``<out_prefix>.model``.

    Args:
        texts: chunks, or the path of a one-chunk-per-line file.
        hard_vocab_limit: ``False`` lets a tiny corpus yield fewer pieces than ``vocab_size`` (else an error).
    """
    import sentencepiece as spm

    out_prefix = Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if isinstance(texts, str | Path):
            input_path = Path(texts)
        else:
            input_path = Path(tmp) / "input.txt"
            with open(input_path, "w", encoding="utf-8") as handle:
                for text in texts:
                    handle.write(text.replace("\n", " ") + "\n")
        spm.SentencePieceTrainer.train(
            input=str(input_path),
            model_prefix=str(out_prefix),
            vocab_size=vocab_size,
            model_type=model_type,
            normalization_rule_name=NORMALIZATION,
            character_coverage=character_coverage,
            byte_fallback=byte_fallback,
            num_threads=num_threads,
            input_sentence_size=input_sentence_size,
            shuffle_input_sentence=True,
            seed_sentencepiece_size=seed_sentencepiece_size,
            hard_vocab_limit=hard_vocab_limit,
            unk_id=0,
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            minloglevel=2,
        )
    return out_prefix.with_suffix(".model")


def spm_to_hf_tokenizer(spm_model: str | Path, out_dir: str | Path, model_max_length: int = 512) -> Path:
    """Write an HF tokenizer folder (``AutoTokenizer``-loadable, fast) from a SentencePiece model.

    The folder normalises like the model itself, losing no character: NFC before ``Precompiled`` and a
    tokenizer class that keeps ``tokenizer.json`` as written (see :mod:`glot500.vocab.fidelity`).
    """
    from transformers import XLMRobertaTokenizer

    from glot500.vocab.fidelity import make_lossless

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(spm_model, Path(tmp) / SPM_FILE_NAME)
        tokenizer = XLMRobertaTokenizer.from_pretrained(tmp, model_max_length=model_max_length)
    tokenizer.save_pretrained(out_dir)
    shutil.copy(spm_model, out_dir / SPM_FILE_NAME)
    make_lossless(out_dir)
    return out_dir


def load_spm_proto(path: str | Path) -> Any:
    """Parse a SentencePiece model file into a ``ModelProto``; a clear ``InputError`` if it is not one."""
    from google.protobuf.message import DecodeError
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    path = Path(path)
    if not path.is_file():
        raise InputError(f"SentencePiece model not found: {path}")
    proto = model_pb2.ModelProto()
    try:
        proto.ParseFromString(path.read_bytes())
    except (DecodeError, RuntimeError, ValueError) as err:
        raise InputError(f"{path} is not a SentencePiece model (protobuf parse failed: {err})") from None
    if len(proto.pieces) == 0 or not proto.HasField("trainer_spec"):
        raise InputError(f"{path} is not a SentencePiece model (no pieces or trainer spec)")
    return proto
