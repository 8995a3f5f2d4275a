"""``vocab extend`` for a base read from ``tokenizer.json``: merge, write the folder, prove it loads the same.

The output folder holds the merged ``tokenizer.json``, the base's ``tokenizer_config.json`` (chat template,
special tokens, ``model_max_length`` kept) and its other tokenizer files, and ``manifest.json``. If
``AutoTokenizer`` would not load the written ``tokenizer.json`` verbatim (transformers 5 rebuilds the
normaliser or pre-tokeniser of some named classes, e.g. ``LlamaTokenizer`` changes text with a leading
space), ``tokenizer_class`` becomes the generic ``TokenizersBackend`` and the manifest says so.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.core.io import write_json_atomic
from glot500.core.manifest import hash_file, write_manifest
from glot500.vocab.family import DetectedTokenizer, detect_tokenizer
from glot500.vocab.files import TOKENIZER_CONFIG, TOKENIZER_JSON, read_json_file
from glot500.vocab.merge_json import RESERVED_TOKEN, JsonMergeCounts, merge_tokenizer_json

logger = logging.getLogger(__name__)

EXTEND_SCHEMA_VERSION = 1
# Tokenizer files of the base that travel with the merged tokenizer.json (never weights or other files).
COPIED_FILES = ("special_tokens_map.json", "chat_template.jinja", "chat_template.json", "generation_config.json")
GENERIC_TOKENIZER_CLASS = "TokenizersBackend"
PROBE_TEXTS = ("Hello world", " leading space", "two  spaces\nand a line", "ẹ̀ṣọ́ į̀ a\u0303\u0301 😀 ﬁ 한국어 क़िताब")


def added_tokenizer_json(added: str | Path) -> tuple[dict[str, Any], Path]:
    """The ``tokenizer.json`` of the new pieces: a ``vocab train`` folder, a ``tokenizer.json``, or a ``.model``."""
    found = detect_tokenizer(added)
    if found.tokenizer_json is not None:
        return read_json_file(found.tokenizer_json), found.tokenizer_json
    from glot500.vocab.spm import spm_to_hf_tokenizer

    if found.spm_model is None:
        raise InputError(f"{added}: no tokenizer.json and no SentencePiece model")
    with tempfile.TemporaryDirectory() as tmp:
        folder = spm_to_hf_tokenizer(found.spm_model, Path(tmp) / "added")
        return read_json_file(folder / TOKENIZER_JSON), found.spm_model


def extend_tokenizer_json(
    base: DetectedTokenizer, added: str | Path, out_dir: str | Path, max_vocab_size: int,
    max_new_tokens: int | None = None, pad_to_multiple_of: int | None = None,
) -> Path:  # fmt: skip
    """Merge the new pieces of ``added`` into ``base`` (read from its ``tokenizer.json``); write an HF folder.

    Raises:
        InputError: the added tokenizer is of another family, or the merged vocabulary exceeds ``max_vocab_size``.
    """
    if base.tokenizer_json is None:
        raise InputError(f"{base.folder}: no {TOKENIZER_JSON} to merge into")
    started = time.perf_counter()
    base_json = read_json_file(base.tokenizer_json)
    added_json, added_path = added_tokenizer_json(added)
    added_family = detect_tokenizer(added_path).family
    if added_family is not base.family:
        raise InputError(f"{added_path} is a {added_family} tokenizer but the base {base.folder} is {base.family}: "
                         f"train the new pieces with `glot500 vocab train --like {base.folder}`")  # fmt: skip
    merged, counts = merge_tokenizer_json(base_json, added_json, base.family, max_new_tokens, pad_to_multiple_of)
    if counts.vocab_size > max_vocab_size:
        raise InputError(
            f"merged vocabulary would have {counts.vocab_size:,} tokens, over the limit of {max_vocab_size:,} "
            f"({counts.appended:,} new from {added_path}); pass max_new_tokens or raise max_vocab_size"
        )
    out_dir = Path(out_dir)
    write_json_atomic(out_dir / TOKENIZER_JSON, merged)
    _copy_tokenizer_files(base.folder, out_dir, counts)
    merged_at = time.perf_counter()
    class_change = keep_tokenizer_json_verbatim(out_dir)
    logger.info("merged %s + %s (%s): %d base tokens, %d appended (%d already in base, %d orphans dropped), "
                "vocabulary %d, %.1fs", base.folder, added_path, base.family, counts.base_tokens, counts.appended,
                counts.already_in_base, counts.orphans_dropped, counts.vocab_size, merged_at - started)  # fmt: skip
    write_manifest(
        out_dir, stage="vocab.extend", schema_version=EXTEND_SCHEMA_VERSION,
        config={"base": str(base.folder), "added": str(added), "max_vocab_size": max_vocab_size,
                "max_new_tokens": max_new_tokens, "pad_to_multiple_of": pad_to_multiple_of},
        inputs={"base_tokenizer_json": {"path": str(base.tokenizer_json), "sha256": hash_file(base.tokenizer_json)},
                "added": {"path": str(added_path), "sha256": hash_file(added_path)}},
        counts=asdict(counts), family=str(base.family), tokenizer_class_change=class_change,
        seconds={"merge": round(merged_at - started, 2)},
    )  # fmt: skip
    return out_dir


def _copy_tokenizer_files(base_folder: Path, out_dir: Path, counts: JsonMergeCounts) -> None:
    """The base's tokenizer_config.json (reserved padding tokens added to its decoder table) and companions."""
    for name in COPIED_FILES:
        if (base_folder / name).is_file():
            shutil.copy(base_folder / name, out_dir / name)
    config = read_json_file(base_folder / TOKENIZER_CONFIG) if (base_folder / TOKENIZER_CONFIG).is_file() else {}
    table = config.get("added_tokens_decoder")
    if isinstance(table, dict):
        first = counts.vocab_size - counts.padding_tokens
        for index in range(counts.padding_tokens):
            table[str(first + index)] = {"content": RESERVED_TOKEN.format(index), "lstrip": False,
                                         "normalized": False, "rstrip": False, "single_word": False, "special": True}  # fmt: skip
    config.setdefault("tokenizer_class", GENERIC_TOKENIZER_CLASS)
    write_json_atomic(out_dir / TOKENIZER_CONFIG, config, indent=2)


def keep_tokenizer_json_verbatim(folder: Path) -> str | None:
    """Make ``AutoTokenizer`` on ``folder`` give exactly the ids of its ``tokenizer.json``; the change, if any.

    Probed on a few texts (leading and double spaces, stacked marks, emoji, a ligature, Hangul, Devanagari).
    """
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    raw = Tokenizer.from_file(str(folder / TOKENIZER_JSON))
    loaded = AutoTokenizer.from_pretrained(str(folder))
    expected = [encoding.ids for encoding in raw.encode_batch(list(PROBE_TEXTS), add_special_tokens=False)]
    if loaded(list(PROBE_TEXTS), add_special_tokens=False)["input_ids"] == expected:
        return None
    config = read_json_file(folder / TOKENIZER_CONFIG)
    change = f"tokenizer_class {config.get('tokenizer_class')} -> {GENERIC_TOKENIZER_CLASS} (it rebuilt tokenizer.json)"
    config["tokenizer_class"] = GENERIC_TOKENIZER_CLASS
    write_json_atomic(folder / TOKENIZER_CONFIG, config, indent=2)
    logger.warning("%s: %s", folder, change)
    return change
