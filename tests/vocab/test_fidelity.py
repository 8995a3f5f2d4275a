"""AutoTokenizer vs SentencePiece: the folders we write lose no character; old folders are repaired in place."""

from __future__ import annotations

import json
import shutil
import unicodedata

import pytest
from typer.testing import CliRunner

from glot500.cli import app
from glot500.vocab.fidelity import (
    COMBINING_MARK_CASES,
    KNOWN_RESIDUAL_CASES,
    check_fidelity,
    load_pair,
    make_lossless,
    normalizer_problems,
    script_probe_texts,
)
from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

# Every script of the shared eBible corpus (731 language-scripts).
BIBLE_SCRIPTS = ("Arab", "Beng", "Copt", "Cyrl", "Deva", "Ethi", "Grek", "Gujr", "Guru", "Hani", "Hebr", "Jpan",
                 "Khmr", "Latn", "Limb", "Mlym", "Mymr", "Orya", "Sinh", "Syrc", "Taml", "Telu", "Thai", "Tibt")  # fmt: skip
STACKED = ["ba\u0303\u0301 ka\u0301\u0303 e\u0323\u0301 mba\u0303\u0301", "o\u031b\u0300 u\u0308\u0304 ɨ\u0303\u0301"]


@pytest.fixture(scope="module")
def probe() -> dict[str, list[str]]:
    texts = script_probe_texts(BIBLE_SCRIPTS, lines=8) | {"Jpan": ["日本語のテキスト、ひらがなとカタカナ。"] * 5}
    return texts | {"marks": list(COMBINING_MARK_CASES) + STACKED}


@pytest.fixture(scope="module")
def folders(tmp_path_factory, probe) -> dict[str, object]:
    """A tokenizer written now, and the same one as glot500 wrote it before (Precompiled only)."""
    root = tmp_path_factory.mktemp("fidelity")
    training = [text for lines in probe.values() for text in lines for _ in range(3)]
    training += [unicodedata.normalize("NFD", text) for text in training]
    model = train_spm(training, root / "spm", 4000, num_threads=1)
    new = spm_to_hf_tokenizer(model, root / "new")
    old = shutil.copytree(new, root / "old")
    payload = json.loads((old / "tokenizer.json").read_text(encoding="utf-8"))
    payload["normalizer"] = payload["normalizer"]["normalizers"][1]
    (old / "tokenizer.json").write_text(json.dumps(payload), encoding="utf-8")
    config = json.loads((old / "tokenizer_config.json").read_text(encoding="utf-8"))
    (old / "tokenizer_config.json").write_text(json.dumps(config | {"tokenizer_class": "XLMRobertaTokenizer"}))
    return {"new": new, "old": old, "root": root}


def test_written_folders_give_sentencepiece_ids_on_every_script_in_nfc_and_nfd(folders, probe):
    assert normalizer_problems(folders["new"]) == []
    tokenizer, processor = load_pair(folders["new"])
    rows = check_fidelity(tokenizer, processor, probe, nfc_first=True)  # the shard builder's bulk encoder
    assert {row.form for row in rows} == {"NFC", "NFD"} and len(rows) == 2 * len(probe)
    assert [(r.label, r.form, r.example) for r in rows if r.agreement < 1] == []
    assert all(not row.lost_by_fast for row in rows)
    # against SentencePiece on the text itself: all of it in NFC, the real combining-mark cases in NFD too
    raw = check_fidelity(tokenizer, processor, probe)
    assert [(r.label, r.example) for r in raw if r.agreement < 1 and (r.form == "NFC" or r.label == "marks")] == []
    unk = tokenizer.unk_token_id  # the probe is really segmented, not one <unk> per line
    ids = tokenizer(probe["marks"][0], add_special_tokens=False)["input_ids"]
    assert unk not in ids and len(ids) >= 1


def test_sentencepiece_does_not_compose_every_sequence_nfc_composes(folders):
    """Why the bulk encoder puts text in NFC: a discontiguous composition NFC makes and the character map not."""
    tokenizer, processor = load_pair(folders["new"])
    text = "\u00c6\u0328\u0324\u0304"  # Æ, ogonek, diaeresis below, macron: NFC composes Æ + macron
    assert processor.normalize(text) != processor.normalize(unicodedata.normalize("NFC", text))
    (row,) = check_fidelity(tokenizer, processor, {"x": [text]}, forms=("",))
    (bulk,) = check_fidelity(tokenizer, processor, {"x": [text]}, forms=("",), nfc_first=True)
    assert (row.agreement, bulk.agreement) == (0.0, 1.0) and not row.lost_by_fast


def test_the_old_normaliser_deletes_stacked_marks_and_the_check_names_them(folders):
    tokenizer, processor = load_pair(folders["old"])
    assert type(tokenizer).__name__ == "XLMRobertaTokenizer"
    (nfc, nfd) = check_fidelity(tokenizer, processor, {"box_Latn": STACKED})
    assert nfc.agreement == 1.0  # composed text dodges the bug ...
    assert nfd.agreement == 0.0 and "U+0301 COMBINING ACUTE ACCENT" in nfd.lost_by_fast  # ... decomposed loses tones
    assert nfd.lost_by_spm == {}
    assert tokenizer.backend_tokenizer.normalizer.normalize_str("a\u0303\u0301") == "ã"


def test_repair_is_in_place_idempotent_and_restores_agreement(folders, probe):
    folder = shutil.copytree(folders["old"], folders["root"] / "repaired")
    assert len(normalizer_problems(folder)) == 2
    changes = make_lossless(folder)
    assert changes == ["tokenizer.json: normalizer Precompiled -> NFC+Precompiled",
                       "tokenizer_config.json: tokenizer_class XLMRobertaTokenizer -> TokenizersBackend"]  # fmt: skip
    assert make_lossless(folder) == [] and normalizer_problems(folder) == []
    tokenizer, processor = load_pair(folder)
    assert all(row.agreement == 1 for row in check_fidelity(tokenizer, processor, probe, nfc_first=True))
    fresh, _ = load_pair(folders["new"])
    assert tokenizer.get_vocab() == fresh.get_vocab() and tokenizer.mask_token_id == fresh.mask_token_id

    result = CliRunner().invoke(app, ["vocab", "repair", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0 and "already lossless" in result.output and "100.00% identical" in result.output


def test_cli_repair_reports_each_change(folders, tmp_path):
    folder = shutil.copytree(folders["old"], tmp_path / "tok")
    result = CliRunner().invoke(app, ["vocab", "repair", str(folder), "--no-check"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "changed tokenizer.json: normalizer Precompiled -> NFC+Precompiled" in result.output


def test_known_residual_compatibility_character_plus_mark_is_reported(folders):
    tokenizer, processor = load_pair(folders["new"])
    (row,) = check_fidelity(tokenizer, processor, {"x": list(KNOWN_RESIDUAL_CASES)}, forms=("NFC",))
    assert row.agreement < 1 and row.lost_by_fast  # documented in docs/vocab.md; the check makes it visible
