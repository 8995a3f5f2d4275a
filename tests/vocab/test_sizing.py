"""``vocab_size: auto``: the extension vocabulary sized by held-out compression (glot500.vocab.sizing)."""

from __future__ import annotations

import random

from glot500.vocab.sizing import SizingOptions, candidate_sizes, choose_size, choose_vocab_size, split_heldout


def zipf_corpus(languages: int, chunks: int, seed: int = 0) -> dict[str, list[str]]:
    """Per language, ``chunks`` sentences of words drawn Zipf-like from its own 2,000 made-up words."""
    rng = random.Random(seed)
    corpus: dict[str, list[str]] = {}
    for lang in range(languages):
        letters = [chr(0x61 + (lang * 7 + i) % 26) for i in range(12)]
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(2000)]
        weights = [1 / (rank + 1) for rank in range(len(words))]
        corpus[f"l{lang}_Latn"] = [" ".join(rng.choices(words, weights, k=12)) for _ in range(chunks)]
    return corpus


def test_held_out_chunks_leave_training_with_every_copy() -> None:
    sample = {"aaa_Latn": ["a", "b", "c", "a", "d", "e", "f", "g", "h", "i", "j"], "bbb_Latn": ["x", "x"]}
    training, heldout = split_heldout(sample, 0.2, seed=1)
    assert len(heldout["aaa_Latn"]) == 2 and not set(heldout["aaa_Latn"]) & set(training["aaa_Latn"])
    assert "bbb_Latn" not in heldout and training["bbb_Latn"] == ["x", "x"]  # one distinct chunk: nothing to hold out


def test_sizes_double_and_the_choice_stops_where_held_out_gains_fall_below_the_threshold() -> None:
    assert candidate_sizes(1000, 24000) == [1000, 2000, 4000, 8000, 16000, 24000]
    curve = [{"pieces": p, "heldout_tokens_per_char": t} for p, t in [(1000, 0.5), (2000, 0.4), (4000, 0.39)]]
    assert choose_size(curve, 0.05) == 2000 and choose_size(curve, 0.01) == 4000 and choose_size(curve, 0.3) == 1000
    # The memorisation gap: at 4000 pieces held-out text takes 8 % more tokens per character than training text.
    gapped = [{**point, "training_tokens_per_char": t} for point, t in zip(curve, [0.5, 0.395, 0.36], strict=True)]
    assert choose_size(gapped, 0.01, max_gap=0.05) == 2000 and choose_size(gapped, 0.01, max_gap=0.1) == 4000


def test_less_text_gets_fewer_pieces() -> None:
    options = SizingOptions(min_size=250, max_size=8000, min_gain=0.05, heldout_share=0.1)
    small = choose_vocab_size(zipf_corpus(3, 40), options)
    large = choose_vocab_size(zipf_corpus(3, 1500), options)
    assert small.vocab_size < large.vocab_size, (small.to_json(), large.to_json())
    held, trained = (large.curve[-1][key] for key in ("heldout_tokens_per_char", "training_tokens_per_char"))
    assert held >= trained  # a vocabulary compresses its own text at least as well as unseen text


def test_vocab_train_auto_records_the_curve_it_chose_from(toy_corpus, tmp_path) -> None:
    import json

    from glot500.vocab.config import VocabTrainConfig
    from glot500.vocab.train import train_vocab

    config = VocabTrainConfig(
        corpus=toy_corpus, output=tmp_path / "tok", vocab_size="auto", sample_size=2000, num_threads=1,
        sizing=SizingOptions(min_size=100, max_size=1500),
    )  # fmt: skip
    out = train_vocab(config)
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    sizing = counts["sizing"]
    assert sizing["vocab_size"] in [point["pieces"] for point in sizing["curve"]]
    assert counts["pieces"] <= sizing["vocab_size"] and (out / "tokenizer.json").is_file()
