"""True log-likelihood of sentences under a causal LM, in the pseudo-perplexity's units and accounting.

A causal model scores a sentence exactly: ``log P(sentence) = sum_i log P(token_i | token_<i)``, the first token
conditioned on the model's BOS (EOS where there is none, as Qwen's). The result is a
:class:`~glot500.evaluate.likelihood.SentenceLikelihood` like the masked models' pseudo-log-likelihood, with the
same token and character accounting: special tokens are not scored; characters are those the scored tokens
cover; ``<unk>`` tokens keep their own log-probability apart (``unk_log_prob``) and their characters counted
(``unk_chars``), so :mod:`glot500.evaluate.perplexity` replaces them with the same per-character charge. A
byte-fallback or byte-level tokenizer has no ``<unk>``: every character is scored through its bytes, as for
a SentencePiece model with byte fallback. ``ppl_per_char`` of a causal and of a masked model are then both
``exp(-log-likelihood / characters)`` with unknown characters charged alike (the masked one a pseudo-likelihood).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glot500.evaluate.batching import length_sorted_batches, pad_batch
from glot500.evaluate.likelihood import SentenceLikelihood


def start_id(tokenizer: Any) -> int:
    """The id a sentence is conditioned on: BOS, else EOS (Qwen), else the pad id."""
    for candidate in (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id):
        if candidate is not None:
            return int(candidate)
    raise ValueError("the tokenizer has no BOS, EOS or pad token to start a sentence with")


def causal_log_likelihoods(
    model: Any,
    tokenizer: Any,
    sentences: Sequence[str],
    batch_size: int,
    max_length: int,
    device: str,
    progress: Callable[[list, str], Any] = lambda batches, _: batches,
) -> list[Any]:
    """``SentenceLikelihood`` of each sentence: ``sum log P(token_i | <bos>, tokens before)`` over its tokens."""
    import torch


    encoded = tokenizer(
        list(sentences), add_special_tokens=False, truncation=True, max_length=max_length - 1,
        return_offsets_mapping=True,
    )  # fmt: skip
    ids_list, offsets = encoded["input_ids"], encoded["offset_mapping"]
    special = set(tokenizer.all_special_ids)
    unk_id = tokenizer.unk_token_id
    special.discard(unk_id)
    first = start_id(tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else first
    log_probs = np.zeros(len(sentences), dtype=np.float64)
    unk_log_probs = np.zeros(len(sentences), dtype=np.float64)
    batches = length_sorted_batches([len(ids) + 1 for ids in ids_list], batch_size)
    with torch.inference_mode():
        for batch in progress(batches, "log-likelihood"):
            input_ids, mask = pad_batch([[first, *ids_list[i]] for i in batch], pad)  # (b, 1 + longest)
            logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits.float()
            scores = torch.log_softmax(logits[:, :-1], dim=-1)  # position t predicts token t + 1
            gold = torch.gather(scores, 2, input_ids[:, 1:, None].to(device)).squeeze(2).cpu().numpy()  # (b, longest)
            for row, index in enumerate(batch):
                for position, token in enumerate(ids_list[index]):
                    if token in special:
                        continue
                    log_probs[index] += gold[row, position]
                    if token == unk_id:
                        unk_log_probs[index] += gold[row, position]
    results = []
    for index, ids in enumerate(ids_list):
        scored = [(span, token) for span, token in zip(offsets[index], ids, strict=True) if token not in special]
        chars = max((end for (_, end), _ in scored), default=0)
        unk_chars = sum(end - start for (start, end), token in scored if token == unk_id)
        results.append(SentenceLikelihood(
            float(log_probs[index]), len(scored), int(chars), int(unk_chars), float(unk_log_probs[index]),
            sum(1 for _, token in scored if token == unk_id),
        ))  # fmt: skip
    return results
