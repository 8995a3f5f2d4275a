"""Each source type and each bad-input case, read through the input units (no pipeline run)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from corpus_fixtures import sentences, write_lines

from glot500.core.errors import ConfigError
from glot500.corpus.config import ReadingSettings, SourceConfig, source_from_path
from glot500.corpus.sources import text as text_source
from glot500.corpus.sources.base import Problems
from glot500.corpus.units import expand_sources, read_unit


def read_all(sources: list[SourceConfig], reading: ReadingSettings | None = None):
    problems = Problems()
    chunks = [
        chunk for unit in expand_sources(sources) for chunk in read_unit(unit, reading or ReadingSettings(), problems)
    ]
    return chunks, problems.records


@pytest.mark.parametrize("suffix", [".txt", ".txt.gz", ".txt.xz", ".txt.zst"])
def test_text_file_label_from_name_any_compression(tmp_path: Path, suffix: str) -> None:
    lines = sentences("latin", 5, seed=1)
    write_lines(tmp_path / f"deu_Latn{suffix}", lines[:3] + [""] + lines[3:])  # a blank line is not a chunk
    chunks, problems = read_all([source_from_path(str(tmp_path))])
    assert [c.text for c in chunks] == lines
    assert {c.lang for c in chunks} == {"deu_Latn"} and all(c.error is None for c in chunks)
    assert len({c.id for c in chunks}) == 5 and problems == []
    assert chunks[0].nbytes == len(lines[0].encode())


def test_lang_flag_labels_a_file_and_any_code_is_normalised(tmp_path: Path) -> None:
    file = write_lines(tmp_path / "whatever.txt", sentences("cyrillic", 3, seed=2))
    chunks, _ = read_all([source_from_path(str(file), lang="sr-Cyrl")])
    assert {c.lang for c in chunks} == {"srp_Cyrl"}
    with pytest.raises(ConfigError, match="not a language code"):
        expand_sources([source_from_path(str(file), lang="not-a-code!")])


def test_jsonl_rows_with_codes_unknown_codes_and_invalid_json(tmp_path: Path) -> None:
    rows = [
        {"text": "Guten Morgen, wie geht es dir heute?", "lang": "de"},
        {"text": "Добро јутро, како си данас?", "lang": "sr-Cyrl"},
        {"text": "Good morning to all of you.", "lang": "eng_Latn"},
        {"text": "Something in a made up code.", "lang": "qqqq"},
        {"lang": "de"},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{not json\n", encoding="utf-8")
    chunks, problems = read_all([source_from_path(str(path))])
    assert [(c.lang, c.error) for c in chunks] == [
        ("deu_Latn", None),
        ("srp_Cyrl", None),
        ("eng_Latn", None),
        ("und_Zzzz", "unknown_language"),
        ("deu_Latn", "no_text"),
        ("und_Zzzz", "invalid_json"),
    ]
    assert any("'qqqq'" in p["reason"] for p in problems)


def test_parquet_text_and_language_columns(tmp_path: Path) -> None:
    table = pa.table({"content": ["Bonjour à tous les amis.", "Hola a todos los amigos."], "language": ["fr", "spa"]})
    pq.write_table(table, tmp_path / "part.parquet")
    source = SourceConfig(type="parquet", path=str(tmp_path), text_field="content", lang_field="language")
    chunks, problems = read_all([source])
    assert [(c.text, c.lang) for c in chunks] == [
        ("Bonjour à tous les amis.", "fra_Latn"),
        ("Hola a todos los amigos.", "spa_Latn"),
    ]
    assert problems == []


def test_hf_save_to_disk_folders_one_per_language_script(tmp_path: Path) -> None:
    from datasets import Dataset

    Dataset.from_dict({"text": sentences("latin", 4, seed=3)}).save_to_disk(str(tmp_path / "glot" / "deu_Latn"))
    Dataset.from_dict({"text": sentences("han", 2, seed=4)}).save_to_disk(str(tmp_path / "glot" / "cmn_Hani"))
    source = source_from_path(str(tmp_path / "glot"))
    assert source.type == "hf_disk"
    chunks, problems = read_all([source])
    assert sorted({(c.lang, sum(x.lang == c.lang for x in chunks)) for c in chunks}) == [
        ("cmn_Hani", 2),
        ("deu_Latn", 4),
    ]
    assert problems == []


def test_udhr_source_from_a_local_folder(tmp_path: Path) -> None:
    folder = tmp_path / "declaration"
    folder.mkdir()
    html = (
        '<html data-code="{c}" data-iso6393="{c}"><body><header><p>{a}</p></header>'
        '<article data-number="1"><p>{b}</p></article></body></html>'
    )
    (folder / "deu.html").write_text(html.format(c="deu", a="Alle Menschen sind frei.", b="Jeder hat Rechte."))
    (folder / "und.html").write_text(html.format(c="und", a="x", b="y"))
    chunks, problems = read_all([SourceConfig(type="udhr", path=str(tmp_path))])
    assert [(c.id, c.lang) for c in chunks] == [
        ("udhr/deu/preamble/1", "deu_Latn"),
        ("udhr/deu/article01/1", "deu_Latn"),
    ]
    assert len(problems) == 1 and "und.html" in problems[0]["file"]


def test_bible_files_aligned_with_a_verse_list(tmp_path: Path) -> None:
    (tmp_path / "vref.txt").write_text("GEN 1:1\nGEN 1:2\nGEN 1:3\n", encoding="utf-8")
    write_lines(tmp_path / "eng_Latn.txt", ["In the beginning.", "", "And God said."])  # GEN 1:2 missing
    source = source_from_path(str(tmp_path))
    assert source.type == "bible"
    chunks, problems = read_all([source])
    assert [c.id.split("/", 1)[1] for c in chunks] == ["eng_Latn.txt/GEN 1:1", "eng_Latn.txt/GEN 1:3"]
    assert problems == []


def test_bad_inputs_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    good = sentences("latin", 3, seed=5)
    write_lines(tmp_path / "deu_Latn.txt", good)
    (tmp_path / "fra_Latn.txt").write_bytes(b"bon jour\n\xff\xfe broken\nau revoir\n")  # one invalid UTF-8 line
    (tmp_path / "ita_Latn.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (tmp_path / "spa_Latn.txt").write_bytes(b"")
    write_lines(tmp_path / "notalanguage.txt", ["some text"])
    (tmp_path / "nld_Latn.txt.xz").write_bytes(b"\xfd7zXZ\x00 corrupt")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    chunks, problems = read_all([SourceConfig(type="text", path=str(tmp_path))])
    by_lang = {(c.lang, c.error) for c in chunks}
    assert ("fra_Latn", "invalid_utf8") in by_lang and ("und_Zzzz", "unknown_language") in by_lang
    assert [c.text for c in chunks if c.lang == "deu_Latn"] == good
    assert [c.text for c in chunks if c.lang == "fra_Latn" and not c.error] == ["bon jour", "au revoir"]
    reasons = {Path(p["file"]).name: p["reason"] for p in problems}
    assert "binary" in reasons["ita_Latn.txt"] and "empty" in reasons["spa_Latn.txt"]
    assert "not a language code" in reasons["notalanguage.txt"] and "not a text" in reasons["picture.png"]
    assert "truncated or corrupt" in reasons["nld_Latn.txt.xz"]


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_lines(tmp_path / "deu_Latn.txt", ["eins zwei drei"])
    write_lines(tmp_path / "fra_Latn.txt", ["un deux trois"])
    real_open = text_source.open_binary

    def refuse(path):
        if Path(path).name == "deu_Latn.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(path)

    monkeypatch.setattr(text_source, "open_binary", refuse)
    chunks, problems = read_all([SourceConfig(type="text", path=str(tmp_path))])
    assert [c.lang for c in chunks] == ["fra_Latn"]
    assert problems[0]["reason"].startswith("unreadable") and problems[0]["file"].endswith("deu_Latn.txt")


def test_huge_line_is_skipped_in_bounded_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_source, "BLOCK_BYTES", 1024)  # the huge line spans many blocks
    huge = "x" * 200_000
    write_lines(tmp_path / "deu_Latn.txt", ["vorher kommt dies", huge, "nachher kommt das", "y" * 5000])
    reading = ReadingSettings(max_line_bytes=4096, preview_chars=50)
    chunks, problems = read_all([SourceConfig(type="text", path=str(tmp_path))], reading)
    assert [(c.error, c.nbytes) for c in chunks] == [
        (None, 17),
        ("line_too_long", 200_000),
        (None, 17),
        ("line_too_long", 5000),
    ]
    assert chunks[1].text == "x" * 50 and sum("max_line_bytes" in p["reason"] for p in problems) == 2


def test_missing_source_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        source_from_path(str(tmp_path / "nope"))
