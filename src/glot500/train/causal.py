"""The causal objective: next-token loss over packed sequences, never across a document boundary.

**Batches.** Sequences are packed as for the masked objective (:mod:`glot500.train.stream`): ``<bos>`` and then
the next ``seq_len - 1`` ids of a language's documents, each document followed by the model's EOS. Position
``i`` predicts id ``i + 1``. A position holding EOS is *not* scored: the next id starts another document, which
the previous one cannot predict. Attention is not cut at the boundary (the next document sees the previous one
through the EOS, as in GPT-2 and Llama pretraining); only the loss is. Padding (the last sequence of a shard) is
neither attended to nor scored. The batch has the masked objective's layout (``positions`` into the flattened
tokens, ``labels``, a language per scored token), so the loop, its per-language accounting, phases, resume and
DDP are the same for both objectives.

**Loss.** ``(tokens x vocabulary)`` logits are never materialised at once: the hidden states of the scored
positions pass through the LM head and cross-entropy ``chunk`` rows at a time, each chunk under activation
checkpointing, so the backward pass recomputes its logits instead of keeping them (peak: ``chunk x vocab``
floats, not ``tokens x vocab``). On CUDA, when ``liger_kernel`` is installed and the head is a plain linear
layer, Liger's fused linear cross-entropy does the same in one Triton kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from glot500.train.stream import Batch, BatchBuilder, PackedLanguage, SpecialIds

DEFAULT_CHUNK = 2048  # rows of logits alive at once: 2048 x 128K vocabulary x 4 bytes = 1 GiB


def causal_special_ids(tokenizer: Any) -> SpecialIds:
    """Special ids for packing causal sequences: no ``<mask>``; ``<bos>`` and ``<pad>`` default to EOS.

    Qwen's tokenizers have no BOS and many causal tokenizers no pad token: EOS stands in (padding is told
    apart by position, not by id, see :func:`real_length`).
    """
    eos = tokenizer.eos_token_id
    if eos is None:
        from glot500.core.errors import ConfigError

        raise ConfigError("the tokenizer has no EOS token: a causal model needs one to separate documents")
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else eos
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    never = tuple(sorted({int(i) for i in tokenizer.all_special_ids}))
    return SpecialIds(bos=bos, eos=eos, pad=pad, mask=-1, vocab_size=len(tokenizer), never_masked=never)


def real_length(language: PackedLanguage, index: int) -> int:
    """Tokens of sequence ``index`` that are not padding (``<bos>`` included)."""
    shard = int(np.searchsorted(language.starts, index, side="right")) - 1
    body = language.seq_len - 1
    offset = (index - int(language.starts[shard])) * body
    return 1 + min(body, len(language.arrays[shard]) - offset)


def causal_targets(ids: np.ndarray, length: int, eos: int) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, labels)`` of one packed sequence: ``i`` predicts ``ids[i + 1]`` unless ``ids[i]`` is EOS.

    Position 0 (``<bos>``) always predicts, even where BOS and EOS are one id.
    """
    positions = np.arange(length - 1)
    keep = ids[: length - 1] != eos
    keep[0] = True
    positions = positions[keep]
    return positions, ids[positions + 1]


class CausalBatchBuilder(BatchBuilder):
    """Micro-batches for the causal objective from the same stream (no masking, every real next token scored)."""

    def next(self) -> Batch:
        picks = self.stream.take(self.micro_batch_size * self.world_size)
        mine = picks[self.rank * self.micro_batch_size : (self.rank + 1) * self.micro_batch_size]
        rows, positions, labels, languages, lengths = [], [], [], [], []
        seq_len = self.stream.languages[0].seq_len
        for row, (language, sequence, _) in enumerate(mine):
            packed = self.stream.languages[language]
            ids = packed.sequence(sequence, self.special)
            length = real_length(packed, sequence)
            where, targets = causal_targets(ids, length, self.special.eos)
            rows.append(ids)
            positions.append(where + row * seq_len)
            labels.append(targets)
            languages.append(np.full(len(where), language, dtype=np.int64))
            lengths.append(length)
        input_ids = torch.from_numpy(np.stack(rows))
        real = torch.arange(seq_len)[None, :] < torch.tensor(lengths)[:, None]  # (batch, seq)
        return Batch(
            input_ids=input_ids,
            attention_mask=None if bool(real.all()) else real.long(),
            positions=torch.from_numpy(np.concatenate(positions)),
            labels=torch.from_numpy(np.concatenate(labels)),
            languages=torch.from_numpy(np.concatenate(languages)),
            tokens=int(real.sum()),
        )


def _chunk_loss(head: Callable[[torch.Tensor], torch.Tensor], hidden: torch.Tensor, labels: torch.Tensor):
    return F.cross_entropy(head(hidden).float(), labels, reduction="none")  # (chunk,)


def chunked_cross_entropy(
    hidden: torch.Tensor, head: Callable[[torch.Tensor], torch.Tensor], labels: torch.Tensor, chunk: int = DEFAULT_CHUNK
) -> torch.Tensor:
    """Per-row cross-entropy of ``head(hidden)`` against ``labels``, ``chunk`` rows of logits at a time.

    Args:
        hidden: ``(n, hidden)`` states of the scored positions.
        head: hidden -> logits ``(n, vocab)``.
        labels: ``(n,)`` target ids.

    Returns: ``(n,)`` float32 losses; the backward pass recomputes each chunk's logits (checkpointing).
    """
    if hidden.shape[0] <= chunk:
        return _chunk_loss(head, hidden, labels)
    parts = [
        checkpoint(_chunk_loss, head, hidden[start : start + chunk], labels[start : start + chunk], use_reentrant=False)
        for start in range(0, hidden.shape[0], chunk)
    ]
    return torch.cat(parts)


def liger_available(device: torch.device) -> bool:
    """Whether Liger's fused linear cross-entropy can run here (CUDA and ``liger_kernel`` installed)."""
    if device.type != "cuda":
        return False
    try:
        import liger_kernel.transformers  # noqa: F401
    except ImportError:
        return False
    return True


def liger_row_losses(hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, rows: torch.Tensor):
    """Per-token losses whose value is the mean loss of the token's sequence, computed by Liger's fused kernel.

    Liger's fused kernel computes the gradient in its forward pass and supports only a scalar loss; one call per
    sequence (a sequence is one language) keeps the per-language sums exact and ``mean()`` the true mean.
    """
    from liger_kernel.transformers import LigerFusedLinearCrossEntropyLoss

    loss_fn = LigerFusedLinearCrossEntropyLoss(reduction="sum")
    out = torch.empty(0, device=hidden.device, dtype=torch.float32)
    pieces = []
    for row in torch.unique_consecutive(rows).tolist():
        picked = (rows == row).nonzero().squeeze(1)
        total = loss_fn(weight, hidden.index_select(0, picked), labels.index_select(0, picked))
        pieces.append((total.float() / len(picked)).expand(len(picked)))
    return torch.cat(pieces) if pieces else out


class CausalLMObjective(nn.Module):
    """Wraps a ``*ForCausalLM``; ``forward`` returns the next-token loss of every scored position.

    Same arguments as :class:`glot500.train.modeling.MaskedLMObjective`: ``positions`` index the flattened
    ``(batch * seq)`` positions that predict, ``labels`` are the ids they predict.
    """

    def __init__(self, model: nn.Module, chunk: int = DEFAULT_CHUNK, fused: bool = False) -> None:
        super().__init__()
        from glot500.model.families import family_of

        self.model = model
        self.family = family_of(model.config)
        self.chunk = chunk
        self.fused = fused and not getattr(model.config, "final_logit_softcapping", None)

    def forward(self, input_ids, attention_mask, positions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        body = self.family.body(self.model)
        hidden = body(input_ids=input_ids, attention_mask=attention_mask, return_dict=True).last_hidden_state
        selected = hidden.flatten(0, 1).index_select(0, positions)  # (scored, hidden)
        if self.fused:
            weight = self.model.get_output_embeddings().weight
            return liger_row_losses(selected, weight, labels, positions // input_ids.shape[1])
        return chunked_cross_entropy(selected, self.family.head(self.model), labels, self.chunk)
