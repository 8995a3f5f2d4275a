"""``vocab report``: per-language metrics, head/tail summary, plots; a bad language does not stop the run."""

from __future__ import annotations

import csv
import json
import lzma
from pathlib import Path

import pytest
from toy_languages import HEAD, TOY_LANGUAGES
from transformers import AutoTokenizer

from glot500.core.config import validate_config
from glot500.core.errors import InputError
from glot500.vocab.config import VocabReportConfig
from glot500.vocab.report import build_report, measure_language, parse_tokenizer_specs


def test_measures_on_a_hand_checked_example(spm_models):
    tokenizer = AutoTokenizer.from_pretrained(spm_models["base_tok"])
    texts = ["abc abc", "ᎠᎧ a"]
    stats, pieces = measure_language(tokenizer, texts, spaceless=False, reference=None)
    tokens = [tokenizer.tokenize(text) for text in texts]
    assert pieces == tokens and stats["tokens"] == sum(map(len, tokens))
    assert stats["words"] == 4 and stats["characters"] == 9
    assert stats["fertility"] == stats["tokens"] / 4 and stats["fertility_unit"] == "word"
    unks = tokenizer(texts[1], add_special_tokens=False)["input_ids"].count(tokenizer.unk_token_id)
    assert unks == 1 and stats["unk_share"] == pytest.approx(1 / stats["tokens"])
    assert stats["unk_char_share"] == pytest.approx(2 / 9)  # "ᎠᎧ" is one <unk> run of two characters
    per_word = [len(tokenizer.tokenize(w)) for w in ("abc", "abc", "ᎠᎧ", "a")]
    assert stats["split_share"] == sum(n >= 2 for n in per_word) / 4
    spaceless, _ = measure_language(tokenizer, texts, spaceless=True, reference=pieces)
    assert spaceless["fertility"] == stats["tokens"] / 9 and spaceless["changed_vs_first"] == 0


def test_report_tables_and_plots(spm_models, toy_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for file in toy_corpus.iterdir():
        (corpus / file.name).write_bytes(file.read_bytes())
    (corpus / "yor_Latn.txt.xz").write_bytes(b"not xz at all")  # one broken language must not stop the report
    config = validate_config(
        VocabReportConfig,
        {"tokenizers": {"base": spm_models["base_tok"], "merged": spm_models["merged_tok"]}, "corpus": corpus,
         "output": tmp_path / "report", "max_sentences": 50},
    )  # fmt: skip
    out = build_report(config)
    with open(out / "report.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 2 * len(TOY_LANGUAGES)
    by_key = {(r["tokenizer"], r["label"]): r for r in rows}
    assert by_key[("base", "dzo_Tibt")]["fertility_unit"] == "char"
    assert by_key[("base", "eng_Latn")]["head"] == "True" and by_key[("base", "quc_Latn")]["head"] == "False"
    assert float(by_key[("base", "chr_Cher")]["unk_share"]) > float(by_key[("merged", "chr_Cher")]["unk_share"])
    assert all(float(by_key[("base", label)]["changed_vs_first"]) == 0 for label in TOY_LANGUAGES)
    report = json.loads((out / "report.json").read_text())
    assert set(report["errors"]) == {"yor_Latn"}
    assert report["summary"]["base"]["head"]["languages"] == len(HEAD)
    assert report["summary"]["merged"]["tail"]["unk_share"] < report["summary"]["base"]["tail"]["unk_share"]
    for name in ("fertility_by_language.png", "head_vs_tail.png", "fertility_scatter.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "manifest.json").read_text())["counts"]["errors"] == 1


def test_tokenizer_specs():
    assert parse_tokenizer_specs(["a=/x/t", "/y/ext"]) == {"a": Path("/x/t"), "ext": Path("/y/ext")}
    with pytest.raises(InputError, match="given twice"):
        parse_tokenizer_specs(["/x/tok", "/y/tok"])


def test_unreadable_corpus_is_an_error(spm_models, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "eng_Latn.txt.xz").write_bytes(lzma.compress(b"\n\n"))
    config = validate_config(
        VocabReportConfig,
        {"tokenizers": {"base": spm_models["base_tok"]}, "corpus": tmp_path / "c", "output": tmp_path / "r"},
    )
    with pytest.raises(InputError, match="no language could be read"):
        build_report(config)


def test_heldout_fertility_warns_when_a_vocabulary_memorised_its_corpus(spm_models, toy_corpus, tmp_path, caplog):
    heldout = tmp_path / "heldout"
    for file in toy_corpus.iterdir():  # the same characters in an order the corpus never has: words reversed
        label = file.name.removesuffix(".txt")
        lines = [" ".join(word[::-1] for word in line.split()) for line in file.read_text().splitlines()]
        (heldout / label).mkdir(parents=True)
        (heldout / label / f"{label}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = validate_config(
        VocabReportConfig,
        {"tokenizers": {"base": spm_models["base_tok"], "merged": spm_models["merged_tok"]}, "corpus": toy_corpus,
         "output": tmp_path / "report", "max_sentences": 50, "plots": False, "fidelity": False, "heldout": heldout},
    )  # fmt: skip
    with caplog.at_level("WARNING"):
        out = build_report(config)
    comparison = json.loads((out / "report.json").read_text())["heldout"]
    merged = comparison["merged"]
    assert merged["languages"] == len(TOY_LANGUAGES)
    assert merged["heldout_tokens_per_char"] > merged["training_tokens_per_char"] * 1.05
    assert merged["gap"] > comparison["base"]["gap"]  # the large vocabulary learnt from the corpus memorised more
    assert any("tokenizer merged" in record.message and "held-out" in record.message for record in caplog.records)
