"""A stage rerun empties only a folder the pipeline wrote: a user's folder under a stage's name is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from glot500.core.errors import InputError
from glot500.pipeline import StageContext, StageKind
from glot500.pipeline.graph import Stage
from glot500.pipeline.runner import Pipeline


def copy_stage(ctx: StageContext) -> None:
    text = (Path(ctx.inputs["input"]) / "deu_Latn.txt").read_text()
    (ctx.out_dir / "copy.txt").write_text(text)


def make_pipeline(workdir: Path, source: Path) -> Pipeline:
    stage = Stage("corpus", "corpus", "corpus", inputs={"input": str(source)})
    return Pipeline([stage], workdir, {"corpus": StageKind(copy_stage)})


def test_forced_rerun_replaces_its_own_folder(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    (source / "deu_Latn.txt").write_text("eins\n")
    pipeline = make_pipeline(tmp_path / "run", source)
    pipeline.run()
    (source / "deu_Latn.txt").write_text("zwei\n")
    pipeline.run({"corpus"})
    assert (tmp_path / "run" / "corpus" / "copy.txt").read_text() == "zwei\n"


def test_a_folder_the_pipeline_did_not_write_is_kept(tmp_path: Path) -> None:
    source = tmp_path / "corpus"  # the user's data sits where the stage "corpus" writes (workdir = tmp_path)
    source.mkdir()
    (source / "deu_Latn.txt").write_text("eins\n")
    with pytest.raises(InputError):
        make_pipeline(tmp_path, source).run({"corpus"})
    assert (source / "deu_Latn.txt").read_text() == "eins\n"
