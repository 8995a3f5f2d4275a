"""``corpus-informed`` init: sampling, sparsemax, neighbours, fallbacks, and rows that land near their counterpart."""

from __future__ import annotations

import json
import random

import pytest
import torch
from transformers import AutoTokenizer

from glot500.core.errors import ConfigError, InputError
from glot500.model.corpus_init import CorpusInitOptions, alpha_quota, nearest, neighbour_weights, sparsemax
from glot500.model.extend import extend_embeddings_counted, extend_model, id_ranges, read_extension_file
from glot500.model.init import INIT_STRATEGIES
from glot500.model.io import load_mlm

LATIN, CYRILLIC = "abdefgiklmnoprstu", "абдефгиклмнопрсту"  # a letter-for-letter "new script" of the same words
TO_CYRILLIC, TO_LATIN = str.maketrans(LATIN, CYRILLIC), str.maketrans(CYRILLIC, LATIN)


def test_sparsemax_matches_the_closed_form():
    weights = sparsemax(torch.tensor([[0.9, 0.5, 0.1], [0.3, 0.3, 0.3], [5.0, 0.0, -1.0]], dtype=torch.float64))
    expected = torch.tensor([[0.7, 0.3, 0.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]], dtype=torch.float64)
    assert torch.allclose(weights, expected)


@pytest.mark.parametrize("weighting", ["sparsemax", "softmax"])
def test_weights_ignore_non_positive_similarities(weighting):
    sims = torch.tensor([[0.8, 0.2, -0.1], [0.0, -0.2, -0.5]])
    weights = neighbour_weights(sims, CorpusInitOptions(weighting=weighting, temperature=0.5))
    assert weights[0].sum().item() == pytest.approx(1.0) and weights[0, 2] == 0 and weights[0, 0] > weights[0, 1]
    assert weights[1].sum() == 0  # no positive neighbour: no signal (a fallback)


def test_nearest_is_chunked_cosine_top_k():
    gen = torch.Generator().manual_seed(0)
    queries, keys = torch.randn(50, 8, generator=gen), torch.randn(300, 8, generator=gen)
    sims, index = nearest(queries, keys, k=5, chunk=7)
    full = torch.nn.functional.normalize(queries, dim=1) @ torch.nn.functional.normalize(keys, dim=1).T
    assert torch.equal(index, full.topk(5, dim=1).indices)
    assert torch.allclose(sims, full.topk(5, dim=1).values, atol=1e-6)


def test_alpha_quota_caps_small_languages_and_spends_the_budget():
    counts = {"big": 1000, "mid": 100, "small": 10}
    quota = alpha_quota(counts, 500, alpha=0.3)
    assert sum(quota.values()) == 500 and quota["small"] == 10 and quota["big"] > quota["mid"] > 10
    assert alpha_quota(counts, 10_000, alpha=0.3) == counts  # a budget past the corpus takes every line


def test_id_ranges_are_half_open():
    assert id_ranges([9, 3, 4, 5]) == [[3, 6], [9, 10]] and id_ranges([]) == []


def markov_sentences(seed: int, n: int, words: int = 80, successors: int = 3) -> list[str]:
    """A toy language with syntax: each word is followed by one of a few fixed words (a bigram chain), so that
    a word's contexts say which word it is (a bag of random words would give fastText nothing to learn)."""
    rng = random.Random(seed)
    syllables = [rng.choice(LATIN) + rng.choice(LATIN) for _ in range(30)]
    lexicon = sorted({"".join(rng.choices(syllables, k=rng.randint(1, 3))) for _ in range(words)})
    follows = {word: rng.sample(lexicon, successors) for word in lexicon}
    sentences = []
    for _ in range(n):
        sentence = [rng.choice(lexicon)]
        for _ in range(rng.randint(6, 12)):
            sentence.append(rng.choice(follows[sentence[-1]]))
        sentences.append(" ".join(sentence))
    return sentences


@pytest.fixture(scope="module")
def mixed_assets(tmp_path_factory):
    """A base on one Latin toy language; an extension corpus where each word is written in Latin or, half the
    time, letter for letter in Cyrillic: each new Cyrillic piece has a base piece that means the same."""
    from glot500.model.tiny import make_tiny_mlm
    from glot500.vocab.merge import merge
    from glot500.vocab.spm import spm_to_hf_tokenizer, train_spm

    root = tmp_path_factory.mktemp("mixed")
    latin = markov_sentences(1, 1500)
    rng = random.Random(0)
    mixed = [" ".join(w.translate(TO_CYRILLIC) if rng.random() < 0.5 else w for w in s.split()) for s in latin]
    base_tok = spm_to_hf_tokenizer(train_spm(latin, root / "base" / "sp", vocab_size=120, num_threads=1), root / "bt")
    added = train_spm(mixed, root / "added" / "sp", vocab_size=240, num_threads=1)
    merged_tok = merge(base_tok, added, root / "merged_tok")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "srp_Cyrl.txt").write_text("\n".join(mixed) + "\n", encoding="utf-8")
    model = make_tiny_mlm(base_tok, root / "model", seed=0, hidden_size=32, intermediate_size=64)
    return {"base_tok": base_tok, "merged_tok": merged_tok, "model": model, "corpus": corpus}


def _counterpart_cosines(assets, init: str) -> torch.Tensor:
    """cos(new row of each Cyrillic piece, base row of its Latin counterpart), over pieces that have one."""
    model, old_tok = load_mlm(assets["model"])
    before = model.get_input_embeddings().weight.detach().double().clone()
    new_tok = AutoTokenizer.from_pretrained(assets["merged_tok"])
    corpus = assets["corpus"] if init == "corpus-informed" else None
    options = {"epoch": 50} if corpus else None  # ~15K pieces: many passes
    model, _ = extend_embeddings_counted(model, old_tok, new_tok, init, 0, corpus, options)
    weight, old_vocab = model.get_input_embeddings().weight.detach().double(), old_tok.get_vocab()
    pairs = [
        (new_id, old_vocab[token.translate(TO_LATIN)])
        for token, new_id in new_tok.get_vocab().items()
        if token not in old_vocab and token.translate(TO_LATIN) in old_vocab and token.translate(TO_LATIN) != token
    ]
    assert len(pairs) >= 20
    new_ids, old_ids = zip(*pairs, strict=True)
    return torch.nn.functional.cosine_similarity(weight[list(new_ids)], before[list(old_ids)], dim=1)


@pytest.mark.slow  # ~13 s with its fixture (two SentencePiece models, five extensions)
def test_corpus_informed_rows_land_near_their_counterpart(mixed_assets):
    """The Cyrillic pieces share no character with the base: only the corpus can tell what they mean."""
    informed = _counterpart_cosines(mixed_assets, "corpus-informed")
    assert informed.mean() > 0.3  # 0.44 when written (sparsemax spreads some weight over near neighbours)
    for init in ("random", "mean", "subword-mean", "script-mean"):
        other = _counterpart_cosines(mixed_assets, init)
        assert informed.mean() > other.mean() + 0.25, (init, informed.mean(), other.mean())


def test_fallbacks_are_counted_and_use_subword_mean_or_script_mean(model_assets, tmp_path):
    """A corpus with only the Cyrillic language: every Greek and new Latin piece is absent from the sample."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rus_Cyrl.txt").write_text((model_assets["corpus"] / "rus_Cyrl.txt").read_text(encoding="utf-8"))
    model, old_tok = load_mlm(model_assets["base_model"])
    before = model.get_input_embeddings().weight.detach().double().clone()
    new_tok = AutoTokenizer.from_pretrained(model_assets["merged_tok"])
    model, counts = extend_embeddings_counted(model, old_tok, new_tok, "corpus-informed", 0, corpus)
    reasons = counts.init_fallback_reasons
    assert reasons["absent_from_sample"] > 50 and counts.init_fallbacks > 50
    assert reasons["absent_from_sample"] + reasons["no_positive_neighbour"] == counts.init_fallbacks
    assert reasons["via_subword_mean"] + reasons["via_script_mean"] == counts.init_fallbacks
    assert counts.initialised - counts.init_fallbacks > 30  # the Cyrillic pieces got a corpus-informed row
    scripts = counts.init_details["new_pieces_by_script"]
    assert scripts["Cyrl"]["informed"] > 30 and scripts["Grek"]["informed"] == 0
    assert counts.init_details["unseen_script_pieces"] == scripts["Cyrl"]["new"] + scripts["Grek"]["new"]
    assert counts.init_details["unseen_script_informed"] == scripts["Cyrl"]["informed"]
    weight, backend = model.get_input_embeddings().weight.detach().double(), old_tok.backend_tokenizer.model
    greek = [(t, i) for t, i in new_tok.get_vocab().items() if t not in old_tok.get_vocab() and "α" in t]
    assert greek
    for token, new_id in greek:  # no base piece covers Greek: script-mean, i.e. not the mean of a segmentation
        parts = [part.id for part in backend.tokenize(token)]
        assert old_tok.unk_token_id in parts and torch.isfinite(weight[new_id]).all()
    latin = [(t, i) for t, i in new_tok.get_vocab().items()
             if t not in old_tok.get_vocab() and t.strip("▁").isascii() and t.strip("▁")]  # fmt: skip
    for token, new_id in latin[:20]:  # absent Latin pieces: the mean of their base segmentation
        parts = [part.id for part in backend.tokenize(token)]
        assert torch.allclose(weight[new_id], before[parts].mean(0), atol=1e-6), token


def test_corpus_informed_is_deterministic_and_sets_bias_as_the_rows(model_assets):
    def run():
        model, old_tok = load_mlm(model_assets["base_model"])
        with torch.no_grad():  # a non-trivial base bias, so that the weighted bias is checked for real
            model.lm_head.bias.copy_(torch.linspace(-1, 1, model.lm_head.bias.numel()))
        new_tok = AutoTokenizer.from_pretrained(model_assets["merged_tok"])
        return extend_embeddings_counted(model, old_tok, new_tok, "corpus-informed", 0, model_assets["corpus"])

    (first, counts), (second, _) = run(), run()
    assert torch.equal(first.get_input_embeddings().weight, second.get_input_embeddings().weight)
    assert torch.equal(first.lm_head.bias, second.lm_head.bias)
    assert first.lm_head.decoder.bias.data_ptr() == first.lm_head.bias.data_ptr()
    assert counts.init_details["lines_sampled"] == 1600 and counts.init_details["languages"] == 4
    fresh = first.lm_head.bias[-counts.initialised - 1 : -1].detach()
    assert fresh.std() > 0 and fresh.abs().max() <= 1  # weighted sums of base biases, not a constant


def test_untied_head_gets_its_own_rows_by_string(model_assets, tmp_path):
    from transformers import XLMRobertaForMaskedLM

    from glot500.model.tiny import tiny_config

    old_tok = AutoTokenizer.from_pretrained(model_assets["base_tok"])
    config = tiny_config(len(old_tok), hidden_size=16, intermediate_size=32)
    config.tie_word_embeddings = False
    torch.manual_seed(0)
    model = XLMRobertaForMaskedLM(config)
    old_in = model.get_input_embeddings().weight.detach().clone()
    old_out = model.get_output_embeddings().weight.detach().clone()
    assert not torch.equal(old_in, old_out)
    new_tok = AutoTokenizer.from_pretrained(model_assets["merged_tok"])
    model, _ = extend_embeddings_counted(model, old_tok, new_tok, "corpus-informed", 0, model_assets["corpus"])
    w_in, w_out = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    assert w_in.data_ptr() != w_out.data_ptr() and w_out.shape == w_in.shape
    new_vocab = new_tok.get_vocab()
    for token, old_id in old_tok.get_vocab().items():
        assert torch.equal(w_out[new_vocab[token]], old_out[old_id]), token
        assert torch.equal(w_in[new_vocab[token]], old_in[old_id]), token
    fresh = [i for t, i in new_vocab.items() if t not in old_tok.get_vocab()]
    assert torch.isfinite(w_out[fresh]).all() and not torch.allclose(w_out[fresh], w_in[fresh])


@pytest.mark.parametrize("init", INIT_STRATEGIES)
def test_extension_file_names_the_fresh_rows(model_assets, tmp_path, init):
    corpus = model_assets["corpus"] if init == "corpus-informed" else None
    out = extend_model(model_assets["base_model"], model_assets["merged_tok"], init, tmp_path / "ext", corpus=corpus)
    record = json.loads((out / "extension.json").read_text())
    old_tok, new_tok = AutoTokenizer.from_pretrained(model_assets["base_tok"]), AutoTokenizer.from_pretrained(out)
    assert set(record) == {"schema_version", "base_vocab_size", "vocab_size", "new_token_ids", "init"}
    assert record["schema_version"] == 1 and record["init"] == init
    assert record["base_vocab_size"] == len(old_tok) and record["vocab_size"] == len(new_tok)
    # merged pieces are appended before the moved <mask>: one range
    assert record["new_token_ids"] == [[len(old_tok) - 1, len(new_tok) - 1]]
    fresh = {i for start, end in record["new_token_ids"] for i in range(start, end)}
    assert fresh == {i for t, i in new_tok.get_vocab().items() if t not in old_tok.get_vocab()}
    assert read_extension_file(out) == record
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["initialised"] == len(fresh)
    if init == "corpus-informed":
        assert manifest["config"]["init_options"]["neighbours"] == 50 and "init_fallback_reasons" in manifest["counts"]


def test_corpus_informed_needs_a_corpus_and_valid_options(model_assets, tmp_path):
    base, tok = model_assets["base_model"], model_assets["merged_tok"]
    with pytest.raises(InputError, match="needs the extension corpus"):
        extend_model(base, tok, "corpus-informed", tmp_path / "a")
    with pytest.raises(ConfigError, match="neighbors"):
        extend_model(base, tok, "corpus-informed", tmp_path / "b", corpus=model_assets["corpus"],
                     init_options={"neighbors": 5})  # fmt: skip
    with pytest.raises(InputError, match="only corpus-informed"):
        extend_model(base, tok, "mean", tmp_path / "c", corpus=model_assets["corpus"])
    with pytest.raises(ConfigError, match=r"corpus: .*missing does not exist"):
        extend_model(base, tok, "corpus-informed", tmp_path / "d", corpus=tmp_path / "missing")


def test_cli_corpus_informed(model_assets, tmp_path):
    from typer.testing import CliRunner

    from glot500.cli import app

    args = ["model", "extend", "--base", str(model_assets["base_model"]), "--tokenizer", str(model_assets["merged_tok"]),
            "--init", "corpus-informed", "--output", str(tmp_path / "out")]  # fmt: skip
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code != 0 and isinstance(refused.exception, InputError) and "--corpus" in str(refused.exception)
    done = CliRunner().invoke(app, [*args, "--corpus", str(model_assets["corpus"]), "--max-lines", "300",
                                    "--neighbours", "5"], catch_exceptions=False)  # fmt: skip
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["init_details"]["lines_sampled"] == 300
    assert manifest["config"]["init_options"]["neighbours"] == 5


def test_a_failed_fasttext_run_falls_back_for_every_row_instead_of_failing(model_assets, monkeypatch):
    """fastText can end in "Encountered NaN" on a tiny corpus (seen once in CI on the pipeline test's toy data,
    three attempts in a row): no vectors is no signal, so every new row takes the documented fallback."""
    import glot500.lid.fasttext_run

    def diverge(*args, **kwargs):
        raise glot500.lid.fasttext_run.FastTextRunError(
            "fastText training failed at lr 0.05: RuntimeError: Encountered NaN."
        )

    monkeypatch.setattr(glot500.lid.fasttext_run, "run_fasttext", diverge)
    model, old_tok = load_mlm(model_assets["base_model"])
    new_tok = AutoTokenizer.from_pretrained(model_assets["merged_tok"])
    model, counts = extend_embeddings_counted(model, old_tok, new_tok, "corpus-informed", 0, model_assets["corpus"])
    assert counts.init_fallbacks == counts.initialised > 0
    assert counts.init_fallback_reasons["absent_from_sample"] == counts.initialised
    assert "Encountered NaN" in counts.init_details["fasttext_error"]
    assert torch.isfinite(model.get_input_embeddings().weight).all()
