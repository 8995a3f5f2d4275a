"""Tokenize a corpus once into cached, memory-mapped token shards: one shard per (language, corpus file).

Layout under ``<cache_dir>/<tokenizer hash>/``::

    <label>/<file key>.u32     token ids (uint32), each document followed by </s>
    <label>/<file key>.json    done marker: source file, documents, tokens (written last, atomically)

``<file key>`` hashes the source path, size and modification time, so an edited file is tokenized again
and a new file adds a shard while the others are reused. A shard without its done marker is rebuilt,
so a killed tokenization resumes where it stopped. With several processes each rank builds every
``world_size``-th missing shard, then all wait for each other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glot500.core.errors import InputError

logger = logging.getLogger(__name__)

SHARD_FORMAT = 1
TOKEN_DTYPE = np.uint32  # 401K-token vocabularies overflow uint16


@dataclass(frozen=True)
class Shard:
    """A finished shard: its token file and counts."""

    label: str
    source: str
    path: Path
    documents: int
    tokens: int

    def load(self) -> np.ndarray:
        """The shard's token ids as a read-only memory map (no copy into RAM)."""
        if self.tokens == 0:
            return np.zeros(0, dtype=TOKEN_DTYPE)
        return np.memmap(self.path, dtype=TOKEN_DTYPE, mode="r", shape=(self.tokens,))


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """A hash of everything that decides token ids: the fast tokenizer's full JSON, else its vocabulary."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    text = backend.to_str() if backend is not None else json.dumps(sorted(tokenizer.get_vocab().items()))
    text += f"|eos={tokenizer.eos_token_id}|format={SHARD_FORMAT}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_key(path: Path) -> str:
    """Identifies one version of a corpus file: absolute path, size and modification time."""
    stat = path.stat()
    text = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build_shards(
    files_by_label: dict[str, list[Path]],
    tokenizer: Any,
    cache_dir: Path,
    batch_size: int = 1000,
    rank: int = 0,
    world_size: int = 1,
    progress: bool = True,
) -> list[tuple[str, Path, str]]:
    """Tokenize this rank's share of the missing shards; returns ``(label, file, error)`` for failed files.

    A file that cannot be read is logged, reported and skipped: one bad file never stops the run.
    """
    from tqdm.auto import tqdm

    root = cache_dir / tokenizer_fingerprint(tokenizer)
    jobs = [(label, file) for label in sorted(files_by_label) for file in files_by_label[label]]
    # Assign by position in the full job list, not in the missing list: processes look at the cache at
    # slightly different times, and every missing shard must still have exactly one owner.
    missing = {job for job in jobs if not _marker_path(root, *job).is_file()}
    mine = [job for index, job in enumerate(jobs) if index % world_size == rank and job in missing]
    if missing and rank == 0:
        logger.info("tokenizing %d of %d corpus files into %s", len(missing), len(jobs), root)
    failures: list[tuple[str, Path, str]] = []
    bar = tqdm(mine, desc="tokenize", unit="file", disable=not progress or not mine, position=rank)
    for label, file in bar:
        bar.set_postfix_str(label)
        try:
            _tokenize_file(label, file, tokenizer, root, batch_size, progress, rank)
        except Exception as error:  # a bad file (corrupt archive, bad parquet) must not stop hundreds of others
            logger.error("%s (%s): cannot tokenize, skipped: %s", file, label, error)
            failures.append((label, file, str(error)))
    return failures


def load_shards(files_by_label: dict[str, list[Path]], tokenizer: Any, cache_dir: Path) -> dict[str, list[Shard]]:
    """The finished shards per label (files whose shard is missing are left out, with a warning)."""
    root = cache_dir / tokenizer_fingerprint(tokenizer)
    shards: dict[str, list[Shard]] = {}
    for label in sorted(files_by_label):
        for file in files_by_label[label]:
            marker = _marker_path(root, label, file)
            if not marker.is_file():
                logger.warning("%s (%s): no token shard (tokenization failed?), left out", file, label)
                continue
            info = json.loads(marker.read_text(encoding="utf-8"))
            shard = Shard(label, info["source"], marker.with_suffix(".u32"), info["documents"], info["tokens"])
            shards.setdefault(label, []).append(shard)
    if not shards:
        raise InputError(f"no tokenized data in {root}: every corpus file failed or is empty")
    return shards


def _marker_path(root: Path, label: str, file: Path) -> Path:
    return root / label / f"{file_key(file)}.json"


def _tokenize_file(
    label: str, file: Path, tokenizer: Any, root: Path, batch_size: int, progress: bool = False, rank: int = 0
) -> None:
    """Write ``<key>.u32`` through a temporary name, then the done marker (both atomically renamed)."""
    from tqdm.auto import tqdm

    from glot500.corpus.reader import iter_texts

    marker = _marker_path(root, label, file)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tokens_path = marker.with_suffix(".u32")
    partial = tokens_path.with_name(f"{tokens_path.name}.{os.getpid()}.partial")
    eos = tokenizer.eos_token_id
    documents = tokens = 0
    bar = tqdm(desc=label, unit="doc", leave=False, disable=not progress, position=rank + 1)
    try:
        with open(partial, "wb") as out:
            batch: list[str] = []
            for text in iter_texts([file]):
                batch.append(text)
                if len(batch) >= batch_size:
                    tokens += _write_batch(batch, tokenizer, eos, out)
                    documents += len(batch)
                    bar.update(len(batch))
                    batch = []
            if batch:
                tokens += _write_batch(batch, tokenizer, eos, out)
                documents += len(batch)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        bar.close()
    os.replace(partial, tokens_path)
    info = {"source": str(file), "label": label, "documents": documents, "tokens": tokens, "format": SHARD_FORMAT}
    tmp_marker = marker.with_name(f"{marker.name}.{os.getpid()}.partial")
    tmp_marker.write_text(json.dumps(info, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp_marker, marker)


def _write_batch(texts: list[str], tokenizer: Any, eos: int, out: Any) -> int:
    """Append each text's ids followed by ``</s>`` (the document boundary); returns the token count."""
    encoded = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    lengths = [len(ids) + 1 for ids in encoded]
    flat = np.empty(sum(lengths), dtype=TOKEN_DTYPE)
    position = 0
    for ids, length in zip(encoded, lengths, strict=True):
        flat[position : position + length - 1] = ids
        flat[position + length - 1] = eos
        position += length
    out.write(flat.tobytes())
    return int(flat.size)
