"""The encoder every task scores: a Protocol, and its implementation for HF models of every supported family.

Tasks talk to :class:`Encoder` only, so anything that embeds sentences at a layer, gives word vectors,
scores masked tokens and hands out a fresh copy for fine-tuning plugs in. :class:`HFEncoder` does this for a
Hugging Face model folder or hub name (safetensors only, never remote code); the name is never parsed.

Per family (:mod:`glot500.model.families`): masked LMs (XLM-R, BERT, ModernBERT) are scored by
pseudo-log-likelihood, causal LMs (Llama, Qwen, Gemma) by their true log-likelihood
(:mod:`glot500.evaluate.causal`); both give the same :class:`SentenceLikelihood`. Sentence and word vectors are
mean-pooled (or first-subword) hidden states of one layer for every family; a layer past the model's depth
falls back to the family's default: the last layer of an encoder, the middle layer of a decoder (a decoder's
last layers specialise in predicting the next token; its middle layers carry more of the sentence).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from glot500.evaluate.batching import length_sorted_batches, pad_batch
from glot500.evaluate.likelihood import SentenceLikelihood

logger = logging.getLogger(__name__)

HeadKind = Literal["sequence", "token"]


@runtime_checkable
class Encoder(Protocol):
    """What the tasks need from a model."""

    name: str

    @property
    def num_layers(self) -> int: ...

    def embed(self, sentences: Sequence[str], layer: int, cache: bool = False) -> np.ndarray:
        """Mean-pooled hidden states at ``layer``: ``(len(sentences), hidden)`` float32.

        ``cache=True`` keeps the vectors for reuse (an English side shared by many language folders).
        """
        ...

    def word_vectors(self, sentences: Sequence[Sequence[str]], layer: int, pooling: str) -> list[np.ndarray]:
        """One ``(covered_words, hidden)`` array per pre-split sentence (first or mean subword per word)."""
        ...

    def pseudo_log_likelihoods(self, sentences: Sequence[str], batch_size: int) -> list[SentenceLikelihood]:
        """Salazar et al. (2020) pseudo-log-likelihood of each sentence."""
        ...

    def finetunable(self, kind: HeadKind, num_labels: int):
        """A fresh trainable copy (``torch.nn.Module``) with a new linear head, and its tokenizer."""
        ...


def resolve_device(device: str | None) -> str:
    import torch

    return device or ("cuda" if torch.cuda.is_available() else "cpu")


class HFEncoder:
    """An XLM-R-compatible Hugging Face model (folder or hub name) behind the :class:`Encoder` Protocol.

    Inference runs in bf16 on CUDA, sentences are sorted by length into batches, only the layers up to the
    requested one are run, and English sentence embeddings are cached per (layer, text), so an English side
    shared by many language folders is embedded once per model.
    """

    def __init__(
        self, name: str, device: str | None = None, batch_size: int = 128, max_length: int = 512, progress: bool = True
    ) -> None:
        import torch

        from glot500.model.families import family_of
        from glot500.model.io import load_model

        self.name = name
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self.progress = progress
        self.dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        self.model, self.tokenizer = load_model(name, dtype=self.dtype)  # safetensors only, clear errors
        self.config = self.model.config
        self.family = family_of(self.config)
        if self.tokenizer.pad_token_id is None:  # causal tokenizers often have none: EOS pads (masked out anyway)
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model.to(self.device).eval()
        offset = 2 if self.family.name == "xlmr" else 0  # XLM-R offsets positions by 2
        model_limit = getattr(self.config, "max_position_embeddings", 514) - offset
        self.max_length = max(8, min(max_length, model_limit))
        self._cache: dict[tuple[int, str], np.ndarray] = {}
        self._shortcut_ok: bool | None = None  # pseudo-perplexity's last-layer shortcut, checked on first use

    @property
    def num_layers(self) -> int:
        return int(self.config.num_hidden_layers)

    def clip_layer(self, layer: int) -> int:
        """``layer``, or the family's default layer when the model has fewer layers."""
        if layer > self.num_layers:
            default = self.family.default_layer(self.num_layers)
            logger.warning("%s has %d layers: using layer %d instead of %d", self.name, self.num_layers, default, layer)
            return default
        return layer

    # --- sentence embeddings -------------------------------------------------------------------------
    def embed(self, sentences: Sequence[str], layer: int, cache: bool = False) -> np.ndarray:
        layer = self.clip_layer(layer)
        if not cache:
            unique = list(dict.fromkeys(sentences))
            vectors = self._embed_uncached(unique, layer) if unique else None
            return self._lookup(sentences, dict(zip(unique, vectors, strict=True)) if unique else {})
        missing = list(dict.fromkeys(text for text in sentences if (layer, text) not in self._cache))
        if missing:
            for text, vector in zip(missing, self._embed_uncached(missing, layer), strict=True):
                self._cache[(layer, text)] = vector
        return self._lookup(sentences, {text: self._cache[(layer, text)] for text in sentences})

    def _lookup(self, sentences: Sequence[str], vectors: dict[str, np.ndarray]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, int(self.config.hidden_size)), dtype=np.float32)
        return np.stack([vectors[text] for text in sentences])

    def _embed_uncached(self, sentences: list[str], layer: int) -> np.ndarray:
        import torch

        encoded = self.tokenizer(sentences, truncation=True, max_length=self.max_length)["input_ids"]
        vectors = np.zeros((len(sentences), int(self.config.hidden_size)), dtype=np.float32)
        batches = length_sorted_batches([len(ids) for ids in encoded], self.batch_size)
        with torch.inference_mode(), self._up_to_layer(layer):
            for batch in self._progress(batches, "embed"):
                input_ids, mask = pad_batch([encoded[i] for i in batch], self.tokenizer.pad_token_id)
                hidden = self._hidden(input_ids.to(self.device), mask.to(self.device), layer)  # (b, seq, h)
                mask_f = mask.to(self.device).unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask_f).sum(1) / mask_f.sum(1)  # mean over real tokens: (b, h)
                vectors[batch] = pooled.float().cpu().numpy()
        return vectors

    # --- word vectors -------------------------------------------------------------------------------
    def word_vectors(self, sentences: Sequence[Sequence[str]], layer: int, pooling: str = "first") -> list[np.ndarray]:
        import torch

        layer = self.clip_layer(layer)
        if not sentences:
            return []
        encoded = self.tokenizer(
            list(map(list, sentences)), is_split_into_words=True, truncation=True, max_length=self.max_length
        )
        results: list[np.ndarray] = [np.zeros((0, int(self.config.hidden_size)), np.float32)] * len(sentences)
        batches = length_sorted_batches([len(ids) for ids in encoded["input_ids"]], self.batch_size)
        with torch.inference_mode(), self._up_to_layer(layer):
            for batch in self._progress(batches, "word vectors"):
                input_ids, mask = pad_batch([encoded["input_ids"][i] for i in batch], self.tokenizer.pad_token_id)
                hidden = self._hidden(input_ids.to(self.device), mask.to(self.device), layer).float().cpu().numpy()
                for row, index in enumerate(batch):
                    results[index] = _pool_words(hidden[row], encoded.word_ids(index), pooling)
        return results

    # --- pseudo-log-likelihood -----------------------------------------------------------------------
    def pseudo_log_likelihoods(self, sentences: Sequence[str], batch_size: int = 64) -> list[SentenceLikelihood]:
        """Every scored token masked in turn, ``batch_size`` masked copies per forward pass (a causal model: its
        true log-likelihood instead, ``batch_size`` sentences per pass, see :mod:`glot500.evaluate.causal`).

        Copies of every sentence given are batched together, sorted by length (callers pass many languages at
        once: per-call overheads and half-empty batches vanish). The last transformer layer runs at the masked
        position of each copy only (its other positions feed nothing the LM head reads): the values are those
        of a full forward pass up to float rounding, which the first batch checks (see ``_pll_shortcut``).
        """
        import torch

        if self.family.is_causal:
            from glot500.evaluate.causal import causal_log_likelihoods

            return causal_log_likelihoods(
                self.model, self.tokenizer, sentences, batch_size, self.max_length, self.device, self._progress
            )
        encoded = self.tokenizer(
            list(sentences), truncation=True, max_length=self.max_length, return_offsets_mapping=True
        )
        ids_list, offsets = encoded["input_ids"], encoded["offset_mapping"]
        special = set(self.tokenizer.all_special_ids)
        unk_id = self.tokenizer.unk_token_id
        special.discard(unk_id)  # <unk> is scored like any token (its characters counted, see unk_chars)
        jobs = [(s, p) for s, ids in enumerate(ids_list) for p, tok in enumerate(ids) if tok not in special]
        log_probs = np.zeros(len(sentences), dtype=np.float64)
        unk_log_probs = np.zeros(len(sentences), dtype=np.float64)
        if jobs:
            all_ids, all_mask = pad_batch(ids_list, self.tokenizer.pad_token_id)  # (sentences, longest)
            sentence_of = torch.tensor([s for s, _ in jobs])
            position_of = torch.tensor([p for _, p in jobs])
            lengths = all_mask.sum(1)
            batches = length_sorted_batches([len(ids_list[s]) for s, _ in jobs], batch_size)
            with torch.inference_mode():
                for batch in self._progress(batches, "pseudo-perplexity"):
                    index = torch.tensor(batch)
                    rows, positions = sentence_of[index], position_of[index]
                    longest = int(lengths[rows].max())
                    input_ids = all_ids[rows, :longest].clone()  # (copies, longest)
                    gold = input_ids[torch.arange(len(batch)), positions].clone()
                    input_ids[torch.arange(len(batch)), positions] = self.tokenizer.mask_token_id
                    mask = all_mask[rows, :longest]
                    scores = self._masked_log_probs(input_ids.to(self.device), mask.to(self.device), positions, gold)
                    for j, score, token in zip(batch, scores, gold.tolist(), strict=True):
                        log_probs[jobs[j][0]] += score
                        if token == unk_id:
                            unk_log_probs[jobs[j][0]] += score
        results = []
        for s, ids in enumerate(ids_list):
            scored = sum(1 for tok in ids if tok not in special)
            chars = max((end for (_, end), tok in zip(offsets[s], ids, strict=True) if tok not in special), default=0)
            unk_chars = sum(end - start for (start, end), tok in zip(offsets[s], ids, strict=True) if tok == unk_id)
            results.append(
                SentenceLikelihood(
                    float(log_probs[s]), scored, int(chars), int(unk_chars), float(unk_log_probs[s]), ids.count(unk_id)
                )
            )
        return results

    def _masked_log_probs(self, input_ids, mask, positions, gold) -> list[float]:
        """``log P(gold | masked copy)`` at each copy's masked position; the LM head runs on those only."""
        import torch

        rows = torch.arange(len(positions), device=input_ids.device)
        positions = positions.to(input_ids.device)
        head = self.family.head(self.model)  # XLM-R's lm_head, BERT's cls, ModernBERT's head + decoder
        if self._pll_shortcut(input_ids, mask, positions):
            logits = head(self._hidden_at(input_ids, mask, positions))
        else:
            hidden = self.model.base_model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            logits = head(hidden[rows, positions])  # (copies, vocab)
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        return log_probs[rows, gold.to(input_ids.device)].cpu().tolist()

    def _hidden_at(self, input_ids, mask, positions):
        """Last-layer hidden state at ``positions`` only: ``(copies, hidden)``.

        All layers but the last run as usual; the last one computes keys and values everywhere but its query,
        attention output and feed-forward block only at the masked position, the one row the LM head reads (a
        post-LayerNorm BERT/RoBERTa/XLM-R layer: ``attention.self``, ``attention.output``, ``feed_forward_chunk``).
        """
        import torch

        layers = self.model.base_model.encoder.layer
        with self._up_to_layer(len(layers) - 1):
            hidden = self.model.base_model(input_ids=input_ids, attention_mask=mask).last_hidden_state  # (b, s, h)
        layer = layers[-1]
        attention = layer.attention.self
        copies, seq, _ = hidden.shape
        heads, size = attention.num_attention_heads, attention.attention_head_size
        here = hidden[torch.arange(copies, device=hidden.device), positions]  # (b, h)
        query = attention.query(here).view(copies, heads, 1, size)
        key = attention.key(hidden).view(copies, seq, heads, size).transpose(1, 2)  # (b, heads, s, size)
        value = attention.value(hidden).view(copies, seq, heads, size).transpose(1, 2)
        keep = mask.bool()[:, None, None, :]  # padding is never attended to
        context = torch.nn.functional.scaled_dot_product_attention(
            query, key, value, attn_mask=keep, scale=attention.scaling
        )  # (b, heads, 1, size)
        attended = layer.attention.output(context.reshape(copies, heads * size), here)
        return layer.feed_forward_chunk(attended)

    def _pll_shortcut(self, input_ids, mask, positions) -> bool:
        """Whether ``_hidden_at`` applies: a post-LN encoder layer of the known shape, checked once against a full
        forward pass on a few copies (any other layout falls back to the full pass)."""
        if self._shortcut_ok is None:
            self._shortcut_ok = self._check_shortcut(input_ids[:4], mask[:4], positions[:4])
            if not self._shortcut_ok:
                logger.info("%s: pseudo-perplexity runs the full last layer (unfamiliar layer layout)", self.name)
        return self._shortcut_ok

    def _check_shortcut(self, input_ids, mask, positions) -> bool:
        import torch

        config = self.config
        layers = getattr(getattr(self.model.base_model, "encoder", None), "layer", None)
        if not layers or getattr(config, "is_decoder", False) or getattr(config, "add_cross_attention", False):
            return False
        if getattr(config, "position_embedding_type", "absolute") != "absolute":
            return False
        attention = getattr(getattr(layers[-1], "attention", None), "self", None)
        needed = ("query", "key", "value", "num_attention_heads", "attention_head_size", "scaling")
        if attention is None or not all(hasattr(attention, name) for name in needed):
            return False
        if not hasattr(layers[-1], "feed_forward_chunk") or not hasattr(layers[-1].attention, "output"):
            return False
        try:
            rows = torch.arange(len(positions), device=input_ids.device)
            full = self.model.base_model(input_ids=input_ids, attention_mask=mask).last_hidden_state[rows, positions]
            fast = self._hidden_at(input_ids, mask, positions)
        except (AttributeError, RuntimeError, TypeError, ValueError):
            return False
        tolerance = 5e-2 if self.dtype != torch.float32 else 1e-4
        return bool(torch.allclose(full.float(), fast.float(), atol=tolerance, rtol=tolerance))

    # --- fine-tuning ---------------------------------------------------------------------------------
    def finetunable(self, kind: HeadKind, num_labels: int):
        from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification
        from transformers.utils import logging as hf_logging

        cls = AutoModelForSequenceClassification if kind == "sequence" else AutoModelForTokenClassification
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # the new head's "missing weights" report is expected, not news
        try:
            model = cls.from_pretrained(self.name, num_labels=num_labels, use_safetensors=True)
        except ValueError as error:  # e.g. a family without a token-classification class: an error row, not a crash
            raise NotImplementedError(
                f"{self.config.model_type} has no {kind}-classification head in transformers: {error}".splitlines()[0]
            ) from None
        finally:
            hf_logging.set_verbosity(verbosity)
        if model.config.pad_token_id is None:  # causal classifiers pool the last non-pad token: they need the id
            model.config.pad_token_id = self.tokenizer.pad_token_id
        return model.to(self.device), self.tokenizer

    # --- helpers -------------------------------------------------------------------------------------
    def _hidden(self, input_ids, mask, layer: int):
        """Hidden states at ``layer``: ``(batch, seq, hidden)``."""
        base = self.model.base_model
        if self._truncatable():
            return base(input_ids=input_ids, attention_mask=mask).last_hidden_state
        return base(input_ids=input_ids, attention_mask=mask, output_hidden_states=True).hidden_states[layer]

    def _truncatable(self) -> bool:
        encoder = getattr(self.model.base_model, "encoder", None)
        return encoder is not None and hasattr(encoder, "layer")

    @contextlib.contextmanager
    def _up_to_layer(self, layer: int) -> Iterator[None]:
        """Run only the first ``layer`` transformer layers (the rest would be wasted work)."""
        import torch

        if not self._truncatable():
            yield
            return
        encoder = self.model.base_model.encoder
        full = encoder.layer
        encoder.layer = torch.nn.ModuleList(list(full)[:layer])
        try:
            yield
        finally:
            encoder.layer = full

    def _progress(self, batches: list, what: str):
        from glot500.core.progress import progress

        return progress(batches, desc=f"{what} ({self.name})", unit="batch", disable=not self.progress, leave=False)


def _pool_words(hidden: np.ndarray, word_ids: list[int | None], pooling: str) -> np.ndarray:
    """Word vectors from subword vectors ``(seq, hidden)``: the first subword's, or the mean of all."""
    groups: dict[int, list[int]] = {}
    for position, word in enumerate(word_ids):
        if word is not None:
            groups.setdefault(word, []).append(position)
    if not groups:
        return np.zeros((0, hidden.shape[-1]), dtype=np.float32)
    count = max(groups) + 1  # words cut off by truncation are missing at the end
    out = np.zeros((count, hidden.shape[-1]), dtype=np.float32)
    for word, positions in groups.items():
        out[word] = hidden[positions[0]] if pooling == "first" else hidden[positions].mean(0)
    return out
