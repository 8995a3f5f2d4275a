"""Deduplication keys for datatrove's exact and MinHash dedup, made per language and script-aware.

* Exact: two chunks of the same language-script are duplicates when they are identical after removing
  punctuation, digits (any Unicode number), whitespace and control/format characters. The language is part
  of the hashed key, so the hash-partitioned finder of datatrove dedups per language across all shards.
* MinHash: shingles are word n-grams, or character n-grams for text written without spaces (Han, Thai, ...);
  each shingle is salted with the language so that near-duplicates are only searched within a language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.dedup.exact_dedup import ExactDedupSignature
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets, MinhashDedupSignature
from datatrove.utils.text import TextNormConfig, ngrams, simplify_text
from datatrove.utils.word_tokenizers import WordTokenizer

_REMOVED_CATEGORIES = ("P", "N", "Z", "Cc", "Cf")


def _class_of_removed(low: int, high: int) -> str:
    """A regex character class of the code points in ``[low, high)`` whose category is removed, as ranges."""
    ranges: list[tuple[int, int]] = []
    for code in range(low, high):
        char = chr(code)
        if unicodedata.category(char).startswith(_REMOVED_CATEGORIES) or char.isspace():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    parts = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return f"[{parts}]+"


@lru_cache(maxsize=1)
def _strip_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    # Two patterns: sre matches a BMP-only class through a bitmap, but scans a class with astral ranges
    # linearly (5x slower); astral text is rare, so the second pattern only runs when there is some.
    # Planes 3-13 are unassigned and 15-16 private use: only planes 1-2 and the tags block (plane 14) matter.
    astral = _class_of_removed(0x10000, 0x32400)[:-2] + _class_of_removed(0xE0000, 0xE1000)[1:]
    return re.compile(_class_of_removed(0, 0x10000)), re.compile(astral)


def dedup_normal_form(text: str) -> str:
    """``text`` without punctuation, digits, whitespace and control characters (the exact-dedup identity)."""
    bmp, astral = _strip_patterns()
    text = bmp.sub("", text)
    if text and max(text) > "\uffff":
        text = astral.sub("", text)
    return text


def exact_dedup_key(doc: Document) -> str:
    """Language + normal form: the content datatrove's exact dedup hashes (module-level, so it pickles)."""
    return f"{doc.metadata['lang']}\x00{dedup_normal_form(doc.text)}"


class LanguageExactDedupSignature(ExactDedupSignature):
    """datatrove's exact-dedup signatures (same files, same finder), without its per-document stats and timer:
    with verse-length chunks those cost as much as the hashing itself."""

    name = "💥 exact-deduplication stage 1 (per language)"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> None:
        content, hash_fc = self.config.content_getter, self.hash_fc
        with self.stats.time_stats:
            signatures = [(hash_fc(content(doc)), 1, index) for index, doc in enumerate(data)]
            self.stat_update("total", value=len(signatures))
            self.save_hashes(rank, signatures)


class MultilingualWordTokenizer(WordTokenizer):
    """Whitespace words; characters for text written without spaces (few spaces for its length)."""

    def __init__(self, chars_per_space: int = 12) -> None:
        super().__init__(None)
        self.chars_per_space = chars_per_space

    def word_tokenize(self, text: str) -> list[str]:
        words = text.split()
        if len(words) * self.chars_per_space < len(text):
            return [char for char in text if not char.isspace()]
        return words

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(match.start(), match.end()) for match in re.finditer(r"\S+", text)]


def minhash_config(n_grams: int, num_buckets: int, hashes_per_bucket: int, seed: int) -> MinhashConfig:
    # Diacritics stay: in many scripts the marks are vowels, and folding them merges different words.
    norm = TextNormConfig(norm_unicode_diacritics=False)
    return MinhashConfig(
        n_grams=n_grams, num_buckets=num_buckets, hashes_per_bucket=hashes_per_bucket, seed=seed, norm_config=norm
    )


class LanguageMinhashSignature(MinhashDedupSignature):
    """datatrove's MinHash signatures (same parameters, same sorted bucket files for its stages 2-4), with
    shingles salted by the document's language-script and the arithmetic batched.

    datatrove computes one (shingles x hashes) matrix and 14 ``struct.pack`` + writes per document (~120 µs
    for a verse); here the shingles of ``batch_size`` documents are hashed in one matrix, reduced per document
    with ``np.minimum.reduceat``, and written once per batch and bucket; each bucket file is sorted at the end.
    """

    name = "🎯 MinHash stage 1 (per language, batched)"

    def __init__(self, output_folder: str, config: MinhashConfig, batch_size: int = 1024) -> None:
        super().__init__(output_folder, config=config, language=MultilingualWordTokenizer())
        self.batch_size = batch_size

    def shingles(self, text: str, lang: str) -> list[int]:
        words = self.word_tokenizer.word_tokenize(simplify_text(text, self.config.norm_config))
        salt = lang + "\x00"
        return [self._hash_func(salt + " ".join(gram)) for gram in ngrams(words, self.config.n_grams)]

    def _record_dtype(self):
        import numpy as np

        fmt = self.config.hash_config.struct_format
        fields = [(f"field{i + 1}", f"<{fmt}") for i in range(self.config.hashes_per_bucket)]
        return np.dtype([*fields, (f"field{self.config.hashes_per_bucket + 1}", "<I")])

    def _signatures(self, hashes: list[int], lengths: list[int]):
        """(documents, num_hashes) minimum permuted hashes of a batch."""
        import numpy as np
        from datatrove.pipeline.dedup.minhash import _mersenne_prime

        a, b = self.parameters
        shingles = np.asarray(hashes, dtype=np.uint64).reshape(-1, 1)
        permuted = shingles * a + b  # wraps modulo 2**64 exactly as datatrove's
        # x mod (2**61 - 1) without numpy's slow 64-bit division: fold the top 3 bits, subtract once
        permuted = (permuted & _mersenne_prime) + (permuted >> np.uint64(61))
        permuted -= _mersenne_prime * (permuted >= _mersenne_prime)
        if self.config.hash_config.precision == 32:
            permuted = np.bitwise_and(permuted, self.config.hash_config.max)
        starts = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.int64)
        return np.minimum.reduceat(permuted, starts, axis=0).astype(self.config.hash_config.np_dtype)

    def _write_batch(self, files, hashes: list[int], lengths: list[int], indices: list[int]) -> None:
        import numpy as np

        signatures = self._signatures(hashes, lengths)
        dtype = self._record_dtype()
        per_bucket = self.config.hashes_per_bucket
        for bucket, file in enumerate(files):
            records = np.empty(len(indices), dtype=dtype)
            for i in range(per_bucket):
                records[f"field{i + 1}"] = signatures[:, bucket * per_bucket + i]
            records[f"field{per_bucket + 1}"] = indices
            file.write(records.tobytes())

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> None:
        import numpy as np

        names = [f"bucket_{bucket:03d}/{rank:05d}.minhash.sig" for bucket in range(self.config.num_buckets)]
        with self.track_time():
            files = [self.output_folder.open(name, mode="wb") for name in names]
            hashes: list[int] = []
            lengths: list[int] = []
            indices: list[int] = []
            total = 0
            for index, doc in enumerate(data):
                total += 1
                shingles = self.shingles(doc.text, doc.metadata["lang"])
                if not shingles:  # shorter than n_grams words: no signature (exact dedup still covers it)
                    continue
                hashes.extend(shingles)
                lengths.append(len(shingles))
                indices.append(index)
                if len(indices) >= self.batch_size:
                    self._write_batch(files, hashes, lengths, indices)
                    hashes, lengths, indices = [], [], []
            if indices:
                self._write_batch(files, hashes, lengths, indices)
            for file in files:
                file.close()
            self.stat_update("total", value=total)
            dtype = self._record_dtype()
            for name in names:  # datatrove's stage 2 merges sorted files
                with self.output_folder.open(name, mode="rb") as file:
                    records = np.frombuffer(file.read(), dtype=dtype).copy()
                records.sort(order=dtype.names)
                with self.output_folder.open(name, mode="wb") as file:
                    file.write(records.tobytes())


class SortedMinhashBuckets(MinhashDedupBuckets):
    """datatrove's MinHash stage 2 with the heap merge replaced by one numpy sort per bucket.

    datatrove merges the sorted signature files of a bucket through a Python heap, one object per signature
    (~5 µs each, 14 per chunk); here the bucket's files are loaded, sorted by (signature, file, document) —
    the order the heap produces — and every signature equal to its predecessor gives the same
    ``(file, doc, file, doc)`` record, so the ``.dups`` files are byte-identical. Index files and several
    workers per bucket fall back to datatrove's implementation.
    """

    name = "🎯 MinHash stage 2 (sorted)"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1):
        import numpy as np

        if self.index_folder is not None or world_size != self.config.num_buckets:
            return super().run(data, rank, world_size)
        bucket = rank
        fmt = self.config.hash_config.struct_format
        per_bucket = self.config.hashes_per_bucket
        dtype = np.dtype([*[(f"h{i}", f"<{fmt}") for i in range(per_bucket)], ("doc", "<u4")])
        with self.track_time():
            files = self.input_folder.list_files(subdirectory=f"bucket_{bucket:03d}")
            parts, stems, file_ids = [], [], []
            for file_id, name in enumerate(files):
                with self.input_folder.open(name, mode="rb") as handle:
                    records = np.frombuffer(handle.read(), dtype=dtype)
                parts.append(records)
                stem = int(Path(name).name.removesuffix(".minhash.sig"))
                stems.append(np.full(len(records), stem, dtype="<u4"))
                file_ids.append(np.full(len(records), file_id, dtype=np.int64))
            with self.output_folder.open(f"{bucket:05d}_00.dups", mode="wb") as out:
                if not parts:
                    return
                records, stem, file_id = np.concatenate(parts), np.concatenate(stems), np.concatenate(file_ids)
                keys = [records["doc"], file_id] + [records[f"h{i}"] for i in reversed(range(per_bucket))]
                order = np.lexsort(keys)  # primary key last: signature, then file, then document
                records, stem = records[order], stem[order]
                same = np.ones(len(records) - 1, dtype=bool)
                for i in range(per_bucket):
                    column = records[f"h{i}"]
                    same &= column[1:] == column[:-1]
                pairs = np.flatnonzero(same)
                out_records = np.empty((len(pairs), 4), dtype="<u4")
                out_records[:, 0], out_records[:, 1] = stem[pairs], records["doc"][pairs]
                out_records[:, 2], out_records[:, 3] = stem[pairs + 1], records["doc"][pairs + 1]
                out.write(out_records.tobytes())
                self.stat_update("total_matches", value=len(pairs))
