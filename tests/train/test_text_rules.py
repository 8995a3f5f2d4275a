"""One set of line rules for every stage: ``core.textio.clean_lines`` and the readers built on it agree."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from glot500.core.errors import InputError
from glot500.core.textio import TextAccount, clean_lines
from glot500.corpus.reader import iter_texts
from glot500.corpus.sources.base import Problems
from glot500.corpus.sources.text import read_text_file
from glot500.train.text import training_texts

MESSY = (
    b"\xef\xbb\xbf  eins  \r\nzwei\rdrei\nbad\x00line\n\xff\xfe\n\n"
    + b"x" * 2_000_000
    + b"\n\xef\xbb\xbfvier\nf\xc3\xbcnf"
)


def test_clean_lines_keeps_repairs_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "deu_Latn.txt"
    path.write_bytes(MESSY)
    account = TextAccount()
    assert list(clean_lines(path, account)) == ["eins", "zwei", "drei", "vier", "fünf"]
    assert account.dropped == {"nul_bytes": 1, "invalid_utf8": 1, "line_too_long": 1}
    assert account.repaired == {"bom": 2, "lone_cr_split": 1}
    assert account.lines == 8 and account.read_error is None
    assert account.to_json() == {"dropped": account.dropped, "repaired": account.repaired, "read_error": None}


def test_every_reader_keeps_the_same_lines(tmp_path: Path) -> None:
    path = tmp_path / "deu_Latn.txt"
    path.write_bytes(MESSY)
    corpus_stage = [c.text for c in read_text_file(path, "deu_Latn", "test", Problems()) if c.error is None]
    downstream = list(iter_texts([path]))
    training = list(training_texts(path, TextAccount()))
    assert corpus_stage == downstream == training == ["eins", "zwei", "drei", "vier", "fünf"]


def test_a_truncated_file_gives_its_lines_then_one_error(tmp_path: Path) -> None:
    whole = gzip.compress("".join(f"zeile {i}\n" for i in range(3000)).encode())
    path = tmp_path / "deu_Latn.txt.gz"
    path.write_bytes(whole[: len(whole) // 2])
    account = TextAccount()
    kept: list[str] = []
    with pytest.raises(InputError, match="truncated or corrupt data after"):
        for text in clean_lines(path, account):
            kept.append(text)
    assert len(kept) == account.lines > 100 and account.read_error is not None
    assert list(training_texts(path, TextAccount())) == kept  # training keeps them and goes on
