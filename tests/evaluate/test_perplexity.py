from __future__ import annotations

import math

import pytest
import torch
from eval_helpers import write_lines

from glot500.evaluate.config import EvalConfig
from glot500.evaluate.encoder import SentenceLikelihood
from glot500.evaluate.perplexity import PseudoPerplexityTask, ppl_per_char, ppl_per_char_raw


def _hand_token_log_probs(encoder, sentence: str) -> list[tuple[int, float]]:
    """``(token, log P(token | rest))`` the slow way: one full forward pass of the whole model per masked token."""
    tokenizer, model = encoder.tokenizer, encoder.model
    ids = tokenizer(sentence)["input_ids"]
    out = []
    for position in range(1, len(ids) - 1):  # every token but <s> and </s>
        masked = list(ids)
        masked[position] = tokenizer.mask_token_id
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([masked])).logits[0, position]
        out.append((ids[position], torch.log_softmax(logits, -1)[ids[position]].item()))
    return out


def _hand_pll(encoder, sentence: str) -> float:
    """Salazar et al.'s PLL the slow way (the one-mask-per-forward reference)."""
    return sum(log_prob for _, log_prob in _hand_token_log_probs(encoder, sentence))


@pytest.mark.parametrize("batch_size", [1, 5, 64])
def test_pseudo_log_likelihood_equals_a_hand_computation(encoder, batch_size):
    sentences = ["river stone house", "дом вода свет река", "light"]
    results = encoder.pseudo_log_likelihoods(sentences, batch_size=batch_size)
    for sentence, result in zip(sentences, results, strict=True):
        assert result.log_prob == pytest.approx(_hand_pll(encoder, sentence), abs=1e-4)
        assert result.chars == len(sentence)
        assert result.tokens == len(encoder.tokenizer(sentence)["input_ids"]) - 2
    expected = math.exp(-sum(_hand_pll(encoder, s) for s in sentences) / sum(map(len, sentences)))
    assert ppl_per_char(results, unk_cost=3.0) == pytest.approx(expected, rel=1e-5)  # no <unk>: nothing charged
    assert ppl_per_char_raw(results) == pytest.approx(expected, rel=1e-5)
    assert encoder._shortcut_ok  # the values above came from the last-layer-at-the-mask shortcut


def test_full_last_layer_fallback_gives_the_same_values(tiny_model, monkeypatch):
    from glot500.evaluate.encoder import HFEncoder

    sentences = ["river stone house tree", "дом вода", "night fire road hand bread city"]
    fast = HFEncoder(str(tiny_model), device="cpu", progress=False).pseudo_log_likelihoods(sentences, 7)
    slow_encoder = HFEncoder(str(tiny_model), device="cpu", progress=False)
    monkeypatch.setattr(slow_encoder, "_check_shortcut", lambda *args: False)
    slow = slow_encoder.pseudo_log_likelihoods(sentences, 7)
    assert slow_encoder._shortcut_ok is False
    assert [r.log_prob for r in fast] == pytest.approx([r.log_prob for r in slow], abs=1e-4)


def test_unk_charge_equals_a_hand_computation(tmp_path, encoder):
    """<unk>'s own log-probability is dropped; each character under it costs log V, V the language's inventory."""
    sentences = ["river ᐃᓄᒃ stone", "ᑎᑐᑦ light"]  # syllabics: not in the tiny tokenizer's vocabulary
    write_lines(tmp_path / "iku_Cans" / "iku_Cans.txt", sentences)
    task = PseudoPerplexityTask(EvalConfig())
    rows = {r.metric: r.value for r in task.score(encoder, task.load(tmp_path))}
    unk = encoder.tokenizer.unk_token_id
    scored = [_hand_token_log_probs(encoder, s) for s in sentences]
    assert all(any(token == unk for token, _ in tokens) for tokens in scored)
    known = sum(log_prob for tokens in scored for token, log_prob in tokens if token != unk)
    everything = sum(log_prob for tokens in scored for _, log_prob in tokens)
    inventory = len(set("".join(sentences)))  # r i v e space s t o n ᐃ ᓄ ᒃ ᑎ ᑐ ᑦ l g h
    unk_chars, chars = 3 + 3, sum(map(len, sentences))
    assert rows["ppl_per_char"] == pytest.approx(math.exp(-(known - unk_chars * math.log(inventory)) / chars), rel=1e-5)
    assert rows["ppl_per_char_raw"] == pytest.approx(math.exp(-everything / chars), rel=1e-5)
    assert rows["unk_char_share"] == pytest.approx(unk_chars / chars)


class _FixedEncoder:
    """An encoder whose likelihoods are given: to compare tokenizers that lose different amounts of text."""

    name = "fixed"

    def __init__(self, results: list[SentenceLikelihood]) -> None:
        self.results = results

    def pseudo_log_likelihoods(self, sentences, batch_size):
        return self.results[: len(sentences)]


def test_a_tokenizer_that_maps_more_to_unk_does_not_get_a_better_ppl(tmp_path):
    """Text of 2 words x 4 letters: V = 8 letters + space. Model A represents every letter and guesses each one
    uniformly among the 9 characters (log 9 nats), the space for free; model B's tokenizer maps both words to <unk>
    and predicts <unk> with certainty. Raw, B looks 9x better per letter; charged, B cannot beat A."""
    sentence = "абвг деёж"
    write_lines(tmp_path / "rus_Cyrl" / "rus_Cyrl.txt", [sentence])
    task = PseudoPerplexityTask(EvalConfig())
    data = task.load(tmp_path)
    uniform = SentenceLikelihood(log_prob=-8 * math.log(9), tokens=9, chars=9)
    unk_certain = SentenceLikelihood(log_prob=0.0, tokens=4, chars=9, unk_chars=8, unk_log_prob=0.0, unk_tokens=2)

    def metrics(encoder) -> dict[str, float]:
        return {r.metric: r.value for r in task.score(encoder, data)}

    a, b = metrics(_FixedEncoder([uniform])), metrics(_FixedEncoder([unk_certain]))
    assert b["ppl_per_char_raw"] < a["ppl_per_char_raw"]  # the old measure rewarded knowing less
    assert b["ppl_per_char"] >= a["ppl_per_char"] * (1 - 1e-9)
    assert b["ppl_per_char"] == pytest.approx(9 ** (8 / 9)) and b["unk_char_share"] == pytest.approx(8 / 9)


def test_all_languages_in_one_pass_match_one_call_per_language(tmp_path, encoder):
    texts = {"deu_Latn": ["river stone house", "tree night"], "rus_Cyrl": ["дом вода"], "fra_Latn": ["light"]}
    for lang, lines in texts.items():
        write_lines(tmp_path / lang / f"{lang}.txt", lines)
    task = PseudoPerplexityTask(EvalConfig(ppl_batch_size=8))
    rows = {(r.lang, r.metric): r.value for r in task.score(encoder, task.load(tmp_path))}
    for lang, lines in texts.items():
        alone = encoder.pseudo_log_likelihoods(lines, 8)
        assert rows[(lang, "ppl_per_char_raw")] == pytest.approx(ppl_per_char_raw(alone), rel=1e-5)


def test_task_reports_lower_is_better_per_language(tmp_path, encoder):
    write_lines(tmp_path / "deu_Latn" / "deu_Latn.txt", ["river stone house", "tree night"])
    write_lines(tmp_path / "rus_Cyrl" / "rus_Cyrl.txt", ["дом вода", "", "свет река"])
    write_lines(tmp_path / "rus_Cyrl" / "eng_Latn.txt", ["house water", "", "light river"])
    task = PseudoPerplexityTask(EvalConfig())
    scored = task.score(encoder, task.load(tmp_path))
    rows = {r.lang: r for r in scored if r.metric == "ppl_per_char"}
    assert set(rows) == {"deu_Latn", "rus_Cyrl"}
    unk_shares = {r.lang: r.value for r in scored if r.metric == "unk_char_share"}
    assert set(unk_shares) == set(rows) and all(0.0 <= share <= 1.0 for share in unk_shares.values())
    assert rows["rus_Cyrl"].n == 2 and not rows["rus_Cyrl"].higher_is_better
    hand = math.exp(-(_hand_pll(encoder, "дом вода") + _hand_pll(encoder, "свет река")) / 17)
    assert rows["rus_Cyrl"].value == pytest.approx(hand, rel=1e-5)
    assert rows["rus_Cyrl"].metric == "ppl_per_char"


def test_unknown_characters_are_scored_and_their_share_reported(encoder):
    """Text in a script the tokenizer never saw becomes <unk>: it is scored, and its share of characters shown."""
    unseen = "ᐃᓄᒃᑎᑐᑦ ᐃᓄᒃᑎᑐᑦ"  # Canadian syllabics: not in the tiny tokenizer's training text
    [result] = encoder.pseudo_log_likelihoods([unseen], batch_size=8)
    unk_id = encoder.tokenizer.unk_token_id
    ids = encoder.tokenizer(unseen)["input_ids"]
    assert unk_id in ids and result.tokens == len(ids) - 2  # <unk> positions are scored too
    assert 0 < result.unk_chars <= len(unseen) and result.log_prob < 0
