"""``vocab extend``: merge new pieces into a base tokenizer of any supported family.

:func:`merge` reads the base's family (:mod:`glot500.vocab.family`). Bases with a ``tokenizer.json`` (BPE with
byte fallback, byte-level BPE, unigram without its ``.model``) are merged there (:mod:`glot500.vocab.extend`).
A unigram base with its SentencePiece model is merged at the protobuf level (Glot500), as described below.

Every piece of the added model that the base lacks is appended, with its own score, after the base pieces:
each base piece keeps its SentencePiece id, hence its HF id. Control/unknown/byte pieces of the added model
(``<s>``, ``</s>``, ``<unk>``, ``<0x00>`` ...) are not appended. The normaliser and trainer settings of the
base are kept, so the merged model normalises text exactly as the base did.

``<mask>``: XLM-R's HF tokenizer is fairseq-offset SentencePiece (``<s>=0 <pad>=1 </s>=2 <unk>=3``, piece
``k -> k+1``) with ``<mask>`` added *after* the last piece. After a merge ``<mask>`` therefore moves to the
new end (``len(merged spm) + 1``); all other ids are unchanged. ``glot500 model extend`` copies embedding
rows by token string, so the ``<mask>`` row follows it.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.core.manifest import hash_file, write_manifest
from glot500.vocab.spm import SPM_FILE_NAME, load_spm_proto, spm_to_hf_tokenizer

logger = logging.getLogger(__name__)

MERGE_SCHEMA_VERSION = 1
DEFAULT_MAX_VOCAB_SIZE = 1_000_000  # HF ids; Glot500 itself has 401K. An embedding row is hidden_size floats.
HF_EXTRA_TOKENS = 2  # <pad> (fairseq) and <mask> (appended) are not SentencePiece pieces


@dataclass(frozen=True)
class MergeCounts:
    """What a merge did, written into the manifest."""

    base_pieces: int
    added_model_pieces: int
    appended: int
    already_in_base: int
    skipped_special: int
    merged_pieces: int
    hf_vocab_size: int
    mask_id_before: int
    mask_id_after: int


def require_unigram(proto: Any, path: str | Path) -> None:
    """Only unigram models can be merged by appending scored pieces; BPE merges depend on piece order."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    model_type = proto.trainer_spec.model_type
    if model_type != model_pb2.TrainerSpec.UNIGRAM:
        name = model_pb2.TrainerSpec.ModelType.Name(model_type)
        raise InputError(
            f"{path} is a SentencePiece {name} model; merging needs unigram models (XLM-R's sentencepiece.bpe.model "
            "is unigram despite its name). Retrain with model_type=unigram (glot500 vocab train)."
        )


def resolve_base_spm(base: str | Path) -> Path:
    """The SentencePiece file behind ``base``: a ``.model`` file, an HF folder, or a hub name (online).

    Raises:
        InputError: nothing usable found.
    """
    path = Path(base).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        candidates = [path / SPM_FILE_NAME] if (path / SPM_FILE_NAME).is_file() else sorted(path.glob("*.model"))
        if len(candidates) == 1:
            return candidates[0]
        found = ", ".join(c.name for c in candidates) or "none"
        raise InputError(
            f"{path}: expected one SentencePiece model ({SPM_FILE_NAME}) in the tokenizer folder, found {found}; "
            "pass the .model file itself"
        )
    if str(base).startswith((".", "/", "~")) or str(base).count("/") > 1:
        raise InputError(f"base tokenizer not found: {base}")
    return _download_from_hub(str(base))


def _download_from_hub(name: str) -> Path:
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(name, SPM_FILE_NAME))
    except Exception as err:  # offline, unknown repo, no such file: all mean "cannot use this base"
        raise InputError(
            f"cannot fetch {SPM_FILE_NAME} of {name!r} from the Hugging Face hub ({type(err).__name__}); "
            "pass a local tokenizer folder or .model file"
        ) from None


def merge_protos(base: Any, added: Any) -> tuple[Any, MergeCounts]:
    """A new ``ModelProto``: ``base`` plus the normal/user-defined pieces of ``added`` it lacks (scores kept)."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    appendable = {model_pb2.ModelProto.SentencePiece.NORMAL, model_pb2.ModelProto.SentencePiece.USER_DEFINED}
    merged = model_pb2.ModelProto()
    merged.CopyFrom(base)
    known = {piece.piece for piece in base.pieces}
    appended = already = special = 0
    for piece in added.pieces:
        if piece.type not in appendable:
            special += 1
        elif piece.piece in known:
            already += 1
        else:
            new_piece = merged.pieces.add()
            new_piece.piece, new_piece.score, new_piece.type = piece.piece, piece.score, piece.type
            known.add(piece.piece)
            appended += 1
    # The merged vocabulary is larger than the base was trained for; keep the spec truthful for tools reading it.
    merged.trainer_spec.vocab_size = len(merged.pieces)
    counts = MergeCounts(
        base_pieces=len(base.pieces),
        added_model_pieces=len(added.pieces),
        appended=appended,
        already_in_base=already,
        skipped_special=special,
        merged_pieces=len(merged.pieces),
        hf_vocab_size=len(merged.pieces) + HF_EXTRA_TOKENS,
        mask_id_before=len(base.pieces) + 1,
        mask_id_after=len(merged.pieces) + 1,
    )
    return merged, counts


def merge(
    base: str | Path,
    added: str | Path,
    out_dir: str | Path,
    max_vocab_size: int = DEFAULT_MAX_VOCAB_SIZE,
    model_max_length: int = 512,
    max_new_tokens: int | None = None,
    pad_to_multiple_of: int | None = None,
) -> Path:
    """Append the new pieces of ``added`` to the base tokenizer; write an HF tokenizer folder, return its path.

    The base's family decides how (:mod:`glot500.vocab.family`): a unigram base with its SentencePiece model
    is merged at the protobuf level (below); any base with a ``tokenizer.json`` (BPE with byte fallback,
    byte-level BPE, or unigram without a ``.model``, e.g. a training run's ``final/`` folder) is merged in
    ``tokenizer.json`` (:mod:`glot500.vocab.extend`), keeping every base id and special token.

    Args:
        base: HF tokenizer folder, a ``.model`` file, or a hub name (online; SentencePiece unigram only).
        added: the new pieces: a ``vocab train`` folder (trained ``--like`` the base), ``tokenizer.json`` or ``.model``.
        max_vocab_size: refuse merged HF vocabularies larger than this (embedding memory; id ranges).
        max_new_tokens: append at most this many new tokens (the added model's most frequent first).
        pad_to_multiple_of: fill the vocabulary with reserved special tokens up to a multiple of N.

    Returns:
        ``out_dir``, holding the HF tokenizer files (and, for the protobuf path, the merged
        ``sentencepiece.bpe.model``) and ``manifest.json``.

    Raises:
        InputError: a file that is not a tokenizer, a family that cannot be extended, families that differ,
            or a vocabulary overflow.
    """
    from glot500.vocab.extend import extend_tokenizer_json
    from glot500.vocab.family import detect_tokenizer

    local = Path(base).expanduser()
    if local.exists():
        detected = detect_tokenizer(local)
        protobuf = detected.spm_model is not None and not (max_new_tokens or pad_to_multiple_of)
        if not protobuf:
            return extend_tokenizer_json(detected, added, out_dir, max_vocab_size, max_new_tokens, pad_to_multiple_of)
    added = resolve_base_spm(added) if Path(added).is_dir() else added
    base_path, added_path = resolve_base_spm(base), Path(added)
    base_proto, added_proto = load_spm_proto(base_path), load_spm_proto(added_path)
    require_unigram(base_proto, base_path)
    require_unigram(added_proto, added_path)
    _warn_on_normalizer_mismatch(base_proto, added_proto)
    merged, counts = merge_protos(base_proto, added_proto)
    if counts.hf_vocab_size > max_vocab_size:
        raise InputError(
            f"merged vocabulary would have {counts.hf_vocab_size:,} tokens, over the limit of {max_vocab_size:,} "
            f"({counts.appended:,} new pieces from {added_path}); train a smaller added model or raise max_vocab_size"
        )
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        merged_file = Path(tmp) / SPM_FILE_NAME
        merged_file.write_bytes(merged.SerializeToString())
        spm_to_hf_tokenizer(merged_file, out_dir, model_max_length=model_max_length)
    logger.info(
        "merged %s + %s: %d base pieces, %d appended (%d already in base), HF vocab %d, <mask> %d -> %d",
        base_path, added_path, counts.base_pieces, counts.appended, counts.already_in_base,
        counts.hf_vocab_size, counts.mask_id_before, counts.mask_id_after,
    )  # fmt: skip
    write_manifest(
        out_dir,
        stage="vocab.extend",
        schema_version=MERGE_SCHEMA_VERSION,
        config={"base": str(base), "added": str(added_path), "max_vocab_size": max_vocab_size},
        inputs={"base_spm": {"path": str(base_path), "sha256": hash_file(base_path)},
                "added_spm": {"path": str(added_path), "sha256": hash_file(added_path)}},
        counts=asdict(counts),
    )  # fmt: skip
    return out_dir


def _warn_on_normalizer_mismatch(base: Any, added: Any) -> None:
    """Pieces of a model trained under another normaliser may never match normalised text: say so."""
    base_norm, added_norm = base.normalizer_spec.name, added.normalizer_spec.name
    if base_norm != added_norm:
        logger.warning(
            "normalisers differ (base %s, added %s): the merged model normalises like the base, so some added "
            "pieces may never be used",
            base_norm,
            added_norm,
        )
