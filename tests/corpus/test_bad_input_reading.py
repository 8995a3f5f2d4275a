"""Bad input at read time: every file not read is reported, text hygiene is the same at every position,
truncated compressed files keep what can be recovered (read through the input units, no pipeline run)."""

from __future__ import annotations

import gzip
import json
import lzma
import os
import zlib
from pathlib import Path

import pytest
import zstandard
from corpus_fixtures import write_lines

from glot500.core.errors import ConfigError, InputError
from glot500.corpus.config import ReadingSettings, SourceConfig, source_from_path
from glot500.corpus.reader import discover_languages, iter_texts
from glot500.corpus.sources.base import Problems
from glot500.corpus.units import expand_sources, read_unit


def read_all(source: SourceConfig):
    problems = Problems()
    chunks = [chunk for unit in expand_sources([source]) for chunk in read_unit(unit, ReadingSettings(), problems)]
    reasons: dict[str, list[str]] = {}
    for record in problems.records:
        reasons.setdefault(Path(record["file"]).name, []).append(record["reason"])
    return chunks, reasons


def text_source(path: Path) -> SourceConfig:
    return SourceConfig(type="text", path=str(path))


def test_subfolders_are_read_with_the_label_from_the_file_name(tmp_path: Path) -> None:
    write_lines(tmp_path / "deu_Latn.txt", ["oben eins", "oben zwei"])
    write_lines(tmp_path / "sub" / "deu_Latn.txt", ["unten eins"])
    write_lines(tmp_path / "sub" / "deeper" / "spa_Latn.txt", ["hola a todos"])
    chunks, reasons = read_all(text_source(tmp_path))
    assert sorted((c.lang, c.text) for c in chunks) == [
        ("deu_Latn", "oben eins"), ("deu_Latn", "oben zwei"), ("deu_Latn", "unten eins"), ("spa_Latn", "hola a todos")
    ]  # fmt: skip
    assert len({c.id for c in chunks}) == 4 and reasons == {}


def test_rows_of_same_named_files_in_subfolders_get_distinct_ids(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "rows.jsonl").write_text(json.dumps({"text": f"zeile {folder}", "lang": "de"}) + "\n")
    chunks, reasons = read_all(SourceConfig(type="jsonl", path=str(tmp_path)))
    assert [c.text for c in chunks] == ["zeile a", "zeile b"] and len({c.id for c in chunks}) == 2


def test_links_hidden_and_odd_files_each_get_a_record(tmp_path: Path) -> None:
    write_lines(tmp_path / "deu_Latn.txt", ["hallo welt"])
    (tmp_path / "ita_Latn.txt").symlink_to(tmp_path / "nope")
    (tmp_path / ".hidden_Latn.txt").write_text("secret\n")
    (tmp_path / "loop").symlink_to(tmp_path)
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    chunks, reasons = read_all(text_source(tmp_path))
    assert [c.text for c in chunks] == ["hallo welt"]
    assert "dangling symbolic link" in reasons["ita_Latn.txt"][0]
    assert "hidden" in reasons[".hidden_Latn.txt"][0]
    assert "already read" in reasons["loop"][0]
    assert "not a text file name" in reasons["notes.docx"][0]


def test_a_file_name_that_is_not_utf8_is_reported_not_a_crash(tmp_path: Path) -> None:
    write_lines(tmp_path / "deu_Latn.txt", ["hallo welt"])
    (tmp_path / os.fsdecode(b"\xff\xfe_Latn.txt")).write_text("x y\n")
    problems = Problems()
    chunks = [c for u in expand_sources([text_source(tmp_path)]) for c in read_unit(u, ReadingSettings(), problems)]
    assert [c.text for c in chunks] == ["hallo welt"]
    [record] = problems.records
    assert "not valid UTF-8" in record["reason"] and record["file"].endswith("\ufffd\ufffd_Latn.txt")
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # stats.json can hold it


def test_nul_bytes_drop_their_line_at_any_position(tmp_path: Path) -> None:
    filler = [f"satz nummer {i} mit etwas text" for i in range(3000)]  # > 64 KiB before the NUL
    data = "\n".join(filler).encode() + b"\nbad\x00line\nletzte zeile\n"
    (tmp_path / "deu_Latn.txt").write_bytes(b"\x00early\n" + data)
    chunks, reasons = read_all(text_source(tmp_path))
    dropped = [c for c in chunks if c.error]
    assert [c.error for c in dropped] == ["nul_byte", "nul_byte"]
    assert all("\x00" not in c.text for c in chunks)
    assert [c.text for c in chunks if not c.error] == [*filler, "letzte zeile"]
    assert "2 of 3003 lines hold NUL bytes" in reasons["deu_Latn.txt"][0]


def test_utf16_file_is_dropped_line_by_line_and_called_binary(tmp_path: Path) -> None:
    (tmp_path / "deu_Latn.txt").write_bytes("hallo\nwelt\n".encode("utf-16"))
    chunks, reasons = read_all(text_source(tmp_path))
    assert {c.error for c in chunks} == {"nul_byte"}
    assert "binary or UTF-16" in reasons["deu_Latn.txt"][0]


def test_lone_cr_is_a_line_break_and_crlf_one_line_end(tmp_path: Path) -> None:
    (tmp_path / "deu_Latn.txt").write_bytes(b"eins\rzwei\r\ndrei\r\n\xef\xbb\xbfvier\n")
    chunks, reasons = read_all(text_source(tmp_path))
    assert [c.text for c in chunks] == ["eins", "zwei", "drei", "vier"]
    assert len({c.id for c in chunks}) == 4
    assert reasons["deu_Latn.txt"] == [
        "repaired: 1 byte order marks (U+FEFF) removed from line starts",
        "repaired: 1 lone CR characters read as line breaks",
    ]


def test_bom_at_file_start_is_removed(tmp_path: Path) -> None:
    (tmp_path / "deu_Latn.txt").write_bytes(b"\xef\xbb\xbfhallo\nwelt\n")
    chunks, _ = read_all(text_source(tmp_path))
    assert [c.text for c in chunks] == ["hallo", "welt"]


def test_bible_lines_keep_their_verse_numbers_around_a_lone_cr(tmp_path: Path) -> None:
    write_lines(tmp_path / "vref.txt", ["GEN 1:1", "GEN 1:2"])
    (tmp_path / "eng_Latn.txt").write_bytes(b"In the\rbeginning.\nAnd God said.\n")
    chunks, reasons = read_all(source_from_path(str(tmp_path)))
    assert [(c.id.rsplit("/", 1)[1], c.text) for c in chunks] == [
        ("GEN 1:1", "In the beginning."), ("GEN 1:2", "And God said.")
    ]  # fmt: skip
    assert "read as spaces" in reasons["eng_Latn.txt"][0]


def zcat(data: bytes) -> bytes:
    """What ``zcat`` prints of a (truncated) gzip stream."""
    return zlib.decompressobj(wbits=31).decompress(data)


def test_small_truncated_gz_keeps_what_zcat_recovers(tmp_path: Path) -> None:
    lines = [f"zeile {i}: hallo welt, {i * 7919 % 1000} mal" for i in range(120)]  # ASCII: no character cut in two
    data = gzip.compress("".join(line + "\n" for line in lines).encode())
    cut = data[: len(data) * 2 // 3]
    (tmp_path / "deu_Latn.txt.gz").write_bytes(cut)
    chunks, reasons = read_all(text_source(tmp_path))
    recovered = zcat(cut).decode().split("\n")
    assert len(recovered) > 10
    assert [c.text for c in chunks if not c.error] == [line.strip() for line in recovered if line.strip()]
    assert len(reasons["deu_Latn.txt.gz"]) == 1 and "truncated" in reasons["deu_Latn.txt.gz"][0]
    assert "empty" not in reasons["deu_Latn.txt.gz"][0]


@pytest.mark.parametrize("suffix", [".xz", ".zst"])
def test_truncated_xz_and_zst_keep_the_lines_before_the_cut(tmp_path: Path, suffix: str) -> None:
    lines = [f"zeile {i} " + "abc " * (i % 7) for i in range(15000)]
    raw = "".join(line + "\n" for line in lines).encode()
    data = lzma.compress(raw) if suffix == ".xz" else zstandard.ZstdCompressor().compress(raw)
    (tmp_path / f"deu_Latn.txt{suffix}").write_bytes(data[: len(data) * 3 // 4])
    chunks, reasons = read_all(text_source(tmp_path))
    kept = [c.text for c in chunks if not c.error]
    assert len(kept) > 500 and kept[:-1] == [line.strip() for line in lines[: len(kept) - 1]]
    assert "truncated or corrupt" in reasons[f"deu_Latn.txt{suffix}"][0]


def test_empty_compressed_files_are_empty_not_damaged(tmp_path: Path) -> None:
    for name in ("deu_Latn.txt.gz", "fra_Latn.txt.xz", "spa_Latn.txt.zst", "ita_Latn.txt.bz2"):
        (tmp_path / name).write_bytes(b"")
    _, reasons = read_all(text_source(tmp_path))
    assert len(reasons) == 4 and all(reason[0].startswith("empty file") for reason in reasons.values()), reasons


def test_every_frame_of_a_multi_frame_zst_is_read(tmp_path: Path) -> None:
    compress = zstandard.ZstdCompressor().compress
    (tmp_path / "deu_Latn.txt.zst").write_bytes(compress(b"erster rahmen\n") + compress(b"zweiter rahmen\n"))
    chunks, reasons = read_all(text_source(tmp_path))
    assert [c.text for c in chunks] == ["erster rahmen", "zweiter rahmen"] and reasons == {}


def test_jsonl_bom_nul_rows_and_truncation(tmp_path: Path) -> None:
    rows = [
        {"text": "erste zeile", "lang": "de"},
        {"text": "mit\u0000nul", "lang": "de"},
        {"text": "dritte", "lang": "de"},
    ]
    raw = ("\ufeff" + "".join(json.dumps(row) + "\n" for row in rows)).encode()
    (tmp_path / "a.jsonl").write_bytes(raw)
    chunks, reasons = read_all(source_from_path(str(tmp_path / "a.jsonl")))
    assert [(c.text, c.error) for c in chunks] == [
        ("erste zeile", None),
        ("mit\ufffdnul", "nul_byte"),
        ("dritte", None),
    ]
    assert "1 rows hold NUL bytes" in reasons["a.jsonl"][0]
    cut = gzip.compress(raw * 200)[:-40]
    (tmp_path / "b.jsonl.gz").write_bytes(cut)
    chunks, reasons = read_all(source_from_path(str(tmp_path / "b.jsonl.gz")))
    assert len(chunks) == len([line for line in zcat(cut).split(b"\n") if line.strip()]) > 300  # every row zcat gives
    assert "truncated" in reasons["b.jsonl.gz"][0]


def test_downstream_reader_follows_the_same_rules(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "deu_Latn.txt").write_bytes(b"\xef\xbb\xbfeins\rzwei\nbad\x00line\n\xff\xfe\ndrei\n")
    write_lines(tmp_path / "sub" / "spa_Latn.txt", ["hola"])
    (tmp_path / "README.md").write_text("about\n")
    found = discover_languages(tmp_path)
    assert sorted(found) == ["deu_Latn", "spa_Latn"]
    assert list(iter_texts(found["deu_Latn"])) == ["eins", "zwei", "drei"]
    logged = caplog.text
    assert "README.md" in logged and "NUL bytes" in logged and "not valid UTF-8" in logged


def test_a_missing_path_is_not_taken_for_a_hub_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "typo").mkdir()
    with pytest.raises(ConfigError, match="input not found: typo/dir"):
        source_from_path("typo/dir")
    with pytest.raises(ConfigError, match="input not found"):
        source_from_path("nowhere/deu_Latn.txt")
    assert source_from_path("cis-lmu/Glot500").type == "hf_hub"


def test_downstream_reader_gives_the_recoverable_lines_then_raises(tmp_path: Path) -> None:
    lines = [f"zeile {i}: hallo welt, {i * 7919 % 1000} mal" for i in range(120)]
    cut = gzip.compress("".join(line + "\n" for line in lines).encode())[:-60]
    (tmp_path / "deu_Latn.txt.gz").write_bytes(cut)
    texts: list[str] = []
    with pytest.raises(InputError, match="truncated or corrupt"):
        for text in iter_texts(discover_languages(tmp_path)["deu_Latn"]):
            texts.append(text)
    assert texts == [line.strip() for line in zcat(cut).decode().split("\n") if line.strip()]
