"""``glot500 vocab report``: how well each tokenizer covers each language-script of a corpus.

Per tokenizer and language-script (first ``max_sentences`` sentences):

* ``fertility``: tokens per word (whitespace-separated), or tokens per character (non-space characters) for
  scripts written without spaces (``glot500.languages.is_spaceless``) — ``fertility_unit`` says which;
* ``unk_share``: share of ``<unk>`` among the tokens; ``unk_char_share``: share of the characters that end up
  inside an ``<unk>`` (SentencePiece turns a *run* of unknown characters into one ``<unk>``, so a script the
  tokenizer does not know at all gives few tokens, low "fertility" and a modest ``unk_share``: read fertility
  together with ``unk_char_share``);
* ``fallback_share``: share of the characters that fall back (:mod:`glot500.vocab.checks`): into ``<unk>``
  (unigram), into ``<0xXX>`` byte tokens (BPE with byte fallback), into tokens that are not whole characters
  (byte-level BPE);
* ``round_trip_share``: sentences with ``decode(encode(x)) == x`` (a normaliser such as NFC or ``nmt_nfkc``
  returns its normal form);
* ``split_share``: share of word occurrences cut into two or more pieces;
* ``changed_vs_first``: share of sentences segmented differently from the first tokenizer (for an extended
  tokenizer listed after its base: how much the new pieces change text the base already covered; on head
  languages ``1 - changed_vs_first`` is the share of sentences whose ids are unchanged);
* ``spm_agreement_nfc`` / ``spm_agreement_nfd`` (folders with a ``sentencepiece.bpe.model``): share of the
  sentences, put in NFC / NFD, on which ``AutoTokenizer`` gives the ids of SentencePiece (+ fairseq offset);
  ``report.json`` lists the characters each side's normaliser loses (:mod:`glot500.vocab.fidelity`). A
  tokenizer that loses characters, or whose folder is known to (``Precompiled`` without NFC), is warned about.

Encoding uses the fast tokenizer's Rust batch API. XLM-R-style tokenizers split on whitespace before the
model runs, so each distinct word is segmented once and weighted by its count.

With ``heldout`` (text the tokenizers never saw, e.g. held-out articles), each tokenizer's tokens per character
are also measured there and compared with the corpus's: a vocabulary that compresses its own corpus much better
than unseen text of the same languages has memorised the corpus (pieces that are whole phrases of it), and the
report warns (``heldout_gap_warning``); ``report.json`` keeps the comparison under ``heldout``.

Output folder: ``report.tsv`` (one row per tokenizer x language), ``report.json`` (rows, head/tail means per
tokenizer, errors), ``*.png`` plots, ``manifest.json``.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from glot500.core.errors import InputError
from glot500.core.manifest import write_manifest
from glot500.core.progress import progress
from glot500.vocab.config import VocabReportConfig
from glot500.vocab.fidelity import FidelityRow
from glot500.vocab.rows import LanguageRow

logger = logging.getLogger(__name__)

REPORT_SCHEMA_VERSION = 1
METRICS = ("fertility", "tokens_per_char", "unk_share", "unk_char_share", "fallback_share", "split_share",
           "changed_vs_first", "round_trip_share")  # fmt: skip


def parse_tokenizer_specs(specs: list[str]) -> dict[str, Path]:
    """``["base=/x/tok", "/y/ext"]`` -> ``{"base": /x/tok, "ext": /y/ext}``; names must be unique."""
    named: dict[str, Path] = {}
    for spec in specs:
        name, _, path = spec.partition("=") if "=" in spec else (Path(spec).name, "", spec)
        if name in named:
            raise InputError(f"tokenizer name {name!r} given twice: use NAME=PATH to tell them apart")
        named[name] = Path(path)
    return named


def load_fast_tokenizer(path: Path) -> Any:
    """An HF fast tokenizer (its Rust backend does the batch encoding)."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), trust_remote_code=False)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot load tokenizer {path}: {err}".splitlines()[0]) from err
    if not tokenizer.is_fast:
        raise InputError(f"{path}: not a fast tokenizer (no tokenizer.json); the report needs one")
    return tokenizer


def measure_language(
    tokenizer: Any, texts: list[str], spaceless: bool, reference: list[list[str]] | None, batch_size: int = 1000
) -> tuple[dict[str, float | int], list[list[str]]]:
    """Counts and shares for one tokenizer on one language; also the token strings (for comparisons)."""
    from glot500.vocab.checks import fallback_ids

    backend, unk = tokenizer.backend_tokenizer, tokenizer.unk_token_id
    fallback = fallback_ids(backend)
    pieces: list[list[str]] = []
    tokens = unk_tokens = unk_chars = fallback_chars = round_trip = 0
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        encodings = backend.encode_batch(batch, add_special_tokens=False)
        decoded = backend.decode_batch([encoding.ids for encoding in encodings], skip_special_tokens=False)
        round_trip += sum(back == text for back, text in zip(decoded, batch, strict=True))
        for text, encoding in zip(batch, encodings, strict=True):
            ids = encoding.ids
            if fallback and not fallback.isdisjoint(ids):  # byte tokens of one character share its offsets
                spans = {span for i, span in zip(ids, encoding.offsets, strict=True) if i in fallback}
                fallback_chars += sum(len(text[begin:end].replace(" ", "")) for begin, end in spans)
            tokens += len(ids)
            if (unks := ids.count(unk)) > 0:  # a run of unknown characters becomes ONE <unk>: count its characters
                unk_tokens += unks
                unk_chars += sum(end - begin for i, (begin, end) in zip(ids, encoding.offsets, strict=True) if i == unk)
            pieces.append(encoding.tokens)
    word_counts = Counter(word for text in texts for word in text.split())
    words = sum(word_counts.values())
    unique = list(word_counts)
    split = 0
    for start in range(0, len(unique), batch_size):
        chunk = unique[start : start + batch_size]
        for word, encoding in zip(chunk, backend.encode_batch(chunk, add_special_tokens=False), strict=True):
            split += word_counts[word] if len(encoding.ids) >= 2 else 0
    characters = sum(len("".join(text.split())) for text in texts)  # non-whitespace characters
    changed = 0.0 if reference is None else sum(a != b for a, b in zip(pieces, reference, strict=True)) / len(texts)
    per_word, per_char = tokens / max(words, 1), tokens / max(characters, 1)
    stats = {
        "sentences": len(texts), "words": words, "characters": characters, "tokens": tokens,
        "fertility": per_char if spaceless else per_word, "fertility_unit": "char" if spaceless else "word",
        "tokens_per_word": per_word, "tokens_per_char": per_char, "unk_share": unk_tokens / max(tokens, 1),
        "unk_char_share": unk_chars / max(characters, 1), "split_share": split / max(words, 1), "changed_vs_first": changed,
        "fallback_share": fallback_chars / max(characters, 1), "round_trip_share": round_trip / max(len(texts), 1),
    }  # fmt: skip
    return stats, pieces


def report_rows(
    tokenizers: dict[str, Any], texts_by_label: dict[str, list[str]], batch_size: int = 1000
) -> list[LanguageRow]:
    """All rows, language by language (texts are read once, every tokenizer measured on them)."""
    from glot500.languages import LangScript, is_head, is_spaceless

    rows: list[LanguageRow] = []
    for label, texts in progress(sorted(texts_by_label.items()), desc="languages", unit="lang"):
        script = LangScript.parse(label).script
        reference = None
        for name, tokenizer in tokenizers.items():
            stats, pieces = measure_language(tokenizer, texts, is_spaceless(script), reference, batch_size)
            reference = pieces if reference is None else reference
            rows.append(LanguageRow(tokenizer=name, label=label, script=script, head=is_head(label), **stats))
    return rows


def summarize(rows: list[LanguageRow]) -> dict[str, dict[str, dict[str, float]]]:
    """Unweighted means per tokenizer over head / tail / all language-scripts."""
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for name in dict.fromkeys(row.tokenizer for row in rows):
        mine = [row for row in rows if row.tokenizer == name]
        groups = {"head": [r for r in mine if r.head], "tail": [r for r in mine if not r.head], "all": mine}
        summary[name] = {
            group: {"languages": len(members)}
            | {metric: sum(getattr(r, metric) for r in members) / len(members) for metric in METRICS}
            for group, members in groups.items()
            if members
        }
    return summary


def read_texts(config: VocabReportConfig) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Up to ``max_sentences`` texts per language; unreadable languages become errors, the rest go on."""
    from glot500.corpus.reader import discover_languages, iter_texts

    found = discover_languages(config.corpus)
    labels = sorted(found) if config.languages is None else config.languages
    texts: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for label in labels:
        try:
            if label not in found:
                raise InputError(f"{config.corpus}: no data for {label}")
            texts[label] = [text for text in iter_texts(found[label], config.max_sentences) if text.strip()]
            if not texts[label]:
                raise InputError(f"{label}: no non-empty text")
        except Exception as err:  # noqa: BLE001 - any decoder's error (lzma, gzip, zstd, parquet) costs one language
            texts.pop(label, None)
            errors[label] = str(err)
            logger.warning("skipping %s: %s", label, err)
    return texts, errors


def build_report(config: VocabReportConfig) -> Path:
    """Measure every tokenizer on every language of the corpus; write tables, plots and a manifest."""
    tokenizers = {name: load_fast_tokenizer(path) for name, path in config.tokenizers.items()}
    texts, errors = read_texts(config)
    if not texts:
        raise InputError(f"{config.corpus}: no language could be read ({len(errors)} errors)")
    rows = report_rows(tokenizers, texts, config.batch_size)
    fidelity = measure_fidelity(config.tokenizers, tokenizers, texts, config.batch_size) if config.fidelity else {}
    rows = [_with_agreement(row, fidelity.get(row.tokenizer)) for row in rows]
    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    write_tsv(rows, out / "report.tsv")
    summary = summarize(rows)
    heldout = heldout_comparison(config, tokenizers, rows) if config.heldout is not None else None
    payload = {"tokenizers": {k: str(v) for k, v in config.tokenizers.items()}, "summary": summary,
               "errors": errors, **({"heldout": heldout} if heldout is not None else {}), "fidelity": {name: _fidelity_summary(found) for name, found in fidelity.items()},
               "rows": [asdict(row) for row in rows]}  # fmt: skip
    (out / "report.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    plots = []
    if config.plots:
        from glot500.vocab.plots import plot_report

        plots = [path.name for path in plot_report(rows, summary, out)]
    write_manifest(
        out, stage="vocab.report", schema_version=REPORT_SCHEMA_VERSION, config=config.model_dump(mode="json"),
        counts={"languages": len(texts), "errors": len(errors), "tokenizers": len(tokenizers)}, plots=plots,
    )  # fmt: skip
    return out


def read_heldout(folder: Path, max_sentences: int) -> dict[str, list[str]]:
    """Held-out texts per label: ``<label>/<label>.txt`` folders (a task folder), else any corpus layout."""
    task_files = {path.parent.name: path for path in sorted(folder.glob("*/*.txt")) if path.stem == path.parent.name}
    if task_files:
        return {
            label: [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:max_sentences]
            for label, path in task_files.items()
        }
    texts, _ = read_texts(VocabReportConfig(tokenizers={"_": folder}, corpus=folder, output=folder,
                                            max_sentences=max_sentences))  # fmt: skip
    return texts


def heldout_comparison(config: VocabReportConfig, tokenizers: dict[str, Any], rows: list[LanguageRow]) -> dict:
    """Per tokenizer: mean tokens per character on the corpus and on held-out text over the languages both
    have, and the relative gap; warns where the gap exceeds ``heldout_gap_warning``."""
    assert config.heldout is not None
    heldout_texts = {label: texts for label, texts in read_heldout(config.heldout, config.max_sentences).items()
                     if texts}  # fmt: skip
    heldout_rows = report_rows(tokenizers, heldout_texts, config.batch_size)
    training = {(row.tokenizer, row.label): row.tokens_per_char for row in rows}
    comparison: dict[str, dict[str, float]] = {}
    for name in tokenizers:
        pairs = [(training[(name, row.label)], row.tokens_per_char) for row in heldout_rows
                 if row.tokenizer == name and (name, row.label) in training]  # fmt: skip
        if not pairs:
            continue
        seen, unseen = (sum(values) / len(pairs) for values in zip(*pairs, strict=True))
        comparison[name] = {"languages": len(pairs), "training_tokens_per_char": seen,
                            "heldout_tokens_per_char": unseen, "gap": unseen / seen - 1}  # fmt: skip
        if comparison[name]["gap"] > config.heldout_gap_warning:
            logger.warning(
                "tokenizer %s: %.1f%% more tokens per character on held-out text than on its corpus (%d languages):"
                " pieces that fit the corpus, not the languages; a smaller vocabulary (vocab_size: auto) fits better",
                name, 100 * comparison[name]["gap"], len(pairs),
            )  # fmt: skip
    return comparison


def measure_fidelity(
    paths: dict[str, Path], tokenizers: dict[str, Any], texts: dict[str, list[str]], batch_size: int
) -> dict[str, list[FidelityRow]]:
    """Fidelity rows per tokenizer that has a SentencePiece model to compare with; warnings for lossy ones."""
    import sentencepiece as spm

    from glot500.vocab.fidelity import check_fidelity, normalizer_problems, spm_model_of

    found: dict[str, list[FidelityRow]] = {}
    for name, tokenizer in tokenizers.items():
        for problem in normalizer_problems(paths[name]) if Path(paths[name]).is_dir() else []:
            logger.warning("tokenizer %s drops characters: %s; fix it with `glot500 vocab repair %s`",
                           name, problem, paths[name])  # fmt: skip
        model = spm_model_of(tokenizer)
        if model is None:
            logger.info("tokenizer %s: no sentencepiece model next to it, fidelity not checked", name)
            continue
        found[name] = check_fidelity(tokenizer, spm.SentencePieceProcessor(model_file=str(model)), texts,
                                     batch_size=batch_size)  # fmt: skip
        added_unk = sum(row.added_unk for row in found[name])
        if added_unk:
            logger.warning("tokenizer %s maps %d characters to <unk> that its own SentencePiece model represents; "
                           "retrain it with this glot500 (it trains on the NFC of the text)", name, added_unk)  # fmt: skip
        lossy = [row for row in found[name] if row.agreement < 1]
        if lossy:
            worst = min(lossy, key=lambda row: row.agreement)
            lost = ", ".join(list(worst.lost_by_fast)[:3]) or "no character, other segmentation"
            logger.warning(
                "tokenizer %s differs from its SentencePiece model on %d language/form pairs; worst %s %s: %.1f%% "
                "identical, the fast tokenizer loses %s", name, len(lossy), worst.label, worst.form,
                100 * worst.agreement, lost,
            )  # fmt: skip
    return found


def _with_agreement(row: LanguageRow, found: list[FidelityRow] | None) -> LanguageRow:
    if not found:
        return row
    agreement = {f.form: f.agreement for f in found if f.label == row.label}
    return replace(row, spm_agreement_nfc=agreement.get("NFC"), spm_agreement_nfd=agreement.get("NFD"))


def _fidelity_summary(found: list[FidelityRow]) -> dict[str, Any]:
    """Minimum agreement per form, the languages below 100 %, and the characters each side loses."""
    summary: dict[str, Any] = {}
    for form in dict.fromkeys(row.form for row in found):
        mine = [row for row in found if row.form == form]
        summary[form] = {
            "min_agreement": min(row.agreement for row in mine),
            "identical_lines": sum(row.identical for row in mine), "lines": sum(row.lines for row in mine),
            "unk_fast": sum(row.unk_fast for row in mine), "unk_model": sum(row.unk_model for row in mine),
            "added_unk": {row.label: row.added_unk for row in mine if row.added_unk},
            "below_100": {row.label: round(row.agreement, 4) for row in mine if row.agreement < 1},
            "lost_by_fast": {row.label: row.lost_by_fast for row in mine if row.lost_by_fast},
            "lost_by_spm": {row.label: row.lost_by_spm for row in mine if row.lost_by_spm},
            "examples": {row.label: row.example for row in mine if row.example},
        }  # fmt: skip
    return summary


def write_tsv(rows: list[LanguageRow], path: Path) -> Path:
    fields = list(LanguageRow.__dataclass_fields__)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: f"{v:.6g}" if isinstance(v, float) else v for k, v in asdict(row).items()})
    return path
