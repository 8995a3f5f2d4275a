"""Packing, BERT masking and the resumable language-mixing stream."""

from __future__ import annotations

import numpy as np
import pytest

from glot500.train.shards import Shard
from glot500.train.stream import BatchBuilder, MixedStream, PackedLanguage, SpecialIds, mask_tokens

SPECIAL = SpecialIds(bos=0, eos=2, pad=1, mask=99, vocab_size=100, never_masked=(0, 1, 2, 3, 99))


def _language(tmp_path, label: str, tokens: np.ndarray, seq_len: int) -> PackedLanguage:
    path = tmp_path / f"{label}.u32"
    tokens.astype(np.uint32).tofile(path)
    return PackedLanguage(label, [Shard(label, "x", path, documents=1, tokens=len(tokens))], seq_len)


def test_packing_starts_with_bos_and_pads_only_the_last_sequence(tmp_path):
    # two documents: 10..29 </s> 30..39 </s>  -> 32 tokens, body of 9 per sequence -> 4 sequences
    tokens = np.concatenate([np.arange(10, 30), [2], np.arange(30, 40), [2]])
    language = _language(tmp_path, "eng_Latn", tokens, seq_len=10)
    assert len(language) == 4
    sequences = [language.sequence(i, SPECIAL) for i in range(4)]
    assert all(seq[0] == SPECIAL.bos and len(seq) == 10 for seq in sequences)
    assert np.array_equal(np.concatenate([seq[1:] for seq in sequences])[: len(tokens)], tokens)
    assert list(sequences[-1][1 + len(tokens) - 27 :]) == [SPECIAL.pad] * (9 - (len(tokens) - 27))
    assert SPECIAL.pad not in np.concatenate(sequences[:3])


def test_masking_follows_bert_recipe():
    rng = np.random.default_rng(0)
    regular = np.arange(4, 99)
    ids = np.concatenate([[0], rng.integers(4, 99, size=398), [2]])
    totals = {"mask": 0, "random": 0, "kept": 0}
    for seed in range(200):
        masked, positions, labels = mask_tokens(ids, np.random.default_rng(seed), SPECIAL, 0.15, regular)
        assert len(positions) == round(398 * 0.15)  # exactly 15% of the non-special tokens
        assert 0 not in positions and 399 not in positions  # <s> and </s> never predicted
        assert np.array_equal(labels, ids[positions])
        unchanged = np.ones(len(ids), dtype=bool)
        unchanged[positions] = False
        assert np.array_equal(masked[unchanged], ids[unchanged])
        totals["mask"] += int((masked[positions] == SPECIAL.mask).sum())
        replaced = masked[positions] != ids[positions]
        totals["random"] += int((replaced & (masked[positions] != SPECIAL.mask)).sum())
        totals["kept"] += int((~replaced).sum())
        assert not set(masked[positions][replaced].tolist()) & {0, 1, 2, 3}
    total = sum(totals.values())
    assert totals["mask"] / total == pytest.approx(0.8, abs=0.02)
    assert totals["random"] / total == pytest.approx(0.1, abs=0.02)  # minus the rare random == original
    assert totals["kept"] / total == pytest.approx(0.1, abs=0.02)


def _stream(tmp_path, seed: int = 0) -> MixedStream:
    languages = [
        _language(tmp_path, "eng_Latn", np.arange(4, 4 + 900) % 90 + 4, 10),
        _language(tmp_path, "yor_Latn", np.arange(4, 4 + 90) % 90 + 4, 10),
    ]
    return MixedStream(languages, [0.7, 0.3], seed)


def test_stream_follows_probabilities_and_visits_every_sequence_each_epoch(tmp_path):
    stream = _stream(tmp_path)
    picks = stream.take(2000)
    languages = np.array([language for language, _, _ in picks])
    assert (languages == 0).mean() == pytest.approx(0.7, abs=0.04)
    yor = [sequence for language, sequence, _ in picks if language == 1]
    size = len(stream.languages[1])
    assert sorted(yor[:size]) == list(range(size))  # a permutation per epoch, no repeats within one
    assert [position for _, _, position in picks] == list(range(2000))


def test_stream_state_restores_the_exact_continuation(tmp_path):
    stream = _stream(tmp_path)
    stream.take(37)
    saved = stream.state_dict()
    expected = stream.take(50)
    restored = _stream(tmp_path)
    restored.load_state_dict(saved)
    assert restored.take(50) == expected


def test_processes_split_a_global_batch_exactly(tmp_path):
    whole = BatchBuilder(_stream(tmp_path), SPECIAL, 0.15, micro_batch_size=4).next()
    halves = [BatchBuilder(_stream(tmp_path), SPECIAL, 0.15, 2, rank=rank, world_size=2).next() for rank in (0, 1)]
    assert np.array_equal(np.concatenate([half.input_ids for half in halves]), whole.input_ids)
    seq_len = whole.input_ids.shape[1]
    shifted = np.concatenate([halves[0].positions, halves[1].positions + 2 * seq_len])
    assert np.array_equal(shifted, whole.positions)
    assert np.array_equal(np.concatenate([half.labels for half in halves]), whole.labels)


def test_resuming_with_other_languages_is_a_config_error(tmp_path):
    from glot500.core.errors import ConfigError

    state = _stream(tmp_path).state_dict()
    state["cursors"] = {"fra_Latn": 0, "yor_Latn": 0}
    with pytest.raises(ConfigError, match="new output_dir"):
        _stream(tmp_path).load_state_dict(state)
