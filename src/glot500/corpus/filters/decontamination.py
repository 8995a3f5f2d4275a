"""Decontamination: drop chunks that share a long n-gram with evaluation data (Glot500 did not do this).

Evaluation text is read from task folders in the project's layout (docs/evaluate): retrieval
``<lang>/<lang>.txt`` and ``eng_Latn.txt`` (``vref.txt``/``ids.txt`` skipped), classification ``*.tsv``
(``text<TAB>label``, first column), tagging ``*.conll`` (``token<TAB>tag``, sentences joined). Text is
normalised like the word measures (lower case, split on punctuation/digits/spaces; characters in scripts
written without spaces) and every n-gram is kept as a 64-bit hash in a set. An eval text shorter than the
n-gram length is indexed whole, and matches a chunk that equals it after normalisation.

N-gram hashes (:mod:`.ngrams`) depend on the text only, so the index — a sorted ``uint64`` array searched
with ``np.searchsorted`` for a whole batch at once — is cached as a ``.npy`` keyed by the task files' names,
sizes and mtimes: workers load it in milliseconds instead of rebuilding it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from glot500.core.errors import InputError
from glot500.corpus.filters.base import ChunkFilter, FilterResult, group_by_spacing, script_of_label
from glot500.corpus.filters.ngrams import ngram_hashes
from glot500.languages import is_spaceless
from glot500.lid.script_detect import detect_script_fast

logger = logging.getLogger(__name__)

_SKIPPED_FILES = frozenset({"vref.txt", "ids.txt", "labels.txt"})
_INDEX_VERSION = 1
_PRESENCE_BITS = 25  # 32 MiB table: ~2% of absent n-grams reach the binary search per million indexed


class EvalNgramIndex:
    """The sorted, unique 64-bit hashes of the n-grams of all evaluation texts under some task folders."""

    def __init__(self, hashes: np.ndarray, ngram: int, spaceless_ngram: int) -> None:
        self.hashes = hashes
        self.ngram = ngram
        self.spaceless_ngram = spaceless_ngram
        # A one-byte-per-slot presence table on the top hash bits: almost every chunk n-gram is absent and is
        # rejected with one lookup; only the few that hit a used slot pay for a binary search in ``hashes``
        # (a binary search per n-gram cost 40% of the chain's time).
        self._present = np.zeros(1 << _PRESENCE_BITS, dtype=bool)
        self._present[hashes >> np.uint64(64 - _PRESENCE_BITS)] = True

    def __len__(self) -> int:
        return len(self.hashes)

    @classmethod
    def build(
        cls, task_dirs: Iterable[str | Path], ngram: int = 13, spaceless_ngram: int = 20, cache_dir: Path | None = None
    ) -> EvalNgramIndex:
        """Index every evaluation text under ``task_dirs``, from the cache when the files are unchanged."""
        files = eval_files(task_dirs)
        cache = _cache_path(files, ngram, spaceless_ngram, cache_dir)
        if cache is not None and cache.is_file():
            return cls(np.load(cache), ngram, spaceless_ngram)
        parts = [np.zeros(0, np.uint64)]
        for batch in _batched(iter_eval_texts(files), 4096):
            for spaceless in (False, True):
                texts = [text for text, text_spaceless in batch if text_spaceless == spaceless]
                if texts:
                    parts.append(ngram_hashes(texts, spaceless_ngram if spaceless else ngram, spaceless, True).hashes)
        index = cls(np.unique(np.concatenate(parts)), ngram, spaceless_ngram)
        logger.info("decontamination index: %d n-grams from %d files", len(index), len(files))
        if cache is not None:
            _save(cache, index.hashes)
        return index

    def overlaps(self, texts: list[str], spaceless: bool) -> np.ndarray:
        """``bool[len(texts)]``: texts sharing an n-gram with the evaluation data (or equal to a short one)."""
        found = ngram_hashes(texts, self.spaceless_ngram if spaceless else self.ngram, spaceless, True)
        if len(self.hashes) == 0 or len(found.hashes) == 0:
            return np.zeros(len(texts), dtype=bool)
        maybe = np.flatnonzero(self._present[found.hashes >> np.uint64(64 - _PRESENCE_BITS)])
        candidates = found.hashes[maybe]
        positions = np.minimum(np.searchsorted(self.hashes, candidates), len(self.hashes) - 1)
        hits = maybe[self.hashes[positions] == candidates]
        return np.bincount(found.texts[hits], minlength=len(texts)) > 0


class DecontaminationFilter(ChunkFilter):
    """Drops chunks sharing an n-gram with evaluation data (reason ``eval_overlap``).

    The index is built (or loaded from its cache) on the first chunk, in the worker, so the filter
    itself is cheap to ship.
    """

    name = "decontamination"

    def __init__(
        self,
        task_dirs: Iterable[str | Path],
        ngram: int = 13,
        spaceless_ngram: int = 20,
        cache_dir: str | Path | None = None,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 256,
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.task_dirs = [Path(path) for path in task_dirs]
        missing = [str(path) for path in self.task_dirs if not path.is_dir()]
        if missing:
            raise InputError(f"decontamination task folder(s) not found: {', '.join(missing)}")
        self.ngram = ngram
        self.spaceless_ngram = spaceless_ngram
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._index: EvalNgramIndex | None = None

    @property
    def index(self) -> EvalNgramIndex:
        if self._index is None:
            self._index = EvalNgramIndex.build(self.task_dirs, self.ngram, self.spaceless_ngram, self.cache_dir)
        return self._index

    def filter(self, doc: Document) -> FilterResult:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[FilterResult]:
        index = self.index
        results: list[FilterResult] = [True] * len(batch)
        for spaceless, members in group_by_spacing(batch).items():
            overlapping = index.overlaps([batch[i].text for i in members], spaceless)
            for member in np.asarray(members)[overlapping].tolist():
                results[member] = (False, "eval_overlap")
        return results

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_index"] = None  # rebuilt (from the cache) in the worker
        return state


def eval_files(task_dirs: Iterable[str | Path]) -> list[Path]:
    """Evaluation text files under the given folders (searched recursively), sorted."""
    found: set[Path] = set()
    for folder in task_dirs:
        for path in Path(folder).rglob("*"):
            if path.suffix in (".txt", ".tsv", ".conll") and path.name not in _SKIPPED_FILES and path.is_file():
                found.add(path)
    return sorted(found)


def iter_eval_texts(files: list[Path]) -> Iterator[tuple[str, bool]]:
    """``(text, spaceless)`` for every evaluation sentence; unreadable files are logged and skipped."""
    for path in files:
        spaceless = _spaceless_of_file(path)
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                yield from ((text, _spaceless(text, spaceless)) for text in _sentences(path, handle))
        except OSError as error:
            logger.warning("decontamination: cannot read %s (%s), skipped", path, error)


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _sentences(path: Path, lines: Iterable[str]) -> Iterator[str]:
    if path.suffix == ".conll":
        tokens: list[str] = []
        for line in lines:
            token = line.split("\t", 1)[0].strip()
            if token:
                tokens.append(token)
            elif tokens:
                yield " ".join(tokens)
                tokens = []
        if tokens:
            yield " ".join(tokens)
        return
    for line in lines:
        text = line.split("\t", 1)[0] if path.suffix == ".tsv" else line
        if text.strip():
            yield text.strip()


def _spaceless_of_file(path: Path) -> bool | None:
    """By the label in the file or folder name (``cmn_Hani.txt``, ``jpn_Jpan/dev.tsv``); None if unknown."""
    for name in (path.stem, path.parent.name):
        script = script_of_label(name) if "_" in name else ""
        if script:
            return is_spaceless(script)
    return None


def _spaceless(text: str, known: bool | None) -> bool:
    return known if known is not None else is_spaceless(detect_script_fast(text))


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "glot500" / "decontamination"


def _cache_path(files: list[Path], ngram: int, spaceless_ngram: int, cache_dir: Path | None) -> Path | None:
    if cache_dir is None:
        return None
    key = hashlib.sha256(f"v{_INDEX_VERSION} {sys.version_info[:2]} {ngram} {spaceless_ngram}".encode())
    for path in files:
        stat = path.stat()
        key.update(f"\n{path.resolve()} {stat.st_size} {stat.st_mtime_ns}".encode())
    return Path(cache_dir) / f"{key.hexdigest()[:32]}.npy"


def _save(cache: Path, hashes: np.ndarray) -> None:
    """Write atomically: concurrent workers may build the same index."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(partial, hashes)
        partial.replace(cache)
    except OSError as error:
        logger.warning("decontamination: could not cache the index at %s (%s)", cache, error)
