"""The fine-tuning loop shared by classification and tagging: train on English, keep the best English-dev epoch.

Reads top to bottom: shuffle, batch, AdamW with a linear schedule (Glot500's), gradient accumulation,
bf16 autocast on CUDA, evaluate on dev after every epoch, restore the best weights at the end.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from glot500.evaluate.batching import length_sorted_batches, pad_batch
from glot500.evaluate.config import FinetuneConfig

logger = logging.getLogger(__name__)
IGNORE = -100  # label of subwords that are not scored (torch's cross-entropy ignore_index)


@dataclass(frozen=True)
class Feature:
    """One encoded example: token ids and a label (sequence) or one label per token (``IGNORE`` where unscored)."""

    input_ids: list[int]
    label: int | list[int]


def collate(features: Sequence[Feature], pad_id: int):
    """``(input_ids, attention_mask, labels)`` tensors; token labels padded with ``IGNORE``."""
    import torch

    input_ids, mask = pad_batch([f.input_ids for f in features], pad_id)
    if isinstance(features[0].label, int):
        labels = torch.tensor([f.label for f in features], dtype=torch.long)
    else:
        labels = torch.full(input_ids.shape, IGNORE, dtype=torch.long)
        for row, feature in enumerate(features):
            labels[row, : len(feature.label)] = torch.tensor(feature.label, dtype=torch.long)
    return input_ids, mask, labels


def fine_tune(
    model,
    train: Sequence[Feature],
    dev_score: Callable[[object], float],
    config: FinetuneConfig,
    pad_id: int,
    device: str,
    progress: bool = True,
) -> float:
    """Train ``model`` in place; returns the best dev score, whose weights the model ends with."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    from glot500.core.progress import progress as progress_bar

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    steps_per_epoch = max(1, -(-len(train) // (config.batch_size * config.gradient_accumulation)))
    total_steps = steps_per_epoch * config.epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total_steps), total_steps)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda") else _null()
    best_score, best_state = -float("inf"), None
    for epoch in range(config.epochs):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        batches = [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]
        for step, batch in enumerate(
            progress_bar(batches, desc=f"fine-tune epoch {epoch + 1}", disable=not progress, leave=False)
        ):
            input_ids, mask, labels = (t.to(device) for t in collate([train[i] for i in batch], pad_id))
            with autocast:
                loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            (loss / config.gradient_accumulation).backward()
            if (step + 1) % config.gradient_accumulation == 0 or step + 1 == len(batches):
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
        score = dev_score(model)
        logger.info("epoch %d: English dev score %.4f", epoch + 1, score)
        if score > best_score:
            best_score = score
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    if best_state is not None:
        model.load_state_dict(best_state)
    return best_score


def predict_logits(model, features: Sequence[Feature], pad_id: int, device: str, batch_size: int) -> list[np.ndarray]:
    """Logits per example in input order: ``(labels,)`` for sequences, ``(seq, labels)`` for tokens."""
    import torch

    model.eval()
    out: list[np.ndarray] = [np.zeros(0)] * len(features)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda") else _null()
    with torch.inference_mode(), autocast:
        for batch in length_sorted_batches([len(f.input_ids) for f in features], batch_size):
            input_ids, mask, _ = collate([features[i] for i in batch], pad_id)
            logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits.float().cpu()
            for row, index in enumerate(batch):
                length = len(features[index].input_ids)
                out[index] = logits[row].numpy() if logits.dim() == 2 else logits[row, :length].numpy()
    return out


def _null():
    import contextlib

    return contextlib.nullcontext()
