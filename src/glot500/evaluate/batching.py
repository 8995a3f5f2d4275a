"""Length-sorted batching: each batch holds sequences of similar length, so padding stays near zero."""

from __future__ import annotations

from collections.abc import Sequence


def length_sorted_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first (an out-of-memory error shows up at once).

    Args:
        lengths: the length of each item.
        batch_size: most items per batch.
        max_tokens: optional cap on ``len(batch) * longest`` (padded tokens per batch).
    """
    order = sorted(range(len(lengths)), key=lambda index: -lengths[index])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        too_many_tokens = max_tokens is not None and current and (len(current) + 1) * longest > max_tokens
        if current and (len(current) >= batch_size or too_many_tokens):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int):
    """``(input_ids, attention_mask)`` long tensors padded on the right to the longest sequence."""
    import torch

    longest = max(len(sequence) for sequence in sequences)
    input_ids = torch.full((len(sequences), longest), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        input_ids[row, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
        attention_mask[row, : len(sequence)] = 1
    return input_ids, attention_mask
