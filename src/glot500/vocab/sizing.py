"""A vocabulary sized to its corpus: stop adding pieces where held-out compression stops improving.

``vocab_size: auto`` in ``glot500 vocab train`` (and the pipeline's ``extend.vocab``). A SentencePiece model learns
as many pieces as it is asked for; from a small corpus the last thousands are whole phrases of that corpus (a
UDHR sentence's worth of characters in one piece), which compress the training text further but never fire on
other text, and which a model then learns to predict with confidence they do not deserve. The rule:

1. Hold out a share of each language's distinct chunks (every copy of a held-out chunk leaves the training part,
   since the language sampler repeats the chunks of small languages).
2. Train one probe model of ``max_size`` pieces on the training part.
3. For sizes of the alphabet (every single character, which always stays, so no text turns into ``<unk>``)
   plus ``min_size``, ``2 * min_size``, ... longer pieces, up to ``max_size``, keep the probe's best-scored
   pieces and measure tokens per character on the held-out
   chunks and on the training chunks, each averaged over languages (each language counts once).
4. Take the largest size before either sign that the new pieces stop paying: its held-out tokens per character
   exceed the training chunks' by more than ``max_gap`` (the pieces fit the corpus, not the languages: the
   *memorisation gap*, the same figure ``glot500 vocab report`` warns about), or doubling to it gains less than
   ``min_gain`` in held-out tokens per character. The vocabulary is then trained on the whole sample at that size.

Less text saturates sooner, so a smaller corpus gets fewer pieces. The curve (held-out and training tokens per
character per size) is written into the tokenizer's manifest, so the choice can be checked.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from glot500.core.config import StrictModel

Sample = dict[str, list[str]]  # {label: [chunk, ...]} as glot500.corpus.sampler draws it


class SizingOptions(StrictModel):
    """How ``vocab_size: auto`` chooses the number of pieces (module docstring)."""

    min_size: int = Field(1000, gt=3, description="the smallest size tried (pieces, specials included)")
    max_size: int = Field(32_000, gt=3, description="the probe's size: the largest size tried")
    min_gain: float = Field(
        0.03, gt=0, lt=1, description="stop doubling when held-out tokens per character improve by less than this"
    )
    max_gap: float = Field(
        0.02, gt=0, description="stop before held-out tokens per character exceed the training text's by this share"
    )
    heldout_share: float = Field(0.1, gt=0, lt=1, description="share of each language's distinct chunks held out")


@dataclass
class SizingResult:
    """The chosen size and the curve it was read from."""

    vocab_size: int
    curve: list[dict[str, float]] = field(default_factory=list)  # {pieces, heldout_tokens_per_char, training_...}
    heldout_languages: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "heldout_languages": self.heldout_languages, "curve": self.curve}


def split_heldout(sample: Sample, share: float, seed: int = 0) -> tuple[Sample, Sample]:
    """``(training, heldout)``: per language, ``share`` of its distinct chunks (at least one, when it has two or
    more) with every copy of them go to held-out; the rest, repeats kept, to training."""
    rng = random.Random(seed)
    training: Sample = {}
    heldout: Sample = {}
    for label, chunks in sorted(sample.items()):
        distinct = sorted(set(chunks))
        if len(distinct) < 2:
            training[label] = list(chunks)
            continue
        held = set(rng.sample(distinct, max(1, round(share * len(distinct)))))
        heldout[label] = sorted(held)
        training[label] = [chunk for chunk in chunks if chunk not in held]
    return training, heldout


def candidate_sizes(min_size: int, max_size: int) -> list[int]:
    """``min_size`` doubling while below ``max_size``, then ``max_size``: ``1000 -> [1000, 2000, ..., 32000]``."""
    sizes = [min_size]
    while sizes[-1] * 2 < max_size:
        sizes.append(sizes[-1] * 2)
    if sizes[-1] < max_size:
        sizes.append(max_size)
    return sizes


def alphabet_sizes(proto: Any, min_size: int, max_size: int) -> list[int]:
    """Sizes to try: the alphabet (special pieces and every single character, which all stay) plus ``min_size``,
    ``2 * min_size``, ... longer pieces, up to ``max_size`` (a corpus in hundreds of scripts has thousands of
    characters, so the doubling counts the pieces that are more than a character)."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    normal = model_pb2.ModelProto.SentencePiece.NORMAL
    alphabet = sum(1 for piece in proto.pieces if piece.type != normal or len(piece.piece) == 1)
    if alphabet >= max_size:
        return [max_size]
    return [alphabet + extra for extra in candidate_sizes(min(min_size, max_size - alphabet), max_size - alphabet)]


def pruned_model(proto: Any, size: int) -> bytes:
    """A serialized copy of a SentencePiece ``ModelProto`` keeping ``size`` pieces: special pieces, every single
    character, then the best-scored longer pieces."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    normal = model_pb2.ModelProto.SentencePiece.NORMAL
    always = [i for i, piece in enumerate(proto.pieces) if piece.type != normal or len(piece.piece) == 1]
    longer = sorted(
        (i for i, piece in enumerate(proto.pieces) if piece.type == normal and len(piece.piece) > 1),
        key=lambda i: -proto.pieces[i].score,
    )
    keep = set(always) | set(longer[: max(0, size - len(always))])
    pruned = model_pb2.ModelProto()
    pruned.CopyFrom(proto)
    del pruned.pieces[:]
    pruned.pieces.extend(piece for i, piece in enumerate(proto.pieces) if i in keep)  # the id order kept
    return pruned.SerializeToString()


def tokens_per_char(processor: Any, texts: Sample) -> dict[str, float]:
    """Tokens per character of each language's texts under a SentencePiece processor."""
    out: dict[str, float] = {}
    for label, chunks in texts.items():
        chars = sum(len(chunk) for chunk in chunks)
        if chars:
            out[label] = sum(len(ids) for ids in processor.encode(chunks)) / chars
    return out


def choose_size(curve: list[dict[str, float]], min_gain: float, max_gap: float = float("inf")) -> int:
    """The largest size of the curve before the memorisation gap exceeds ``max_gap`` or a doubling gains less
    than ``min_gain`` in held-out tokens per character (the smallest size when even it is past the gap)."""
    chosen = curve[0]
    for point in curve[1:]:
        gain = 1 - point["heldout_tokens_per_char"] / chosen["heldout_tokens_per_char"]
        gap = point["heldout_tokens_per_char"] / point.get("training_tokens_per_char", point["heldout_tokens_per_char"])
        if gain < min_gain or gap - 1 > max_gap:
            break
        chosen = point
    return int(chosen["pieces"])


def choose_vocab_size(sample: Sample, options: SizingOptions, seed: int = 0, num_threads: int = 2) -> SizingResult:
    """Measure held-out compression of a probe model at doubling sizes and pick one (module docstring)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    from glot500.vocab.spm import train_spm

    training, heldout = split_heldout(sample, options.heldout_share, seed)
    if not heldout:  # nothing to measure on: every language has a single distinct chunk
        return SizingResult(options.min_size)
    texts = [chunk for chunks in training.values() for chunk in chunks]
    random.Random(seed).shuffle(texts)
    with tempfile.TemporaryDirectory() as tmp:
        model_file = train_spm(texts, Path(tmp) / "probe", vocab_size=options.max_size, num_threads=num_threads)
        proto = model_pb2.ModelProto()
        proto.ParseFromString(model_file.read_bytes())
    probe_size = len(proto.pieces)  # a small corpus may yield fewer pieces than asked for
    training_eval = {label: sorted(set(chunks)) for label, chunks in training.items() if label in heldout}
    curve: list[dict[str, float]] = []
    for size in alphabet_sizes(proto, options.min_size, probe_size):
        processor = spm.SentencePieceProcessor(model_proto=pruned_model(proto, size))
        curve.append(
            {
                "pieces": size,
                "heldout_tokens_per_char": statistics.fmean(tokens_per_char(processor, heldout).values()),
                "training_tokens_per_char": statistics.fmean(tokens_per_char(processor, training_eval).values()),
            }
        )
    return SizingResult(choose_size(curve, options.min_gain, options.max_gap), curve, len(heldout))
