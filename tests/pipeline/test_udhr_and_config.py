"""The demo's UDHR split (on HTML written here), config overrides and ``${VAR}``, the head/tail table."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from glot500.core.errors import ConfigError
from glot500.core.results import ResultRow, write_results
from glot500.pipeline.config import apply_overrides, expand_env, load_pipeline_config, parse_overrides
from glot500.pipeline.graph import build_stages
from glot500.pipeline.summary import head_tail_table
from glot500.pipeline.udhr import aligned_lines, split_udhr

ARTICLE = '<article data-number="{n}"><h2>Article {n}</h2>{paragraphs}</article>'


def write_declaration(folder: Path, code: str, iso: str, articles: dict[int, list[str]]) -> None:
    body = "".join(
        ARTICLE.format(n=n, paragraphs="".join(f"<p>{p}</p>" for p in paragraphs)) for n, paragraphs in articles.items()
    )
    html = f'<html data-code="{code}" data-iso6393="{iso}"><body><header><p>Preamble of {code}</p></header>{body}</body></html>'
    (folder / f"{code}.html").write_text(html, encoding="utf-8")


def test_udhr_split_holds_out_articles_aligned_with_english(tmp_path: Path) -> None:
    folder = tmp_path / "declaration"
    folder.mkdir()
    english = {1: ["All human beings are born free."], 2: ["Everyone is entitled to all rights.", "Furthermore, no."],
               3: ["Everyone has the right to life, liberty."], 4: ["No one shall be held in slavery."]}  # fmt: skip
    german = {1: ["Alle Menschen sind frei geboren."], 2: ["Jeder hat Anspruch auf alle Rechte. Des weiteren nicht."],
              3: ["Jeder hat das Recht auf Leben und Freiheit."], 4: ["Niemand darf in Sklaverei gehalten werden."]}  # fmt: skip
    write_declaration(folder, "eng", "eng", english)
    write_declaration(folder, "deu", "deu", german)
    out = tmp_path / "udhr"
    counts = split_udhr(folder, out, heldout=(2, 3), ppl_sentences=1)

    training = (out / "text" / "deu_Latn.txt").read_text().splitlines()
    assert training == ["Preamble of deu", german[1][0], german[4][0]]  # articles 2-3 never reach training
    task = out / "tasks" / "retrieval_udhr" / "deu_Latn"
    # Article 2 has two paragraphs in English but one in German: one line each, the English joined.
    assert (task / "deu_Latn.txt").read_text().splitlines() == [german[2][0], german[3][0]]
    assert (task / "eng_Latn.txt").read_text().splitlines() == [" ".join(english[2]), english[3][0]]
    assert not (out / "tasks" / "retrieval_udhr" / "eng_Latn").exists()
    ppl = (out / "tasks" / "ppl_udhr" / "deu_Latn" / "deu_Latn.txt").read_text().splitlines()
    assert ppl == [german[3][0]]  # the shortest held-out paragraph
    assert counts["heldout_lines"] == 2 and counts["languages"] == 2 and (out / "manifest.json").is_file()


def test_aligned_lines_keep_paragraphs_when_counts_agree() -> None:
    ours, theirs = aligned_lines({1: ["a", "b"], 2: ["c"], 5: ["x"]}, {1: ["A", "B"], 2: ["C", "D"], 3: ["E"]})
    assert ours == ["a", "b", "c"] and theirs == ["A", "B", "C D"]


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def minimal(tmp_path: Path) -> dict:
    return {
        "workdir": str(tmp_path / "w"),
        "corpus": {"input": ["${CORPUS_UNDER_TEST:-" + str(tmp_path) + "}"], "build": False},
        "base": {"model": "xlm-roberta-base"},
        "extend": {"vocab": {"vocab_size": 100}, "train": {"max_steps": 1}},
    }


def test_overrides_env_variables_and_a_single_path_for_a_list(tmp_path: Path, monkeypatch) -> None:
    path = write_yaml(tmp_path / "c.yaml", minimal(tmp_path))
    config = load_pipeline_config(path)
    assert config.corpus.input == [str(tmp_path)]
    monkeypatch.setenv("CORPUS_UNDER_TEST", "/data/corpus")
    overrides = parse_overrides(["extend.train.max_steps=7", "evaluate.tasks=/t", "control.enabled=true"])
    config = load_pipeline_config(path, overrides)
    assert config.corpus.input == ["/data/corpus"] and config.evaluate.tasks == ["/t"]
    assert config.extend.train.options() == {"max_steps": 7}
    names = [stage.name for stage in build_stages(config)]
    assert names == ["vocab", "vocab_extend", "model_extend", "glot", "control", "evaluate"]  # no corpus, no base
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_overrides(["novalue"])
    with pytest.raises(ConfigError, match="'workdir' is not a section"):
        apply_overrides({"workdir": "x"}, {"workdir.sub": 1})
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE is not set"):
        expand_env({"a": ["${NOT_SET_ANYWHERE}"]})


def test_head_tail_table_gives_means_medians_wins_over_base_and_chance(tmp_path: Path) -> None:
    def row(model: str, lang: str, value: float | None, **extra: object) -> ResultRow:
        return ResultRow(model=model, task="retrieval", dataset="r", lang=lang, metric="top1", value=value,
                         head=lang == "deu_Latn", chance=0.05, **extra)  # fmt: skip

    rows = [
        row("glot", "deu_Latn", 0.8), row("glot", "quc_Latn", 0.4), row("glot", "wol_Latn", 0.2),
        row("glot", "kjh_Cyrl", 0.9), row("base", "quc_Latn", None, error="x"), row("base", "wol_Latn", 0.3),
        row("base", "kjh_Cyrl", 0.1), row("base", "deu_Latn", 0.5),
    ]  # fmt: skip
    write_results(rows, tmp_path / "results.jsonl")
    table = head_tail_table(tmp_path, models=["base", "glot"]).splitlines()
    glot = next(line for line in table if " glot " in line).split()
    # head mean, median; tail mean 0.5, median 0.4; beats base in 1 of the 2 tail languages both have; chance.
    assert glot[:10] == ["r", "top1", "glot", "0.800", "0.800", "0.500", "0.400", "50%", "0.050", "4"]
    assert "4 (1/3)" in " ".join(glot)
    assert "1 errors" in next(line for line in table if " base " in line)


def test_demo_summary_only_and_run_dry_run_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from glot500.cli import app

    folder = tmp_path / "declaration"
    folder.mkdir()
    write_declaration(folder, "eng", "eng", {1: ["All human beings are born free."]})
    write_declaration(folder, "quc", "quc", {1: ["Konojel ri winaq are ke'alax pa kolotajik."]})
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--summary-only", "--udhr-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "UDHR: 4 paragraphs in 2 language-scripts" in result.output
    assert result.output.splitlines()[2].split() == ["head", "1", "2"]

    config = write_yaml(tmp_path / "c.yaml", {**minimal(tmp_path), "udhr": {"dir": str(folder)}, "corpus": {}})
    result = runner.invoke(app, ["run", str(config), "--dry-run", "--set", "extend.train.max_steps=2"])
    assert result.exit_code == 0, result.output
    plan = [line.split()[:3] for line in result.output.splitlines()[1:]]
    assert plan[:2] == [["udhr", "udhr_split", "run"], ["corpus", "corpus", "run"]]
    assert not (tmp_path / "w").exists()  # a dry run writes nothing


def test_vocabulary_table_reads_the_vocab_report_summary(tmp_path: Path) -> None:
    import json

    from glot500.pipeline.summary import vocabulary_table

    cell = {"languages": 3, "fertility": 2.5, "unk_share": 0.125, "unk_char_share": 0.25}
    summary = {"base": {"tail": cell}, "glot": {"tail": {**cell, "unk_share": 0.0, "unk_char_share": 0.0}}}
    (tmp_path / "report.json").write_text(json.dumps({"summary": summary}))
    lines = vocabulary_table(tmp_path).splitlines()
    assert lines[1].split() == ["base", "tail", "3", "2.50", "12.50%", "25.00%"]
    assert lines[2].split() == ["glot", "tail", "3", "2.50", "0.00%", "0.00%"]


def test_udhr_validation_and_test_articles_stay_apart_and_out_of_training(tmp_path: Path) -> None:
    folder = tmp_path / "declaration"
    folder.mkdir()
    english = {n: [f"Article {n} says that everyone has rights."] for n in range(1, 7)}
    quiche = {n: [f"Ri {n} ucholajil kubij chi konojel winaq."] for n in range(1, 7)}
    write_declaration(folder, "eng", "eng", english)
    write_declaration(folder, "quc", "quc", quiche)
    out = tmp_path / "udhr"
    counts = split_udhr(folder, out, heldout=(3, 4), ppl_sentences=5, validation=(5, 6))

    training = (out / "text" / "quc_Latn.txt").read_text().splitlines()
    assert training == ["Preamble of quc", quiche[1][0], quiche[2][0]]
    test = (out / "tasks" / "retrieval_udhr" / "quc_Latn" / "quc_Latn.txt").read_text().splitlines()
    validation = (out / "validation" / "retrieval_udhr" / "quc_Latn" / "quc_Latn.txt").read_text().splitlines()
    assert test == [quiche[3][0], quiche[4][0]] and validation == [quiche[5][0], quiche[6][0]]
    assert not set(test) & set(validation) and not (set(test) | set(validation)) & set(training)
    ppl_test = (out / "tasks" / "ppl_udhr" / "quc_Latn" / "quc_Latn.txt").read_text().splitlines()
    ppl_validation = (out / "validation" / "ppl_udhr" / "quc_Latn" / "quc_Latn.txt").read_text().splitlines()
    assert set(ppl_test) == set(test) and set(ppl_validation) == set(validation)
    assert counts["heldout_lines"] == 2 and counts["validation_lines"] == 2

    with pytest.raises(ValueError, match="overlap the test articles"):
        split_udhr(folder, tmp_path / "bad", heldout=(3, 5), validation=(5, 6))


def test_evaluate_split_chooses_the_udhr_folder_the_pipeline_scores(tmp_path: Path) -> None:
    data = {**minimal(tmp_path), "udhr": {"dir": str(tmp_path)}, "corpus": {}, "evaluate": {}}
    for split, folder in (("test", "@udhr/tasks"), ("validation", "@udhr/validation")):
        config = load_pipeline_config(write_yaml(tmp_path / "c.yaml", data), {"evaluate.split": split})
        evaluate = next(stage for stage in build_stages(config) if stage.name == "evaluate")
        assert evaluate.inputs["tasks"] == [folder] and "split" not in evaluate.options
    with pytest.raises(ConfigError, match="overlap"):
        load_pipeline_config(write_yaml(tmp_path / "c.yaml", data), {"udhr.validation_articles": [18, 22]})


@pytest.mark.parametrize("name", ["demo.yaml", "demo-causal.yaml", "mini-glot500.yaml", "mini-glot500-gpu.yaml"])
def test_shipped_pipeline_configs_validate_and_plan_every_stage(name: str) -> None:
    """The configs the docs tell users to run are valid as shipped (the demos: also their validation split)."""
    path = Path(__file__).resolve().parents[2] / "configs" / name
    config = load_pipeline_config(path)
    stages = [stage.name for stage in build_stages(config)]
    assert stages[-1] == "report" or "evaluate" in stages
    if config.udhr is not None:
        assert load_pipeline_config(path, {"evaluate": {"split": "validation"}}).evaluate.split == "validation"
