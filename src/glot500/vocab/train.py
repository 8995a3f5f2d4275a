"""``glot500 vocab train``: alpha-sample a corpus, train a SentencePiece unigram model, write an HF folder.

Output folder (an HF tokenizer folder, so it can be passed anywhere a tokenizer is expected):

    sentencepiece.bpe.model   the SentencePiece model (XLM-R's file name; unigram)
    spm.vocab                 piece<TAB>score, one per line (human-readable)
    tokenizer.json, tokenizer_config.json
    manifest.json             config, input hashes, chunks sampled per language, timings
    sample.txt(.langs)        only with keep_sample
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

from glot500.core.errors import InputError
from glot500.core.manifest import write_manifest
from glot500.vocab.config import VocabTrainConfig
from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

logger = logging.getLogger(__name__)

TRAIN_SCHEMA_VERSION = 1


def select_languages(corpus: Path, languages: list[str] | None, head_only: bool) -> list[str] | None:
    """The labels to sample from (``None``: all of the corpus).

    Raises:
        InputError: the selection is empty (e.g. ``head_only`` on a corpus without head languages).
    """
    if languages is None and not head_only:
        return None
    from glot500.corpus.reader import discover_languages
    from glot500.languages import is_head, normalize

    available = discover_languages(corpus)
    chosen = [normalize(label) for label in languages] if languages is not None else sorted(available)
    missing = sorted(set(chosen) - set(available))
    if missing:
        raise InputError(f"{corpus}: no data for {', '.join(missing)}")
    if head_only:
        chosen = [label for label in chosen if is_head(label)]
    if not chosen:
        raise InputError(f"{corpus}: no language left to train on (head_only={head_only}, languages={languages})")
    return sorted(chosen)


def resolve_vocab_size(config: VocabTrainConfig, sample: dict[str, list[str]]) -> tuple[int, dict | None]:
    """``config.vocab_size``, or for ``auto`` the size :mod:`glot500.vocab.sizing` reads off held-out compression
    (with its curve, for the manifest)."""
    if config.vocab_size != "auto":
        return config.vocab_size, None
    from glot500.vocab.sizing import choose_vocab_size

    result = choose_vocab_size(sample, config.sizing, config.seed, config.num_threads)
    logger.info("vocab_size auto: %d pieces (held-out compression over %d languages)", result.vocab_size,
                result.heldout_languages)  # fmt: skip
    return result.vocab_size, result.to_json()


def train_vocab(config: VocabTrainConfig) -> Path:
    """Run the whole training described by ``config``; returns the output folder."""
    from glot500.corpus.sampler import sample_corpus, write_sample

    started = time.perf_counter()
    languages = select_languages(config.corpus, config.languages, config.head_only)
    sample = sample_corpus(config.corpus, config.sample_size, config.alpha, config.seed, config.head_weight, languages)
    sampled = {label: len(chunks) for label, chunks in sample.items()}
    vocab_size, sizing = resolve_vocab_size(config, sample)
    logger.info("sampled %d chunks from %d language-scripts", sum(sampled.values()), len(sampled))
    output = Path(config.output)
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sample_file = write_sample(sample, Path(tmp) / "sample.txt", shuffle_seed=config.seed)
        del sample  # the file is all SentencePiece needs; free the texts before training
        sampled_at = time.perf_counter()
        try:
            model_file = train_spm(
                sample_file,
                Path(tmp) / "spm",
                vocab_size=vocab_size,
                character_coverage=config.character_coverage,
                byte_fallback=config.byte_fallback,
                num_threads=config.num_threads,
                input_sentence_size=config.input_sentence_size,
            )
        except RuntimeError as err:  # e.g. "Vocabulary size is smaller than required_chars"
            raise InputError(f"SentencePiece training failed: {str(err).split('] ')[-1]}") from None
        trained_at = time.perf_counter()
        spm_to_hf_tokenizer(model_file, output)
        shutil.copy(model_file.with_suffix(".vocab"), output / "spm.vocab")
        if config.keep_sample:
            shutil.copy(sample_file, output / "sample.txt")
            shutil.copy(f"{sample_file}.langs", output / "sample.txt.langs")
    pieces = len((output / "spm.vocab").read_text(encoding="utf-8").splitlines())
    if pieces < vocab_size:
        logger.warning("the sample yields %d pieces, fewer than vocab_size %d", pieces, vocab_size)
    write_manifest(
        output,
        stage="vocab.train",
        schema_version=TRAIN_SCHEMA_VERSION,
        config=config.model_dump(mode="json"),
        inputs={"corpus": str(config.corpus)},
        counts={"pieces": pieces, "sampled_chunks": sampled, **({"sizing": sizing} if sizing else {})},
        seconds={"sample": round(sampled_at - started, 2), "train_spm": round(trained_at - sampled_at, 2),
                 "total": round(time.perf_counter() - started, 2)},
    )  # fmt: skip
    logger.info("trained %d pieces in %.1fs -> %s", pieces, trained_at - sampled_at, output)
    return output
