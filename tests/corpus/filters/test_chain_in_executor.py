"""The whole default chain inside datatrove's LocalPipelineExecutor: every chunk kept or dropped with a reason."""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.writers import JsonlWriter

from glot500.corpus.filters import CleaningConfig, build_cleaning_filters

CHUNKS = [
    ("In the beginning God created the heavens and the earth.", "eng_Latn", None),
    ("Сва људска бића рађају се слободна", "srp_Latn", "script_mismatch"),
    ("", "eng_Latn", "too_few_chars"),
    ("Jesus wept.", "eng_Latn", "too_few_words"),
    ("$$$ ### 1234 5678 !!! ??? ... a b c", "eng_Latn", "special_characters"),
    ("ha " * 30, "eng_Latn", "character_repetition"),
    ("the quick brown fox jumps over the lazy dog " * 3, "eng_Latn", "word_repetition"),
    ("ฉันรักคุณมาก", "tha_Thai", None),
    ("太初有道，道与神同在，道就是神。", "cmn_Hani", None),
]


def read_jsonl(folder: Path) -> list[dict]:
    return [json.loads(line) for file in sorted(folder.rglob("*.jsonl")) for line in file.read_text().splitlines()]


def test_default_chain_accounts_for_every_chunk(doc, tmp_path: Path) -> None:
    docs = [doc(text, lang, f"c{index}") for index, (text, lang, _) in enumerate(CHUNKS)]
    filters = build_cleaning_filters(
        CleaningConfig(), lambda step: JsonlWriter(str(tmp_path / "dropped" / step), compression=None)
    )
    kept_writer = JsonlWriter(str(tmp_path / "kept"), compression=None)
    executor = LocalPipelineExecutor([docs, *filters, kept_writer], tasks=1, logging_dir=str(tmp_path / "logs"))
    executor.run()

    kept = {row["id"] for row in read_jsonl(tmp_path / "kept")}
    dropped = {row["id"]: row["metadata"]["filter_reason"] for row in read_jsonl(tmp_path / "dropped")}
    assert kept == {f"c{i}" for i, (_, _, reason) in enumerate(CHUNKS) if reason is None}
    assert dropped == {f"c{i}": reason for i, (_, _, reason) in enumerate(CHUNKS) if reason is not None}
    stats = {step["name"]: step["stats"] for step in json.loads((tmp_path / "logs" / "stats.json").read_text())}
    length = {
        key: value["total"] if isinstance(value, dict) else value for key, value in stats["🔻 - FILTER: length"].items()
    }
    assert (length["total"], length["forwarded"], length["dropped_too_few_chars"]) == (8, 6, 1)
