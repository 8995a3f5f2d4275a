from __future__ import annotations

import math

import pytest
import torch
from eval_helpers import write_lines

from glot500.evaluate.config import EvalConfig
from glot500.evaluate.perplexity import PseudoPerplexityTask, ppl_per_char


def _hand_pll(encoder, sentence: str) -> float:
    """Salazar et al.'s PLL the slow way: one full forward pass per masked token."""
    tokenizer, model = encoder.tokenizer, encoder.model
    ids = tokenizer(sentence)["input_ids"]
    total = 0.0
    for position in range(1, len(ids) - 1):  # every token but <s> and </s>
        masked = list(ids)
        masked[position] = tokenizer.mask_token_id
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([masked])).logits[0, position]
        total += torch.log_softmax(logits, -1)[ids[position]].item()
    return total


@pytest.mark.parametrize("batch_size", [1, 5, 64])
def test_pseudo_log_likelihood_equals_a_hand_computation(encoder, batch_size):
    sentences = ["river stone house", "дом вода свет река", "light"]
    results = encoder.pseudo_log_likelihoods(sentences, batch_size=batch_size)
    for sentence, result in zip(sentences, results, strict=True):
        assert result.log_prob == pytest.approx(_hand_pll(encoder, sentence), abs=1e-4)
        assert result.chars == len(sentence)
        assert result.tokens == len(encoder.tokenizer(sentence)["input_ids"]) - 2
    expected = math.exp(-sum(_hand_pll(encoder, s) for s in sentences) / sum(map(len, sentences)))
    assert ppl_per_char(results) == pytest.approx(expected, rel=1e-5)


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
