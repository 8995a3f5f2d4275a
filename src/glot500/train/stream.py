"""Packed sequences, a resumable language-mixing stream, and BERT masking, all deterministic for a seed.

Packing: a language's shard is its documents' ids, each followed by ``</s>``; sequence ``k`` of a shard is
``<s>`` plus the next ``seq_len - 1`` ids. Sequences never mix languages (so losses can be kept per
language); a shard's last sequence is right-padded with ``<pad>`` (masked out of attention).

Mixing: each sequence's language is drawn with the alpha-sampler probabilities; within a language the
sequences come in a fresh random order each epoch. Training in phases changes the probabilities at fixed
stream positions (a phase starting at step ``s`` starts at position ``s * global_batch_size``). The
stream's whole state (position, per-language cursors, generator state, current phase and its
probabilities) is a small JSON-able dict, saved in every checkpoint.

Masking: BERT's recipe (Devlin et al. 2019): ``round(mask_prob * n)`` of a sequence's ``n`` non-special
tokens are predicted; of those 80% become ``<mask>``, 10% a random regular token, 10% stay. The random
draws of sequence ``i`` of the stream come from a generator seeded by ``(seed, i)``, so a batch is the same
however the global batch is split over processes and micro-batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from glot500.train.shards import Shard


@dataclass(frozen=True)
class SpecialIds:
    """The token ids the data pipeline needs (XLM-R: <s>=0, <pad>=1, </s>=2, <unk>=3, <mask>=last)."""

    bos: int
    eos: int
    pad: int
    mask: int
    vocab_size: int
    never_masked: tuple[int, ...]

    @classmethod
    def from_tokenizer(cls, tokenizer: Any) -> SpecialIds:
        never = sorted({int(i) for i in tokenizer.all_special_ids})
        return cls(
            bos=tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.cls_token_id,
            eos=tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id,
            pad=tokenizer.pad_token_id,
            mask=tokenizer.mask_token_id,
            vocab_size=len(tokenizer),
            never_masked=tuple(never),
        )


class PackedLanguage:
    """All sequences of one language over its shards, addressed ``0 .. len - 1``."""

    def __init__(self, label: str, shards: list[Shard], seq_len: int) -> None:
        self.label = label
        self.seq_len = seq_len
        self.arrays = [shard.load() for shard in shards if shard.tokens > 0]
        body = seq_len - 1  # one slot for <s>
        counts = [-(-len(array) // body) for array in self.arrays]
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.tokens = sum(len(array) for array in self.arrays)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def sequence(self, index: int, ids: SpecialIds) -> np.ndarray:
        """Sequence ``index`` as ``(seq_len,)`` int64: ``<s>`` + tokens, right-padded with ``<pad>``."""
        shard = int(np.searchsorted(self.starts, index, side="right")) - 1
        body = self.seq_len - 1
        offset = (index - int(self.starts[shard])) * body
        chunk = self.arrays[shard][offset : offset + body]
        out = np.full(self.seq_len, ids.pad, dtype=np.int64)
        out[0] = ids.bos
        out[1 : 1 + len(chunk)] = chunk
        return out


class MixedStream:
    """An endless, seeded stream of ``(language, sequence, position)`` picks whose state can be saved.

    Args:
        probabilities: one per language, in the order of ``languages``.
        schedule: ``[(first position, probabilities), ...]`` to change the mix at those positions (phases);
            the first entry must start at 0. Default: ``probabilities`` throughout.
    """

    def __init__(
        self,
        languages: list[PackedLanguage],
        probabilities: list[float] | None,
        seed: int,
        schedule: list[tuple[int, list[float]]] | None = None,
    ) -> None:
        self.languages = languages
        if schedule is None:
            schedule = [(0, probabilities)]
        if schedule[0][0] != 0 or any(a[0] >= b[0] for a, b in zip(schedule, schedule[1:], strict=False)):
            raise ValueError(f"schedule positions must start at 0 and increase: {[start for start, _ in schedule]}")
        self.schedule = [(int(start), np.asarray(p, dtype=np.float64)) for start, p in schedule]
        self.seed = seed
        self.rng = np.random.default_rng([seed, 0x5EED])
        self.position = 0
        self.cursors = [0] * len(languages)
        self._orders: dict[int, tuple[int, np.ndarray]] = {}

    @property
    def phase(self) -> int:
        """Index of the schedule entry the next pick is drawn from."""
        return max(i for i, (start, _) in enumerate(self.schedule) if start <= self.position)

    @property
    def probabilities(self) -> np.ndarray:
        return self.schedule[self.phase][1]

    def take(self, count: int) -> list[tuple[int, int, int]]:
        """The next ``count`` picks ``(language index, sequence index, stream position)``."""
        picks: list[tuple[int, int, int]] = []
        while len(picks) < count:  # one draw per schedule entry the picks span (one, unless at a boundary)
            phase = self.phase
            end = self.schedule[phase + 1][0] if phase + 1 < len(self.schedule) else None
            size = count - len(picks) if end is None else min(count - len(picks), end - self.position)
            chosen = self.rng.choice(len(self.languages), size=size, p=self.schedule[phase][1])
            for language in chosen.tolist():
                picks.append(self._next_of(language))
        return picks

    def _next_of(self, language: int) -> tuple[int, int, int]:
        cursor = self.cursors[language]
        size = len(self.languages[language])
        pick = (language, int(self._order(language, cursor // size)[cursor % size]), self.position)
        self.cursors[language] = cursor + 1
        self.position += 1
        return pick

    def _order(self, language: int, epoch: int) -> np.ndarray:
        """This epoch's permutation of a language's sequences (only the current one is kept)."""
        cached = self._orders.get(language)
        if cached is None or cached[0] != epoch:
            rng = np.random.default_rng([self.seed, 0x0DE5, language, epoch])
            cached = (epoch, rng.permutation(len(self.languages[language])))
            self._orders[language] = cached
        return cached[1]

    def state_dict(self) -> dict[str, Any]:
        labels = [lang.label for lang in self.languages]
        return {
            "position": self.position,
            "cursors": dict(zip(labels, self.cursors, strict=True)),
            "rng": self.rng.bit_generator.state,
            "phase": self.phase,
            "probabilities": dict(zip(labels, self.probabilities.tolist(), strict=True)),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        from glot500.core.errors import ConfigError

        labels = [lang.label for lang in self.languages]
        if sorted(state["cursors"]) != sorted(labels):
            raise ConfigError(
                f"the checkpoint's data stream covers {sorted(state['cursors'])} but this run's corpus has {labels}: "
                "resume with the same data, or give a new output_dir"
            )
        self.position = int(state["position"])
        self.cursors = [int(state["cursors"][label]) for label in labels]
        self.rng.bit_generator.state = state["rng"]
        saved = state.get("probabilities")  # absent in checkpoints written before phases existed
        if saved is not None and (
            state["phase"] != self.phase or [saved[label] for label in labels] != list(self.probabilities)
        ):
            raise ConfigError(
                f"the checkpoint's data stream is in phase {state['phase']} with other language probabilities than "
                f"this config gives at stream position {self.position} (phase {self.phase}): resume with the same "
                "data.alpha / head_weight / head_floor and phases, or give a new output_dir"
            )


@dataclass
class Batch:
    """One micro-batch on the host; ``positions`` index the flattened ``(batch * seq)`` tokens."""

    input_ids: torch.Tensor  # (batch, seq) int64
    attention_mask: torch.Tensor | None  # (batch, seq), None when nothing is padded
    positions: torch.Tensor  # (masked,) int64
    labels: torch.Tensor  # (masked,) original ids at those positions
    languages: torch.Tensor  # (masked,) language index of each masked token
    tokens: int  # non-pad tokens

    def to(self, device: torch.device) -> Batch:
        def move(tensor: torch.Tensor | None) -> torch.Tensor | None:
            if tensor is None or device.type == "cpu":
                return tensor
            return tensor.pin_memory().to(device, non_blocking=True)

        return Batch(
            move(self.input_ids), move(self.attention_mask), move(self.positions), move(self.labels),
            move(self.languages), self.tokens,
        )  # fmt: skip


def mask_tokens(
    ids: np.ndarray,
    rng: np.random.Generator,
    special: SpecialIds,
    mask_prob: float,
    regular: np.ndarray,
    never: np.ndarray | None = None,
):
    """BERT 80/10/10 masking of one sequence; returns ``(masked ids, positions, labels)``.

    Args:
        regular: the ids a "random token" replacement draws from (no special tokens).
        never: optional boolean table over the vocabulary, True for ids never masked (faster than ``isin``).
    """
    excluded = never[ids] if never is not None else np.isin(ids, special.never_masked)
    candidates = np.flatnonzero(~excluded)
    count = int(round(len(candidates) * mask_prob))
    if len(candidates) and count == 0:
        count = 1
    positions = np.sort(rng.choice(candidates, size=count, replace=False))
    labels = ids[positions]
    draw = rng.random(count)
    out = ids.copy()
    out[positions[draw < 0.8]] = special.mask
    randomised = positions[(draw >= 0.8) & (draw < 0.9)]
    out[randomised] = regular[rng.integers(0, len(regular), size=len(randomised))]
    return out, positions, labels


class BatchBuilder:
    """Turns stream picks into masked micro-batches; each process builds its own slice of a global batch."""

    def __init__(
        self,
        stream: MixedStream,
        special: SpecialIds,
        mask_prob: float,
        micro_batch_size: int,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self.stream = stream
        self.special = special
        self.mask_prob = mask_prob
        self.micro_batch_size = micro_batch_size
        self.rank = rank
        self.world_size = world_size
        self.never = np.zeros(special.vocab_size, dtype=bool)
        self.never[list(special.never_masked)] = True
        self.regular = np.flatnonzero(~self.never)  # random replacements are never special tokens

    def next(self) -> Batch:
        """The next micro-batch of this process (all processes advance the stream equally)."""
        picks = self.stream.take(self.micro_batch_size * self.world_size)
        mine = picks[self.rank * self.micro_batch_size : (self.rank + 1) * self.micro_batch_size]
        rows, positions, labels, languages = [], [], [], []
        seq_len = self.stream.languages[0].seq_len
        for row, (language, sequence, position) in enumerate(mine):
            ids = self.stream.languages[language].sequence(sequence, self.special)
            rng = np.random.default_rng([self.stream.seed, 0x3A5C, position])
            masked, where, original = mask_tokens(ids, rng, self.special, self.mask_prob, self.regular, self.never)
            rows.append(masked)
            positions.append(where + row * seq_len)
            labels.append(original)
            languages.append(np.full(len(where), language, dtype=np.int64))
        input_ids = torch.from_numpy(np.stack(rows))
        padding = input_ids == self.special.pad
        return Batch(
            input_ids=input_ids,
            attention_mask=(~padding).long() if bool(padding.any()) else None,
            positions=torch.from_numpy(np.concatenate(positions)),
            labels=torch.from_numpy(np.concatenate(labels)),
            languages=torch.from_numpy(np.concatenate(languages)),
            tokens=int((~padding).sum()),
        )
