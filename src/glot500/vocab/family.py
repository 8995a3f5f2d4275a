"""Which kind of tokenizer a base is: SentencePiece unigram, BPE with byte fallback, or byte-level BPE.

Detection reads the folder, never the model name:

* ``tokenizer.json`` with a ``Unigram`` model -> ``unigram`` (XLM-R, mT5, our own ``vocab train`` output);
* ``tokenizer.json`` with a ``BPE`` model and a ``ByteLevel`` pre-tokeniser -> ``byte-level-bpe`` (Llama 3,
  Qwen, GPT-2, DeepSeek);
* ``tokenizer.json`` with a ``BPE`` model and ``byte_fallback: true`` -> ``bpe-byte-fallback`` (Llama 2,
  Gemma, mmBERT: SentencePiece BPE converted to ``tokenizer.json``);
* no ``tokenizer.json`` but a SentencePiece ``.model`` of type unigram -> ``unigram``.

Anything else (WordPiece, WordLevel, a BPE that maps unknown characters to ``<unk>``) is one
:class:`~glot500.core.errors.InputError` naming the folder and the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.vocab.files import SPM_FILE_NAME, TOKENIZER_JSON, read_json_file

SUPPORTED = "SentencePiece unigram, BPE with byte fallback, byte-level BPE"


class TokenizerFamily(StrEnum):
    """The tokenizer families ``vocab train`` and ``vocab extend`` work in."""

    UNIGRAM = "unigram"
    BPE_BYTE_FALLBACK = "bpe-byte-fallback"
    BYTE_LEVEL_BPE = "byte-level-bpe"

    @property
    def is_bpe(self) -> bool:
        return self is not TokenizerFamily.UNIGRAM


@dataclass(frozen=True)
class DetectedTokenizer:
    """A base tokenizer found on disk: its family and the files it was read from."""

    family: TokenizerFamily
    folder: Path
    tokenizer_json: Path | None = None
    spm_model: Path | None = None


def family_of_tokenizer_json(data: dict[str, Any], where: str | Path) -> TokenizerFamily:
    """The family of a parsed ``tokenizer.json``.

    Raises:
        InputError: a model type that cannot be extended, naming ``where`` and the type.
    """
    model = data.get("model")
    model_type = model.get("type") if isinstance(model, dict) else None
    if model_type == "Unigram":
        return TokenizerFamily.UNIGRAM
    if model_type == "BPE":
        if _has_byte_level(data.get("pre_tokenizer")):
            return TokenizerFamily.BYTE_LEVEL_BPE
        if model.get("byte_fallback"):
            return TokenizerFamily.BPE_BYTE_FALLBACK
        raise InputError(
            f"{where}: a BPE tokenizer without byte fallback or byte-level pre-tokeniser (characters outside its "
            f"vocabulary become <unk>) cannot be extended; supported: {SUPPORTED}"
        )
    raise InputError(
        f"{where}: tokenizer model type {model_type or 'unknown'} cannot be extended; supported: {SUPPORTED}"
    )


def _has_byte_level(pre_tokenizer: Any) -> bool:
    """Whether a pre-tokeniser (or one step of a ``Sequence``) is ``ByteLevel``."""
    if not isinstance(pre_tokenizer, dict):
        return False
    if pre_tokenizer.get("type") == "ByteLevel":
        return True
    return any(_has_byte_level(step) for step in pre_tokenizer.get("pretokenizers", []) or [])


def detect_tokenizer(path: str | Path) -> DetectedTokenizer:
    """Find the tokenizer at ``path`` (a folder, a ``tokenizer.json`` or a SentencePiece ``.model``) and its family.

    A folder with both a ``tokenizer.json`` and a SentencePiece model is read from ``tokenizer.json``; the
    SentencePiece model is kept beside it (the unigram merge and the bulk shard path use it).

    Raises:
        InputError: nothing usable at ``path``, or a family that cannot be extended.
    """
    path = Path(path).expanduser()
    if path.is_file():
        if path.suffix == ".json":
            family = family_of_tokenizer_json(read_json_file(path), path)
            return DetectedTokenizer(family, path.parent, tokenizer_json=path)
        return DetectedTokenizer(_spm_family(path), path.parent, spm_model=path)
    if not path.is_dir():
        raise InputError(f"tokenizer not found: {path}")
    spm_model = _spm_model_in(path)
    if (path / TOKENIZER_JSON).is_file():
        family = family_of_tokenizer_json(read_json_file(path / TOKENIZER_JSON), path / TOKENIZER_JSON)
        keep_spm = spm_model if family is TokenizerFamily.UNIGRAM else None
        return DetectedTokenizer(family, path, tokenizer_json=path / TOKENIZER_JSON, spm_model=keep_spm)
    if spm_model is not None:
        return DetectedTokenizer(_spm_family(spm_model), path, spm_model=spm_model)
    raise InputError(f"{path}: no {TOKENIZER_JSON} and no SentencePiece .model (not a tokenizer folder)")


def _spm_model_in(folder: Path) -> Path | None:
    if (folder / SPM_FILE_NAME).is_file():
        return folder / SPM_FILE_NAME
    models = sorted(folder.glob("*.model"))
    return models[0] if len(models) == 1 else None


def _spm_family(model_file: Path) -> TokenizerFamily:
    """SentencePiece models are extended as unigram only (BPE ones: pass their ``tokenizer.json`` folder)."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    from glot500.vocab.spm import load_spm_proto

    proto = load_spm_proto(model_file)
    if proto.trainer_spec.model_type == model_pb2.TrainerSpec.UNIGRAM:
        return TokenizerFamily.UNIGRAM
    name = model_pb2.TrainerSpec.ModelType.Name(proto.trainer_spec.model_type)
    raise InputError(
        f"{model_file}: a SentencePiece {name} model; pass the HF folder with its tokenizer.json instead "
        f"(supported: {SUPPORTED})"
    )
