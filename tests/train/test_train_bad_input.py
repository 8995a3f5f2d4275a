"""Bad input in training: damaged checkpoints, bad corpus text, a badly named corpus file, an unwritable output."""

from __future__ import annotations

import gzip
import json
import logging
import shutil
from pathlib import Path

import pytest
from train_fixtures import tiny_config_dict, write_corpus

from glot500.core.errors import ConfigError, InputError
from glot500.train import train, train_config_from_dict
from glot500.train.checkpoint import checkpoint_problem, resume_checkpoint
from glot500.train.text import TextAccount, training_texts


def _config(corpus, tokenizer, out, **overrides):
    return train_config_from_dict(tiny_config_dict(corpus, tokenizer, out, **overrides))


@pytest.fixture(scope="module")
def two_checkpoints(corpus_dir, tokenizer_dir, tmp_path_factory):
    """A finished 4-step run with checkpoints at steps 2 and 4, and its losses."""
    out = tmp_path_factory.mktemp("run") / "out"
    result = train(_config(corpus_dir, tokenizer_dir, out, max_steps=4, checkpoint_every=2, keep_checkpoints=3))
    return out, result.losses


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damaged", ["optimizer.safetensors", "trainer_state.json", "model/model.safetensors"])
def test_resume_falls_back_to_the_newest_intact_checkpoint(
    two_checkpoints, corpus_dir, tokenizer_dir, tmp_path, caplog, damaged
):
    source, losses = two_checkpoints
    out = tmp_path / "out"
    shutil.copytree(source, out)
    newest = out / "checkpoints" / "step-00000004"
    _truncate(newest / damaged)
    assert damaged in checkpoint_problem(newest)

    with caplog.at_level(logging.WARNING):
        resumed = train(_config(corpus_dir, tokenizer_dir, out, max_steps=4, checkpoint_every=2, keep_checkpoints=3))
    assert resumed.resumed_from == 2
    assert [resumed.losses[step] for step in (3, 4)] == [losses[3], losses[4]]  # the same steps again, exactly
    assert any("step-00000004" in r.message and damaged in r.message for r in caplog.records)
    # the damaged checkpoint is kept, untouched, beside the new one
    kept = out / "checkpoints" / "step-00000004.unreadable"
    assert (kept / damaged).read_bytes() == (source / "checkpoints" / "step-00000004" / damaged).read_bytes()[
        : len((source / "checkpoints" / "step-00000004" / damaged).read_bytes()) // 2
    ]
    assert checkpoint_problem(out / "checkpoints" / "step-00000004") is None


def test_no_intact_checkpoint_is_one_error_and_nothing_is_deleted(two_checkpoints, tmp_path):
    source, _ = two_checkpoints
    out = tmp_path / "out"
    shutil.copytree(source / "checkpoints", out / "checkpoints")
    _truncate(out / "checkpoints" / "step-00000004" / "rng.safetensors")
    (out / "checkpoints" / "step-00000002" / "data.json").write_text('{"position": 1', encoding="utf-8")
    with pytest.raises(InputError) as error:
        resume_checkpoint(out)
    message = str(error.value)
    assert "\n" not in message
    assert "step-00000004: rng.safetensors damaged" in message and "step-00000002: data.json unreadable" in message
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-00000002", "step-00000004"]


def test_a_missing_file_and_a_partial_save_are_not_resumed_from(two_checkpoints, tmp_path):
    source, _ = two_checkpoints
    out = tmp_path / "out"
    shutil.copytree(source / "checkpoints", out / "checkpoints")
    (out / "checkpoints" / "step-00000004" / "scheduler.json").unlink()
    shutil.copytree(out / "checkpoints" / "step-00000002", out / "checkpoints" / "step-00000006.partial")
    assert checkpoint_problem(out / "checkpoints" / "step-00000004") == "scheduler.json missing"
    assert resume_checkpoint(out).name == "step-00000002"


def test_bad_lines_are_dropped_and_counted(tmp_path):
    path = tmp_path / "eng_Latn.txt"
    path.write_bytes(b"\xef\xbb\xbfgood one\r\nbad \x00 nul\nbad \xff byte\n\n" + b"x" * 70_000 + b"\x00\nlast")
    account = TextAccount()
    texts = list(training_texts(path, account))
    assert texts == ["good one", "last"]  # the BOM removed, CRLF handled, blank line no document
    assert account.dropped == {"nul_bytes": 2, "invalid_utf8": 1} and account.repaired == {"bom": 1}


def test_a_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path):
    whole = gzip.compress("".join(f"line number {i}\n" for i in range(5000)).encode())
    path = tmp_path / "deu_Latn.txt.gz"
    path.write_bytes(whole[: len(whole) // 2])
    account = TextAccount()
    texts = list(training_texts(path, account))
    assert len(texts) > 100 and texts[-1].startswith("line number") and account.read_error is not None


def test_training_reports_bad_text_and_skips_a_badly_named_file(tokenizer_dir, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", lines=40)
    with open(corpus / "eng_Latn.txt", "ab") as handle:
        handle.write(b"the cat \x00 sees\nthe dog \xfe runs\nthe \xc3 house\n")
    (corpus / "qqq_Latn.txt").write_text("the cat sees a dog\n", encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "spa_Latn.txt").write_text("el gato\n", encoding="utf-8")
    (corpus / "ita_Latn.txt").symlink_to(tmp_path / "nope")
    result = train(_config(corpus, tokenizer_dir, tmp_path / "out", max_steps=1, checkpoint_every=1))
    assert result.steps == 1
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["eng_Latn"]["dropped_lines"] == {"nul_bytes": 1, "invalid_utf8": 2}
    assert manifest["counts"]["eng_Latn"]["documents"] == 40
    assert "dropped_lines" not in manifest["counts"]["deu_Latn"]
    failed = {Path(f["file"]).name: f["error"] for f in manifest["failed_files"]}
    assert sorted(failed) == ["ita_Latn.txt", "qqq_Latn.txt"]
    assert "language-script label" in failed["qqq_Latn.txt"] and "dangling symbolic link" in failed["ita_Latn.txt"]
    # files in subfolders are read, labelled by their file name, as in the corpus stage
    assert sorted(manifest["counts"]) == ["deu_Latn", "eng_Latn", "spa_Latn", "yor_Latn"]


def test_an_unwritable_output_dir_fails_before_tokenizing(corpus_dir, tokenizer_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    config = _config(corpus_dir, tokenizer_dir, blocker / "out", data={"cache_dir": str(tmp_path / "cache")})
    with pytest.raises(ConfigError) as error:
        train(config)
    assert str(error.value).startswith(f"output_dir: cannot write to {blocker / 'out'}")
    assert not (tmp_path / "cache").exists()  # nothing tokenized


def test_a_damaged_token_shard_is_tokenized_again(corpus_dir, tokenizer_dir, tmp_path, caplog):
    from transformers import AutoTokenizer

    from glot500.corpus.reader import discover_languages
    from glot500.train.shards import build_shards, load_shards

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    files = discover_languages(corpus_dir)
    build_shards(files, tokenizer, tmp_path, progress=False)
    before = {label: [s.tokens for s in shards] for label, shards in load_shards(files, tokenizer, tmp_path).items()}
    [token_file] = list(tmp_path.rglob("*.u32"))[:1]
    token_file.write_bytes(token_file.read_bytes()[:10])  # a disk that filled up, a cache copied in part
    with caplog.at_level(logging.WARNING):
        build_shards(files, tokenizer, tmp_path, progress=False)
    assert any("tokenized again" in r.message for r in caplog.records)
    after = {label: [s.tokens for s in shards] for label, shards in load_shards(files, tokenizer, tmp_path).items()}
    assert after == before and token_file.stat().st_size > 10


def test_a_full_disk_while_saving_is_one_line_and_the_last_checkpoint_stays(
    two_checkpoints, tmp_path, monkeypatch
):
    import yaml
    from typer.testing import CliRunner

    import glot500.train.loop as loop
    from glot500.cli import app
    from glot500.train.checkpoint import checkpoint_problem

    source, _ = two_checkpoints
    out = tmp_path / "out"
    shutil.copytree(source, out)
    config = yaml.safe_load((source / "manifest.json").read_text(encoding="utf-8"))["config"]
    config.update(output_dir=str(out), max_steps=6)
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")

    def disk_full(output_dir, state, *args, **kwargs):
        raise OSError(28, "No space left on device", str(output_dir / "checkpoints" / "step-00000006.partial"))

    monkeypatch.setattr(loop, "save_checkpoint", disk_full)
    result = CliRunner().invoke(app, ["train", str(path)])
    message = str(result.exception)
    assert message.startswith(f"{out / 'checkpoints' / 'step-00000006.partial'}: No space left on device; rerun")
    assert checkpoint_problem(out / "checkpoints" / "step-00000004") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("output_dir: [\n", "bad.yaml:2:1 is not valid YAML: expected the node content"),
     ("a: 1\n\tb: 2\n", "bad.yaml:2:1 is not valid YAML"),
     ("output_dir: o\nmax_step: 3\n", "max_step: Extra inputs are not permitted")],
)
def test_a_bad_train_config_names_the_place(tmp_path, text, expected):
    from glot500.train import load_train_config

    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_train_config(path)
    assert expected in str(error.value)


def test_a_second_run_on_the_same_output_dir_stops_at_once(corpus_dir, tokenizer_dir, tmp_path):
    from glot500.core.locks import output_lock

    config = _config(corpus_dir, tokenizer_dir, tmp_path / "out")
    with output_lock(tmp_path / "out", "training run"), pytest.raises(InputError) as error:
        train(config)
    assert "another training run is writing here (training run, pid" in str(error.value)
    assert not (tmp_path / "out" / "token_cache").exists()


def test_a_damaged_tokenizer_or_checkpoint_is_one_line_before_loading(corpus_dir, tokenizer_dir, tmp_path):
    from glot500.model.tiny import make_tiny_mlm
    from glot500.train.paths import check_train_paths

    tokenizer = shutil.copytree(tokenizer_dir, tmp_path / "tok")
    _truncate(tokenizer / "tokenizer.json")
    with pytest.raises(ConfigError, match=r"^model.tokenizer: .*tokenizer.json is damaged: not valid JSON"):
        check_train_paths(_config(corpus_dir, tokenizer, tmp_path / "out"))

    model = make_tiny_mlm(tokenizer_dir, tmp_path / "model", seed=0)
    _truncate(model / "model.safetensors")
    config = tiny_config_dict(corpus_dir, tokenizer_dir, tmp_path / "out")
    config["model"] = {"checkpoint": str(model)}
    with pytest.raises(ConfigError, match=r"^model.checkpoint: .*model.safetensors is damaged: damaged"):
        check_train_paths(train_config_from_dict(config))
