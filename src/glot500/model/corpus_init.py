"""``corpus-informed`` init: new rows from the base rows of distributionally similar *shared* pieces (FOCUS-like).

After Dobler & de Melo (FOCUS, EMNLP 2023), without external resources:

1. sample the extension corpus: at most ``max_lines`` lines in all, shared out over language-scripts by
   alpha sampling (``p_i ~ n_i^alpha``, n_i capped at ``max_lines_per_language``; what a small language
   cannot fill goes to the others), drawn without replacement (seeded);
2. tokenize the sample with the **extended** tokenizer into piece strings;
3. train static fastText vectors over those pieces (cbow or skipgram, ``minCount 1``, one thread and a seed:
   deterministic), in a clean interpreter (see :func:`glot500.lid.train._train_supervised` for why), with a
   few hash buckets even without character n-grams (fastText's ``bucket 0`` path diverges at random);
4. shared pieces = tokens of both vocabularies (special tokens excluded) that the sample contains; for each
   new piece with a vector, its ``neighbours`` nearest shared pieces by cosine (chunked matmul + top-k);
   (vectors centred first: skip-gram/CBOW vectors share a common direction that inflates every cosine);
5. weights = ``sparsemax(cos / temperature)`` over those neighbours (FOCUS's choice; sparse, so a few close
   pieces dominate) or ``softmax(cos / temperature)``; neighbours with cosine <= 0 get no weight;
6. row = weighted sum of the neighbours' base rows, bias = the same weighted sum of their LM-head biases.

No signal, no guess: a new piece absent from the sample, or with no shared neighbour of positive cosine,
falls back to ``subword-mean`` when the base tokenizer segments it into known pieces only (no ``<unk>``
part), else to ``script-mean``; both reasons and both fallbacks are counted.
"""

from __future__ import annotations

import json
import logging
import lzma
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import Field

from glot500.core.config import StrictModel
from glot500.core.errors import ConfigError, InputError
from glot500.languages.scripts import token_script
from glot500.lid import fasttext_run

logger = logging.getLogger(__name__)



class CorpusInitOptions(StrictModel):
    """Settings of the ``corpus-informed`` init (defaults: ~2.5 min on 2 busy cores for eBible's 731 languages)."""

    max_lines: int = Field(100_000, ge=1, description="lines sampled from the corpus in all")
    max_lines_per_language: int = Field(10_000, ge=1, description="lines read per language (its size estimate)")
    alpha: float = Field(0.3, gt=0, le=1, description="sampling exponent over languages (Glot500: 0.3)")
    model: Literal["skipgram", "cbow"] = Field("cbow", description="cbow: several times faster than skipgram")
    dim: int = Field(100, ge=2)
    epoch: int = Field(5, ge=1)
    window: int = Field(5, ge=1)
    lr: float = Field(0.05, gt=0)
    min_count: int = Field(1, ge=1)
    subsample: float = Field(1e-4, gt=0, le=1, description="fastText's -t: frequent pieces are skipped more")
    minn: int = Field(0, ge=0, description="character n-grams (0: none; pieces are already subwords)")
    maxn: int = Field(0, ge=0)
    bucket: int = Field(200_000, ge=1000, description="n-gram hash buckets when maxn > 0")
    neighbours: int = Field(50, ge=1, description="shared pieces considered per new piece (top-k by cosine)")
    weighting: Literal["sparsemax", "softmax"] = "sparsemax"
    temperature: float = Field(1.0, gt=0, description="similarities are divided by it before the weighting")
    threads: int = Field(1, ge=1, description="fastText threads; > 1 is faster but not bit-reproducible")
    seed: int = 0


def resolve_options(value: CorpusInitOptions | dict[str, Any] | None, seed: int = 0) -> CorpusInitOptions:
    """Options as given, or from a dict (validated: ``ConfigError`` listing every bad key).

    ``seed`` (the extension's) seeds the sample and fastText unless the dict names its own.
    """
    from glot500.core.config import validate_config

    if isinstance(value, CorpusInitOptions):
        return value
    return validate_config(CorpusInitOptions, {"seed": seed} | dict(value or {}), "init_options")


@dataclass
class CorpusMixture:
    """Each new piece with a signal as a weighted sum of base rows; the others with their fallback."""

    token_index: torch.Tensor  # (n_hit,) positions in the list of new tokens
    base_ids: torch.Tensor  # (n_hit, k) base-model row ids of the neighbours
    weights: torch.Tensor  # (n_hit, k) float64, rows sum to 1
    subword_fallback: list[int] = field(default_factory=list)  # positions initialised by subword-mean
    script_fallback: list[int] = field(default_factory=list)  # ... and by script-mean
    reasons: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


def corpus_mixture(
    corpus: str | Path,
    old_tokenizer: Any,
    new_tokenizer: Any,
    new_tokens: Sequence[str],
    old_rows: int,
    options: CorpusInitOptions | None = None,
) -> CorpusMixture:
    """Sample and tokenize ``corpus``, train piece vectors, and weigh each new piece's nearest shared pieces."""
    options = options or CorpusInitOptions()
    started = time.perf_counter()
    sample, sample_stats = sample_lines(corpus, options)
    with tempfile.TemporaryDirectory(prefix="glot500-focus-") as scratch:
        text_file = Path(scratch) / "pieces.txt"
        n_pieces = tokenize_to_file(sample, new_tokenizer, text_file)
        del sample
        tokenized_at = time.perf_counter()
        try:
            words, vectors = train_piece_vectors(text_file, Path(scratch), options)
            failure = None
        except ConfigError as error:  # no vectors is no signal: every new row takes the documented fallback
            logger.warning("%s; every new row falls back to subword-mean / script-mean", error)
            words, vectors, failure = [], np.zeros((0, options.dim), dtype=np.float32), str(error)
    trained_at = time.perf_counter()
    mixture = mixture_from_vectors(words, vectors, old_tokenizer, new_tokens, old_rows, options)
    mixture.stats |= sample_stats | {
        "fasttext_error": failure,
        "pieces_in_sample": n_pieces,
        "piece_types_with_vectors": len(words),
        "seconds": {"sample_and_tokenize": round(tokenized_at - started, 2),
                    "fasttext": round(trained_at - tokenized_at, 2),
                    "neighbours": round(time.perf_counter() - trained_at, 2)},
    }  # fmt: skip
    return mixture


# ---- 1. sampling ------------------------------------------------------------------------------------------
def sample_lines(corpus: str | Path, options: CorpusInitOptions) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """``({label: lines}, stats)``: an alpha-shared, seeded sample of at most ``options.max_lines`` lines.

    A language whose files cannot be read is logged, listed under ``errors`` in the stats and skipped.
    """
    from glot500.corpus.reader import discover_languages, iter_texts

    found = discover_languages(corpus)
    counts: dict[str, int] = {}
    errors: dict[str, str] = {}
    for label, files in found.items():
        try:  # a bounded count: a language larger than the cap is treated as having the cap
            counts[label] = sum(1 for _ in iter_texts(files, options.max_lines_per_language))
        except (OSError, EOFError, ValueError, lzma.LZMAError) as error:
            logger.error("corpus-informed init: skipping %s (%s: %s)", label, type(error).__name__, error)
            errors[label] = f"{type(error).__name__}: {error}"
    counts = {label: n for label, n in counts.items() if n > 0}
    if not counts:
        raise InputError(f"{corpus}: no readable lines for the corpus-informed init")
    quota = alpha_quota(counts, options.max_lines, options.alpha)
    rng = np.random.default_rng(options.seed)
    sample: dict[str, list[str]] = {}
    for label in sorted(quota):
        keep = set(rng.choice(counts[label], size=quota[label], replace=False).tolist())
        texts = iter_texts(found[label], counts[label])
        sample[label] = [" ".join(text.split()) for i, text in enumerate(texts) if i in keep]
    stats = {"languages": len(sample), "lines_sampled": sum(map(len, sample.values())), "errors": errors}
    return sample, stats


def alpha_quota(counts: dict[str, int], total: int, alpha: float) -> dict[str, int]:
    """Lines per language: ``total`` shared by alpha sampling, never more than a language has.

    What a language cannot fill is shared again over the others (water-filling), so a budget at least the
    corpus size takes every line and a smaller one is spent in full.
    """
    from glot500.corpus.sampler import allocate, sampling_probabilities

    quota = dict.fromkeys(counts, 0)
    open_labels = set(counts)
    left = min(total, sum(counts.values()))
    while left > 0 and open_labels:
        share = allocate(sampling_probabilities({k: counts[k] for k in open_labels}, alpha), left)
        for label, extra in share.items():
            take = min(extra, counts[label] - quota[label])
            quota[label] += take
            left -= take
            if quota[label] == counts[label]:
                open_labels.discard(label)
    return quota


# ---- 2. tokenizing ----------------------------------------------------------------------------------------
def tokenize_to_file(sample: dict[str, list[str]], tokenizer: Any, path: Path, batch_size: int = 2048) -> int:
    """Write each line as space-separated piece strings of ``tokenizer`` (Rust batch API); returns pieces."""
    backend = tokenizer.backend_tokenizer
    lines = [text for label in sorted(sample) for text in sample[label] if text]
    # fastText reads in order and decays its learning rate: interleave languages (seeded, as the sample)
    order = np.random.default_rng(0).permutation(len(lines))
    total = 0
    with open(path, "w", encoding="utf-8") as handle:
        for begin in range(0, len(lines), batch_size):
            batch = [lines[i] for i in order[begin : begin + batch_size]]
            for encoding in backend.encode_batch(batch, add_special_tokens=False):
                total += len(encoding.tokens)
                handle.write(" ".join(encoding.tokens) + "\n")
    return total


# ---- 3. fastText ------------------------------------------------------------------------------------------
def train_piece_vectors(
    text_file: Path, scratch: Path, options: CorpusInitOptions, attempts: int = 3
) -> tuple[list[str], np.ndarray]:
    """``(pieces, vectors (n, dim) float32)`` from fastText trained on ``text_file``.

    fastText runs in a fresh interpreter (:mod:`glot500.lid.fasttext_run`, which says why); a divergence is
    retried with half the learning rate.

    Raises:
        ConfigError: fastText failed (the caller falls back to the documented inits for every row).
    """

    arguments = {
        "input": str(text_file), "model": options.model, "dim": options.dim, "ws": options.window,
        "epoch": options.epoch, "lr": options.lr, "minCount": options.min_count,
        "minn": options.minn, "maxn": options.maxn, "bucket": options.bucket,
        "t": options.subsample, "thread": options.threads, "seed": options.seed, "verbose": 0,
    }  # fmt: skip
    try:
        fasttext_run.run_fasttext("unsupervised", arguments, scratch, attempts=attempts)
    except fasttext_run.FastTextRunError as error:
        raise ConfigError(f"corpus-informed init: {error}") from None
    words = json.loads((scratch / "words.json").read_text(encoding="utf-8"))
    return words, np.load(scratch / "vectors.npy", allow_pickle=False)


# ---- 4-5. neighbours and weights --------------------------------------------------------------------------
def nearest(
    queries: torch.Tensor, keys: torch.Tensor, k: int, chunk: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cosine top-``k`` of each query row among ``keys``: ``(similarities, indices)``, both ``(n, k)``, sorted.

    Chunked over queries: by default ~32M scores (128 MB) at a time, so 150K new x 250K shared pieces fit.
    On a GPU when there is one (150K x 250K: ~20 CPU-minutes on 2 busy cores, seconds on a GPU).
    """
    k = min(k, keys.shape[0])
    chunk = chunk or max(1, min(8192, 2**25 // max(keys.shape[0], 1)))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    keys = torch.nn.functional.normalize(keys.float().to(device), dim=1)
    sims, index = [], []
    for begin in range(0, queries.shape[0], chunk):
        block = torch.nn.functional.normalize(queries[begin : begin + chunk].float().to(device), dim=1)
        top = torch.topk(block @ keys.T, k, dim=1)  # (chunk, n_keys) -> (chunk, k), sorted descending
        sims.append(top.values.cpu())
        index.append(top.indices.cpu())
    if not sims:
        return torch.zeros(0, k), torch.zeros(0, k, dtype=torch.long)
    return torch.cat(sims), torch.cat(index)


def sparsemax(scores: torch.Tensor) -> torch.Tensor:
    """Sparsemax (Martins & Astudillo 2016) of each row of ``scores`` sorted descending: a sparse softmax.

    The Euclidean projection onto the simplex: ``max(z - tau, 0)`` with ``tau`` chosen so rows sum to 1.
    """
    ranks = torch.arange(1, scores.shape[1] + 1, dtype=scores.dtype)
    cumulative = scores.cumsum(dim=1)
    support = (1 + ranks * scores > cumulative).sum(dim=1, keepdim=True)  # a prefix, as rows are sorted
    tau = (cumulative.gather(1, support - 1) - 1) / support.to(scores.dtype)
    return (scores - tau).clamp(min=0)


def neighbour_weights(sims: torch.Tensor, options: CorpusInitOptions) -> torch.Tensor:
    """Weights ``(n, k)`` over sorted similarities; only positive similarities count; all-zero rows: no signal."""
    positive = sims > 0
    scores = (sims.double() / options.temperature).masked_fill(~positive, -1e6)
    weights = sparsemax(scores) if options.weighting == "sparsemax" else torch.softmax(scores, dim=1)
    weights = weights * positive
    total = weights.sum(dim=1, keepdim=True)
    return torch.where(total > 0, weights / total.clamp(min=1e-300), weights)


def shared_pieces(old_tokenizer: Any, old_rows: int, known: dict[str, int]) -> tuple[list[int], list[int]]:
    """``(base row ids, vector indices)`` of pieces in both vocabularies that have a vector (specials excluded).

    A new piece is in ``known`` too, but not in the base vocabulary: it is never a neighbour.
    """
    special = set(old_tokenizer.all_special_tokens)
    pairs = sorted(
        (old_id, known[token])
        for token, old_id in old_tokenizer.get_vocab().items()
        if token in known and token not in special and old_id < old_rows
    )
    return [old_id for old_id, _ in pairs], [vector for _, vector in pairs]


def mixture_from_vectors(
    words: list[str],
    vectors: np.ndarray,
    old_tokenizer: Any,
    new_tokens: Sequence[str],
    old_rows: int,
    options: CorpusInitOptions,
) -> CorpusMixture:
    """The mixture for ``new_tokens`` given piece vectors (``words[i]`` has row ``vectors[i]``)."""
    known = {word: i for i, word in enumerate(words)}
    base_ids, shared_rows = shared_pieces(old_tokenizer, old_rows, known)
    with_vector = [i for i, token in enumerate(new_tokens) if token in known]
    table = torch.from_numpy(np.ascontiguousarray(vectors)).double()
    # centred: negative-sampling vectors share a common (frequency) direction that makes every cosine high
    table = table - table.mean(dim=0) if len(table) else table
    if base_ids and with_vector:
        queries = table[torch.as_tensor([known[new_tokens[i]] for i in with_vector])]
        sims, index = nearest(queries, table[torch.as_tensor(shared_rows)], options.neighbours)
    else:
        sims, index = torch.zeros(len(with_vector), 1), torch.zeros(len(with_vector), 1, dtype=torch.long)
    weights = neighbour_weights(sims, options) if base_ids else torch.zeros_like(sims, dtype=torch.float64)
    signal = weights.sum(dim=1) > 0
    hit = torch.as_tensor(with_vector, dtype=torch.long)[signal]
    silent = set(range(len(new_tokens))) - set(hit.tolist())
    subword, script = _split_fallbacks(old_tokenizer, new_tokens, sorted(silent))
    kept = weights[signal]
    mixture = CorpusMixture(
        token_index=hit,
        base_ids=torch.as_tensor(base_ids, dtype=torch.long)[index[signal]] if base_ids else index[signal],
        weights=kept,
        subword_fallback=subword,
        script_fallback=script,
        reasons={"absent_from_sample": len(new_tokens) - len(with_vector),
                 "no_positive_neighbour": int((~signal).sum()),
                 "via_subword_mean": len(subword), "via_script_mean": len(script)},
        stats={"shared_pieces_with_vectors": len(base_ids), "neighbours": int(sims.shape[1]),
               "mean_support": round(float((kept > 0).sum(1).double().mean()), 2) if len(kept) else 0.0,
               "support_at_k": int((kept[:, -1] > 0).sum()) if len(kept) else 0},
    )  # fmt: skip
    mixture.stats |= script_coverage(old_tokenizer, new_tokens, hit.tolist())
    logger.info("corpus-informed: %d of %d new pieces from %d shared pieces; fallbacks %s", len(hit),
                len(new_tokens), len(base_ids), mixture.reasons)  # fmt: skip
    return mixture


def script_coverage(old_tokenizer: Any, new_tokens: Sequence[str], informed: list[int]) -> dict[str, Any]:
    """How many new pieces per script got a corpus-informed row, and how many of scripts the base never saw."""
    special = set(old_tokenizer.all_special_tokens)
    base_scripts = {token_script(token) for token in old_tokenizer.get_vocab() if token not in special}
    hit = set(informed)
    by_script: dict[str, list[int]] = {}
    for i, token in enumerate(new_tokens):
        counts = by_script.setdefault(token_script(token), [0, 0])
        counts[0] += 1
        counts[1] += i in hit
    unseen = [counts for script, counts in by_script.items() if script not in base_scripts]
    return {
        "new_pieces_by_script": {script: {"new": n, "informed": k} for script, (n, k) in sorted(by_script.items())},
        "unseen_script_pieces": sum(n for n, _ in unseen),
        "unseen_script_informed": sum(k for _, k in unseen),
    }


def _split_fallbacks(old_tokenizer: Any, new_tokens: Sequence[str], silent: list[int]) -> tuple[list[int], list[int]]:
    """Silent pieces the base tokenizer segments into known pieces only (-> subword-mean) and the rest."""
    backend, unk = old_tokenizer.backend_tokenizer.model, old_tokenizer.unk_token_id
    subword, script = [], []
    for i in silent:
        parts = [part.id for part in backend.tokenize(new_tokens[i])]
        (subword if parts and unk not in parts else script).append(i)
    return subword, script


# ---- 6. rows ----------------------------------------------------------------------------------------------
def mixture_rows(
    mixture: CorpusMixture, old_weight: torch.Tensor, old_bias: torch.Tensor | None, n_new: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Rows ``(n_new, hidden)`` float64 (and biases) for the pieces with a signal; other rows are zero."""
    rows = torch.zeros(n_new, old_weight.shape[1], dtype=torch.float64)
    weight = old_weight.double()
    chunk = max(1, 2**22 // max(mixture.base_ids.shape[1] * weight.shape[1], 1))  # (chunk, k, hidden): 32 MB
    for begin in range(0, len(mixture.token_index), chunk):
        ids, w = mixture.base_ids[begin : begin + chunk], mixture.weights[begin : begin + chunk]
        rows[mixture.token_index[begin : begin + chunk]] = torch.einsum("nk,nkh->nh", w, weight[ids])
    biases = None
    if old_bias is not None:
        biases = torch.zeros(n_new, dtype=torch.float64)
        biases[mixture.token_index] = (mixture.weights * old_bias.double()[mixture.base_ids]).sum(1)
    return rows, biases
