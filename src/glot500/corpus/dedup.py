"""Deduplication keys for datatrove's exact and MinHash dedup, made per language and script-aware.

* Exact: two chunks of the same language-script are duplicates when they are identical after removing
  punctuation, digits (any Unicode number), whitespace and control/format characters. The language is part
  of the hashed key, so the hash-partitioned finder of datatrove dedups per language across all shards.
* MinHash: shingles are word n-grams, or character n-grams for text written without spaces (Han, Thai, ...);
  each shingle is salted with the language so that near-duplicates are only searched within a language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.dedup.exact_dedup import ExactDedupSignature
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets, MinhashDedupSignature
from datatrove.utils.text import TextNormConfig, simplify_text
from datatrove.utils.word_tokenizers import WordTokenizer

_REMOVED_CATEGORIES = ("P", "N", "Z", "Cc", "Cf")


@lru_cache(maxsize=1)
def _removed_table():
    """``table[code point]`` is True where the normal form removes the character (a numpy lookup table)."""

    from glot500.core.unicode import category_mask

    table = category_mask(lambda category: category.startswith(_REMOVED_CATEGORIES))
    table[[code for code in range(0x3001) if chr(code).isspace()]] = True  # no whitespace lies above U+3000
    return table


def _class_of_removed(low: int, high: int) -> str:
    """A regex character class of the removed code points in ``[low, high)``, as ranges."""
    import numpy as np

    removed = np.r_[False, _removed_table()[low:high], False].astype(np.int8)
    edges = np.flatnonzero(np.diff(removed))  # starts and (exclusive) ends of the removed runs
    runs = [(low + first, low + end - 1) for first, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True)]
    parts = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs)
    return f"[{parts}]+"


@lru_cache(maxsize=1)
def _strip_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    # Two patterns: sre matches a BMP-only class through a bitmap, but scans a class with astral ranges
    # linearly (5x slower); astral text is rare, so the second pattern only runs when there is some.
    return re.compile(_class_of_removed(0, 0x10000)), re.compile(_class_of_removed(0x10000, 0x110000))


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


def exact_dedup_hashes(texts: list[str], langs: list[str], max_value: int = 2**64 - 1):
    """The exact-dedup hash of each text: xxh3 of its normal form (as UTF-32), seeded with its language.

    Equal hashes <=> equal ``exact_dedup_key`` (up to hash collisions), computed for a whole batch at once: the
    batch is one UTF-32 array, a lookup table marks the removed characters, and only the hashing is per text
    (15x faster than ``dedup_normal_form`` + xxhash per text)."""
    import numpy as np
    import xxhash

    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    removed = _removed_table()[codes]
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=bounds[1:])
    # kept characters before each bound = the bound minus the removed ones before it (no cumulative sum over
    # every character: 5x faster)
    removed_before = np.searchsorted(np.flatnonzero(removed), bounds)
    byte_bounds = ((bounds - removed_before) * 4).tolist()
    kept = memoryview(codes[~removed].tobytes())
    # Bytes, not str: xxhash 4 refuses str; 3.x hashed a str as its UTF-8 bytes, so the values are unchanged.
    seeds = {lang: xxhash.xxh64_intdigest(lang.encode()) for lang in set(langs)}
    hash_text = xxhash.xxh3_64_intdigest
    hashes = [hash_text(kept[byte_bounds[i] : byte_bounds[i + 1]], seeds[lang]) for i, lang in enumerate(langs)]
    return np.array(hashes, dtype=np.uint64) & np.uint64(max_value)


class LanguageExactDedupSignature(ExactDedupSignature):
    """datatrove's exact-dedup signatures (same files, same finder), hashed per batch by ``exact_dedup_hashes``
    (the config's ``content_getter`` is not called) and without datatrove's per-document stats and timer."""

    name = "💥 exact-deduplication stage 1 (per language)"

    def __init__(self, *args, batch_size: int = 8192, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batch_size = batch_size

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> None:
        from itertools import islice, repeat

        iterator = iter(data)
        max_value = self.config.hash_config.max
        with self.stats.time_stats:
            hashes: list[int] = []
            while batch := list(islice(iterator, self.batch_size)):
                texts, langs = [doc.text for doc in batch], [doc.metadata["lang"] for doc in batch]
                hashes.extend(exact_dedup_hashes(texts, langs, max_value).tolist())
            self.stat_update("total", value=len(hashes))
            self.save_hashes(rank, list(zip(hashes, repeat(1), range(len(hashes)))))


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

    def words_of_simplified(self, text: str) -> list[str]:
        """``word_tokenize`` of ``text`` with whitespace runs collapsed and stripped, without building it."""
        words = text.split()
        length = sum(map(len, words)) + len(words) - 1  # len(" ".join(words))
        if len(words) * self.chars_per_space < length:
            return [char for char in text if not char.isspace()]
        return words

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(match.start(), match.end()) for match in re.finditer(r"\S+", text)]


# Diacritics stay: in many scripts the marks are vowels, and folding them merges different words.
SHINGLE_NORM = TextNormConfig(norm_unicode_diacritics=False)
SHINGLE_SLICE = 512  # shingles per slice of the MinHash matrix: 512 x 112 hashes x 8 bytes stay in L2


@lru_cache(maxsize=1)
def _punctuation_pattern() -> re.Pattern[str]:
    from datatrove.utils.text import PUNCTUATION_TRANS

    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(PUNCTUATION_TRANS)) + "]")


def simplify_for_shingles(text: str) -> str:
    """datatrove's ``simplify_text`` (lowercase, numbers -> 0, punctuation -> space) minus its whitespace pass,
    with a regex instead of ``str.translate`` (3x faster on non-ASCII text); the word split does the rest."""
    from datatrove.utils.text import NUMBERS_PATTERN

    return _punctuation_pattern().sub(" ", NUMBERS_PATTERN.sub("0", text.lower()))


# odd 64-bit multipliers (from splitmix64) for the words of an n-gram and its language salt
_NGRAM_MULTIPLIERS = (
    0x9E3779B97F4A7C15,
    0xBF58476D1CE4E5B9,
    0x94D049BB133111EB,
    0xD6E8FEB86659FD93,
    0xA0761D6478BD642F,
    0xE7037ED1A0B428DB,
    0x8EBC6AF09C88C6E3,
    0x589965CC75374CC3,
    0x1D8E4E27C47D124F,
    0xF1357AEA2E62A9C5,
)


def combine_ngram_hashes(word_hashes, counts, salts, n: int, max_value: int):
    """Hashes of every word n-gram of a batch from its words' hashes: ``(hashes, shingles per text)``.

    A shingle's hash is a weighted sum (mod 2**64) of its ``n`` word hashes and its text's salt, each with its
    own odd multiplier (so order matters), passed through the splitmix64 finaliser so all bits are mixed.
    """
    import numpy as np

    if n + 1 > len(_NGRAM_MULTIPLIERS):
        raise ValueError(f"MinHash n_grams must be at most {len(_NGRAM_MULTIPLIERS) - 1}, got {n}")
    lengths = np.maximum(counts - n + 1, 0)
    text_of = np.repeat(np.arange(len(counts)), lengths)
    first_word = (np.cumsum(counts) - counts)[text_of]
    first_word += np.arange(len(text_of)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    multipliers = [np.uint64(m) for m in _NGRAM_MULTIPLIERS]
    with np.errstate(over="ignore"):
        hashes = salts[text_of] * multipliers[0]
        for k in range(n):
            hashes += word_hashes[first_word + k] * multipliers[k + 1]
        hashes ^= hashes >> np.uint64(30)
        hashes *= np.uint64(0xBF58476D1CE4E5B9)
        hashes ^= hashes >> np.uint64(27)
        hashes *= np.uint64(0x94D049BB133111EB)
        hashes ^= hashes >> np.uint64(31)
    if max_value < 2**64 - 1:
        hashes &= np.uint64(max_value)
    return hashes, lengths


def minhash_config(n_grams: int, num_buckets: int, hashes_per_bucket: int, seed: int) -> MinhashConfig:
    return MinhashConfig(
        n_grams=n_grams,
        num_buckets=num_buckets,
        hashes_per_bucket=hashes_per_bucket,
        seed=seed,
        norm_config=SHINGLE_NORM,
    )


class LanguageMinhashSignature(MinhashDedupSignature):
    """datatrove's MinHash signatures (same permutations, same sorted bucket files for its stages 2-4), with
    shingles salted by the document's language-script and everything computed per batch of documents.

    datatrove hashes every n-gram string with xxhash, computes one (shingles x hashes) matrix and does 14
    ``struct.pack`` + writes per document (~120 µs for a verse, ~300 µs with its normalisation). Here each
    *word* is hashed once and a shingle's hash combines its words' hashes and the language (vectorised over the
    batch), the permutations run on cache-sized slices of the batch, and each bucket is written once per batch
    and sorted at the end.
    """

    name = "🎯 MinHash stage 1 (per language, batched)"

    def __init__(self, output_folder: str, config: MinhashConfig, batch_size: int = 1024) -> None:
        super().__init__(output_folder, config=config, language=MultilingualWordTokenizer())
        self.batch_size = batch_size

    def words(self, text: str) -> list[str]:
        """Normalised words (characters for spaceless text) of ``text``, as datatrove's ``simplify_text`` and our
        word tokenizer make them (the fast path gives the same words for ``minhash_config``'s settings)."""
        if self.config.norm_config != SHINGLE_NORM:
            return self.word_tokenizer.word_tokenize(simplify_text(text, self.config.norm_config))
        return self.word_tokenizer.words_of_simplified(simplify_for_shingles(text))

    def shingles(self, text: str, lang: str) -> list[int]:
        """Hashes of the language-salted word n-grams of one text (the batch path for a batch of one)."""
        hashes, _ = self.shingle_batch([text], [lang])
        return hashes.tolist()

    def shingle_batch(self, texts: list[str], langs: list[str]):
        """``(hashes, lengths)``: all shingle hashes of the batch in order, and how many each text has (0 for a
        text of fewer than ``n_grams`` words)."""
        import numpy as np
        import xxhash

        hash_word = xxhash.xxh64_intdigest
        word_hashes: list[int] = []
        counts = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            words = self.words(text)
            counts[i] = len(words)
            word_hashes.extend(map(hash_word, map(str.encode, words)))  # UTF-8 bytes: what xxhash 3 hashed for a str
        salts = np.fromiter((hash_word(lang.encode()) for lang in langs), dtype=np.uint64, count=len(langs))
        return combine_ngram_hashes(
            np.array(word_hashes, dtype=np.uint64), counts, salts, self.config.n_grams, self.config.hash_config.max
        )

    def _record_dtype(self):
        import numpy as np

        fmt = self.config.hash_config.struct_format
        fields = [(f"field{i + 1}", f"<{fmt}") for i in range(self.config.hashes_per_bucket)]
        return np.dtype([*fields, (f"field{self.config.hashes_per_bucket + 1}", "<I")])

    def _signatures(self, hashes, lengths):
        """(documents, num_hashes) minimum permuted hashes of a batch, as datatrove computes them.

        The (shingles x hashes) matrix is computed ``SHINGLE_SLICE`` shingles at a time in two reused buffers
        that stay in the CPU cache (7x faster than one matrix for the batch); each slice's rows are reduced per
        document, and a document cut by a slice boundary takes the minimum of its parts."""
        import numpy as np
        from datatrove.pipeline.dedup.minhash import _mersenne_prime

        a, b = self.parameters
        prime = np.uint64(_mersenne_prime)
        shingles = np.asarray(hashes, dtype=np.uint64).reshape(-1, 1)
        doc_of = np.repeat(np.arange(len(lengths)), lengths)
        result = np.full((len(lengths), a.shape[-1]), np.iinfo(np.uint64).max, dtype=np.uint64)
        size = min(SHINGLE_SLICE, len(shingles))
        buffer, scratch = np.empty((size, a.shape[-1]), np.uint64), np.empty((size, a.shape[-1]), np.uint64)
        for start in range(0, len(shingles), size):
            part, docs = shingles[start : start + size], doc_of[start : start + size]
            out, tmp = buffer[: len(part)], scratch[: len(part)]
            np.multiply(part, a, out=out)  # wraps modulo 2**64 exactly as datatrove's
            out += b
            # x mod (2**61 - 1) without numpy's slow 64-bit division: fold the top 3 bits, subtract once
            np.right_shift(out, np.uint64(61), out=tmp)
            out &= prime
            out += tmp
            np.subtract(out, prime, out=tmp)  # wraps above out where out < prime
            np.minimum(out, tmp, out=out)
            starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
            segment_docs = docs[starts]
            result[segment_docs] = np.minimum(result[segment_docs], np.minimum.reduceat(out, starts, axis=0))
        if self.config.hash_config.precision == 32:
            result = np.bitwise_and(result, self.config.hash_config.max)
        return result.astype(self.config.hash_config.np_dtype)

    def _write_batch(self, files, texts: list[str], langs: list[str], first_index: int) -> None:
        import numpy as np

        hashes, lengths = self.shingle_batch(texts, langs)
        has_shingles = lengths > 0  # shorter than n_grams words: no signature (exact dedup still covers it)
        indices = first_index + np.flatnonzero(has_shingles)
        if not len(indices):
            return
        signatures = self._signatures(hashes, lengths[has_shingles])
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
            texts: list[str] = []
            langs: list[str] = []
            total = 0
            for doc in data:
                texts.append(doc.text)
                langs.append(doc.metadata["lang"])
                if len(texts) >= self.batch_size:
                    self._write_batch(files, texts, langs, total)
                    total += len(texts)
                    texts, langs = [], []
            if texts:
                self._write_batch(files, texts, langs, total)
                total += len(texts)
            for file in files:
                file.close()
            self.stat_update("total", value=total)
            dtype = self._record_dtype()
            for name in names:  # datatrove's stage 2 merges sorted files
                with self.output_folder.open(name, mode="rb") as file:
                    records = np.frombuffer(file.read(), dtype=dtype).copy()
                records = records[lexicographic_order([records[name] for name in dtype.names])]
                with self.output_folder.open(name, mode="wb") as file:
                    file.write(records.tobytes())


def lexicographic_order(keys: list) -> Any:
    """Indices that sort rows by ``keys[0]``, then ``keys[1]``, ... (``np.lexsort(keys[::-1])``), ~10x faster
    when the first key is nearly unique, as MinHash values are: one sort by it, then a full sort of the runs of
    rows that tie on it (each run keeps its slots, since the first key orders the runs)."""
    import numpy as np

    order = np.argsort(keys[0], kind="stable")
    first = keys[0][order]
    tied = first[1:] == first[:-1]
    if tied.any():
        in_run = np.zeros(len(order), dtype=bool)
        in_run[1:] |= tied
        in_run[:-1] |= tied
        rows = order[in_run]
        order[in_run] = rows[np.lexsort([key[rows] for key in reversed(keys)])]
    return order


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
                if sum(len(part) for part in parts) < 2:  # no pair to compare (e.g. every input file empty)
                    return
                records, stem, file_id = np.concatenate(parts), np.concatenate(stems), np.concatenate(file_ids)
                keys = [records[f"h{i}"] for i in range(per_bucket)] + [file_id, records["doc"]]
                order = lexicographic_order(keys)  # signature, then file, then document
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
