"""Merge new tokens into a base ``tokenizer.json`` (BPE with byte fallback, byte-level BPE, or unigram).

The rules, for every family:

* every base token keeps its id, every added/special token (``added_tokens``) stays as it is, and the base's
  normaliser, pre-tokeniser, post-processor and decoder are kept verbatim;
* new tokens are appended after the highest id in use (model vocabulary *and* added tokens: Llama 3's
  specials sit at 128000-128255, so new tokens start at 128256);
* BPE: each new token's merge is appended after the base's merges (lowest priority, so base text merges
  as before wherever a base merge applies). A new token is kept only if it is *reachable*: its merge's two
  parts exist, and the merged model turns the token's own string into that one token. Unreachable
  ("orphan") tokens are dropped and counted, and so are the new tokens built from them;
* unigram: new pieces are appended with their own scores (the Viterbi search reaches any piece);
* ``pad_to_multiple_of``: reserved special tokens ``<|reserved_glot500_K|>`` fill the vocabulary up to a
  multiple of N (GPU-friendly embedding sizes); they never match text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from glot500.core.errors import InputError
from glot500.vocab.family import TokenizerFamily

BYTE_TOKEN = re.compile(r"<0x[0-9A-F]{2}>")
RESERVED_TOKEN = "<|reserved_glot500_{}|>"
MAX_ORPHAN_ROUNDS = 8  # each round drops tokens whose parts were dropped in the round before


@dataclass(frozen=True)
class JsonMergeCounts:
    """What a ``tokenizer.json`` merge did, written into the manifest."""

    family: str
    base_tokens: int
    added_model_tokens: int
    appended: int
    already_in_base: int
    skipped_special: int
    orphans_dropped: int
    over_limit_dropped: int
    new_merges: int
    padding_tokens: int
    vocab_size: int
    first_new_id: int


def _pair(merge: Any) -> tuple[str, str]:
    """A merge as ``(left, right)``: ``tokenizer.json`` writes ``"a b"`` (older) or ``["a", "b"]`` (newer)."""
    if isinstance(merge, str):
        left, _, right = merge.partition(" ")
        return left, right
    return merge[0], merge[1]


def _used_ids(data: dict[str, Any]) -> set[int]:
    """Every id in use: the model's vocabulary and the added tokens (which may or may not be in it)."""
    model = data["model"]
    ids = set(model["vocab"].values()) if model["type"] == "BPE" else set(range(len(model["vocab"])))
    return ids | {token["id"] for token in data.get("added_tokens", [])}


def _special_contents(data: dict[str, Any]) -> set[str]:
    return {token["content"] for token in data.get("added_tokens", [])}


def _is_skipped(token: str, specials: set[str]) -> bool:
    """Specials and byte tokens of the added model are not new pieces (the base has its own)."""
    return token in specials or BYTE_TOKEN.fullmatch(token) is not None


def merge_tokenizer_json(
    base: dict[str, Any], added: dict[str, Any], family: TokenizerFamily, max_new_tokens: int | None = None,
    pad_to_multiple_of: int | None = None,
) -> tuple[dict[str, Any], JsonMergeCounts]:  # fmt: skip
    """The merged ``tokenizer.json`` (a new dict; the inputs are not changed) and what was done.

    Args:
        base, added: parsed ``tokenizer.json`` of the base and of the tokenizer trained like it.
        max_new_tokens: keep only the first N new tokens (in the added model's order: most frequent first).
    """
    if added["model"]["type"] != base["model"]["type"]:
        raise InputError(f"cannot merge a {added['model']['type']} model into a {base['model']['type']} base "
                         f"({family}): train the new pieces with `glot500 vocab train --like BASE`")  # fmt: skip
    merged = _copy_for_merge(base)
    first_new_id = max(_used_ids(base)) + 1
    if family is TokenizerFamily.UNIGRAM:
        counts = _append_unigram(merged, added, max_new_tokens)
    else:
        counts = _append_bpe(merged, added, max_new_tokens)
    padding = _pad(merged, pad_to_multiple_of)
    if family is not TokenizerFamily.UNIGRAM:
        _added_tokens_into_vocab(merged)
    vocab_size = max(_used_ids(merged)) + 1
    return merged, JsonMergeCounts(family=str(family), base_tokens=len(_used_ids(base)), padding_tokens=padding,
                                   vocab_size=vocab_size, first_new_id=first_new_id, **counts)  # fmt: skip


def _copy_for_merge(base: dict[str, Any]) -> dict[str, Any]:
    """A copy whose vocabulary, merges and added tokens may be changed (the rest is shared, never changed)."""
    model = dict(base["model"])
    model["vocab"] = [list(entry) for entry in model["vocab"]] if model["type"] == "Unigram" else dict(model["vocab"])
    if "merges" in model:
        model["merges"] = [_pair(merge) for merge in model["merges"]]
    return {**base, "model": model, "added_tokens": [dict(token) for token in base.get("added_tokens", [])]}


def _append_unigram(merged: dict[str, Any], added: dict[str, Any], max_new: int | None) -> dict[str, int]:
    vocab: list[list[Any]] = merged["model"]["vocab"]
    known = {piece for piece, _ in vocab} | _special_contents(merged)
    specials = _special_contents(added)
    already = skipped = over = appended = 0
    for piece, score in added["model"]["vocab"]:
        if _is_skipped(piece, specials):
            skipped += 1
        elif piece in known:
            already += 1
        elif max_new is not None and appended >= max_new:
            over += 1
        else:
            vocab.append([piece, score])
            known.add(piece)
            appended += 1
    return {"added_model_tokens": len(added["model"]["vocab"]), "appended": appended, "already_in_base": already,
            "skipped_special": skipped, "orphans_dropped": 0, "over_limit_dropped": over, "new_merges": 0}  # fmt: skip


def _append_bpe(merged: dict[str, Any], added: dict[str, Any], max_new: int | None) -> dict[str, int]:
    model = merged["model"]
    base_vocab: dict[str, int] = model["vocab"]
    known = set(base_vocab) | _special_contents(merged)
    specials = _special_contents(added)
    added_vocab: dict[str, int] = added["model"]["vocab"]
    merge_of = {}  # new token -> the added model's merge that makes it (its first one)
    for left, right in map(_pair, added["model"]["merges"]):
        merge_of.setdefault(left + right, (left, right))
    candidates, already, skipped = [], 0, 0
    for token in sorted(added_vocab, key=added_vocab.__getitem__):
        if _is_skipped(token, specials):
            skipped += 1
        elif token in known:
            already += 1
        else:
            candidates.append(token)
    kept, orphans = _reachable(model, candidates, merge_of)
    over = max(0, len(kept) - max_new) if max_new is not None else 0
    if over:  # the cap counts tokens that can be produced: the most frequent reachable ones, checked again
        kept, dropped = _reachable(model, kept[: len(kept) - over], merge_of)
        orphans += dropped
    next_id = max(_used_ids(merged)) + 1
    for offset, token in enumerate(kept):
        base_vocab[token] = next_id + offset
    new_merges = [merge_of[token] for token in kept if token in merge_of]
    model["merges"] = [list(merge) for merge in model["merges"] + new_merges]
    return {"added_model_tokens": len(added_vocab), "appended": len(kept), "already_in_base": already,
            "skipped_special": skipped, "orphans_dropped": orphans, "over_limit_dropped": over,
            "new_merges": len(new_merges)}  # fmt: skip


def _reachable(
    model: dict[str, Any], candidates: list[str], merge_of: dict[str, tuple[str, str]]
) -> tuple[list[str], int]:
    """The candidates the merged model can produce, in order, and how many were dropped as orphans.

    Each round builds the merged model and tokenizes every new token's own string. One piece: reachable.
    Two pieces that spell it: the base's merges split it differently than the trainer did, so the merge of
    those two pieces replaces the trained one (``merge_of`` is updated). More: an orphan, dropped with the
    tokens built from it. A candidate without a merge is a new alphabet symbol (a character the base lacked).
    """
    from tokenizers import models

    kept = list(candidates)
    base_vocab: dict[str, int] = model["vocab"]
    start = max(base_vocab.values(), default=-1) + 1
    for _ in range(MAX_ORPHAN_ROUNDS):
        present = set(kept)
        kept = [t for t in kept if t not in merge_of or all(p in present or p in base_vocab for p in merge_of[t])]
        vocab = dict(base_vocab)
        vocab.update({token: start + index for index, token in enumerate(kept)})
        merges = model["merges"] + [merge_of[t] for t in kept if t in merge_of]
        bpe = models.BPE(vocab, merges, byte_fallback=bool(model.get("byte_fallback")),
                         unk_token=model.get("unk_token"), ignore_merges=bool(model.get("ignore_merges")))  # fmt: skip
        reachable, changed = [], False
        for token in kept:
            pieces = [piece.value for piece in bpe.tokenize(token)]
            if pieces == [token]:
                reachable.append(token)
            elif len(pieces) == 2 and token in merge_of and pieces[0] + pieces[1] == token:
                merge_of[token] = (pieces[0], pieces[1])
                reachable.append(token)
                changed = True
            else:
                changed = True
        kept = reachable
        if not changed:
            break
    return kept, len(candidates) - len(kept)


def _added_tokens_into_vocab(merged: dict[str, Any]) -> None:
    """Give every added token its id in the BPE vocabulary too (no merge makes them, so none is ever produced).

    ``tokenizers`` numbers an added token missing from the model's vocabulary *after* the vocabulary's entry
    count, not by its id in ``tokenizer.json``: Qwen's specials (151643-151668, outside its 151643-entry
    vocabulary) would move onto the new tokens' ids. In the vocabulary they keep their ids.
    """
    vocab = merged["model"]["vocab"]
    for token in merged.get("added_tokens", []):
        vocab.setdefault(token["content"], token["id"])


def _pad(merged: dict[str, Any], multiple: int | None) -> int:
    """Append reserved special tokens until the vocabulary size is a multiple of ``multiple``."""
    if not multiple or multiple <= 1:
        return 0
    size = max(_used_ids(merged)) + 1
    missing = -size % multiple
    for index in range(missing):
        merged.setdefault("added_tokens", []).append(
            {
                "id": size + index,
                "content": RESERVED_TOKEN.format(index),
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }  # fmt: skip
        )
    return missing
