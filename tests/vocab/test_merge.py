"""Merging SentencePiece models: ids kept, <mask> last, HF == sentencepiece, coverage gained, clear errors."""

from __future__ import annotations

import pytest
import sentencepiece as spm
from toy_languages import HEAD, TOY_LANGUAGES, toy_sentences
from transformers import AutoTokenizer

from glot500.core.errors import InputError
from glot500.vocab.merge import load_spm_proto, merge, resolve_base_spm
from glot500.vocab.report import measure_language
from glot500.vocab.spm import SPM_FILE_NAME, train_spm

FAIRSEQ = {0: 3, 1: 0, 2: 2}  # sentencepiece unk/bos/eos -> HF <unk>/<s>/</s>; piece k >= 3 -> k + 1


def _pieces(model_file):
    return [(p.piece, p.score, p.type) for p in load_spm_proto(model_file).pieces]


def test_base_pieces_keep_their_ids_and_new_ones_follow_with_scores(spm_models):
    base, added = _pieces(spm_models["base"]), _pieces(spm_models["added"])
    merged = _pieces(spm_models["merged_tok"] / SPM_FILE_NAME)
    assert merged[: len(base)] == base
    appended = merged[len(base) :]
    base_strings = {piece for piece, _, _ in base}
    expected = [(p, s, t) for p, s, t in added if t == 1 and p not in base_strings]  # NORMAL pieces only
    assert appended == expected and appended
    assert not any(piece in ("<s>", "</s>", "<unk>") for piece, _, _ in appended)


def test_hf_ids_are_unchanged_except_mask_which_moves_last(spm_models):
    base = AutoTokenizer.from_pretrained(spm_models["base_tok"])
    merged = AutoTokenizer.from_pretrained(spm_models["merged_tok"])
    assert merged.is_fast
    merged_vocab = merged.get_vocab()
    for token, index in base.get_vocab().items():
        if token != "<mask>":
            assert merged_vocab[token] == index, token
    assert merged.mask_token_id == len(merged) - 1 > base.mask_token_id
    assert len(merged) == len(load_spm_proto(spm_models["merged_tok"] / SPM_FILE_NAME).pieces) + 2


def test_fast_tokenizer_matches_sentencepiece_on_the_merged_model(spm_models):
    tokenizer = AutoTokenizer.from_pretrained(spm_models["merged_tok"])
    processor = spm.SentencePieceProcessor(model_file=str(spm_models["merged_tok"] / SPM_FILE_NAME))
    texts = [t for label in TOY_LANGUAGES for t in toy_sentences(label, 30, seed=7)]
    texts += ["mixed ам ᎠᎧ 漢字 ʘʘ", "  spaces   and\ttabs  ", "ÅÄÖ ｆｕｌｌｗｉｄｔｈ"]
    for text in texts:
        expected = [FAIRSEQ.get(i, i + 1) for i in processor.encode(text)]
        assert tokenizer(text, add_special_tokens=False)["input_ids"] == expected, text


@pytest.mark.parametrize("label", [label for label in TOY_LANGUAGES if label not in HEAD])
def test_unk_share_and_fertility_fall_on_added_languages(spm_models, label):
    base = AutoTokenizer.from_pretrained(spm_models["base_tok"])
    merged = AutoTokenizer.from_pretrained(spm_models["merged_tok"])
    texts = toy_sentences(label, 100, seed=11)
    spaceless = not TOY_LANGUAGES[label][1]
    before, _ = measure_language(base, texts, spaceless, None)
    after, _ = measure_language(merged, texts, spaceless, None)
    assert before["unk_share"] > 0.05 and after["unk_share"] < before["unk_share"] / 5
    assert before["unk_char_share"] > 0.05 and after["unk_char_share"] < before["unk_char_share"] / 5
    if spaceless:  # documented caveat: the base read each sentence as "▁" + ONE <unk>, the fewest tokens possible
        assert after["fertility"] > before["fertility"] and before["unk_char_share"] > 0.9
    else:
        assert after["fertility"] < before["fertility"]


def test_new_pieces_change_the_segmentation_of_base_languages(spm_models, tmp_path):
    """Unigram picks the best segmentation over ALL pieces: base-language text can change; other scripts cannot."""
    base = AutoTokenizer.from_pretrained(spm_models["base_tok"])
    merged = AutoTokenizer.from_pretrained(spm_models["merged_tok"])
    english = toy_sentences("eng_Latn", 100, seed=5)
    reference = [base.tokenize(text) for text in english]
    _, pieces = measure_language(merged, english, False, None)
    changed = sum(a != b for a, b in zip(pieces, reference, strict=True)) / len(english)
    stats, _ = measure_language(merged, english, False, reference)
    assert stats["changed_vs_first"] == pytest.approx(changed)
    assert changed > 0  # the added model was trained on English too: some longer pieces now win
    # An added model of other scripts only shares no characters with English: nothing can change.
    cherokee = train_spm(toy_sentences("chr_Cher") + toy_sentences("dzo_Tibt"), tmp_path / "chr", 200, num_threads=1)
    disjoint = AutoTokenizer.from_pretrained(merge(spm_models["base_tok"], cherokee, tmp_path / "disjoint"))
    assert all(disjoint.tokenize(text) == ref for text, ref in zip(english, reference, strict=True))


def test_a_file_that_is_not_sentencepiece_is_refused(spm_models, tmp_path):
    for name, content in (("text.model", b"just some text\n"), ("random.model", bytes(range(256)) * 4)):
        bad = tmp_path / name
        bad.write_bytes(content)
        with pytest.raises(InputError, match="not a SentencePiece model"):
            merge(spm_models["base_tok"], bad, tmp_path / "out")


def test_a_bpe_model_is_refused(spm_models, tmp_path):
    texts = [t for label in HEAD for t in toy_sentences(label)]
    bpe = train_spm(texts, tmp_path / "bpe", 200, model_type="bpe", num_threads=1)
    with pytest.raises(InputError, match="BPE model; merging needs unigram"):
        merge(spm_models["base_tok"], bpe, tmp_path / "out")
    with pytest.raises(InputError, match="BPE model"):
        merge(bpe, spm_models["added"], tmp_path / "out2")


def test_vocabulary_overflow_is_refused(spm_models, tmp_path):
    with pytest.raises(InputError, match="over the limit of 300"):
        merge(spm_models["base_tok"], spm_models["added"], tmp_path / "out", max_vocab_size=300)
    assert not (tmp_path / "out").exists()


def test_base_resolution(spm_models, tmp_path):
    assert resolve_base_spm(spm_models["base_tok"]) == spm_models["base_tok"] / SPM_FILE_NAME
    assert resolve_base_spm(spm_models["base"]) == spm_models["base"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="expected one SentencePiece model"):
        resolve_base_spm(tmp_path / "empty")
    with pytest.raises(InputError, match="not found"):
        resolve_base_spm(tmp_path / "missing")
    with pytest.raises(InputError, match="cannot fetch"):  # tests run offline
        resolve_base_spm("glot500-test/no-such-tokenizer")


def test_merging_a_model_file_base_writes_a_loadable_folder(spm_models, tmp_path):
    out = merge(spm_models["base"], spm_models["added"], tmp_path / "merged")
    assert {"tokenizer.json", SPM_FILE_NAME, "manifest.json"} <= {p.name for p in out.iterdir()}
    assert AutoTokenizer.from_pretrained(out).is_fast
