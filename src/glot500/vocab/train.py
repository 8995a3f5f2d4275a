"""``glot500 vocab train``: alpha-sample a corpus, learn pieces in a tokenizer family, write an HF folder.

The pieces are learnt on the text exactly as the written tokenizer will normalise it: SentencePiece unigram
trains on the NFC of the sample (the folder puts NFC before SentencePiece's own normaliser), BPE families train
through the base's own normaliser and pre-tokeniser (:mod:`glot500.vocab.bpe`).

Output folder (an HF tokenizer folder, so it can be passed anywhere a tokenizer is expected):

    sentencepiece.bpe.model   unigram only: the SentencePiece model (XLM-R's file name)
    spm.vocab                 unigram only: piece<TAB>score, one per line (human-readable)
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
from glot500.vocab.family import DetectedTokenizer, TokenizerFamily, detect_tokenizer
from glot500.vocab.files import read_json_file
from glot500.vocab.spm import RareCharacters, rare_characters, spm_to_hf_tokenizer, train_spm

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


def training_family(config: VocabTrainConfig) -> tuple[TokenizerFamily, DetectedTokenizer | None]:
    """The family to train in: the base's (``like``), else ``family``, else unigram.

    Raises:
        InputError: ``like`` is not an extensible tokenizer, or ``family`` contradicts it.
    """
    base = detect_tokenizer(config.like) if config.like is not None else None
    if base is None:
        return config.family or TokenizerFamily.UNIGRAM, None
    if config.family is not None and config.family is not base.family:
        raise InputError(f"{config.like} is a {base.family} tokenizer, but family {config.family} was asked for")
    return base.family, base


def train_vocab(config: VocabTrainConfig) -> Path:
    """Run the whole training described by ``config``; returns the output folder."""
    from glot500.corpus.sampler import sample_corpus, write_sample

    started = time.perf_counter()
    family, base = training_family(config)
    if config.min_character_count > 1 and family is not TokenizerFamily.UNIGRAM:
        raise InputError(f"min_character_count: for unigram vocabularies only; a {family} vocabulary keeps every "
                         "character (as bytes where no piece covers it)")  # fmt: skip
    languages = select_languages(config.corpus, config.languages, config.head_only)
    sample = sample_corpus(config.corpus, config.sample_size, config.alpha, config.seed, config.head_weight, languages)
    sampled = {label: len(chunks) for label, chunks in sample.items()}
    logger.info("sampled %d chunks from %d language-scripts", sum(sampled.values()), len(sampled))
    if family is TokenizerFamily.UNIGRAM:
        sample = nfc_sample(sample)
    vocab_size, sizing = resolve_vocab_size(config, sample)
    output = Path(config.output)
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sample_file = write_sample(sample, Path(tmp) / "sample.txt", shuffle_seed=config.seed)
        del sample  # the file is all the trainer needs; free the texts before training
        sampled_at = time.perf_counter()
        rare = None
        if family is TokenizerFamily.UNIGRAM:
            rare = _rare_characters(config, sample_file)
            coverage = min(config.character_coverage, rare.coverage) if rare else config.character_coverage
            pieces = _train_unigram(config, vocab_size, coverage, sample_file, output)
        else:
            pieces = _train_bpe(config, vocab_size, family, base, sample_file, output)
        trained_at = time.perf_counter()
        if config.keep_sample:
            shutil.copy(sample_file, output / "sample.txt")
            shutil.copy(f"{sample_file}.langs", output / "sample.txt.langs")
    trainer = "spm" if family is TokenizerFamily.UNIGRAM else "bpe"
    if pieces < vocab_size:
        logger.warning("the sample yields %d pieces, fewer than vocab_size %d", pieces, vocab_size)
    write_manifest(
        output,
        stage="vocab.train",
        schema_version=TRAIN_SCHEMA_VERSION,
        config=config.model_dump(mode="json"),
        inputs={"corpus": str(config.corpus), "like": str(base.folder) if base else None},
        counts={"pieces": pieces, "sampled_chunks": sampled, **({"sizing": sizing} if sizing else {}),
                **({"rare_characters": rare.to_json()} if rare else {})},  # fmt: skip
        seconds={"sample": round(sampled_at - started, 2), f"train_{trainer}": round(trained_at - sampled_at, 2),
                 "total": round(time.perf_counter() - started, 2)},
        family=str(family),
    )  # fmt: skip
    logger.info("trained %d %s pieces in %.1fs -> %s", pieces, family, trained_at - sampled_at, output)
    return output


def nfc_sample(sample: dict[str, list[str]]) -> dict[str, list[str]]:
    """The sample in NFC, as the written unigram folder normalises (NFC before SentencePiece's own map).

    SentencePiece's map leaves some mark sequences decomposed that NFC composes (``i`` + U+0328 + U+0300 ->
    ``į`` + U+0300): trained on the raw text, ``į`` would never be a piece and the folder would turn it into
    ``<unk>`` although the model represents the raw text.
    """
    from glot500.vocab.fidelity import fast_nfc

    return {label: [fast_nfc(text) for text in chunks] for label, chunks in sample.items()}


def _rare_characters(config: VocabTrainConfig, sample_file: Path) -> RareCharacters | None:
    """With ``min_character_count`` > 1: the sample's rare characters, logged (they will stay ``<unk>``)."""
    if config.min_character_count <= 1:
        return None
    rare = rare_characters(sample_file, config.min_character_count)
    if rare.total and rare.occurrences == rare.total:
        raise InputError(f"{config.corpus}: min_character_count {rare.min_count}: every character of the sample is "
                         "seen fewer times; lower it")  # fmt: skip
    logger.info("min_character_count %d: %d characters seen fewer times get no piece (%d of %d character "
                "occurrences of the sample, %.3f %%); they stay <unk>", rare.min_count, rare.characters,
                rare.occurrences, rare.total, 100 * rare.occurrences / max(rare.total, 1))  # fmt: skip
    return rare


def _train_unigram(
    config: VocabTrainConfig, vocab_size: int, coverage: float, sample_file: Path, output: Path
) -> int:  # fmt: skip
    try:
        model_file = train_spm(
            sample_file,
            sample_file.with_name("spm"),
            vocab_size=vocab_size,
            character_coverage=coverage,
            byte_fallback=config.byte_fallback,
            num_threads=config.num_threads,
            input_sentence_size=config.input_sentence_size,
        )
    except RuntimeError as err:  # e.g. "Vocabulary size is smaller than required_chars"
        raise InputError(f"SentencePiece training failed: {str(err).split('] ')[-1]}") from None
    spm_to_hf_tokenizer(model_file, output)
    shutil.copy(model_file.with_suffix(".vocab"), output / "spm.vocab")
    return len((output / "spm.vocab").read_text(encoding="utf-8").splitlines())


def _train_bpe(
    config: VocabTrainConfig,
    vocab_size: int,
    family: TokenizerFamily,
    base: DetectedTokenizer | None,
    sample_file: Path,
    output: Path,
) -> int:
    from glot500.vocab.bpe import save_bpe_folder, train_bpe

    base_json = read_json_file(base.tokenizer_json) if base is not None and base.tokenizer_json else None
    with open(sample_file, encoding="utf-8") as handle:
        lines = sum(1 for _ in handle)
    with open(sample_file, encoding="utf-8") as handle:
        texts = (line.rstrip("\n") for line in handle)
        tokenizer = train_bpe(texts, family, vocab_size, base_json, config.min_frequency, length=lines)
    save_bpe_folder(tokenizer, output, base.folder if base is not None else None)
    return tokenizer.get_vocab_size()
