"""What an extension changed, per language and family: round trip, unchanged ids, fertility, fallback share.

* ``round_trip``: lines with ``decode(encode(x)) == x`` (byte-level and byte-fallback tokenizers without a
  normaliser must be lossless on any text; a normaliser such as NFC or SentencePiece's ``nmt_nfkc`` makes
  the decoded text its normal form);
* ``unchanged_ids``: lines whose ids are the same under the base and the extended tokenizer (on head
  languages: how much of what the base model has learnt is still fed to it as before);
* ``tokens_per_char``: tokens per non-space character (fertility comparable across scripts);
* ``fallback_share``: share of the non-space characters that fall back: into ``<unk>`` (unigram), into
  ``<0xXX>`` byte tokens (byte fallback), or into tokens that are not whole UTF-8 characters (byte-level BPE:
  a character split across byte tokens is its form of ``<unk>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from glot500.vocab.family import TokenizerFamily, family_of_tokenizer_json

BYTE_TOKEN = re.compile(r"<0x[0-9A-Fa-f]{2}>")


@dataclass(frozen=True)
class TokenizerStats:
    """One tokenizer on one language's lines."""

    lines: int
    characters: int
    tokens: int
    fallback_characters: int
    round_trip: int

    @property
    def tokens_per_char(self) -> float:
        return self.tokens / max(self.characters, 1)

    @property
    def fallback_share(self) -> float:
        return self.fallback_characters / max(self.characters, 1)


@dataclass(frozen=True)
class ExtensionRow:
    """Base vs extended tokenizer on one language."""

    label: str
    head: bool
    base: TokenizerStats
    extended: TokenizerStats
    unchanged_ids: int

    @property
    def fertility_change(self) -> float:
        """Relative change of tokens per character (-0.3: 30 % fewer tokens)."""
        return self.extended.tokens_per_char / max(self.base.tokens_per_char, 1e-12) - 1


def tokenizer_family(backend: Any) -> TokenizerFamily | None:
    """The family of a ``tokenizers.Tokenizer`` (``None``: not one glot500 extends)."""
    import json

    try:
        return family_of_tokenizer_json(json.loads(backend.to_str()), "tokenizer")
    except Exception:  # noqa: BLE001 - any other family is simply "no fallback notion"
        return None


def fallback_ids(backend: Any) -> frozenset[int]:
    """The ids whose tokens mean "this character was not in the vocabulary" for the tokenizer's family."""
    return _fallback_ids(backend.to_str())


@lru_cache(maxsize=8)
def _fallback_ids(tokenizer_json: str) -> frozenset[int]:
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(tokenizer_json)
    family = tokenizer_family(backend)
    vocab = backend.get_vocab(with_added_tokens=False)
    if family is TokenizerFamily.BPE_BYTE_FALLBACK:
        return frozenset(i for token, i in vocab.items() if BYTE_TOKEN.fullmatch(token))
    if family is TokenizerFamily.BYTE_LEVEL_BPE:
        decode = _byte_decoder()
        return frozenset(i for token, i in vocab.items() if not _whole_characters(token, decode))
    unk = backend.token_to_id("<unk>")
    return frozenset() if unk is None else frozenset({unk})


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte <-> printable character table (the 256 symbols of ``ByteLevel.alphabet()``)."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes, extra = list(printable), 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return {chr(code): byte for byte, code in zip(printable, codes, strict=True)}


def _whole_characters(token: str, decode: dict[str, int]) -> bool:
    if any(char not in decode for char in token):
        return True  # not a byte-level symbol string (e.g. an added token): not a fallback
    try:
        bytes(decode[char] for char in token).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def measure(backend: Any, texts: list[str], batch_size: int = 1000) -> tuple[TokenizerStats, list[list[int]]]:
    """Counts for one tokenizer on ``texts`` and the ids of every line (for the unchanged-ids comparison)."""
    fallback = fallback_ids(backend)
    tokens = fallback_chars = round_trip = 0
    all_ids: list[list[int]] = []
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        encodings = backend.encode_batch(batch, add_special_tokens=False)
        ids = [encoding.ids for encoding in encodings]
        decoded = backend.decode_batch(ids, skip_special_tokens=False)
        for text, encoding, line_ids, back in zip(batch, encodings, ids, decoded, strict=True):
            tokens += len(line_ids)
            round_trip += back == text
            if fallback and not fallback.isdisjoint(line_ids):
                spans = {span for i, span in zip(line_ids, encoding.offsets, strict=True) if i in fallback}
                fallback_chars += sum(len(text[begin:end].replace(" ", "")) for begin, end in spans)
        all_ids.extend(ids)
    characters = sum(len("".join(text.split())) for text in texts)
    return TokenizerStats(len(texts), characters, tokens, fallback_chars, round_trip), all_ids


def extension_rows(
    base: Any, extended: Any, texts_by_label: dict[str, list[str]], batch_size: int = 1000
) -> list[ExtensionRow]:
    """Base vs extended (``tokenizers.Tokenizer`` or ``AutoTokenizer``) on each language's lines."""
    from glot500.languages import is_head

    base, extended = getattr(base, "backend_tokenizer", base), getattr(extended, "backend_tokenizer", extended)
    rows = []
    for label, texts in sorted(texts_by_label.items()):
        base_stats, base_ids = measure(base, texts, batch_size)
        new_stats, new_ids = measure(extended, texts, batch_size)
        unchanged = sum(a == b for a, b in zip(base_ids, new_ids, strict=True))
        rows.append(ExtensionRow(label, is_head(label), base_stats, new_stats, unchanged))
    return rows


def summarize_extension(rows: list[ExtensionRow]) -> dict[str, dict[str, float]]:
    """Head / tail / all: mean tokens per char before and after, fallback share, round trip, unchanged ids.

    Means are over languages (each language counts once), shares over lines or characters in all.
    """
    groups = {"head": [r for r in rows if r.head], "tail": [r for r in rows if not r.head], "all": rows}
    summary: dict[str, dict[str, float]] = {}
    for group, members in groups.items():
        if not members:
            continue
        lines = sum(r.base.lines for r in members)
        chars = sum(r.base.characters for r in members)
        summary[group] = {
            "languages": len(members), "lines": lines,
            "tokens_per_char_before": sum(r.base.tokens_per_char for r in members) / len(members),
            "tokens_per_char_after": sum(r.extended.tokens_per_char for r in members) / len(members),
            "fallback_share_before": sum(r.base.fallback_characters for r in members) / max(chars, 1),
            "fallback_share_after": sum(r.extended.fallback_characters for r in members) / max(chars, 1),
            "round_trip_before": sum(r.base.round_trip for r in members) / lines,
            "round_trip_after": sum(r.extended.round_trip for r in members) / lines,
            "unchanged_ids": sum(r.unchanged_ids for r in members) / lines,
        }  # fmt: skip
        summary[group]["fertility_change"] = (
            summary[group]["tokens_per_char_after"] / max(summary[group]["tokens_per_char_before"], 1e-12) - 1
        )
    return summary
