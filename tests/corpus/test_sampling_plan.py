"""Sampling plans: size tables (bad rows too), shares by the formula, epochs, the memorisation flag, phases, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glot500.cli import app
from glot500.core.errors import ConfigError, InputError
from glot500.corpus.sampler import sampling_probabilities
from glot500.corpus.sampling_plan import (
    Phase,
    SamplingPlanConfig,
    parse_phases,
    plan_recipe,
    plan_sampling,
    read_plan_sizes,
    read_size_table,
    write_plan_tsv,
)

# deu, fra: head (XLM-R) languages; yor, wol: tail. Tail-heavy, so alpha 0.3 gives head 33.9% (< a 0.6 floor)
SIZES = {"deu_Latn": 20_000, "fra_Latn": 8_000, "yor_Latn": 1_000_000, "wol_Latn": 100}


def write_table(path: Path, rows: list[str], header: str = "label\tsentences_cleaned\tsentences_raw\tin_xlmr") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_size_table_normalises_labels_and_reports_bad_rows_with_file_and_line(tmp_path: Path) -> None:
    path = write_table(tmp_path / "sizes.tsv", [
        "deu_Latn\t1000\t1200\ttrue",
        "yo\t50\t60\tfalse",            # ISO 639-1 -> yor_Latn
        "xx_Latn\t10\t10\tfalse",       # line 4: not a language
        "wol_Latn\tmany\t10\tfalse",    # line 5: not a number
        "yor_Latn\t7\t9\tfalse",        # line 6: yor twice after normalising
        "fra_Latn\t-3\t0\ttrue",        # line 7: negative
        "aze_Latn\t500\t600\tfalse",    # kept; in_xlmr says tail, is_head says head
    ])  # fmt: skip
    table = read_size_table(path)
    assert table.sizes == {"deu_Latn": 1000, "yor_Latn": 50, "aze_Latn": 500}
    assert [problem.split(": ")[0] for problem in table.problems] == [f"{path}:{line}" for line in (4, 5, 6, 7)]
    assert "not a whole number" in table.problems[1] and "twice" in table.problems[2]
    assert table.head_disagreements == ["aze_Latn"]
    assert read_size_table(path, size_column="sentences_raw").sizes["deu_Latn"] == 1200
    with pytest.raises(InputError, match="no column 'tokens'"):
        read_size_table(path, size_column="tokens")
    with pytest.raises(InputError, match="no language with a usable size"):
        read_plan_sizes(write_table(tmp_path / "bad.tsv", ["zz\t1\t1\tfalse"]))


def test_one_phase_shares_follow_the_sampler_and_epochs_are_drawn_over_available() -> None:
    plan = plan_sampling(SIZES, alpha=0.3, head_floor=0.6, total_units=1_000_000)
    expected = sampling_probabilities(SIZES, 0.3, head_floor=0.6)
    rows = {row.label: row for row in plan.languages}
    for label, p in expected.items():
        assert rows[label].share == pytest.approx(p, rel=1e-12)
        assert rows[label].drawn == pytest.approx(1_000_000 * p)
        assert rows[label].epochs == pytest.approx(1_000_000 * p / SIZES[label])
    assert plan.head_share == pytest.approx(0.6)
    assert [row.label for row in plan.languages][0] == "wol_Latn"  # most repeated first
    assert plan.coverage == pytest.approx(sum(min(r.drawn, r.size) for r in plan.languages) / sum(SIZES.values()))


def test_memorisation_flag_uses_the_threshold() -> None:
    plan = plan_sampling(SIZES, alpha=0.3, total_units=1_000_000, memorisation_epochs=16)
    rows = {row.label: row for row in plan.languages}
    assert {row.label for row in plan.memorised} == {"wol_Latn", "fra_Latn"}  # 393 and 18.3 epochs
    assert not rows["deu_Latn"].memorised and 4 < rows["deu_Latn"].epochs < 16
    assert [row.label for row in plan.under_one_epoch] == ["yor_Latn"]
    loose = plan_sampling(SIZES, alpha=0.3, total_units=1_000_000, memorisation_epochs=rows["wol_Latn"].epochs + 1)
    assert not loose.memorised


def test_phases_sum_each_phase_draws() -> None:
    phases = [Phase(100, 0.7), Phase(50, 0.5, 0.5), (30, 0.3, 0.5)]
    plan = plan_sampling(SIZES, phases=phases, units_per_step=1000)
    rows = {row.label: row for row in plan.languages}
    for label in SIZES:
        expected = sum(
            steps * 1000 * sampling_probabilities(SIZES, alpha, head_floor=floor)[label] for steps, alpha, floor in
            [(100, 0.7, 0.0), (50, 0.5, 0.5), (30, 0.3, 0.5)]
        )  # fmt: skip
        assert rows[label].drawn == pytest.approx(expected, rel=1e-12)
    assert plan.total_drawn == pytest.approx(180 * 1000)
    assert plan.phase_head_shares[1] == pytest.approx(
        max(0.5, sampling_probabilities(SIZES, 0.5)["deu_Latn"] + sampling_probabilities(SIZES, 0.5)["fra_Latn"])
    )
    with pytest.raises(ValueError, match="either total_units"):
        plan_sampling(SIZES, total_units=10, phases=phases)


def test_phase_strings_and_recipe_config() -> None:
    assert parse_phases("10:0.7, 20:0.5:0.3") == [Phase(10, 0.7, 0.0), Phase(20, 0.5, 0.3)]
    with pytest.raises(ConfigError, match="'10'"):
        parse_phases("10")
    recipe = SamplingPlanConfig(phases=[{"steps": 10, "alpha": 0.7}], batch_size=2, seq_len=5, min_size=150)
    plan = plan_recipe(SIZES, recipe, unit_tokens=3)
    assert plan.total_drawn == pytest.approx(10 * 2 * 5) and "wol_Latn" not in {r.label for r in plan.languages}
    assert {r.label: r.size for r in plan.languages}["yor_Latn"] == SIZES["yor_Latn"] * 3
    with pytest.raises(ValueError, match="not both"):
        SamplingPlanConfig(steps=10, phases=[{"steps": 10, "alpha": 0.7}])


def test_plan_tsv_has_every_language(tmp_path: Path) -> None:
    plan = plan_sampling(SIZES, total_units=10_000)
    lines = write_plan_tsv(plan, tmp_path / "plan.tsv").read_text().splitlines()
    assert lines[0].split("\t") == ["label", "head", "size_tokens", "drawn_tokens", "share", "epochs", "memorised"]
    assert sorted(line.split("\t")[0] for line in lines[1:]) == sorted(SIZES)


def test_cli_plan_on_a_tiny_table_with_a_bad_row(tmp_path: Path) -> None:
    path = write_table(tmp_path / "sizes.tsv", [f"{k}\t{v}\t{v}\tfalse" for k, v in SIZES.items()] + ["qq\t5\t5\tx"])
    out = tmp_path / "plan.tsv"
    result = CliRunner().invoke(app, [
        "corpus", "plan", str(path), "--phases", "100:0.7,100:0.3:0.9", "--batch-size", "40", "--seq-len", "100",
        "--tokens-per-sentence", "2", "--memorise-epochs", "12", "--top", "2", "--output", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{path}:6:" in result.output  # the bad row, named by file and line; the rest planned
    assert "800K tokens drawn from 2.06M available in 4 language-scripts" in result.output
    assert "memorised (> 12 epochs): 1 languages (wol_Latn 14.8)" in result.output
    expected = plan_sampling({k: 2 * v for k, v in SIZES.items()}, phases=[(100, 0.7), (100, 0.3, 0.9)],
                             units_per_step=4000)  # fmt: skip
    rows = {line.split("\t")[0]: line.split("\t") for line in out.read_text().splitlines()[1:]}
    assert set(rows) == set(SIZES) and float(rows["deu_Latn"][2]) == 40_000
    for lang in expected.languages:
        assert float(rows[lang.label][5]) == pytest.approx(lang.epochs, rel=1e-5)
    assert rows["wol_Latn"][6] == "true" and rows["fra_Latn"][6] == "false"
    assert "wol_Latn │" in result.output and "deu_Latn │" not in result.output  # --top 2: only the most repeated


def test_cli_plan_on_a_stats_json_with_a_yaml_recipe(tmp_path: Path) -> None:
    stats = {"schema_version": 1, "languages": {
        "deu_Latn": {"kept": 900, "excluded": False}, "yor_Latn": {"kept": 100}, "wol_Latn": {"kept": 5, "excluded": True},
    }}  # fmt: skip
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    (tmp_path / "recipe.yaml").write_text("steps: 5\nbatch_size: 2\nseq_len: 10\ntokens_per_sentence: 1\n")
    result = CliRunner().invoke(app, [
        "corpus", "plan", str(tmp_path / "corpus"), "--config", str(tmp_path / "recipe.yaml"), "--head-floor", "0.8",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "100 tokens drawn from 1K available in 2 language-scripts" in result.output
    assert "head: 1 languages, 80.0% of the draws" in result.output  # alpha alone gives deu 65.9%
    bad = CliRunner().invoke(app, ["corpus", "plan", str(tmp_path / "corpus"), "--steps", "5", "--head-floor", "1"])
    assert bad.exit_code != 0 and "head_floor" in str(bad.output) + str(bad.exception)


def test_cli_sample_reports_shares_and_epochs_and_takes_a_head_floor(tmp_path: Path) -> None:
    from corpus_fixtures import write_lines

    write_lines(tmp_path / "in" / "deu_Latn.txt", [f"deutsch {i}" for i in range(10)])
    write_lines(tmp_path / "in" / "yor_Latn.txt", [f"yoruba {i}" for i in range(1000)])
    result = CliRunner().invoke(app, [
        "corpus", "sample", str(tmp_path / "in"), "--total", "100", "--head-floor", "0.6", "-o", str(tmp_path / "s.txt"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "head: 1 languages, 60.0% of the draws" in result.output
    assert "100 chunks drawn from 1.01K available" in result.output and "deu_Latn │ head │   10 │" in result.output
    assert len((tmp_path / "s.txt").read_text().splitlines()) == 100
