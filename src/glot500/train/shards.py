"""Tokenize a corpus once into cached, memory-mapped token shards: one shard per (language, corpus file).

Layout under ``<cache_dir>/<tokenizer hash>/``::

    <label>/<file key>.u32     token ids (uint32), each document followed by </s>
    <label>/<file key>.json    done marker: source file, documents, tokens, lines dropped or repaired and why
                               (:mod:`glot500.train.text`), written last, atomically

``<file key>`` hashes the source path, size and modification time, so an edited file is tokenized again
and a new file adds a shard while the others are reused. A shard without its done marker is rebuilt,
so a killed tokenization resumes where it stopped. With several processes each rank builds every
``world_size``-th missing shard, then all wait for each other.

Ids come from ``sentencepiece`` on the tokenizer's own ``sentencepiece.bpe.model`` (+ the fairseq offset)
when a fidelity probe proves them identical to the fast tokenizer's (the cache key is the same either way:
same ids); otherwise, for every other family (BPE with byte fallback, byte-level BPE, unigram without its
``.model``), from the ``tokenizers`` backend's ``encode_batch_fast`` (no offsets; Rust threads over the
batch), with the reason logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from glot500.core.errors import InputError
from glot500.core.textio import batched

logger = logging.getLogger(__name__)

SHARD_FORMAT = 2  # 2: lines with NUL bytes or invalid UTF-8 dropped and counted (1 kept them, replaced)
TOKEN_DTYPE = np.uint32  # 401K-token vocabularies overflow uint16
PROBE_LINES = 8  # per corpus file, for the proof that sentencepiece gives the fast tokenizer's ids
PROBE_TOTAL = 4000  # lines in all (fewer per file on corpora of many files)
PARALLEL_BYTES = 16 * 2**20  # below this much (compressed) input, starting processes costs more than it saves


@dataclass(frozen=True)
class Shard:
    """A finished shard: its token file and counts."""

    label: str
    source: str
    path: Path
    documents: int
    tokens: int
    text: dict[str, Any] = field(default_factory=dict)  # TextAccount.to_json(): dropped / repaired / read_error

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
    workers: int | None = None,
    bulk: bool = True,
) -> list[tuple[str, Path, str]]:
    """Tokenize this rank's share of the missing shards; returns ``(label, file, error)`` for failed files.

    With ``bulk`` the ids come from ``sentencepiece`` itself (+ the fairseq offset), ~9x faster than the fast
    tokenizer, when :func:`choose_encoder` proves them identical to ``tokenizer``'s; else the fast tokenizer
    is used and the reason logged. The bulk path runs ``workers`` processes over files (default: this
    machine's cores divided among the ``world_size`` ranks; one for a corpus under 16 MiB). A file that cannot be read is logged, reported
    and skipped: one bad file never stops the run.
    """
    root = cache_dir / tokenizer_fingerprint(tokenizer)
    jobs = [(label, file) for label in sorted(files_by_label) for file in files_by_label[label]]
    # Assign by position in the full job list, not in the missing list: processes look at the cache at
    # slightly different times, and every missing shard must still have exactly one owner.
    missing = {job for job in jobs if _read_marker(root, *job) is None}  # a damaged shard is rebuilt too
    mine = [job for index, job in enumerate(jobs) if index % world_size == rank and job in missing]
    if missing and rank == 0:
        logger.info("tokenizing %d of %d corpus files into %s", len(missing), len(jobs), root)
    if not mine:
        return []
    encoder = choose_encoder(tokenizer, mine) if bulk else Encoder(reason="bulk tokenization switched off")
    if encoder.model_file is None:
        backend = getattr(tokenizer, "backend_tokenizer", None) if bulk else None
        logger.info("tokenizing with the fast tokenizer: %s%s", encoder.reason,
                    " (bulk: tokenizers batch encode)" if backend is not None else "")  # fmt: skip
        return _build_with_fast_tokenizer(mine, tokenizer, root, batch_size, progress, rank, backend)
    workers = min(len(mine), workers or _default_workers(mine, world_size))
    logger.info("tokenizing with sentencepiece (%d processes): %s", workers, encoder.reason)
    return _build_with_sentencepiece(mine, encoder, root, batch_size, workers, progress, rank)


def _default_workers(jobs: list[tuple[str, Path]], world_size: int) -> int:
    """This machine's cores shared among the ranks; one (no process start-up) for a small corpus."""
    size = sum(file.stat().st_size for _, file in jobs if file.is_file())
    return 1 if size < PARALLEL_BYTES else max(1, (os.cpu_count() or 1) // world_size)


@dataclass(frozen=True)
class Encoder:
    """How shards are tokenized: ``model_file`` set means sentencepiece itself, else the fast tokenizer."""

    reason: str
    model_file: Path | None = None
    unk_id: int = 3
    eos_id: int = 2


def choose_encoder(tokenizer: Any, jobs: list[tuple[str, Path]], probe_lines: int = PROBE_LINES) -> Encoder:
    """The sentencepiece path when it provably gives ``tokenizer``'s ids, else the fast path with the reason.

    Proof: the folder is lossless (:func:`glot500.vocab.fidelity.normalizer_problems`), the vocabulary is the
    model's with the fairseq offset, and the ids agree with :func:`spm_encode`'s (sentencepiece on the NFC
    of the text) on a probe of the data (the first lines of every file, as given) and on the combining-mark
    cases in NFC and NFD.
    """
    import sentencepiece as spm

    from glot500.vocab.fidelity import (
        COMBINING_MARK_CASES,
        check_fidelity,
        normalizer_problems,
        spm_model_of,
        vocabulary_mismatch,
    )

    model_file = spm_model_of(tokenizer) if getattr(tokenizer, "is_fast", False) else None
    if model_file is None:
        return Encoder(reason="no sentencepiece model next to the tokenizer (or not a fast tokenizer)")
    problems = normalizer_problems(model_file.parent)
    if problems:
        return Encoder(reason=f"{problems[0]}; run `glot500 vocab repair {model_file.parent}`")
    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    mismatch = vocabulary_mismatch(tokenizer, processor)
    if mismatch is None and (processor.unk_id(), processor.eos_id()) != (0, 2):
        mismatch = f"sentencepiece unk/eos ids {processor.unk_id()}/{processor.eos_id()}, expected 0/2"
    if mismatch is not None:
        return Encoder(reason=f"vocabulary differs from {model_file}: {mismatch}")
    probe = _probe(jobs, probe_lines)
    rows = check_fidelity(tokenizer, processor, probe, forms=("",), nfc_first=True)
    rows += check_fidelity(tokenizer, processor, {"combining marks": list(COMBINING_MARK_CASES)}, nfc_first=True)
    differing = [row for row in rows if row.identical < row.lines]
    if differing:
        row = differing[0]
        return Encoder(reason=f"ids differ from sentencepiece on {row.label} ({row.form}): {row.example!r}")
    lines = sum(row.lines for row in rows)
    return Encoder(f"ids identical on {lines:,} probe lines of {len(probe)} languages", model_file,
                   tokenizer.unk_token_id, tokenizer.eos_token_id)  # fmt: skip


def _probe(jobs: list[tuple[str, Path]], probe_lines: int) -> dict[str, list[str]]:
    """The first lines of every file (a few thousand in all: a cheap proof next to the whole corpus)."""
    from glot500.corpus.reader import iter_texts

    per_file = max(1, min(probe_lines, PROBE_TOTAL // max(len(jobs), 1)))
    texts: dict[str, list[str]] = {}
    for label, file in jobs:
        try:
            texts.setdefault(label, []).extend(iter_texts([file], per_file))
        except Exception:  # noqa: BLE001, S112 - an unreadable file fails again, and is reported, when tokenized
            continue
    return {label: lines for label, lines in texts.items() if lines}


def _build_with_fast_tokenizer(
    jobs: list[tuple[str, Path]], tokenizer: Any, root: Path, batch_size: int, progress: bool, rank: int,
    backend: Any = None,
) -> list[tuple[str, Path, str]]:  # fmt: skip
    """One file after the other; ``backend`` (a ``tokenizers.Tokenizer``) encodes in bulk, else ``tokenizer``."""
    from glot500.core.progress import progress as progress_bar

    failures: list[tuple[str, Path, str]] = []
    eos = tokenizer.eos_token_id
    if eos is None:
        raise InputError(f"{getattr(tokenizer, 'name_or_path', 'tokenizer')}: no eos token to end documents with")
    encode = (lambda texts: backend_encode(backend, texts, eos)) if backend is not None else (
        lambda texts: _fast_encode(tokenizer, eos, texts))  # fmt: skip
    bar = progress_bar(jobs, desc="tokenize", unit="file", disable=not progress, position=rank)
    for label, file in bar:
        bar.set_postfix_str(label)
        try:
            _tokenize_file(label, file, encode, root, batch_size, progress, rank)
        except Exception as error:  # a bad file (corrupt archive, bad parquet) must not stop hundreds of others
            logger.error("%s (%s): cannot tokenize, skipped: %s", file, label, error)
            failures.append((label, file, str(error)))
    return failures


def _build_with_sentencepiece(
    jobs: list[tuple[str, Path]], encoder: Encoder, root: Path, batch_size: int, workers: int, progress: bool,
    rank: int,
) -> list[tuple[str, Path, str]]:  # fmt: skip
    """One file per task; ``workers`` > 1 runs them in fresh processes (spawned: safe beside torch/CUDA)."""
    from glot500.core.progress import progress as progress_bar

    tasks = [(label, file, encoder, root, batch_size) for label, file in jobs]
    bar = progress_bar(total=len(tasks), desc="tokenize", unit="file", disable=not progress, position=rank)
    failures: list[tuple[str, Path, str]] = []
    if workers <= 1:
        results = map(_sentencepiece_task, tasks)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        results = pool.map(_sentencepiece_task, tasks, chunksize=max(1, len(tasks) // (workers * 8)))
    try:
        for (label, file, *_), error in zip(tasks, results, strict=True):
            bar.update(1)
            if error is not None:
                logger.error("%s (%s): cannot tokenize, skipped: %s", file, label, error)
                failures.append((label, file, error))
    finally:
        bar.close()
        if workers > 1:
            pool.shutdown(cancel_futures=True)
    return failures


_PROCESSORS: dict[Path, Any] = {}  # per process: one loaded model serves all its files


def _sentencepiece_task(task: tuple[str, Path, Encoder, Path, int]) -> str | None:
    """Tokenize one file with sentencepiece; the error message instead of raising (it crosses processes)."""
    label, file, encoder, root, batch_size = task
    try:
        if encoder.model_file not in _PROCESSORS:
            import sentencepiece as spm

            _PROCESSORS[encoder.model_file] = spm.SentencePieceProcessor(model_file=str(encoder.model_file))
        processor = _PROCESSORS[encoder.model_file]
        _tokenize_file(label, file, lambda texts: spm_encode(processor, texts, encoder.unk_id, encoder.eos_id), root,
                       batch_size)  # fmt: skip
    except Exception as error:  # noqa: BLE001 - reported by the caller, the other files go on
        return str(error) or type(error).__name__
    return None


def spm_encode(processor: Any, texts: list[str], unk_id: int = 3, eos_id: int = 2) -> np.ndarray:
    """HF ids of ``texts`` via sentencepiece, each text followed by ``</s>``: the bulk path's whole encoder.

    The text is put in NFC first, by the fast tokenizer's own NFC (SentencePiece's character map does not
    compose every mark sequence NFC composes). SentencePiece ``<unk>=0 -> 3`` and ``</s>=2 -> 2``
    (appended by ``add_eos``), any other piece ``k -> k+1``.
    """
    from glot500.vocab.fidelity import fast_nfc

    encoded = processor.encode([fast_nfc(text) for text in texts], add_eos=True, num_threads=1)
    flat = np.fromiter(chain.from_iterable(encoded), dtype=np.int64, count=sum(map(len, encoded)))
    ids = flat + 1
    ids[flat == 0] = unk_id
    ids[flat == 2] = eos_id
    return ids.astype(TOKEN_DTYPE)


def load_shards(files_by_label: dict[str, list[Path]], tokenizer: Any, cache_dir: Path) -> dict[str, list[Shard]]:
    """The finished shards per label (files whose shard is missing are left out, with a warning)."""
    root = cache_dir / tokenizer_fingerprint(tokenizer)
    shards: dict[str, list[Shard]] = {}
    for label in sorted(files_by_label):
        for file in files_by_label[label]:
            marker = _marker_path(root, label, file)
            info = _read_marker(root, label, file)
            if info is None:
                logger.warning("%s (%s): no token shard (tokenization failed?), left out", file, label)
                continue
            shard = Shard(label, info["source"], marker.with_suffix(".u32"), info["documents"], info["tokens"],
                          info.get("text", {}))  # fmt: skip
            shards.setdefault(label, []).append(shard)
    if not shards:
        raise InputError(f"no tokenized data in {root}: every corpus file failed or is empty")
    return shards


def _marker_path(root: Path, label: str, file: Path) -> Path:
    return root / label / f"{file_key(file)}.json"


def _read_marker(root: Path, label: str, file: Path) -> dict[str, Any] | None:
    """A finished shard's marker, or ``None`` when it is missing or the shard is damaged (an unreadable marker, a
    token file of another size than the marker says: a disk that filled up, a cache copied in part)."""
    marker = _marker_path(root, label, file)
    if not marker.is_file():
        return None
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        expected = int(info["tokens"]) * np.dtype(TOKEN_DTYPE).itemsize
        actual = marker.with_suffix(".u32").stat().st_size if expected else 0
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("%s: damaged token shard of %s (%s), tokenized again", marker, file, error)
        return None
    if actual != expected:
        logger.warning("%s: token file has %d bytes, expected %d: tokenized again", marker, actual, expected)
        return None
    return info


def _tokenize_file(
    label: str, file: Path, encode: Callable[[list[str]], np.ndarray], root: Path, batch_size: int,
    progress: bool = False, rank: int = 0,
) -> None:  # fmt: skip
    """Write ``<key>.u32`` through a temporary name, then the done marker (both atomically renamed)."""
    from glot500.core.progress import progress as progress_bar
    from glot500.train.text import TextAccount, training_texts

    marker = _marker_path(root, label, file)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tokens_path = marker.with_suffix(".u32")
    partial = tokens_path.with_name(f"{tokens_path.name}.{os.getpid()}.partial")
    documents = tokens = 0
    account = TextAccount()
    bar = progress_bar(desc=label, unit="doc", leave=False, disable=not progress, position=rank + 1)
    try:
        with open(partial, "wb") as out:
            for batch in batched(training_texts(file, account), batch_size):
                flat = encode(batch)
                out.write(flat.tobytes())
                tokens += int(flat.size)
                documents += len(batch)
                bar.update(len(batch))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        bar.close()
    os.replace(partial, tokens_path)
    info = {"source": str(file), "label": label, "documents": documents, "tokens": tokens, "format": SHARD_FORMAT,
            "text": account.to_json()}  # fmt: skip
    tmp_marker = marker.with_name(f"{marker.name}.{os.getpid()}.partial")
    tmp_marker.write_text(json.dumps(info, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp_marker, marker)




def backend_encode(backend: Any, texts: list[str], eos_id: int) -> np.ndarray:
    """Ids of ``texts`` from a ``tokenizers.Tokenizer`` in one batch call, each text followed by ``eos_id``.

    The bulk path for tokenizers without a SentencePiece model (BPE with byte fallback, byte-level BPE):
    ``encode_batch_fast`` computes no offsets, and the ids go straight into one uint32 array.
    """
    encodings = backend.encode_batch_fast(texts, add_special_tokens=False)
    ids = [encoding.ids for encoding in encodings]
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids)) + 1
    flat = np.fromiter(chain.from_iterable(chain(line, (eos_id,)) for line in ids), dtype=TOKEN_DTYPE,
                       count=int(lengths.sum()))  # fmt: skip
    return flat


def _fast_encode(tokenizer: Any, eos: int, texts: list[str]) -> np.ndarray:
    """Each text's ids from the HF tokenizer followed by ``</s>`` (the document boundary)."""
    encoded = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    lengths = [len(ids) + 1 for ids in encoded]
    flat = np.empty(sum(lengths), dtype=TOKEN_DTYPE)
    position = 0
    for ids, length in zip(encoded, lengths, strict=True):
        flat[position : position + length - 1] = ids
        flat[position + length - 1] = eos
        position += length
    return flat
