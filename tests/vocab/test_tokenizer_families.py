"""Tokenizer families: detection, training like a base, merging (BPE byte fallback, byte-level BPE, unigram)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from toy_languages import HEAD, TOY_LANGUAGES, toy_sentences

from glot500.core.errors import InputError
from glot500.vocab.bpe import save_bpe_folder, train_bpe
from glot500.vocab.config import VocabTrainConfig
from glot500.vocab.family import TokenizerFamily, detect_tokenizer
from glot500.vocab.merge import merge
from glot500.vocab.train import train_vocab

BPE_FAMILIES = (TokenizerFamily.BYTE_LEVEL_BPE, TokenizerFamily.BPE_BYTE_FALLBACK)
CHAT_TEMPLATE = "{% for m in messages %}<|im_start|>{{ m['content'] }}<|im_end|>{% endfor %}"
# Mixed scripts, stacked combining marks (decomposed), emoji, a ligature and letters no toy language has.
HARD_TEXT = [
    "ẹ̀ṣọ́ ọ̀rọ̀ i\u0328\u0300 a\u0303\u0301 — 😀🫠 ﬁne",
    "  two leading spaces,\ttab and\nnewline",
    "한국어 क़िताब שָׁלוֹם ᎠᎡᎢ ཀཁག абв eng",
    "\u0000\u00a0\u200b\U0010fffd control and private use",
]


@pytest.fixture(scope="module")
def family_tokenizers(tmp_path_factory, toy_corpus) -> dict[TokenizerFamily, dict[str, Path]]:
    """Per BPE family: a base trained on the head languages, pieces trained like it on all, the merged folder."""
    root = tmp_path_factory.mktemp("families")
    head = [text for label in HEAD for text in toy_sentences(label)]
    made = {}
    for family in BPE_FAMILIES:
        trained = train_bpe(iter(head), family, 300)
        trained.add_special_tokens(["<|im_start|>", "<|im_end|>"])  # outside the model's vocabulary, as Qwen's
        base = save_bpe_folder(trained, root / f"base-{family}", None)
        config_file = base / "tokenizer_config.json"
        config = json.loads(config_file.read_text(encoding="utf-8"))
        config.update(chat_template=CHAT_TEMPLATE, model_max_length=4096)
        config_file.write_text(json.dumps(config), encoding="utf-8")
        added = train_vocab(VocabTrainConfig(corpus=toy_corpus, output=root / f"added-{family}", like=base,
                                             vocab_size=900, sample_size=3000))  # fmt: skip
        merged = merge(base, added, root / f"merged-{family}", pad_to_multiple_of=64)
        made[family] = {"base": base, "added": added, "merged": merged}
    return made


def _load(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


@pytest.mark.parametrize("family", BPE_FAMILIES)
def test_the_family_is_detected_from_tokenizer_json(family_tokenizers, family):
    for folder in family_tokenizers[family].values():
        assert detect_tokenizer(folder).family is family
        assert detect_tokenizer(folder / "tokenizer.json").family is family


@pytest.mark.parametrize("family", BPE_FAMILIES)
def test_base_ids_and_specials_are_unchanged_and_new_tokens_follow(family_tokenizers, family):
    base, merged = _load(family_tokenizers[family]["base"]), _load(family_tokenizers[family]["merged"])
    base_vocab, merged_vocab = base.get_vocab(), merged.get_vocab()
    assert all(merged_vocab[token] == index for token, index in base_vocab.items())
    assert base.all_special_tokens == merged.all_special_tokens
    assert base.all_special_ids == merged.all_special_ids
    new_ids = sorted(index for token, index in merged_vocab.items() if token not in base_vocab)
    assert new_ids[0] == max(base_vocab.values()) + 1
    assert new_ids == list(range(new_ids[0], new_ids[0] + len(new_ids)))  # appended, no hole
    assert len(merged) % 64 == 0
    backend = merged.backend_tokenizer
    assert all(backend.id_to_token(index) == token for token, index in merged_vocab.items())
    assert merged.convert_tokens_to_ids("<|im_end|>") == base.convert_tokens_to_ids("<|im_end|>")


@pytest.mark.parametrize("family", BPE_FAMILIES)
def test_new_merges_follow_the_base_merges_and_every_new_token_is_reachable(family_tokenizers, family):
    from tokenizers import Tokenizer

    def merges(folder):
        data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        model, specials = data["model"], {token["content"] for token in data["added_tokens"]}
        return [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]], model["vocab"], specials

    base_merges, base_vocab, _ = merges(family_tokenizers[family]["base"])
    merged_merges, merged_vocab, specials = merges(family_tokenizers[family]["merged"])
    assert merged_merges[: len(base_merges)] == base_merges
    new_tokens = [token for token in merged_vocab if token not in base_vocab and token not in specials]
    assert new_tokens
    for left, right in merged_merges[len(base_merges) :]:
        assert left in merged_vocab and right in merged_vocab and left + right in new_tokens
    model = Tokenizer.from_file(str(family_tokenizers[family]["merged"] / "tokenizer.json")).model
    orphans = [token for token in new_tokens if [t.value for t in model.tokenize(token)] != [token]]
    assert orphans == []
    manifest = json.loads((family_tokenizers[family]["merged"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["appended"] == len(new_tokens)
    assert "orphans_dropped" in manifest["counts"]


@pytest.mark.parametrize("family", BPE_FAMILIES)
def test_round_trip_is_lossless_on_hard_text(family_tokenizers, family):
    texts = HARD_TEXT + [text for label in TOY_LANGUAGES for text in toy_sentences(label, 20, seed=9)]
    for name in ("base", "merged"):
        tokenizer = _load(family_tokenizers[family][name])
        for text in texts:
            assert tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"]) == text, (name, text)


@pytest.mark.parametrize("family", BPE_FAMILIES)
def test_config_keeps_chat_template_specials_and_length(family_tokenizers, family):
    merged = _load(family_tokenizers[family]["merged"])
    assert merged.chat_template == CHAT_TEMPLATE
    assert merged.model_max_length == 4096


@pytest.mark.parametrize("family", BPE_FAMILIES)
def test_tail_languages_get_fewer_tokens_and_less_fallback(family_tokenizers, family):
    from glot500.vocab.checks import extension_rows, summarize_extension

    texts = {label: toy_sentences(label, 50, seed=7) for label in TOY_LANGUAGES}
    rows = extension_rows(_load(family_tokenizers[family]["base"]), _load(family_tokenizers[family]["merged"]), texts)
    summary = summarize_extension(rows)
    assert summary["tail"]["tokens_per_char_after"] < 0.7 * summary["tail"]["tokens_per_char_before"]
    assert summary["tail"]["fallback_share_before"] > 0.5
    assert summary["tail"]["fallback_share_after"] < summary["tail"]["fallback_share_before"] / 3
    assert summary["all"]["round_trip_after"] == 1.0
    assert 0 <= summary["head"]["unchanged_ids"] <= 1


def test_max_new_tokens_keeps_the_most_frequent_first(family_tokenizers, tmp_path):
    paths = family_tokenizers[TokenizerFamily.BYTE_LEVEL_BPE]
    small = merge(paths["base"], paths["added"], tmp_path / "small", max_new_tokens=25)
    counts = json.loads((small / "manifest.json").read_text(encoding="utf-8"))["counts"]
    assert counts["appended"] <= 25 and counts["over_limit_dropped"] > 0
    with pytest.raises(InputError, match="over the limit"):
        merge(paths["base"], paths["added"], tmp_path / "big", max_vocab_size=310)


def test_pieces_of_another_family_are_refused(family_tokenizers, tmp_path):
    byte_level, fallback = (family_tokenizers[f] for f in BPE_FAMILIES)
    with pytest.raises(InputError, match="train the new pieces with"):
        merge(byte_level["base"], fallback["added"], tmp_path / "out")
    with pytest.raises(InputError, match="byte-level-bpe"):
        train_vocab(VocabTrainConfig(corpus=Path("."), output=tmp_path / "x", like=byte_level["base"],
                                     family=TokenizerFamily.UNIGRAM))  # fmt: skip


def test_wordpiece_and_unknown_types_are_one_clear_error(tmp_path):
    from tokenizers import Tokenizer, models

    folder = tmp_path / "bert"
    folder.mkdir()
    Tokenizer(models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]")).save(str(folder / "tokenizer.json"))
    with pytest.raises(InputError, match=r"bert/tokenizer.json: tokenizer model type WordPiece cannot be extended"):
        detect_tokenizer(folder)
    plain = tmp_path / "plain"
    plain.mkdir()
    Tokenizer(models.BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")])).save(str(plain / "tokenizer.json"))
    with pytest.raises(InputError, match="without byte fallback"):
        detect_tokenizer(plain)
    with pytest.raises(InputError, match="no tokenizer.json and no SentencePiece"):
        detect_tokenizer(tmp_path)


def test_standalone_families_train_without_a_base(toy_corpus, tmp_path):
    for family in BPE_FAMILIES:
        out = train_vocab(VocabTrainConfig(corpus=toy_corpus, output=tmp_path / str(family), family=family,
                                           vocab_size=500, sample_size=2000))  # fmt: skip
        assert detect_tokenizer(out).family is family
        tokenizer = _load(out)
        for text in HARD_TEXT:
            assert tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"]) == text


def test_a_final_folder_without_sentencepiece_model_is_a_unigram_base(spm_models, tmp_path):
    """A training run's final/ folder: tokenizer.json (unigram) but no sentencepiece.bpe.model."""
    final = tmp_path / "final"
    shutil.copytree(spm_models["base_tok"], final)
    (final / "sentencepiece.bpe.model").unlink()
    assert detect_tokenizer(final).family is TokenizerFamily.UNIGRAM
    out = merge(final, spm_models["added"], tmp_path / "merged")
    base, merged = _load(final), _load(out)
    assert all(merged.get_vocab()[token] == index for token, index in base.get_vocab().items())
    assert len(merged) > len(base)
    tail = toy_sentences("dzo_Tibt", 20, seed=3)
    unk = base.unk_token_id
    assert merged.unk_token_id == unk
    assert sum(merged(t)["input_ids"].count(unk) for t in tail) < sum(base(t)["input_ids"].count(unk) for t in tail)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["family"] == "unigram"


def test_vocab_report_gives_fallback_and_round_trip_per_family(family_tokenizers, toy_corpus, tmp_path):
    from glot500.vocab.config import VocabReportConfig
    from glot500.vocab.report import build_report

    paths = family_tokenizers[TokenizerFamily.BPE_BYTE_FALLBACK]
    config = VocabReportConfig(tokenizers={"base": paths["base"], "merged": paths["merged"]}, corpus=toy_corpus,
                               output=tmp_path / "report", max_sentences=30, plots=False)  # fmt: skip
    summary = json.loads((build_report(config) / "report.json").read_text(encoding="utf-8"))["summary"]
    assert summary["merged"]["tail"]["fallback_share"] < summary["base"]["tail"]["fallback_share"]
    assert summary["base"]["all"]["round_trip_share"] == summary["merged"]["all"]["round_trip_share"] == 1.0
    assert summary["merged"]["tail"]["tokens_per_char"] < summary["base"]["tail"]["tokens_per_char"]
