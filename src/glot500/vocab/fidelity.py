"""Does the tokenizer folder segment exactly like its SentencePiece model? Check it, and repair it.

Two defects made ``AutoTokenizer`` disagree with ``sentencepiece`` on the folders we wrote:

* the ``tokenizers`` library's ``Precompiled`` normaliser looks each grapheme up *as a whole* and, when only
  a prefix of it is in the character map, replaces the whole grapheme by that prefix's normal form: decomposed
  ``a`` + U+0303 + U+0301 becomes ``ã`` and the tone mark is **deleted** (an upstream bug, not fixed in a
  release). An ``NFC`` step first composes what can be composed, so no grapheme reaches ``Precompiled`` with
  a mapped proper prefix; SentencePiece's own ``nmt_nfkc`` is NFKC-based, so NFC first changes nothing for it
  (measured on every verse of the eBible corpus, see docs/vocab.md);
* transformers 5's ``XLMRobertaTokenizer`` rebuilds its normaliser from the character map on load, ignoring
  the ``normalizer`` of ``tokenizer.json``. The folder therefore names the generic ``TokenizersBackend`` class,
  which loads ``tokenizer.json`` verbatim (same vocabulary, special tokens, pre-tokeniser and post-processor).

:func:`make_lossless` applies both to a folder (``glot500 vocab repair``); :func:`check_fidelity` compares the
ids of both encoders per language, on the text as given in NFC and in NFD, and counts the characters each
side's normaliser loses.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.vocab.files import SPM_FILE_NAME

FORMS = ("NFC", "NFD")
GENERIC_TOKENIZER_CLASS = "TokenizersBackend"  # loads tokenizer.json as written (transformers 5)
_VERBATIM_CLASSES = frozenset({GENERIC_TOKENIZER_CLASS, "PreTrainedTokenizerFast"})
# SentencePiece ids -> fairseq/HF ids: <unk>=0 -> 3, <s>=1 -> 0, </s>=2 -> 2, every other piece k -> k + 1.
SPM_SPECIAL_TO_HF = {0: 3, 1: 0, 2: 2}
# Stacked diacritics (tonal Latin orthographies, Vietnamese, Yoruba), Indic and Hebrew marks, Hangul jamo:
# each is checked as written, in NFC and in NFD.
COMBINING_MARK_CASES = (
    "a\u0303\u0301",  # a + tilde + acute: the Precompiled bug deletes the acute
    "ba\u0303\u0301 ka\u0301\u0303 e\u0323\u0301 o\u031b\u0300 u\u0308\u0304",
    "ẹ̀ṣọ́ ọ̀rọ̀ àti ìgbà",  # Yoruba
    "Tiếng Việt có dấu: người, được, những",
    "ɨ̃́ ʉ̱̀ ɔ̰̂ ŋ̈ ɛ̃̀",  # letters without precomposed forms
    "क़िताब ज़िंदगी অ্যা ମୁଁ தமிழ் ಕನ್ನಡ മലയാളം",
    "שָׁלוֹם בְּרֵאשִׁית",  # Hebrew points
    "한국어 텍스트",  # NFD splits Hangul syllables into jamo
)
# Still lost after the repair: a *compatibility* character (one NFKC changes and NFC keeps) followed by a
# combining mark in one short grapheme, e.g. the ligature U+FB01 + U+0301; NFC cannot compose it, and NFKC
# first would change SentencePiece's own segmentation. Rare in real text; the check reports it.
KNOWN_RESIDUAL_CASES = ("\ufb01\u0301", "\uff71\u3099")


@dataclass(frozen=True)
class FidelityRow:
    """One language in one normal form: how many lines both encoders give identical ids for."""

    label: str
    form: str
    lines: int
    identical: int
    lost_by_fast: dict[str, int] = field(default_factory=dict)
    lost_by_spm: dict[str, int] = field(default_factory=dict)
    example: str | None = None
    unk_fast: int = 0
    unk_model: int = 0

    @property
    def agreement(self) -> float:
        return self.identical / self.lines if self.lines else 1.0

    @property
    def added_unk(self) -> int:
        """``<unk>`` the written tokenizer produces beyond its own model's on the same text (must be 0)."""
        return max(0, self.unk_fast - self.unk_model)


def fast_nfc(text: str) -> str:
    """NFC exactly as the fast tokenizer's normaliser does it.

    Python's ``unicodedata`` (7x faster) unless the text holds one of the few characters on which its Unicode
    tables and those of ``tokenizers`` disagree (marks assigned in a version only one of them knows).
    """
    if text.isascii():
        return text
    rust, disagree = _rust_nfc()
    return unicodedata.normalize("NFC", text) if disagree.isdisjoint(text) else rust.normalize_str(text)


@lru_cache(maxsize=1)
def _rust_nfc() -> tuple[Any, frozenset[str]]:
    """``tokenizers``' NFC and the characters where it and Python's NFC differ (found once: ~0.5 s)."""
    from tokenizers.normalizers import NFC

    rust = NFC()
    disagree = set()
    for code in range(0x30000):  # beyond: CJK ideographs, no marks
        char = chr(code)
        if 0xD800 <= code < 0xE000:
            continue
        for probe in (char, f"a{char}\u0301", f"a\u0301{char}\u0316"):  # decomposition; combining class
            if rust.normalize_str(probe) != unicodedata.normalize("NFC", probe):
                disagree.add(char)
                break
    return rust, frozenset(disagree)


def spm_ids_to_hf(ids: Iterable[int]) -> list[int]:
    """The fairseq offset of XLM-R-style HF tokenizers (``<mask>`` is never a SentencePiece id)."""
    return [SPM_SPECIAL_TO_HF.get(i, i + 1) for i in ids]


# ---- the folder: diagnose and repair -----------------------------------------------------------------


def _normalizers(tokenizer_json: dict) -> list[dict]:
    normalizer = tokenizer_json.get("normalizer")
    if not normalizer:
        return []
    return list(normalizer.get("normalizers", [])) if normalizer.get("type") == "Sequence" else [normalizer]


def normalizer_problems(folder: str | Path) -> list[str]:
    """What makes ``AutoTokenizer`` on ``folder`` lose characters or ignore its ``tokenizer.json`` (empty: none)."""
    folder = Path(folder)
    tokenizer_file, config_file = folder / "tokenizer.json", folder / "tokenizer_config.json"
    if not tokenizer_file.is_file():
        return []
    problems = []
    steps = _normalizers(json.loads(tokenizer_file.read_text(encoding="utf-8")))
    kinds = [step.get("type") for step in steps]
    if "Precompiled" in kinds and kinds[0] != "NFC":
        problems.append("normalizer Precompiled without NFC first (deletes stacked combining marks)")
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
    tokenizer_class = config.get("tokenizer_class")
    if "Precompiled" in kinds and tokenizer_class not in _VERBATIM_CLASSES:
        problems.append(f"tokenizer_class {tokenizer_class} rebuilds the normalizer on load, ignoring tokenizer.json")
    return problems


def make_lossless(folder: str | Path) -> list[str]:
    """Upgrade an HF tokenizer folder in place: NFC before ``Precompiled``, a class that keeps it. Idempotent.

    Returns:
        what was changed, one sentence each (empty: the folder was already lossless).

    Raises:
        InputError: ``folder`` has no ``tokenizer.json``.
    """
    folder = Path(folder)
    tokenizer_file, config_file = folder / "tokenizer.json", folder / "tokenizer_config.json"
    if not tokenizer_file.is_file():
        raise InputError(f"{folder}: no tokenizer.json (not a fast HF tokenizer folder)")
    tokenizer_json = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    steps = _normalizers(tokenizer_json)
    kinds = [step.get("type") for step in steps]
    if "Precompiled" not in kinds:
        return []
    changes = []
    if kinds[0] != "NFC":
        before = "+".join(str(kind) for kind in kinds)
        tokenizer_json["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "NFC"}, *steps]}
        _write_json(tokenizer_file, tokenizer_json)
        changes.append(f"tokenizer.json: normalizer {before} -> NFC+{before}")
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
    if config.get("tokenizer_class") not in _VERBATIM_CLASSES:
        changes.append(
            f"tokenizer_config.json: tokenizer_class {config.get('tokenizer_class')} -> {GENERIC_TOKENIZER_CLASS}"
        )
        config["tokenizer_class"] = GENERIC_TOKENIZER_CLASS
        _write_json(config_file, config)
    return changes


def _write_json(path: Path, payload: dict) -> None:
    """Write through a temporary name, so an interrupted repair never leaves half a tokenizer.json."""
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


# ---- the check ---------------------------------------------------------------------------------------


def spm_model_of(tokenizer: Any) -> Path | None:
    """The SentencePiece model a loaded HF tokenizer was made from (its folder's file), if there is one."""
    candidates = [getattr(tokenizer, "vocab_file", None), Path(str(tokenizer.name_or_path)) / SPM_FILE_NAME]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def vocabulary_mismatch(tokenizer: Any, processor: Any) -> str | None:
    """Why the HF vocabulary is not the SentencePiece one with the fairseq offset (``None``: it is)."""
    vocab = tokenizer.get_vocab()
    size = processor.get_piece_size()
    specials = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": size + 1}
    if len(vocab) != size + 2:
        return f"{len(vocab)} HF tokens for {size} SentencePiece pieces (expected pieces + <pad> + <mask>)"
    for token, expected in specials.items():
        if vocab.get(token) != expected:
            return f"{token} has id {vocab.get(token)}, expected {expected}"
    for piece_id in range(3, size):
        piece = processor.id_to_piece(piece_id)
        if vocab.get(piece) != piece_id + 1:
            return f"piece {piece!r} (SentencePiece id {piece_id}) has HF id {vocab.get(piece)}, expected {piece_id + 1}"
    return None


def check_fidelity(
    tokenizer: Any,
    processor: Any,
    texts_by_label: dict[str, Sequence[str]],
    forms: Sequence[str] = FORMS,
    batch_size: int = 1000,
    nfc_first: bool = False,
) -> list[FidelityRow]:
    """Per language and normal form: lines whose HF ids equal SentencePiece's (+ offset), characters lost,
    and ``<unk>`` counted on both sides (``FidelityRow.added_unk``: what the written folder adds to its model).

    Args:
        tokenizer: an HF fast tokenizer (``AutoTokenizer``), ``processor``: its ``SentencePieceProcessor``.
        forms: the text is put in each of these Unicode normal forms first ("NFC", "NFD"; "" = as given).
        nfc_first: compare with SentencePiece on the NFC of the text (the shard builder's bulk encoder), not on
            the text itself. SentencePiece's character map composes the common mark sequences but not every
            discontiguous one NFC composes (``Æ`` + U+0328 + U+0324 + U+0304), nor marks out of canonical order.
    """
    rows = []
    for label, texts in texts_by_label.items():
        for form in forms:
            lines = [unicodedata.normalize(form, text) if form else text for text in texts]
            rows.append(_check_lines(tokenizer.backend_tokenizer, processor, label, form or "as given", lines,
                                     batch_size, nfc_first))  # fmt: skip
    return rows


def _check_lines(
    backend: Any, processor: Any, label: str, form: str, lines: list[str], batch_size: int, nfc_first: bool
) -> FidelityRow:
    identical, example = 0, None
    unk_fast = unk_model = 0
    hf_unk = backend.token_to_id("<unk>")
    lost_fast: Counter[str] = Counter()
    lost_spm: Counter[str] = Counter()
    for start in range(0, len(lines), batch_size):
        batch = lines[start : start + batch_size]
        fast = backend.encode_batch_fast(batch, add_special_tokens=False)
        spm = processor.encode([fast_nfc(t) for t in batch] if nfc_first else batch, num_threads=1)
        for text, hf_encoding, spm_ids in zip(batch, fast, spm, strict=True):
            unk_fast += hf_encoding.ids.count(hf_unk) if hf_unk is not None else 0
            unk_model += spm_ids.count(processor.unk_id())
            if hf_encoding.ids == spm_ids_to_hf(spm_ids):
                identical += 1
            elif example is None:
                example = text[:200]
        fast_normal = [backend.normalizer.normalize_str(text) if backend.normalizer else text for text in batch]
        # SentencePiece's normalize() also drops what it treats as control characters: counted as its loss
        spm_normal = processor.normalize(batch)
        for text, ours, theirs in zip(batch, fast_normal, spm_normal, strict=True):
            if text.isascii() and ours == text:  # nothing to compose or lose (the common case, cheap)
                continue
            reference = _letters(unicodedata.normalize("NFKC", text))
            lost_fast.update(reference - _letters(ours))
            lost_spm.update(reference - _letters(theirs))
    return FidelityRow(label, form, len(lines), identical, _named(lost_fast), _named(lost_spm), example, unk_fast,
                       unk_model)  # fmt: skip


def _letters(text: str) -> Counter[str]:
    """The code points of ``text`` in NFD, without whitespace and SentencePiece's ``▁``: what a side kept."""
    return Counter(char for char in unicodedata.normalize("NFD", text) if not char.isspace() and char != "▁")


def _named(lost: Counter[str]) -> dict[str, int]:
    """``{"U+0301 COMBINING ACUTE ACCENT": 12}``: readable in a report, unambiguous for invisible marks."""
    return {f"U+{ord(char):04X} {unicodedata.name(char, '?')}": count for char, count in lost.most_common()}


def load_pair(folder: str | Path) -> tuple[Any, Any]:
    """``(AutoTokenizer, SentencePieceProcessor)`` of a tokenizer folder with its ``sentencepiece.bpe.model``."""
    import sentencepiece as spm
    from transformers import AutoTokenizer

    folder = Path(folder)
    if not (folder / SPM_FILE_NAME).is_file():
        raise InputError(f"{folder}: no {SPM_FILE_NAME} to compare the tokenizer with")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot load tokenizer {folder}: {err}".splitlines()[0]) from err
    return tokenizer, spm.SentencePieceProcessor(model_file=str(folder / SPM_FILE_NAME))


# ---- probe text: every script, combining marks -------------------------------------------------------


def script_probe_texts(scripts: Iterable[str], lines: int = 20, seed: int = 0) -> dict[str, list[str]]:
    """Made-up text per script from its Unicode letters and marks (GlotScript's ranges), marks stacked.

    Words alternate letters and 0-3 combining marks of the same script (or of the generic combining block
    for scripts without their own), so both the composed and the decomposed forms are exercised.
    """
    from GlotScript.GlotScript import SCRIPT_RANGES

    generic_marks = [chr(c) for c in range(0x300, 0x370)]
    texts: dict[str, list[str]] = {}
    for script in scripts:
        chars = [chr(c) for lo, hi in SCRIPT_RANGES.get(script, []) for c in range(lo, hi + 1)]
        # Compatibility characters (presentation forms, ligatures) are left out: they are the known residual
        # case (KNOWN_RESIDUAL_CASES), checked on their own, and rare in running text.
        chars = [c for c in chars if unicodedata.normalize("NFKC", c) == c]
        letters = [c for c in chars if unicodedata.category(c).startswith("L")]
        marks = [c for c in chars if unicodedata.category(c) in ("Mn", "Mc")] or generic_marks
        if not letters:
            continue
        rng = random.Random(f"{script}-{seed}")
        texts[script] = [_probe_line(rng, letters, marks) for _ in range(lines)]
    return texts


def _probe_line(rng: random.Random, letters: list[str], marks: list[str]) -> str:
    words = []
    for _ in range(rng.randint(3, 8)):
        word = "".join(rng.choice(letters) + "".join(rng.choices(marks, k=rng.choice((0, 0, 1, 2, 3))))
                       for _ in range(rng.randint(1, 5)))  # fmt: skip
        words.append(word)
    return " ".join(words)


def repair_report(folder: str | Path, check: bool = True) -> list[str]:
    """:func:`make_lossless` on ``folder``, then the probe agreement; the lines ``glot500 vocab repair`` prints.

    Probe: the combining-mark cases in NFC and NFD, and made-up text in every script GlotScript knows in NFC
    (random mark stacks in NFD include sequences SentencePiece's own map does not compose: not a fault of
    the folder, see :func:`check_fidelity`).
    """
    from GlotScript.GlotScript import SCRIPT_RANGES

    folder = Path(folder)
    changes = make_lossless(folder)
    lines = [f"changed {change}" for change in changes] or [f"{folder}: already lossless, nothing changed"]
    if check and (folder / SPM_FILE_NAME).is_file():
        tokenizer, processor = load_pair(folder)
        rows = check_fidelity(tokenizer, processor, {"combining-marks": list(COMBINING_MARK_CASES)})
        rows += check_fidelity(tokenizer, processor, script_probe_texts(sorted(SCRIPT_RANGES), 5), forms=("NFC",))
        identical, total = sum(r.identical for r in rows), sum(r.lines for r in rows)
        lines.append(f"probe ({total} lines: combining marks in NFC and NFD, {len(rows) - 2} scripts in NFC): "
                     f"{identical / total:.2%} identical to SentencePiece")  # fmt: skip
        lines.extend(f"  differs: {r.label} {r.form} {r.agreement:.0%}, fast loses {', '.join(r.lost_by_fast) or '-'}"
                     for r in rows if r.agreement < 1)  # fmt: skip
    return lines
