"""What a language model says of one sentence: the shared result of masked and causal likelihood scoring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SentenceLikelihood:
    """Pseudo-log-likelihood of one sentence: the sum of ``log P(token | rest)`` over its scored tokens."""

    log_prob: float
    tokens: int
    chars: int
    unk_chars: int = 0  # characters covered by <unk> tokens: one cheap prediction stands for a whole unseen word
    unk_log_prob: float = 0.0  # the part of log_prob scored at <unk> tokens (replaced by a charge in ppl_per_char)
    unk_tokens: int = 0
