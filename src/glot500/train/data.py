"""From a corpus folder to a :class:`BatchBuilder`: discover languages, tokenize (cached), pack, mix."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glot500.core.errors import ConfigError, InputError
from glot500.train.config import TrainConfig
from glot500.train.distributed import Context, barrier, gather_objects
from glot500.train.phases import Phase
from glot500.train.shards import Shard, build_shards, load_shards, tokenizer_fingerprint
from glot500.train.stream import BatchBuilder, MixedStream, PackedLanguage, SpecialIds

logger = logging.getLogger(__name__)


@dataclass
class TrainingData:
    """The batch builder plus what the manifest and metrics need to know about the data."""

    builder: BatchBuilder
    labels: list[str]
    is_head: list[bool]
    probabilities: dict[str, float]  # of the first phase
    counts: dict[str, dict[str, int]]
    phase_probabilities: list[dict[str, float]] = field(default_factory=list)  # one per phase
    failures: list[dict[str, str | None]] = field(default_factory=list)  # language None: no label in the name
    tokenizer_hash: str = ""


def prepare_data(
    config: TrainConfig,
    tokenizer: Any,
    context: Context,
    micro_batch_size: int,
    phases: list[Phase],
    causal: bool = False,
) -> TrainingData:
    """Tokenize missing shards (split over processes), then build the same mixed stream on every process.

    Each phase gets its own language probabilities (its alpha and head floor); the stream switches to them
    at the phase's first sequence, ``phase.start * global_batch_size``. ``causal``: next-token batches
    (:mod:`glot500.train.causal`) instead of masked ones.
    """
    from glot500.corpus.reader import discover_languages
    from glot500.languages import is_head

    bad_names: list[tuple[Path, str]] = []
    files = _select_languages(discover_languages(config.data.corpus, bad_names), config.data.languages,
                              config.data.corpus)  # fmt: skip
    if context.is_main:
        for path, reason in bad_names:
            logger.error("%s: %s; skipped", path, reason)
    cache_dir = config.data.cache_dir or config.output_dir / "token_cache"
    failures = build_shards(
        files, tokenizer, Path(cache_dir), config.data.tokenize_batch_size, context.rank, context.world_size,
        progress=config.progress,
    )  # fmt: skip
    barrier(context)  # every shard exists (or failed) before anyone reads them
    failures = [failure for part in gather_objects(failures, context) for failure in part]
    shards = load_shards(files, tokenizer, Path(cache_dir))
    languages = [PackedLanguage(label, shards[label], config.data.seq_len) for label in sorted(shards)]
    empty = [lang.label for lang in languages if len(lang) == 0]
    if empty:
        logger.warning("no tokens for %s: left out", ", ".join(empty))
    languages = [lang for lang in languages if len(lang) > 0]
    if not languages:
        raise InputError(f"{config.data.corpus}: no language has any tokens")
    sizes = {lang.label: len(lang) for lang in languages}
    if any(other != sizes for other in gather_objects(sizes, context)):
        raise InputError(f"processes see different token shards in {cache_dir}: on several nodes data.cache_dir "
                         "must be on a filesystem they all share")  # fmt: skip
    per_phase = [_probabilities(sizes, phase, config.data.head_weight) for phase in phases]
    schedule = [(phase.start * config.global_batch_size, [probs[lang.label] for lang in languages])
                for phase, probs in zip(phases, per_phase, strict=True)]  # fmt: skip
    stream = MixedStream(languages, None, config.seed, schedule)
    if causal:
        from glot500.train.causal import CausalBatchBuilder, causal_special_ids

        special = causal_special_ids(tokenizer)
        builder: BatchBuilder = CausalBatchBuilder(
            stream, special, config.data.mask_prob, micro_batch_size, context.rank, context.world_size
        )
    else:
        special = SpecialIds.from_tokenizer(tokenizer)
        builder = BatchBuilder(stream, special, config.data.mask_prob, micro_batch_size, context.rank, context.world_size)
    counts = {
        lang.label: {
            "sequences": len(lang),
            "tokens": lang.tokens,
            "documents": sum(s.documents for s in shards[lang.label]),
            **text_counts(shards[lang.label]),
        }
        for lang in languages
    }
    if context.is_main:
        _log_text_problems(shards)
    if context.is_main:
        logger.info("%d languages, %d sequences of %d tokens", len(languages), sum(sizes.values()), config.data.seq_len)
    return TrainingData(
        builder=builder,
        labels=[lang.label for lang in languages],
        is_head=[is_head(lang.label) for lang in languages],
        probabilities=per_phase[0],
        counts=counts,
        phase_probabilities=per_phase,
        failures=[{"language": label, "file": str(file), "error": error} for label, file, error in failures]
        + [{"language": None, "file": str(path), "error": reason} for path, reason in bad_names],
        tokenizer_hash=tokenizer_fingerprint(tokenizer),
    )


def text_counts(shards: list[Shard]) -> dict[str, Any]:
    """A language's lines dropped and repaired while reading its files, by reason, and its files' read errors
    (only the keys that are not empty)."""
    dropped: Counter = Counter()
    repaired: Counter = Counter()
    read_errors: list[str] = []
    for shard in shards:
        dropped.update(shard.text.get("dropped", {}))
        repaired.update(shard.text.get("repaired", {}))
        if shard.text.get("read_error"):
            read_errors.append(f"{shard.source}: {shard.text['read_error']}")
    out: dict[str, Any] = {"dropped_lines": dict(dropped), "repaired_lines": dict(repaired), "read_errors": read_errors}
    return {key: value for key, value in out.items() if value}


def _log_text_problems(shards: dict[str, list[Shard]]) -> None:
    for label in sorted(shards):
        for shard in shards[label]:
            text = shard.text
            dropped = ", ".join(f"{n} ({reason})" for reason, n in sorted(text.get("dropped", {}).items()))
            if dropped:
                logger.warning("%s (%s): lines dropped: %s", shard.source, label, dropped)
            if text.get("repaired", {}).get("bom"):
                logger.info("%s (%s): byte-order mark removed", shard.source, label)
            if text.get("read_error"):
                logger.warning("%s (%s): read stopped, the %d documents before were kept: %s", shard.source, label,
                               shard.documents, text["read_error"])  # fmt: skip


def _probabilities(sizes: dict[str, int], phase: Phase, head_weight: float) -> dict[str, float]:
    from glot500.corpus.sampler import sampling_probabilities

    try:
        return sampling_probabilities(sizes, phase.alpha, head_weight, phase.head_floor)
    except ValueError as error:  # e.g. head_floor > 0 with head_weight 0
        raise ConfigError(f"phase {phase.name}: {error}") from None


def _select_languages(found: dict[str, list[Path]], wanted: list[str] | None, corpus: Path) -> dict[str, list[Path]]:
    if wanted is None:
        return found
    from glot500.languages import LangScript

    labels = [str(LangScript.parse(label)) for label in wanted]
    missing = sorted(set(labels) - set(found))
    if missing:
        raise InputError(f"{corpus}: no data for data.languages {', '.join(missing)}")
    return {label: found[label] for label in labels}
